"""The non-discrimination-by-design checklist per algorithm: answers, linked bias reports, status, history.

The checklist is Algoreg's own definition (:func:`~.checklist.load_checklist`). Per algorithm and
item, an answer holds a state (``open``, ``met``, ``not_met`` or ``not_applicable``), a note
(required with ``not_applicable``) and the bias reports of the register
(:mod:`algoreg.register.bias_reports`) linked to it as evidence. An item without an answer is
``open``.

Linked bias reports: only reports of the same algorithm can be linked (the database holds this
too). A linked report counts as bias-analysis evidence for :func:`~.checklist.checklist_status`
while it is a draft or published; a **withdrawn** report stays linked where it was (so the record
of what was claimed is kept) and is shown as withdrawn, but no longer counts as evidence, and it
cannot be newly linked. So "met" on an item whose ``bias_evidence`` is ``required`` is settled
only with at least one linked report that is not withdrawn; without one it stays
``evidence_missing``.

Who may do what, by role in the algorithm's organisation: editors (and higher) answer items;
viewers (anyone who sees the algorithm in management) read answers, status and history; anyone
else is refused (:class:`~algoreg.errors.Forbidden`; unknown algorithm: :class:`NotFound`).
Every change is recorded in the answer's own history (:class:`~algoreg.db.models.ChecklistAnswerEvent`)
and in the audit log as ``checklist.answer``. Every function runs in the caller's transaction and
completes whole or raises.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import (
    Algorithm,
    BiasReport,
    ChecklistAnswerBiasReport,
    ChecklistAnswerEvent,
    ChecklistAnswerRecord,
    utcnow,
)
from algoreg.errors import FieldProblem, InvalidInput, NotFound
from algoreg.instruments.framework.checklist import (
    Checklist,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistStatus,
    EvidenceRef,
    ItemState,
    checklist_status,
    load_checklist,
)
from algoreg.instruments.framework.tasks import algorithm_for
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal, Role

__all__ = [
    "MAX_LINKED_REPORTS",
    "MAX_NOTE_CHARS",
    "STATES",
    "WITHDRAWN",
    "AnswerEventView",
    "ChecklistOverview",
    "ItemAnswerIn",
    "ItemView",
    "LinkedReport",
    "answer_item",
    "checklist_overview",
    "item_history",
    "non_discrimination_checklist",
]

#: Longest note (characters, after collapsing white space).
MAX_NOTE_CHARS = 5000
#: Most bias reports one answer may link.
MAX_LINKED_REPORTS = 50
#: The states an item can have, in the order forms offer them.
STATES: tuple[str, ...] = get_args(ItemState)
#: The state of a bias report that no longer counts as evidence.
WITHDRAWN = "withdrawn"

_SUMMARY = "The checklist answer was not saved."
#: The largest id an integer column holds; a larger one names no report (and PostgreSQL would refuse it).
_LARGEST_ID = 2**31 - 1


@lru_cache(maxsize=1)
def non_discrimination_checklist() -> Checklist:
    """Algoreg's own non-discrimination-by-design checklist (read once)."""
    return load_checklist()


@dataclass(frozen=True)
class ItemAnswerIn:
    """A whole answer to one item: the state, a note, and the ids of the bias reports to link.

    The answer replaces the one before: reports not listed are unlinked.
    """

    state: str
    note: str | None = None
    bias_report_ids: Sequence[int] = ()


@dataclass(frozen=True)
class LinkedReport:
    """A bias report linked to an answer; ``counts_as_evidence`` is false once it was withdrawn."""

    id: int
    title: str
    period: str
    state: str
    created_at: datetime
    analysed_at: datetime | None
    counts_as_evidence: bool


@dataclass(frozen=True)
class ItemView:
    """One item of the checklist with the algorithm's answer and where it stands.

    ``settled``: ``met`` with the evidence it needs, or ``not_applicable``. ``evidence_missing``:
    ``met`` on an item that requires a bias report, without one that counts.
    """

    item: ChecklistItem
    state: ItemState
    note: str | None
    bias_reports: tuple[LinkedReport, ...]
    evidence_missing: bool
    settled: bool
    updated_at: datetime | None
    updated_by: str | None


@dataclass(frozen=True)
class ChecklistOverview:
    """The checklist, every item with the algorithm's answer, and the status per phase × principle."""

    algorithm_public_id: str
    checklist: Checklist
    items: tuple[ItemView, ...]
    status: ChecklistStatus

    def item(self, item_id: str) -> ItemView:
        """The view of one item (``KeyError`` when the checklist has none with that id)."""
        for view in self.items:
            if view.item.id == item_id:
                return view
        raise KeyError(item_id)


@dataclass(frozen=True)
class AnswerEventView:
    """One change of an answer: each changed field as ``[before, after]``."""

    id: int
    at: datetime
    actor: str
    action: str
    changes: Mapping[str, Any]


# --- helpers ------------------------------------------------------------------------------------


def _item(checklist: Checklist, item_id: str) -> ChecklistItem:
    item = checklist.item(item_id)
    if item is None:
        raise NotFound(
            f"The checklist {checklist.id} has no item '{item_id}'; its items are "
            + ", ".join(candidate.id for candidate in checklist.items)
            + "."
        )
    return item


def _answer_row(
    session: Session, algorithm: Algorithm, checklist: Checklist, item_id: str
) -> ChecklistAnswerRecord | None:
    return session.scalar(
        select(ChecklistAnswerRecord).where(
            ChecklistAnswerRecord.algorithm_id == algorithm.id,
            ChecklistAnswerRecord.checklist_id == checklist.id,
            ChecklistAnswerRecord.item_id == item_id,
        )
    )


def _linked_ids(session: Session, answer_ids: Sequence[int]) -> dict[int, list[int]]:
    linked: dict[int, list[int]] = {answer_id: [] for answer_id in answer_ids}
    rows = session.execute(
        select(ChecklistAnswerBiasReport.answer_id, ChecklistAnswerBiasReport.bias_report_id)
        .where(ChecklistAnswerBiasReport.answer_id.in_(answer_ids))
        .order_by(ChecklistAnswerBiasReport.bias_report_id)
    )
    for answer_id, report_id in rows:
        linked[answer_id].append(report_id)
    return linked


def _evidence(report: BiasReport) -> EvidenceRef:
    mode = report.mode if report.mode in ("decisions", "aggregate", "monitoring") else None
    return EvidenceRef(kind="bias_analysis", reference=f"sha256:{report.digest}", mode=mode)


def _linked_report(report: BiasReport) -> LinkedReport:
    return LinkedReport(
        id=report.id,
        title=report.title,
        period=report.period,
        state=report.state,
        created_at=report.created_at,
        analysed_at=report.analysed_at,
        counts_as_evidence=report.state != WITHDRAWN,
    )


# --- answering ----------------------------------------------------------------------------------


def _checked(
    session: Session,
    algorithm: Algorithm,
    given: ItemAnswerIn,
    already_linked: Sequence[int],
) -> tuple[ItemState, str | None, list[int]]:
    """The answer's state, note and report ids, or :class:`InvalidInput` naming every problem."""
    problems: list[FieldProblem] = []
    state: ItemState = "open"
    if given.state not in STATES:
        problems.append(FieldProblem("state", f"{given.state!r} is not one of {', '.join(STATES)}"))
    else:
        state = given.state  # type: ignore[assignment]
    note: str | None = None
    if given.note is not None and not isinstance(given.note, str):
        problems.append(FieldProblem("note", f"must be a text or null; got {given.note!r}"))
    elif given.note is not None:
        note = " ".join(given.note.split()) or None
    if note is not None and len(note) > MAX_NOTE_CHARS:
        problems.append(
            FieldProblem("note", f"is {len(note)} characters long; at most {MAX_NOTE_CHARS} are allowed")
        )
    if state == "not_applicable" and note is None:
        problems.append(
            FieldProblem(
                "note",
                "is required when the state is not_applicable; say why the item does not apply",
            )
        )
    report_ids: list[int] = []
    for index, report_id in enumerate(given.bias_report_ids):
        if not isinstance(report_id, int) or isinstance(report_id, bool):
            problems.append(
                FieldProblem(f"bias_report_ids[{index}]", f"must be a bias report id; got {report_id!r}")
            )
        elif report_id not in report_ids:
            report_ids.append(report_id)
    if len(report_ids) > MAX_LINKED_REPORTS:
        problems.append(
            FieldProblem(
                "bias_report_ids",
                f"lists {len(report_ids)} reports; at most {MAX_LINKED_REPORTS} can be linked to one item",
            )
        )
    elif report_ids:
        storable = [report_id for report_id in report_ids if 0 < report_id <= _LARGEST_ID]
        found = {
            report.id: report
            for report in session.scalars(select(BiasReport).where(BiasReport.id.in_(storable)))
        }
        for index, report_id in enumerate(report_ids):
            report = found.get(report_id)
            field = f"bias_report_ids[{index}]"
            if report is None or report.algorithm_id != algorithm.id:
                problems.append(
                    FieldProblem(
                        field,
                        f"{report_id} is not a bias report of algorithm '{algorithm.public_id}'; "
                        "only this algorithm's own bias reports can be linked",
                    )
                )
            elif report.state == WITHDRAWN and report_id not in already_linked:
                problems.append(
                    FieldProblem(
                        field,
                        f"bias report {report_id} was withdrawn; a withdrawn report stays linked where it "
                        "already was, but cannot be linked anew",
                    )
                )
    if problems:
        raise InvalidInput(problems=problems, summary=_SUMMARY)
    return state, note, report_ids


def answer_item(
    session: Session, principal: Principal, public_id: str, item_id: str, given: ItemAnswerIn
) -> ItemView:
    """Store the algorithm's answer to one item of the checklist; needs the editor role.

    :class:`NotFound` for an unknown algorithm or item. Every problem with the answer is raised
    together as :class:`InvalidInput` naming its field: an unknown ``state`` (the allowed ones are
    listed), ``not_applicable`` without a ``note``, a note over :data:`MAX_NOTE_CHARS`, a
    ``bias_report_ids`` entry that is not a report of this algorithm, a withdrawn report that was
    not linked already, or more than :data:`MAX_LINKED_REPORTS` reports. The same answer again
    records nothing. Audited as ``checklist.answer``, and added to the item's history.
    """
    algorithm = algorithm_for(session, principal, public_id, Role.EDITOR, "answer the checklist")
    checklist = non_discrimination_checklist()
    item = _item(checklist, item_id)
    row = _answer_row(session, algorithm, checklist, item.id)
    before_ids = _linked_ids(session, [row.id])[row.id] if row is not None else []
    state, note, report_ids = _checked(session, algorithm, given, before_ids)
    now = utcnow()
    changes: dict[str, Any] = {}
    before_state = row.state if row is not None else "open"
    before_note = row.note if row is not None else None
    if state != before_state:
        changes["state"] = [before_state, state]
    if note != before_note:
        changes["note"] = [before_note, note]
    if sorted(report_ids) != sorted(before_ids):
        changes["bias_report_ids"] = [sorted(before_ids), sorted(report_ids)]
    if changes:
        if row is None:
            row = ChecklistAnswerRecord(
                algorithm_id=algorithm.id,
                checklist_id=checklist.id,
                item_id=item.id,
                state=state,
                note=note,
                created_at=now,
                updated_at=now,
                updated_by=principal.name,
            )
            session.add(row)
            session.flush()
        row.state, row.note, row.updated_at, row.updated_by = state, note, now, principal.name
        for report_id in set(before_ids) - set(report_ids):
            link = session.get(ChecklistAnswerBiasReport, (row.id, report_id))
            if link is not None:
                session.delete(link)
        for report_id in report_ids:
            if report_id not in before_ids:
                session.add(
                    ChecklistAnswerBiasReport(
                        answer_id=row.id,
                        bias_report_id=report_id,
                        algorithm_id=algorithm.id,
                        linked_at=now,
                        linked_by=principal.name,
                    )
                )
        session.add(
            ChecklistAnswerEvent(
                answer_id=row.id, at=now, actor=principal.name, action="answer", changes=changes
            )
        )
        record_event(
            session,
            principal,
            "checklist.answer",
            organisation_id=algorithm.organisation_id,
            algorithm_id=algorithm.id,
            summary=f"Answered checklist item {item.id}: " + ", ".join(changes),
            detail={"checklist_id": checklist.id, "item_id": item.id, "changes": changes},
        )
        session.flush()
    return _overview(session, algorithm, checklist).item(item.id)


# --- reading ------------------------------------------------------------------------------------


def checklist_overview(session: Session, principal: Principal, public_id: str) -> ChecklistOverview:
    """The checklist with every item's answer, linked reports and status per phase × principle;
    needs the viewer role."""
    algorithm = algorithm_for(session, principal, public_id, Role.VIEWER, "see the checklist")
    return _overview(session, algorithm, non_discrimination_checklist())


def item_history(
    session: Session, principal: Principal, public_id: str, item_id: str
) -> list[AnswerEventView]:
    """Every change of the algorithm's answer to the item, oldest first (empty while unanswered);
    needs the viewer role; :class:`NotFound` for an unknown item."""
    algorithm = algorithm_for(session, principal, public_id, Role.VIEWER, "see the checklist")
    checklist = non_discrimination_checklist()
    row = _answer_row(session, algorithm, checklist, _item(checklist, item_id).id)
    if row is None:
        return []
    events = session.scalars(
        select(ChecklistAnswerEvent)
        .where(ChecklistAnswerEvent.answer_id == row.id)
        .order_by(ChecklistAnswerEvent.id)
    )
    return [AnswerEventView(e.id, e.at, e.actor, e.action, dict(e.changes)) for e in events]


def _overview(session: Session, algorithm: Algorithm, checklist: Checklist) -> ChecklistOverview:
    rows = {
        row.item_id: row
        for row in session.scalars(
            select(ChecklistAnswerRecord).where(
                ChecklistAnswerRecord.algorithm_id == algorithm.id,
                ChecklistAnswerRecord.checklist_id == checklist.id,
            )
        )
        if checklist.item(row.item_id) is not None  # answers to items a newer definition dropped
    }
    linked = _linked_ids(session, [row.id for row in rows.values()])
    report_ids = {report_id for ids in linked.values() for report_id in ids}
    reports = {
        report.id: report
        for report in session.scalars(select(BiasReport).where(BiasReport.id.in_(report_ids)))
    }
    answers: dict[str, ChecklistAnswer] = {}
    for item_id, row in rows.items():
        counting = [reports[i] for i in linked[row.id] if reports[i].state != WITHDRAWN]
        answers[item_id] = ChecklistAnswer.model_construct(
            state=cast(ItemState, row.state),
            note=row.note,
            evidence=tuple(_evidence(report) for report in counting),
        )
    status = checklist_status(checklist, answers)
    by_item = {entry.item_id: entry for entry in status.items}
    views = []
    for item in checklist.items:
        answered = rows.get(item.id)
        entry = by_item[item.id]
        views.append(
            ItemView(
                item=item,
                state=entry.state,
                note=answered.note if answered else None,
                bias_reports=tuple(_linked_report(reports[i]) for i in linked[answered.id])
                if answered
                else (),
                evidence_missing=entry.evidence_missing,
                settled=(entry.state == "met" and not entry.evidence_missing)
                or entry.state == "not_applicable",
                updated_at=answered.updated_at if answered else None,
                updated_by=answered.updated_by if answered else None,
            )
        )
    return ChecklistOverview(algorithm.public_id, checklist, tuple(views), status)
