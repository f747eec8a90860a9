"""Taking one harvested record into this register, or withdrawing it; the caller's transaction.

A harvested record becomes an algorithm of this register under its organisation (created when
missing) and is published at once through the register's own workflow, by a system principal
named after the source, so the audit log, the search index and the publication log follow as for
any publication. Every stored version gets a provenance row. A record that is not valid is kept
in quarantine with every reason, and the last valid version stays published.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from algoreg.db.models import (
    Algorithm,
    HarvestItem,
    HarvestQuarantine,
    HarvestSource,
    HarvestVersion,
    Organisation,
)
from algoreg.errors import AlgoregError, InvalidInput
from algoreg.federation.sources import passes_filter
from algoreg.register import algorithms
from algoreg.register.organisations import OrganisationIn, OrganisationKind, create_organisation
from algoreg.register.publication_log import record_hash
from algoreg.register.roles import Principal
from algoreg.register.workflow import Action, State, steps_to_publish

#: How large a quarantined record may be before only its problems are kept.
MAX_QUARANTINED_RECORD_CHARS = 200_000

_KIND_BY_PREFIX = (
    ("gm", OrganisationKind.GEMEENTE),
    ("pv", OrganisationKind.PROVINCIE),
    ("ws", OrganisationKind.WATERSCHAP),
    ("mnre", OrganisationKind.MINISTERIE),
    ("zbo", OrganisationKind.ZBO),
)


class Outcome(StrEnum):
    """What happened to one harvested record."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    WITHDRAWN = "withdrawn"
    INVALID = "invalid"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Incoming:
    """One record as a source offers it, with where it came from."""

    remote_id: str
    record: Any
    organisation_code: str | None
    organisation_name: str | None
    fetched_at: datetime
    remote_version: int | None = None
    expected_hash: str | None = None
    #: The source's own marker of the record's version (kept to skip unchanged records next time).
    remote_marker: str | None = None
    #: Problems the reader already found (such as an upgrade that failed): the record is quarantined.
    problems: tuple[dict[str, Any], ...] = ()


def harvester_principal(source_id: int) -> Principal:
    """Return the system principal that acts for a source: named after it, allowed everywhere."""
    return Principal(name=f"harvester:{source_id}", is_superuser=True)


def guess_organisation_kind(code: str) -> OrganisationKind:
    """Guess an organisation's kind from the prefix of its official code (gm0363 → gemeente)."""
    for prefix, kind in _KIND_BY_PREFIX:
        if re.match(rf"^{prefix}\d", code):
            return kind
    return OrganisationKind.OTHER


def content_hash(record: Any) -> str:
    """Return the SHA-256 of a record's canonical JSON, as the harvest protocol computes it."""
    return record_hash(record)


def _quarantine(
    session: Session, source: HarvestSource, incoming: Incoming, problems: list[dict[str, Any]]
) -> Outcome:
    session.execute(
        delete(HarvestQuarantine).where(
            HarvestQuarantine.source_id == source.id, HarvestQuarantine.remote_id == incoming.remote_id
        )
    )
    record = incoming.record
    if len(repr(record)) > MAX_QUARANTINED_RECORD_CHARS:
        record = None
    session.add(
        HarvestQuarantine(
            source_id=source.id,
            remote_id=incoming.remote_id,
            fetched_at=incoming.fetched_at,
            problems=problems,
            record=record,
        )
    )
    return Outcome.INVALID


def _release_quarantine(session: Session, source_id: int, remote_id: str) -> None:
    session.execute(
        delete(HarvestQuarantine).where(
            HarvestQuarantine.source_id == source_id, HarvestQuarantine.remote_id == remote_id
        )
    )


def _item(session: Session, source_id: int, remote_id: str) -> HarvestItem | None:
    return session.scalar(
        select(HarvestItem).where(HarvestItem.source_id == source_id, HarvestItem.remote_id == remote_id)
    )


def _organisation(
    session: Session, principal: Principal, source: HarvestSource, incoming: Incoming
) -> Organisation | list[dict[str, Any]]:
    """Return the local organisation for the record (creating it), or the problems in the way."""
    code = (incoming.organisation_code or "").strip().lower()
    if not code:
        return [{"field": "organisation", "reason": "is missing, so the record has no organisation here"}]
    existing = session.scalar(select(Organisation).where(Organisation.code == code))
    if existing is not None:
        return existing
    name = incoming.organisation_name
    if not isinstance(name, str) or not name.strip():
        return [
            {
                "field": "organization",
                "reason": f"is missing, so organisation '{code}' cannot be created here; give its name",
            }
        ]
    kind = source.organisation_kind
    try:
        data = OrganisationIn(
            code=code,
            name=name.strip(),
            kind=OrganisationKind(kind) if kind else guess_organisation_kind(code),
        )
    except ValidationError as invalid:
        return [
            {"field": "organisation." + ".".join(str(p) for p in e["loc"]), "reason": e["msg"]}
            for e in invalid.errors()
        ]
    return create_organisation(session, principal, data)


def _publish(session: Session, principal: Principal, algorithm: Algorithm) -> bool:
    """Publish the algorithm's newest version unless it is public already; tell whether it did."""
    if algorithms.is_public(algorithm) and algorithm.public_version_number == algorithm.latest_version_number:
        return False
    steps = steps_to_publish(State(algorithm.state))
    if steps:
        algorithms.perform_steps(session, principal, algorithm.public_id, steps, note="harvested")
    return True


def apply_record(session: Session, source: HarvestSource, incoming: Incoming) -> Outcome:
    """Take one harvested record in: create or update and publish it, or quarantine it.

    A record outside the source's categories is skipped, and withdrawn when it was public here.
    A record whose content hash is the one applied last, and that is public, stores nothing.
    Runs in the caller's transaction; raises only for unexpected domain errors.
    """
    principal = harvester_principal(source.id)
    item = _item(session, source.id, incoming.remote_id)
    if item is not None:
        item.last_seen_at = incoming.fetched_at
    if not passes_filter(incoming.record, source.all_categories):
        _release_quarantine(session, source.id, incoming.remote_id)
        if item is not None:
            return withdraw(session, source, incoming.remote_id)
        return Outcome.SKIPPED
    if incoming.problems:
        return _quarantine(session, source, incoming, list(incoming.problems))
    if not isinstance(incoming.record, dict):
        return _quarantine(
            session,
            source,
            incoming,
            [{"field": "", "reason": "must be a JSON object with the standard's fields"}],
        )
    digest = content_hash(incoming.record)
    if incoming.expected_hash is not None and incoming.expected_hash != digest:
        return _quarantine(
            session,
            source,
            incoming,
            [
                {
                    "field": "record_hash",
                    "reason": f"is {incoming.expected_hash}, but the record hashes to {digest}; "
                    "the record was changed or damaged on the way",
                }
            ],
        )
    algorithm = session.get(Algorithm, item.algorithm_id) if item is not None else None
    if (
        item is not None
        and algorithm is not None
        and item.record_hash == digest
        and algorithms.is_public(algorithm)
    ):
        _release_quarantine(session, source.id, incoming.remote_id)
        item.remote_marker = incoming.remote_marker
        return Outcome.UNCHANGED
    try:
        with session.begin_nested():
            outcome = _store(session, principal, source, incoming, item, algorithm, digest)
    except InvalidInput as invalid:
        problems = [{"field": p.field, "reason": p.reason} for p in invalid.problems]
        return _quarantine(session, source, incoming, problems or [{"field": "", "reason": invalid.message}])
    except _Problems as held:
        return _quarantine(session, source, incoming, held.problems)
    _release_quarantine(session, source.id, incoming.remote_id)
    return outcome


class _Problems(AlgoregError):
    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__("the record cannot be taken in")
        self.problems = problems


def _store(
    session: Session,
    principal: Principal,
    source: HarvestSource,
    incoming: Incoming,
    item: HarvestItem | None,
    algorithm: Algorithm | None,
    digest: str,
) -> Outcome:
    record: dict[str, Any] = incoming.record
    if item is None or algorithm is None:
        organisation = _organisation(session, principal, source, incoming)
        if isinstance(organisation, list):
            raise _Problems(organisation)
        algorithm = algorithms.create_algorithm(
            session, principal, organisation.code, record, source_id=f"{source.id}:{incoming.remote_id}"
        )
        _publish(session, principal, algorithm)
        session.add(
            HarvestItem(
                source_id=source.id,
                remote_id=incoming.remote_id,
                algorithm_id=algorithm.id,
                record_hash=digest,
                remote_marker=incoming.remote_marker,
                last_seen_at=incoming.fetched_at,
            )
        )
        _provenance(session, source, incoming, algorithm, digest)
        return Outcome.NEW
    if algorithm.state == State.ARCHIVED.value:
        algorithms.perform(session, principal, algorithm.public_id, Action.UNARCHIVE, note="harvested")
    before = algorithm.latest_version_number
    algorithms.update_algorithm(session, principal, algorithm.public_id, record, None)
    published = _publish(session, principal, algorithm)
    item.record_hash = digest
    item.remote_marker = incoming.remote_marker
    if algorithm.latest_version_number != before:
        _provenance(session, source, incoming, algorithm, digest)
        return Outcome.UPDATED
    return Outcome.UPDATED if published else Outcome.UNCHANGED


def _provenance(
    session: Session, source: HarvestSource, incoming: Incoming, algorithm: Algorithm, digest: str
) -> None:
    session.add(
        HarvestVersion(
            source_id=source.id,
            remote_id=incoming.remote_id,
            algorithm_id=algorithm.id,
            version_number=algorithm.latest_version_number,
            record_hash=digest,
            remote_version=incoming.remote_version,
            fetched_at=incoming.fetched_at,
        )
    )


def withdraw(session: Session, source: HarvestSource, remote_id: str) -> Outcome:
    """Withdraw a harvested record from public view here (retract); history is kept.

    Returns :attr:`Outcome.WITHDRAWN` when it was public, :attr:`Outcome.SKIPPED` otherwise.
    """
    _release_quarantine(session, source.id, remote_id)
    item = _item(session, source.id, remote_id)
    if item is None:
        return Outcome.SKIPPED
    algorithm = session.get(Algorithm, item.algorithm_id)
    if algorithm is None or not algorithms.is_public(algorithm):
        return Outcome.SKIPPED
    algorithms.perform(
        session, harvester_principal(source.id), algorithm.public_id, Action.RETRACT, note="harvested"
    )
    return Outcome.WITHDRAWN


def withdraw_unseen(session: Session, source: HarvestSource, seen_since: datetime) -> int:
    """Withdraw every public record of the source not seen since ``seen_since``; return how many."""
    stale = session.scalars(
        select(HarvestItem.remote_id).where(
            HarvestItem.source_id == source.id, HarvestItem.last_seen_at < seen_since
        )
    ).all()
    return sum(1 for remote_id in stale if withdraw(session, source, remote_id) is Outcome.WITHDRAWN)


def withdraw_missing(session: Session, source: HarvestSource, present: set[str]) -> int:
    """Withdraw every public record of the source whose remote id is not in ``present``."""
    known = session.scalars(select(HarvestItem.remote_id).where(HarvestItem.source_id == source.id)).all()
    return sum(
        1
        for remote_id in known
        if remote_id not in present and withdraw(session, source, remote_id) is Outcome.WITHDRAWN
    )
