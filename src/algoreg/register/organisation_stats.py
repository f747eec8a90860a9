"""Organisations as the public sees them: their details and how many algorithms they publish.

An algorithm counts as published when the public can see it now: it has a published version and
is neither retracted nor archived (the same rule as :func:`algoreg.register.algorithms.is_public`).
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, Organisation
from algoreg.register.organisations import OrganisationKind, get_organisation


@dataclass(frozen=True)
class OrganisationSummary:
    """An organisation with the number of algorithms it publishes now."""

    code: str
    name: str
    kind: OrganisationKind
    website: str | None
    contact_email: str | None
    published_count: int


@dataclass(frozen=True)
class KindGroup:
    """The organisations of one kind, by name, and the algorithms they publish together."""

    kind: OrganisationKind
    organisations: list[OrganisationSummary]

    @property
    def published_count(self) -> int:
        """The number of published algorithms of all organisations in this group."""
        return sum(item.published_count for item in self.organisations)


def _visible() -> tuple[ColumnElement[bool], ...]:
    return (
        Algorithm.public_version_number.is_not(None),
        Algorithm.retracted_at.is_(None),
        Algorithm.archived_at.is_(None),
    )


def published_counts(session: Session) -> dict[int, int]:
    """Return, per organisation id that publishes any, the number of algorithms public now."""
    rows = session.execute(
        select(Algorithm.organisation_id, func.count(Algorithm.id))
        .where(*_visible())
        .group_by(Algorithm.organisation_id)
    )
    return {row[0]: row[1] for row in rows}


def _summary(organisation: Organisation, count: int) -> OrganisationSummary:
    return OrganisationSummary(
        code=organisation.code,
        name=organisation.name,
        kind=OrganisationKind(organisation.kind),
        website=organisation.website,
        contact_email=organisation.contact_email,
        published_count=count,
    )


def organisation_summaries(session: Session) -> list[OrganisationSummary]:
    """Return every organisation, by name, with its number of published algorithms (0 or more)."""
    counts = published_counts(session)
    organisations = session.scalars(select(Organisation).order_by(Organisation.name, Organisation.code))
    return [_summary(organisation, counts.get(organisation.id, 0)) for organisation in organisations]


def sort_summaries(summaries: list[OrganisationSummary], by: str) -> list[OrganisationSummary]:
    """Return the organisations by name (``by="name"``) or most published first (``"count"``).

    Equal counts are ordered by name; an unknown ``by`` sorts by name.
    """
    by_name = sorted(summaries, key=lambda item: (item.name.casefold(), item.code))
    if by == "count":
        return sorted(by_name, key=lambda item: -item.published_count)
    return by_name


def group_by_kind(summaries: list[OrganisationSummary]) -> list[KindGroup]:
    """Return the organisations grouped by kind, in the order of :class:`OrganisationKind`.

    Kinds without organisations are left out; within a group the given order is kept.
    """
    groups = [KindGroup(kind, [item for item in summaries if item.kind is kind]) for kind in OrganisationKind]
    return [group for group in groups if group.organisations]


def organisation_summary(session: Session, code: str) -> OrganisationSummary:
    """Return one organisation with its number of published algorithms, or raise ``NotFound``."""
    organisation = get_organisation(session, code)
    count = session.scalar(
        select(func.count(Algorithm.id)).where(
            Algorithm.organisation_id == organisation.id,
            *_visible(),
        )
    )
    return _summary(organisation, count or 0)
