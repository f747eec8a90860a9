"""Figures about the public register: how many algorithms are published, by kind and over time.

Every figure counts the algorithms the public can see now, the same ones that
:func:`algoreg.register.algorithms.list_published` lists: an algorithm with a public version that is
neither retracted nor archived, described by that public version. Concepts, algorithms waiting
for review, retracted and archived ones never count, and neither do newer unpublished versions
of a published algorithm.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, cast, func, literal, select, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, AlgorithmVersion, Organisation
from algoreg.register.organisations import OrganisationKind
from algoreg.standard.enums import Category, PublicationCategory, Status

#: Months are counted on the register's own calendar: Dutch time, not UTC.
REGISTER_TIMEZONE = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class Count:
    """How many published algorithms have one value (an enum value or organisation kind)."""

    value: str
    count: int


@dataclass(frozen=True)
class MonthCount:
    """Published algorithms first published in one month, and the running total up to it."""

    month: date  # the first day of the month
    count: int
    cumulative: int


@dataclass(frozen=True)
class RegisterStatistics:
    """All figures of the statistics page, each list in a fixed order, with zeros included.

    ``by_theme`` counts an algorithm once under every theme it names, so its counts can add up
    to more than ``total``; ``without_theme`` counts the algorithms that name none.
    """

    total: int
    by_organisation_kind: list[Count]
    by_theme: list[Count]
    without_theme: int
    by_status: list[Count]
    by_publication_category: list[Count]
    by_month: list[MonthCount]


def _visible() -> tuple[ColumnElement[bool], ...]:
    return (
        Algorithm.public_version_number.is_not(None),
        Algorithm.retracted_at.is_(None),
        Algorithm.archived_at.is_(None),
    )


def _public_versions() -> Any:
    """Visible algorithms joined to their public version and organisation, to select from."""
    return (
        select()
        .select_from(Algorithm)
        .join(
            AlgorithmVersion,
            (AlgorithmVersion.algorithm_id == Algorithm.id)
            & (AlgorithmVersion.number == Algorithm.public_version_number),
        )
        .join(Organisation, Organisation.id == Algorithm.organisation_id)
        .where(*_visible())
    )


def _in_order(counted: dict[str, int], order: list[str]) -> list[Count]:
    """Counts for every value of ``order`` (zeros too), then any other value found, by name."""
    extra = sorted(value for value in counted if value not in order)
    return [Count(value, counted.get(value, 0)) for value in [*order, *extra]]


def _grouped(session: Session, column: Any) -> dict[str, int]:
    rows = session.execute(_public_versions().add_columns(column, func.count(Algorithm.id)).group_by(column))
    return {str(value): int(count) for value, count in rows}


def _theme_elements(session: Session) -> Any:
    """A table-valued expression giving each theme of the public version, one row per theme."""
    if session.get_bind().dialect.name == "postgresql":
        themes = cast(AlgorithmVersion.record, JSONB)["category"]
        array = case((func.jsonb_typeof(themes) == "array", themes), else_=cast(literal("[]"), JSONB))
        return func.jsonb_array_elements_text(array).table_valued("value")
    path = func.json_extract(AlgorithmVersion.record, "$.category")
    array = case((func.json_type(AlgorithmVersion.record, "$.category") == "array", path), else_="[]")
    return func.json_each(array).table_valued("value")


def _theme_counts(session: Session) -> tuple[dict[str, int], int]:
    """Published algorithms per theme, and how many algorithms name at least one theme."""
    themes = _theme_elements(session)
    per_theme = session.execute(
        _public_versions()
        .add_columns(themes.c.value, func.count(func.distinct(Algorithm.id)))
        .join(themes, true())
        .group_by(themes.c.value)
    )
    counted = {str(value): int(count) for value, count in per_theme}
    with_theme = session.scalar(
        _public_versions().add_columns(func.count(func.distinct(Algorithm.id))).join(themes, true())
    )
    return counted, int(with_theme or 0)


def _first_publications(session: Session) -> list[datetime]:
    """When each visible algorithm was first published (any version, earliest), one per algorithm."""
    first = func.min(AlgorithmVersion.published_at)
    rows = session.scalars(
        select(first)
        .select_from(Algorithm)
        .join(AlgorithmVersion, AlgorithmVersion.algorithm_id == Algorithm.id)
        .where(*_visible(), AlgorithmVersion.published_at.is_not(None))
        .group_by(Algorithm.id)
    )
    return [moment for moment in rows if moment is not None]


def months_of(moments: list[datetime]) -> list[MonthCount]:
    """Count ``moments`` per month in Dutch time, from the first month to the last, gaps as zero."""
    per_month = Counter(moment.astimezone(REGISTER_TIMEZONE).date().replace(day=1) for moment in moments)
    if not per_month:
        return []
    month, last = min(per_month), max(per_month)
    result: list[MonthCount] = []
    running = 0
    while month <= last:
        running += per_month[month]
        result.append(MonthCount(month, per_month[month], running))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return result


def register_statistics(session: Session) -> RegisterStatistics:
    """Return the figures of the public register, computed now from the database."""
    total = session.scalar(_public_versions().add_columns(func.count(Algorithm.id))) or 0
    themes, with_theme = _theme_counts(session)
    return RegisterStatistics(
        total=total,
        by_organisation_kind=_in_order(
            _grouped(session, Organisation.kind), [kind.value for kind in OrganisationKind]
        ),
        by_theme=_in_order(themes, [theme.value for theme in Category]),
        without_theme=total - with_theme,
        by_status=_in_order(_grouped(session, AlgorithmVersion.status), [s.value for s in Status]),
        by_publication_category=_in_order(
            _grouped(session, AlgorithmVersion.publication_category),
            [category.value for category in PublicationCategory],
        ),
        by_month=months_of(_first_publications(session)),
    )
