"""The JSON API of an algorithm's non-discrimination-by-design checklist: the definition with the
algorithm's answers and the status per phase × principle, answering one item (linking the
algorithm's bias reports as evidence), and an item's history.

Everything here is the organisation's own working data: every call needs an API token of the
algorithm's organisation. Viewers read; editors (and higher) answer. A token of another
organisation is refused (403); an unknown algorithm or item is 404; a bad answer is 422 naming
each field, and nothing is stored.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from algoreg.instruments.framework import checklist_store
from algoreg.instruments.framework.checklist import ChecklistItem, ItemState
from algoreg.instruments.framework.checklist_store import ChecklistOverview, ItemAnswerIn, ItemView
from algoreg.web.api.params import MAX_INTEGER
from algoreg.web.deps import Actor, UoW

router = APIRouter(prefix="/api/v1", tags=["non-discrimination checklist"])

_BASE = "/algorithms/{public_id}/non-discrimination-checklist"

_STATES_TEXT = (
    "open (not answered yet), met, not_met, or not_applicable (needs a note saying why). An item is "
    "settled when it is met with the evidence it needs, or not_applicable."
)


class PrincipleOut(BaseModel):
    """A principle of the checklist with its name per language."""

    id: str
    name: dict[str, str]


class SourceOut(BaseModel):
    """The publication the checklist is based on."""

    title: str
    url: str | None


class ChecklistOut(BaseModel):
    """The checklist's definition (format algoreg-checklist/1), without its items."""

    id: str
    version: int
    title: dict[str, str]
    source: SourceOut | None
    principles: list[PrincipleOut]
    phases: list[str] = Field(description="Lifecycle phase ids of the Algoritmekader, in order.")


class LinkedReportOut(BaseModel):
    """A bias report of the algorithm linked to an answer."""

    id: int
    title: str
    period: str
    state: Literal["draft", "published", "withdrawn"]
    created_at: datetime
    analysed_at: datetime | None
    counts_as_evidence: bool = Field(description="False once the report was withdrawn; it stays linked.")
    url: str = Field(description="The report in this API.")


class ItemOut(BaseModel):
    """One item of the checklist with the algorithm's answer."""

    id: str
    phase: str
    principle: str
    text: dict[str, str] = Field(description="The question per language (nl, en).")
    bias_evidence: Literal["required", "optional", "none"] = Field(
        description="Whether 'met' needs a linked bias report (required), may have one, or uses none."
    )
    measures: list[str]
    requirements: list[str]
    state: ItemState = Field(description=_STATES_TEXT)
    note: str | None
    bias_reports: list[LinkedReportOut]
    evidence_missing: bool = Field(
        description="True when the item is met but requires a bias report and none that counts is linked."
    )
    settled: bool
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, public_id: str, view: ItemView) -> "ItemOut":
        """Build the body of an item."""
        item: ChecklistItem = view.item
        return cls(
            id=item.id,
            phase=item.phase,
            principle=item.principle,
            text=dict(item.text),
            bias_evidence=item.bias_evidence,
            measures=list(item.measures),
            requirements=list(item.requirements),
            state=view.state,
            note=view.note,
            bias_reports=[
                LinkedReportOut(
                    id=report.id,
                    title=report.title,
                    period=report.period,
                    state=report.state,
                    created_at=report.created_at,
                    analysed_at=report.analysed_at,
                    counts_as_evidence=report.counts_as_evidence,
                    url=f"/api/v1/algorithms/{public_id}/bias-reports/{report.id}",
                )
                for report in view.bias_reports
            ],
            evidence_missing=view.evidence_missing,
            settled=view.settled,
            updated_at=view.updated_at,
            updated_by=view.updated_by,
        )


class CellOut(BaseModel):
    """How many items of one phase and principle are settled, of how many."""

    phase: str
    principle: str
    settled: int
    total: int


class OverviewOut(BaseModel):
    """The checklist for one algorithm: definition, status per phase × principle, and every item."""

    algorithm: str
    checklist: ChecklistOut
    complete: bool = Field(description="True when every item is settled.")
    cells: list[CellOut] = Field(description="One per phase × principle, phases in order.")
    items: list[ItemOut]

    @classmethod
    def of(cls, overview: ChecklistOverview) -> "OverviewOut":
        """Build the body of an overview."""
        checklist = overview.checklist
        public_id = overview.algorithm_public_id
        return cls(
            algorithm=public_id,
            checklist=ChecklistOut(
                id=checklist.id,
                version=checklist.version,
                title=dict(checklist.title),
                source=SourceOut(title=checklist.source.title, url=checklist.source.url)
                if checklist.source
                else None,
                principles=[PrincipleOut(id=p.id, name=dict(p.name)) for p in checklist.principles],
                phases=list(checklist.phases),
            ),
            complete=overview.status.complete,
            cells=[
                CellOut(phase=phase, principle=principle, settled=settled, total=total)
                for phase, row in overview.status.cells.items()
                for principle, (settled, total) in row.items()
            ],
            items=[ItemOut.of(public_id, view) for view in overview.items],
        )


class AnswerBody(BaseModel):
    """The whole answer to one item; it replaces the answer before (reports not listed are unlinked)."""

    state: str = Field(max_length=64, description=_STATES_TEXT, examples=["met"])
    note: str | None = Field(
        default=None,
        max_length=50_000,
        description=f"Required with not_applicable; at most {checklist_store.MAX_NOTE_CHARS} characters.",
    )
    bias_report_ids: list[Annotated[int, Field(ge=1, le=MAX_INTEGER)]] = Field(
        default_factory=list,
        max_length=1000,
        description="Ids of this algorithm's own bias reports to link as evidence. A withdrawn report "
        "stays linked when it already was, but cannot be linked anew, and never counts as evidence. "
        f"At most {checklist_store.MAX_LINKED_REPORTS}.",
    )


class AnswerEventOut(BaseModel):
    """One change of an answer: who, when, and each changed field as [before, after]."""

    id: int
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


@router.get(_BASE, response_model=OverviewOut)
def get_checklist(public_id: str, uow: UoW, actor: Actor) -> Any:
    """The checklist with the algorithm's answers and the status per phase × principle (viewer)."""
    with uow() as session:
        return OverviewOut.of(checklist_store.checklist_overview(session, actor, public_id))


@router.put(f"{_BASE}/items/{{item_id}}", response_model=ItemOut)
def put_answer(public_id: str, item_id: str, body: AnswerBody, uow: UoW, actor: Actor) -> Any:
    """Answer one item (editor): 200 with the item as stored; 404 for an unknown item; 422 naming
    the field for an unknown state, not_applicable without a note, or a report that is not one of
    this algorithm's."""
    given = ItemAnswerIn(state=body.state, note=body.note, bias_report_ids=tuple(body.bias_report_ids))
    with uow() as session:
        view = checklist_store.answer_item(session, actor, public_id, item_id, given)
    return ItemOut.of(public_id, view)


@router.get(f"{_BASE}/items/{{item_id}}/history", response_model=list[AnswerEventOut])
def get_history(public_id: str, item_id: str, uow: UoW, actor: Actor) -> Any:
    """Every change of the algorithm's answer to the item, oldest first; empty while unanswered (viewer)."""
    with uow() as session:
        events = checklist_store.item_history(session, actor, public_id, item_id)
    return [
        AnswerEventOut(id=e.id, at=e.at, actor=e.actor, action=e.action, changes=dict(e.changes))
        for e in events
    ]
