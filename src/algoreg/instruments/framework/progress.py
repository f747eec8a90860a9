"""How far an algorithm is with its framework tasks: per lifecycle phase, and for the audit frameworks.

Progress per phase (:func:`phase_progress`) counts the tasks in scope by status under every phase
they belong to (a measure of two phases counts in both), in lifecycle order, with the tasks without a
phase last; ``settled`` is done plus not applicable, and ``share_settled`` settled out of all.

Audit readiness uses :mod:`.audit`: the current audit items and their mapping to measures
(:func:`~.definitions.current_audit`) and, per algorithm, the status of each framework task in
scope as the measure's status (out-of-scope tasks and own measures do not count; a measure with no
task is ``unrecorded``). Without an imported mapping every item is ``unmapped``: the official items
file holds no links to measures (see ``docs/instruments/audit-mapping.md``).

Viewers (and higher) of the organisation read all of this; anyone else is refused.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, FrameworkTask
from algoreg.errors import Conflict
from algoreg.instruments.framework.audit import (
    AlgorithmReadiness,
    MeasureStatus,
    OrganisationReadiness,
    audit_readiness,
    organisation_readiness,
)
from algoreg.instruments.framework.definitions import current_audit, current_framework
from algoreg.instruments.framework.tasks import TaskStatus, algorithm_for
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Principal, Role

__all__ = [
    "PhaseProgress",
    "Readiness",
    "algorithm_audit_readiness",
    "count_by_phase",
    "organisation_audit_readiness",
    "phase_progress",
]


@dataclass(frozen=True)
class PhaseProgress:
    """The tasks of one phase (``phase`` None: tasks without a phase) by status."""

    phase: str | None
    name: str | None
    total: int
    todo: int
    in_progress: int
    done: int
    not_applicable: int

    @property
    def settled(self) -> int:
        """Tasks done or not applicable."""
        return self.done + self.not_applicable

    @property
    def share_settled(self) -> float:
        """Settled tasks out of all (1.0 for a phase without tasks: nothing is left to do)."""
        return self.settled / self.total if self.total else 1.0


def count_by_phase(
    phases: Sequence[tuple[str, str]], tasks: Iterable[tuple[Sequence[str], str]]
) -> list[PhaseProgress]:
    """Count tasks (their phases and status) under each phase (id, name) in the order given.

    A task counts under every phase it names; tasks naming no known phase come last under ``None``
    (only when there are any).
    """
    known = {phase for phase, _ in phases}
    counts: dict[str | None, dict[str, int]] = {phase: {} for phase, _ in phases}
    for task_phases, status in tasks:
        targets: list[str | None] = [phase for phase in task_phases if phase in known] or [None]
        for phase in dict.fromkeys(targets):
            bucket = counts.setdefault(phase, {})
            bucket[status] = bucket.get(status, 0) + 1
    names: dict[str | None, str | None] = dict(phases)
    return [
        PhaseProgress(
            phase=phase,
            name=names.get(phase),
            total=sum(bucket.values()),
            todo=bucket.get(TaskStatus.TODO.value, 0),
            in_progress=bucket.get(TaskStatus.IN_PROGRESS.value, 0),
            done=bucket.get(TaskStatus.DONE.value, 0),
            not_applicable=bucket.get(TaskStatus.NOT_APPLICABLE.value, 0),
        )
        for phase, bucket in counts.items()
        if phase is not None or bucket
    ]


def phase_progress(session: Session, principal: Principal, public_id: str) -> list[PhaseProgress]:
    """The algorithm's tasks in scope, counted per lifecycle phase of the current framework; viewer role."""
    algorithm = algorithm_for(session, principal, public_id, Role.VIEWER, "see the framework progress")
    phases = [(phase.id, phase.name) for phase in current_framework(session).framework.phases]
    rows = session.execute(
        select(FrameworkTask.phases, FrameworkTask.status).where(
            FrameworkTask.algorithm_id == algorithm.id, FrameworkTask.in_scope.is_(True)
        )
    )
    return count_by_phase(phases, ((list(task_phases), status) for task_phases, status in rows))


@dataclass(frozen=True)
class Readiness:
    """Audit readiness with what it was computed from: whether a mapping exists, and its version."""

    mapped: bool
    audit_version: str
    result: AlgorithmReadiness | OrganisationReadiness


def _statuses(session: Session, algorithm_ids: Sequence[int]) -> dict[int, dict[str, MeasureStatus]]:
    statuses: dict[int, dict[str, MeasureStatus]] = {algorithm_id: {} for algorithm_id in algorithm_ids}
    rows = session.execute(
        select(
            FrameworkTask.algorithm_id, FrameworkTask.measure_id, FrameworkTask.status, FrameworkTask.reason
        ).where(
            FrameworkTask.algorithm_id.in_(algorithm_ids),
            FrameworkTask.in_scope.is_(True),
            FrameworkTask.measure_id.is_not(None),
        )
    )
    for algorithm_id, measure_id, status, reason in rows:
        assert measure_id is not None  # selected so
        statuses[algorithm_id][measure_id] = MeasureStatus.model_validate({"state": status, "reason": reason})
    return statuses


def algorithm_audit_readiness(session: Session, principal: Principal, public_id: str) -> Readiness:
    """The algorithm's readiness per ADR and Rekenkamer item; viewer role; NotImported without items."""
    algorithm = algorithm_for(session, principal, public_id, Role.VIEWER, "see the audit readiness")
    audit = current_audit(session)
    statuses = _statuses(session, [algorithm.id])[algorithm.id]
    return Readiness(audit.mapped, audit.version, audit_readiness(audit.items, audit.mapping, statuses))


def organisation_audit_readiness(session: Session, principal: Principal, organisation_code: str) -> Readiness:
    """The organisation's readiness per item over its algorithms that have framework tasks; viewer role.

    :class:`Conflict` when none of its algorithms has tasks yet (there is nothing to aggregate).
    """
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, Role.VIEWER, "see the audit readiness")
    audit = current_audit(session)
    rows = session.execute(
        select(Algorithm.id, Algorithm.public_id)
        .where(
            Algorithm.organisation_id == organisation.id,
            Algorithm.id.in_(select(FrameworkTask.algorithm_id).distinct()),
        )
        .order_by(Algorithm.public_id)
    )
    algorithms = [(algorithm_id, public_id) for algorithm_id, public_id in rows]
    if not algorithms:
        raise Conflict(
            f"No algorithm of organisation '{organisation.code}' has framework tasks yet; record an AI Act "
            "profile for one first."
        )
    statuses = _statuses(session, [algorithm_id for algorithm_id, _ in algorithms])
    by_public_id = {public_id: statuses[algorithm_id] for algorithm_id, public_id in algorithms}
    return Readiness(
        audit.mapped, audit.version, organisation_readiness(audit.items, audit.mapping, by_public_id)
    )
