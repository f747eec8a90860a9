"""Remediation of unlawful or improper uses of origin-related data: a case with three tracked steps.

A case is opened when a use is determined unlawful or improper (see
:func:`algoreg.inventory.origin_uses.determine_use`), one per use, with three steps:

1. ``use_ended`` — the use is ended (when, by whom, how: ``note``);
2. ``people_informed`` — the people concerned are informed: how many (``people_count``), how
   (``inform_method``) and when (``completed_on``);
3. ``data_cleaned`` — the polluted data is cleaned up: which data sets (``datasets``), how many
   records were removed and corrected, and how that was verified (``verification``).

Each step has a status (``todo``, ``in_progress``, ``done``), an owner, dates (started, due,
completed) and evidence: links, or small files kept in the database (at most
:data:`MAX_FILE_BYTES`). A step is ``done`` only with an owner, a completion date (not in the
future) and its own facts. The case can be closed only when all three steps are done **and** each
has evidence; otherwise closing raises :class:`~algoreg.errors.InvalidInput` naming each step that
is missing something. A closed case can be reopened with a reason; while closed its steps and
evidence cannot change.

Editors (and higher) change steps and add evidence; publishers (and higher) close and reopen
cases. Everything is written in the use's history and the audit log (see :mod:`.origin_common`).
"""

import hashlib
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from algoreg.db.models import (
    OriginDataUse,
    OriginRemediation,
    OriginRemediationEvidence,
    OriginRemediationStep,
    utcnow,
)
from algoreg.errors import Conflict, FieldProblem, InvalidInput, NotFound
from algoreg.evidence import (
    MAX_FILE_BYTES,
    EvidenceFile,
    EvidenceTooLarge,
    check_size,
    file_problems,
    link_problems,
)
from algoreg.inventory.origin_common import (
    DETERMINE_ROLE,
    WRITE_ROLE,
    add_event,
    find_use,
    raise_problems,
    require,
    text_field,
)
from algoreg.register.roles import Principal

__all__ = [
    "MAX_FILE_BYTES",
    "CaseState",
    "CaseView",
    "EvidenceFile",
    "EvidenceTooLarge",
    "EvidenceView",
    "StepChange",
    "StepKind",
    "StepStatus",
    "StepView",
    "add_file",
    "add_link",
    "case_of",
    "close_case",
    "ensure_case",
    "evidence_file",
    "reopen_case",
    "update_step",
]

#: Largest file accepted as evidence (2 MiB); larger documents belong in a document system, linked.
MAX_TEXT_CHARS = 10_000
MAX_OWNER_CHARS = 200
#: The largest count of people or records accepted (a signed 32-bit integer).
MAX_COUNT = 2**31 - 1


class StepKind(StrEnum):
    """The three steps of a remediation case, in the order they are usually taken."""

    USE_ENDED = "use_ended"
    PEOPLE_INFORMED = "people_informed"
    DATA_CLEANED = "data_cleaned"


class StepStatus(StrEnum):
    """Where a step stands."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class CaseState(StrEnum):
    """Whether a case is being worked on or closed."""

    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class EvidenceView:
    """One piece of evidence of a step, without a file's content."""

    id: int
    step: StepKind
    kind: str  # "link" or "file"
    url: str | None
    file_name: str | None
    media_type: str | None
    size: int | None
    sha256: str | None
    description: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class StepView:
    """A step of a case with its facts and evidence."""

    step: StepKind
    status: StepStatus
    owner: str
    started_on: date | None
    due_on: date | None
    completed_on: date | None
    note: str
    people_count: int | None
    inform_method: str
    datasets: str
    records_removed: int | None
    records_corrected: int | None
    verification: str
    updated_at: datetime
    evidence: tuple[EvidenceView, ...]


@dataclass(frozen=True)
class CaseView:
    """A remediation case: its state, who opened and closed it, and its three steps in order."""

    id: int
    use_id: int
    state: CaseState
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    closed_by: str | None
    reopen_reason: str | None
    steps: tuple[StepView, ...]

    @property
    def steps_done(self) -> int:
        """How many of the three steps are done."""
        return sum(1 for step in self.steps if step.status is StepStatus.DONE)

    @property
    def may_close(self) -> bool:
        """Whether every step is done and has evidence, so that the case can be closed."""
        return all(step.status is StepStatus.DONE and step.evidence for step in self.steps)


@dataclass(frozen=True)
class StepChange:
    """New values for a step; only the names in ``given`` are changed (empty: all of them)."""

    status: str | None = None
    owner: str | None = None
    started_on: date | None = None
    due_on: date | None = None
    completed_on: date | None = None
    note: str | None = None
    people_count: int | None = None
    inform_method: str | None = None
    datasets: str | None = None
    records_removed: int | None = None
    records_corrected: int | None = None
    verification: str | None = None
    given: frozenset[str] = field(default_factory=frozenset)

    def changed(self) -> dict[str, Any]:
        """The fields this change sets, with their new values."""
        names = [f.name for f in fields(self) if f.name != "given"]
        chosen = self.given or frozenset(name for name in names if getattr(self, name) is not None)
        unknown = sorted(chosen - set(names))
        if unknown:
            raise InvalidInput(
                problems=[FieldProblem(name, "is not a field of a remediation step") for name in unknown],
                summary="The remediation step was not changed.",
            )
        return {name: getattr(self, name) for name in names if name in chosen}


# --- cases -----------------------------------------------------------------------------------------


def ensure_case(session: Session, principal: Principal, use: OriginDataUse) -> OriginRemediation:
    """The use's remediation case, opened with its three steps (all ``todo``) if it has none yet."""
    case = session.scalar(select(OriginRemediation).where(OriginRemediation.use_id == use.id))
    if case is not None:
        return case
    now = utcnow()
    case = OriginRemediation(
        use_id=use.id, state=CaseState.OPEN.value, opened_at=now, opened_by=principal.name
    )
    session.add(case)
    session.flush()
    for kind in StepKind:
        session.add(
            OriginRemediationStep(
                case_id=case.id, step=kind.value, status=StepStatus.TODO.value, updated_at=now
            )
        )
    add_event(
        session,
        principal,
        use,
        "case_opened",
        {"case_id": case.id},
        f"Opened remediation of origin-data use {use.id}",
    )
    return case


def case_of(session: Session, principal: Principal | None, use_id: int) -> CaseView | None:
    """The use's remediation case (None when it has none), for someone who may read the use."""
    use = find_use(session, principal, use_id)
    case = session.scalar(select(OriginRemediation).where(OriginRemediation.use_id == use.id))
    return None if case is None else case_view(session, case)


def case_views(session: Session, use_ids: list[int]) -> dict[int, CaseView]:
    """The remediation case of each of ``use_ids`` that has one, by use id (no access check: callers do)."""
    cases = list(session.scalars(select(OriginRemediation).where(OriginRemediation.use_id.in_(use_ids))))
    if not cases:
        return {}
    steps = list(
        session.scalars(
            select(OriginRemediationStep).where(
                OriginRemediationStep.case_id.in_([case.id for case in cases])
            )
        )
    )
    evidence = list(
        session.scalars(
            select(OriginRemediationEvidence)
            .where(OriginRemediationEvidence.step_id.in_([step.id for step in steps]))
            .order_by(OriginRemediationEvidence.id)
        )
    )
    return {case.use_id: _case_view(case, steps, evidence) for case in cases}


def case_view(session: Session, case: OriginRemediation) -> CaseView:
    """The view of one stored case."""
    return case_views(session, [case.use_id])[case.use_id]


def _case_view(
    case: OriginRemediation, steps: list[OriginRemediationStep], evidence: list[OriginRemediationEvidence]
) -> CaseView:
    order = list(StepKind)
    own = sorted(
        (step for step in steps if step.case_id == case.id), key=lambda step: order.index(StepKind(step.step))
    )
    kinds = {step.id: StepKind(step.step) for step in own}
    return CaseView(
        id=case.id,
        use_id=case.use_id,
        state=CaseState(case.state),
        opened_at=case.opened_at,
        opened_by=case.opened_by,
        closed_at=case.closed_at,
        closed_by=case.closed_by,
        reopen_reason=case.reopen_reason,
        steps=tuple(
            _step_view(
                step,
                tuple(_evidence_view(row, kinds[row.step_id]) for row in evidence if row.step_id == step.id),
            )
            for step in own
        ),
    )


def _open_case(
    session: Session, principal: Principal, use_id: int, doing: str
) -> tuple[OriginDataUse, OriginRemediation]:
    use = find_use(session, principal, use_id)
    require(principal, use, WRITE_ROLE, doing)
    case = session.scalar(select(OriginRemediation).where(OriginRemediation.use_id == use.id))
    if case is None:
        raise NotFound(
            f"Origin-data use {use_id} has no remediation case; only unlawful or improper uses have one."
        )
    if case.state == CaseState.CLOSED:
        raise Conflict("The remediation case is closed; reopen it, with a reason, before changing it.")
    return use, case


def _step(session: Session, case: OriginRemediation, step: str) -> OriginRemediationStep:
    try:
        kind = StepKind(step)
    except ValueError:
        raise NotFound(
            f"A remediation case has no step '{step}'; its steps are {', '.join(StepKind)}."
        ) from None
    row = session.scalar(
        select(OriginRemediationStep).where(
            OriginRemediationStep.case_id == case.id, OriginRemediationStep.step == kind.value
        )
    )
    assert row is not None, "every case has its three steps"
    return row


# --- steps -----------------------------------------------------------------------------------------

_STEP_TEXTS = {
    "owner": MAX_OWNER_CHARS,
    "note": MAX_TEXT_CHARS,
    "inform_method": MAX_TEXT_CHARS,
    "datasets": MAX_TEXT_CHARS,
    "verification": MAX_TEXT_CHARS,
}
_STEP_COUNTS = ("people_count", "records_removed", "records_corrected")
_STEP_DATES = ("started_on", "due_on", "completed_on")

#: What a step needs, besides an owner and a completion date, before it is done.
_DONE_NEEDS: dict[StepKind, tuple[tuple[str, str], ...]] = {
    StepKind.USE_ENDED: (("note", "say how the use was ended"),),
    StepKind.PEOPLE_INFORMED: (
        ("people_count", "say how many people were informed"),
        ("inform_method", "say how they were informed"),
    ),
    StepKind.DATA_CLEANED: (
        ("datasets", "say which data sets were cleaned"),
        ("records_removed", "say how many records were removed (0 when none)"),
        ("records_corrected", "say how many records were corrected (0 when none)"),
        ("verification", "say how the cleaning was verified"),
    ),
}


def update_step(
    session: Session,
    principal: Principal,
    use_id: int,
    step: str,
    change: StepChange,
    *,
    today: date | None = None,
) -> CaseView:
    """Change a step of an open case (editor role) and return the case.

    Texts are trimmed and bounded; counts are whole numbers from 0; a completion date may not lie in
    the future nor before the start date. A step is set ``done`` only with an owner, a completion date
    and its own facts (see the module docstring); every problem raises :class:`InvalidInput` by field.
    A closed case raises :class:`Conflict`. An unchanged step is left as it is and not recorded.
    """
    use, case = _open_case(session, principal, use_id, "change the remediation of this origin-data use")
    row = _step(session, case, step)
    kind = StepKind(row.step)
    wanted = change.changed()
    problems: list[FieldProblem] = []
    values: dict[str, Any] = {}
    for name, value in wanted.items():
        if name == "status":
            try:
                values[name] = StepStatus(value or "").value
            except ValueError:
                problems.append(
                    FieldProblem(name, f"{value!r} is not a status; use one of {', '.join(StepStatus)}")
                )
        elif name in _STEP_TEXTS:
            values[name] = text_field(problems, name, value or "", _STEP_TEXTS[name])
        elif name in _STEP_COUNTS:
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT
            ):
                problems.append(
                    FieldProblem(name, f"must be a whole number from 0 to {MAX_COUNT}; got {value!r}")
                )
            values[name] = value
        else:
            if value is not None and not isinstance(value, date):
                problems.append(FieldProblem(name, f"must be a date such as 2026-03-31; got {value!r}"))
            values[name] = value
    raise_problems(problems, "The remediation step was not changed.")
    after = {
        name: values.get(name, getattr(row, name))
        for name in ("status", *_STEP_TEXTS, *_STEP_COUNTS, *_STEP_DATES)
    }
    _check_step(kind, after, today or date.today(), problems)
    raise_problems(problems, "The remediation step was not changed.")
    changes = {
        name: [getattr(row, name), value] for name, value in values.items() if getattr(row, name) != value
    }
    if not changes:
        return case_view(session, case)
    for name in changes:
        setattr(row, name, values[name])
    row.updated_at = utcnow()
    add_event(
        session,
        principal,
        use,
        "step_updated",
        {"step": kind.value, **changes},
        f"Changed remediation step {kind.value} of origin-data use {use.id}",
    )
    return case_view(session, case)


def _check_step(kind: StepKind, after: dict[str, Any], today: date, problems: list[FieldProblem]) -> None:
    started, completed = after["started_on"], after["completed_on"]
    if completed is not None and completed > today:
        problems.append(
            FieldProblem(
                "completed_on", f"{completed.isoformat()} lies in the future; give the day it was done"
            )
        )
    if started is not None and completed is not None and completed < started:
        problems.append(
            FieldProblem(
                "completed_on", f"{completed.isoformat()} lies before the start date {started.isoformat()}"
            )
        )
    if started is not None and after["due_on"] is not None and after["due_on"] < started:
        problems.append(
            FieldProblem(
                "due_on", f"{after['due_on'].isoformat()} lies before the start date {started.isoformat()}"
            )
        )
    if after["status"] != StepStatus.DONE:
        return
    needs = (
        ("owner", "say who is responsible for this step"),
        ("completed_on", "give the day it was done"),
        *_DONE_NEEDS[kind],
    )
    for name, what in needs:
        if after[name] is None or after[name] == "":
            problems.append(FieldProblem(name, f"is required before the step is done: {what}"))


def _step_view(row: OriginRemediationStep, evidence: tuple[EvidenceView, ...]) -> StepView:
    return StepView(
        step=StepKind(row.step),
        status=StepStatus(row.status),
        owner=row.owner,
        started_on=row.started_on,
        due_on=row.due_on,
        completed_on=row.completed_on,
        note=row.note,
        people_count=row.people_count,
        inform_method=row.inform_method,
        datasets=row.datasets,
        records_removed=row.records_removed,
        records_corrected=row.records_corrected,
        verification=row.verification,
        updated_at=row.updated_at,
        evidence=evidence,
    )


# --- closing and reopening -------------------------------------------------------------------------


def close_case(session: Session, principal: Principal, use_id: int) -> CaseView:
    """Close the use's case (publisher role): only when all three steps are done and each has evidence.

    Otherwise :class:`InvalidInput` names each step under ``steps.<step>`` with what it lacks; a
    closed case raises :class:`Conflict`.
    """
    use = find_use(session, principal, use_id)
    require(principal, use, DETERMINE_ROLE, "close the remediation of this origin-data use")
    use, case = _open_case(session, principal, use_id, "close the remediation of this origin-data use")
    view = case_view(session, case)
    problems = []
    for step in view.steps:
        lacking = []
        if step.status is not StepStatus.DONE:
            lacking.append(f"is {step.status.value}, not done")
        if not step.evidence:
            lacking.append("has no evidence; add a link or a file")
        if lacking:
            problems.append(FieldProblem(f"steps.{step.step.value}", "; ".join(lacking)))
    if problems:
        raise InvalidInput(
            problems=problems,
            summary="The remediation case was not closed: every step must be done and have evidence.",
        )
    case.state = CaseState.CLOSED.value
    case.closed_at = utcnow()
    case.closed_by = principal.name
    add_event(
        session,
        principal,
        use,
        "case_closed",
        {"case_id": case.id},
        f"Closed remediation of origin-data use {use.id}",
    )
    return case_view(session, case)


def reopen_case(session: Session, principal: Principal, use_id: int, reason: str) -> CaseView:
    """Reopen a closed case with a reason (publisher role); an open case raises :class:`Conflict`."""
    use = find_use(session, principal, use_id)
    require(principal, use, DETERMINE_ROLE, "reopen the remediation of this origin-data use")
    case = session.scalar(select(OriginRemediation).where(OriginRemediation.use_id == use.id))
    if case is None:
        raise NotFound(
            f"Origin-data use {use_id} has no remediation case; only unlawful or improper uses have one."
        )
    problems: list[FieldProblem] = []
    why = text_field(
        problems, "reason", reason, MAX_TEXT_CHARS, required=True, why=": say why the case is reopened"
    )
    raise_problems(problems, "The remediation case was not reopened.")
    if case.state != CaseState.CLOSED:
        raise Conflict("The remediation case is open already.")
    case.state = CaseState.OPEN.value
    case.reopen_reason = why
    add_event(
        session,
        principal,
        use,
        "case_reopened",
        {
            "case_id": case.id,
            "reason": why,
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        },
        f"Reopened remediation of origin-data use {use.id}",
    )
    case.closed_at = None
    case.closed_by = None
    return case_view(session, case)


# --- evidence --------------------------------------------------------------------------------------

_EVIDENCE_SUMMARY = "The evidence was not added."


def _description(text: str, problems: list[FieldProblem]) -> str:
    return text_field(
        problems, "description", text, MAX_TEXT_CHARS, required=True, why=": say what the evidence shows"
    )


def _store(
    session: Session,
    principal: Principal,
    use: OriginDataUse,
    row: OriginRemediationStep,
    evidence: OriginRemediationEvidence,
) -> EvidenceView:
    session.add(evidence)
    session.flush()
    what = evidence.url if evidence.kind == "link" else evidence.file_name
    row.updated_at = evidence.created_at
    add_event(
        session,
        principal,
        use,
        "evidence_added",
        {
            "step": row.step,
            "evidence_id": evidence.id,
            "kind": evidence.kind,
            "what": what,
            "sha256": evidence.sha256,
        },
        f"Added evidence ({evidence.kind}) to remediation step {row.step} of origin-data use {use.id}",
    )
    return _evidence_view(evidence, StepKind(row.step))


def add_link(
    session: Session, principal: Principal, use_id: int, step: str, url: str, description: str
) -> EvidenceView:
    """Add a link as evidence to a step of an open case (editor role); bad input is :class:`InvalidInput`."""
    use, case = _open_case(
        session, principal, use_id, "add evidence to the remediation of this origin-data use"
    )
    row = _step(session, case, step)
    address, problems = link_problems(url)
    text = _description(description, problems)
    raise_problems(problems, _EVIDENCE_SUMMARY)
    evidence = OriginRemediationEvidence(
        step_id=row.id,
        kind="link",
        url=address,
        description=text,
        created_at=utcnow(),
        created_by=principal.name,
    )
    return _store(session, principal, use, row, evidence)


def add_file(
    session: Session,
    principal: Principal,
    use_id: int,
    step: str,
    file_name: str,
    media_type: str,
    content: bytes,
    description: str,
) -> EvidenceView:
    """Add a small file as evidence to a step of an open case (editor role).

    :class:`EvidenceTooLarge` above :data:`MAX_FILE_BYTES`; :class:`InvalidInput` for an empty file,
    a name with a folder or control characters, a malformed media type or a missing description.
    """
    use, case = _open_case(
        session, principal, use_id, "add evidence to the remediation of this origin-data use"
    )
    row = _step(session, case, step)
    check_size(content, _EVIDENCE_SUMMARY)
    checked, problems = file_problems(file_name, media_type, content)
    text = _description(description, problems)
    raise_problems(problems, _EVIDENCE_SUMMARY)
    evidence = OriginRemediationEvidence(
        step_id=row.id,
        kind="file",
        file_name=checked.file_name,
        media_type=checked.media_type,
        content=content,
        size=checked.size,
        sha256=checked.sha256,
        description=text,
        created_at=utcnow(),
        created_by=principal.name,
    )
    return _store(session, principal, use, row, evidence)


def evidence_file(
    session: Session, principal: Principal | None, use_id: int, evidence_id: int
) -> EvidenceFile:
    """A file kept as evidence of the use's case, if the principal may read the use; else NotFound."""
    use = find_use(session, principal, use_id)
    missing = NotFound(f"Origin-data use {use_id} has no evidence file {evidence_id}.")
    row = session.get(OriginRemediationEvidence, evidence_id)
    if row is None or row.kind != "file" or row.content is None:
        raise missing
    owner = session.scalar(
        select(func.count())
        .select_from(OriginRemediationStep)
        .join(OriginRemediation, OriginRemediation.id == OriginRemediationStep.case_id)
        .where(OriginRemediationStep.id == row.step_id, OriginRemediation.use_id == use.id)
    )
    if not owner:
        raise missing
    return EvidenceFile(
        file_name=row.file_name or "evidence",
        media_type=row.media_type or "application/octet-stream",
        content=row.content,
        sha256=row.sha256 or hashlib.sha256(row.content).hexdigest(),
    )


def _evidence_view(row: OriginRemediationEvidence, step: StepKind) -> EvidenceView:
    return EvidenceView(
        id=row.id,
        step=step,
        kind=row.kind,
        url=row.url,
        file_name=row.file_name,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        description=row.description,
        created_at=row.created_at,
        created_by=row.created_by,
    )
