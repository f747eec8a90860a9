"""The JSON API of the inventory of origin-related personal data: uses, determinations, remediation.

Everything here is sensitive working data of an organisation: every call needs an API token, and
what a token may do follows :mod:`algoreg.inventory.origin_common` — editors (and higher) read and
write uses, remediation steps and evidence; publishers (and higher) also determine uses and close
and reopen cases; for viewers and other organisations the inventory does not exist (404). The
public has no access at all.

``POST /origin-inventory/proposals`` takes a data file (CSV, Parquet, XLSX), runs the bias tool's
origin scan on it and stores one proposal per flagged column; the file is not kept.
"""

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from algoreg.bias.uploads import check_unpacked_size, data_file_suffix
from algoreg.errors import FieldProblem, InvalidInput
from algoreg.inventory import origin_uses, remediation
from algoreg.inventory.origin_common import DataKind, Determination
from algoreg.inventory.origin_scan import scan_data_file
from algoreg.inventory.origin_uses import (
    DeterminationIn,
    ProposalOutcome,
    RemediationFilter,
    UseFilter,
    UseIn,
    UseSource,
    UseStatus,
    UseView,
)
from algoreg.inventory.remediation import (
    CaseState,
    CaseView,
    EvidenceTooLarge,
    EvidenceView,
    StepChange,
    StepKind,
    StepStatus,
)
from algoreg.web.api.evidence import EvidenceIn, file_content
from algoreg.web.api.params import PathNumber
from algoreg.web.api.schemas import OrganisationRef
from algoreg.web.deps import Actor, UoW
from algoreg.web.errors import problems_body
from algoreg.web.uploads import upload_on_disk

router = APIRouter(prefix="/api/v1/origin-inventory", tags=["origin-data inventory"])

_BASE = "/api/v1/origin-inventory"
#: The path of the data-set upload, which takes multipart data up to the bias tool's upload limit.
UPLOAD_SUFFIX = "/origin-inventory/proposals"


class DeterminationOut(BaseModel):
    """A determination of a use, as recorded; the newest is the current one."""

    id: int
    outcome: Determination = Field(
        description="lawful, unlawful or improper (rechtmatig, onrechtmatig, oneigenlijk)."
    )
    reasoning: str
    decided_by: str
    decided_on: date
    recorded_at: datetime
    recorded_by: str


class EvidenceOut(BaseModel):
    """A piece of evidence of a remediation step; a file's bytes are at ``file``."""

    id: int
    step: StepKind
    kind: Literal["link", "file"]
    url: str | None
    file_name: str | None
    media_type: str | None
    size: int | None
    sha256: str | None
    description: str
    created_at: datetime
    created_by: str
    file: str | None = None

    @classmethod
    def of(cls, use_id: PathNumber, view: EvidenceView) -> "EvidenceOut":
        """Build the body of a piece of evidence."""
        link = f"{_BASE}/uses/{use_id}/remediation/evidence/{view.id}/file" if view.kind == "file" else None
        return cls(**{**vars(view), "kind": "file" if view.kind == "file" else "link"}, file=link)


class StepOut(BaseModel):
    """One step of a remediation case with its facts and evidence."""

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
    evidence: list[EvidenceOut]


class CaseOut(BaseModel):
    """A remediation case; ``may_close`` tells whether all three steps are done with evidence."""

    id: int
    state: CaseState
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    closed_by: str | None
    reopen_reason: str | None
    steps_done: int
    may_close: bool
    steps: list[StepOut]

    @classmethod
    def of(cls, view: CaseView) -> "CaseOut":
        """Build the body of a case."""
        return cls(
            id=view.id,
            state=view.state,
            opened_at=view.opened_at,
            opened_by=view.opened_by,
            closed_at=view.closed_at,
            closed_by=view.closed_by,
            reopen_reason=view.reopen_reason,
            steps_done=view.steps_done,
            may_close=view.may_close,
            steps=[
                StepOut(
                    **{name: value for name, value in vars(step).items() if name != "evidence"},
                    evidence=[EvidenceOut.of(view.use_id, item) for item in step.evidence],
                )
                for step in view.steps
            ],
        )


class UseOut(BaseModel):
    """A use of origin-related personal data with its current determination and remediation."""

    id: int
    organisation: OrganisationRef
    data_kind: DataKind
    data_detail: str
    algorithm: str | None = Field(
        description="Id of the organisation's algorithm that uses the data, if any."
    )
    algorithm_name: str | None
    system_name: str = Field(description="The system or process that uses the data, when it is no algorithm.")
    purpose: str
    legal_basis: str = Field(description="The legal basis the organisation claims.")
    source: UseSource
    dataset_name: str
    column_name: str
    scan_reasons: list[str]
    status: UseStatus
    determination: DeterminationOut | None
    determinations: list[DeterminationOut] = Field(description="Every determination, newest first.")
    remediation: CaseOut | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    links: dict[str, str]

    @classmethod
    def of(cls, view: UseView) -> "UseOut":
        """Build the body of a use."""
        determinations = [DeterminationOut(**vars(item)) for item in view.determinations]
        base = f"{_BASE}/uses/{view.id}"
        return cls(
            id=view.id,
            organisation=OrganisationRef(code=view.organisation_code, name=view.organisation_name),
            data_kind=view.data_kind,
            data_detail=view.data_detail,
            algorithm=view.algorithm_public_id,
            algorithm_name=view.algorithm_name,
            system_name=view.system_name,
            purpose=view.purpose,
            legal_basis=view.legal_basis,
            source=view.source,
            dataset_name=view.dataset_name,
            column_name=view.column_name,
            scan_reasons=list(view.scan_reasons),
            status=view.status,
            determination=determinations[0] if determinations else None,
            determinations=determinations,
            remediation=CaseOut.of(view.remediation) if view.remediation is not None else None,
            created_at=view.created_at,
            created_by=view.created_by,
            updated_at=view.updated_at,
            links={"self": base, "history": f"{base}/history", "page": f"/beheer/herkomstgegevens/{view.id}"},
        )


class TotalsOut(BaseModel):
    """Totals over the organisations listed (dismissed proposals left out, except in ``by_status``)."""

    total: int
    by_determination: dict[str, int] = Field(description="lawful, unlawful, improper and none.")
    by_remediation: dict[str, int] = Field(description="none, open and closed.")
    by_status: dict[str, int]


class UseListOut(BaseModel):
    """The uses that matched, newest first, and the totals."""

    items: list[UseOut]
    totals: TotalsOut


class UseBody(BaseModel):
    """A use as a person records it; ``algorithm`` (an id) or ``system_name`` names what uses the data."""

    data_kind: DataKind
    data_detail: str = Field(default="", max_length=20_000, description="Required for the kind 'other'.")
    algorithm: str | None = Field(default=None, max_length=64)
    system_name: str = Field(default="", max_length=2000)
    purpose: str = Field(default="", max_length=100_000)
    legal_basis: str = Field(default="", max_length=100_000)
    dataset_name: str = Field(default="", max_length=3000)
    column_name: str = Field(default="", max_length=2000)


class UseCreate(UseBody):
    """A new use, recorded by hand in an organisation (by its code)."""

    organisation: str = Field(max_length=64)


class UsePatch(BaseModel):
    """Changes to a use; fields left out stay as they are."""

    data_kind: DataKind | None = None
    data_detail: str | None = Field(default=None, max_length=20_000)
    algorithm: str | None = Field(default=None, max_length=64)
    system_name: str | None = Field(default=None, max_length=2000)
    purpose: str | None = Field(default=None, max_length=100_000)
    legal_basis: str | None = Field(default=None, max_length=100_000)
    dataset_name: str | None = Field(default=None, max_length=3000)
    column_name: str | None = Field(default=None, max_length=2000)


class ReasonIn(BaseModel):
    """A reason for a step that needs one."""

    reason: str = Field(max_length=100_000)


class DeterminationBody(BaseModel):
    """A determination: outcome, reasoning, who decided and when (default: today)."""

    outcome: Determination
    reasoning: str = Field(max_length=100_000)
    decided_by: str = Field(max_length=2000)
    decided_on: date | None = None


class StepPatch(BaseModel):
    """Changes to a remediation step; fields left out stay, null clears a date or count."""

    status: StepStatus | None = None
    owner: str | None = Field(default=None, max_length=2000)
    started_on: date | None = None
    due_on: date | None = None
    completed_on: date | None = None
    note: str | None = Field(default=None, max_length=100_000)
    people_count: int | None = None
    inform_method: str | None = Field(default=None, max_length=100_000)
    datasets: str | None = Field(default=None, max_length=100_000)
    records_removed: int | None = None
    records_corrected: int | None = None
    verification: str | None = Field(default=None, max_length=100_000)


class EventOut(BaseModel):
    """One change of a use or its remediation: who, when, and what changed ([before, after] per field)."""

    id: int
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


class SkippedOut(BaseModel):
    """A flagged column that was not proposed because it is in the inventory already (as ``use``)."""

    column: str
    use: int
    reason: str


class ProposalOut(BaseModel):
    """What the origin scan proposed from a data file."""

    columns_checked: int
    created: list[UseOut]
    skipped: list[SkippedOut]

    @classmethod
    def of(cls, outcome: ProposalOutcome) -> "ProposalOut":
        """Build the body of a proposal outcome."""
        return cls(
            columns_checked=outcome.columns_checked,
            created=[UseOut.of(view) for view in outcome.created],
            skipped=[
                SkippedOut(column=item.column, use=item.use_id, reason=item.reason)
                for item in outcome.skipped
            ],
        )


# --- uses -------------------------------------------------------------------------------------------


@router.get("/uses", response_model=UseListOut)
def list_uses(
    uow: UoW,
    actor: Actor,
    organisation: Annotated[str | None, Query(max_length=64, description="Organisation code.")] = None,
    determination: Annotated[
        Determination | Literal["none"] | None,
        Query(description="The current determination; none: undetermined."),
    ] = None,
    remediation_state: Annotated[RemediationFilter | None, Query(alias="remediation")] = None,
    status: UseStatus | None = None,
) -> Any:
    """The uses of every organisation the token may read, newest first, with totals (editor)."""
    where = UseFilter(
        organisation_code=organisation,
        determination=determination,
        remediation=remediation_state.value if remediation_state else None,
        status=status.value if status else None,
    )
    with uow() as session:
        found = origin_uses.list_uses(session, actor, where)
    return UseListOut(items=[UseOut.of(view) for view in found.items], totals=TotalsOut(**vars(found.totals)))


@router.post("/uses", status_code=201, response_model=UseOut)
def create_use(body: UseCreate, uow: UoW, actor: Actor, response: Response) -> Any:
    """Record a use by hand, confirmed at once (editor); a column of a system inventoried already is 409."""
    given = UseIn(**body.model_dump(exclude={"organisation"}, mode="json"))
    with uow() as session:
        view = origin_uses.create_use(session, actor, body.organisation, given)
    response.headers["Location"] = f"{_BASE}/uses/{view.id}"
    return UseOut.of(view)


@router.get("/uses/{use_id}", response_model=UseOut)
def get_use(use_id: PathNumber, uow: UoW, actor: Actor) -> Any:
    """One use with all its determinations and its remediation case (editor)."""
    with uow() as session:
        return UseOut.of(origin_uses.get_use(session, actor, use_id))


def _merged(view: UseView, body: UsePatch) -> UseIn:
    given = body.model_dump(exclude_unset=True, mode="json")
    current: dict[str, Any] = {
        "data_kind": view.data_kind.value,
        "data_detail": view.data_detail,
        "algorithm": view.algorithm_public_id,
        "system_name": view.system_name,
        "purpose": view.purpose,
        "legal_basis": view.legal_basis,
        "dataset_name": view.dataset_name,
        "column_name": view.column_name,
    }
    for name, value in given.items():
        current[name] = value if value is not None or name == "algorithm" else current[name]
    return UseIn(**current)


@router.patch("/uses/{use_id}", response_model=UseOut)
def update_use(use_id: PathNumber, body: UsePatch, uow: UoW, actor: Actor) -> Any:
    """Change what a use says (editor); ``"algorithm": null`` unlinks the algorithm."""
    with uow() as session:
        current = origin_uses.get_use(session, actor, use_id)
        return UseOut.of(origin_uses.update_use(session, actor, use_id, _merged(current, body)))


@router.post("/uses/{use_id}/confirm", response_model=UseOut)
def confirm_use(use_id: PathNumber, uow: UoW, actor: Actor, body: UsePatch | None = None) -> Any:
    """Confirm a proposal of the origin scan, with corrections (editor); a purpose is then required."""
    with uow() as session:
        current = origin_uses.get_use(session, actor, use_id)
        given = _merged(current, body) if body is not None else None
        return UseOut.of(origin_uses.confirm_use(session, actor, use_id, given))


@router.post("/uses/{use_id}/dismiss", response_model=UseOut)
def dismiss_use(use_id: PathNumber, body: ReasonIn, uow: UoW, actor: Actor) -> Any:
    """Dismiss a proposal with a reason (editor); it stays so that the column is not proposed again."""
    with uow() as session:
        return UseOut.of(origin_uses.dismiss_use(session, actor, use_id, body.reason))


@router.post("/uses/{use_id}/determinations", status_code=201, response_model=UseOut)
def determine(use_id: PathNumber, body: DeterminationBody, uow: UoW, actor: Actor) -> Any:
    """Determine a confirmed use (publisher; editors get 403); unlawful or improper opens remediation."""
    given = DeterminationIn(
        outcome=body.outcome.value,
        reasoning=body.reasoning,
        decided_by=body.decided_by,
        decided_on=body.decided_on or date.today(),
    )
    with uow() as session:
        return UseOut.of(origin_uses.determine_use(session, actor, use_id, given))


@router.get("/uses/{use_id}/history", response_model=list[EventOut])
def history(use_id: PathNumber, uow: UoW, actor: Actor) -> Any:
    """Every change of the use and its remediation, oldest first (editor)."""
    with uow() as session:
        events = origin_uses.use_history(session, actor, use_id)
    return [EventOut(**vars(event)) for event in events]


# --- remediation ------------------------------------------------------------------------------------


@router.get("/uses/{use_id}/remediation", response_model=CaseOut)
def get_case(use_id: PathNumber, uow: UoW, actor: Actor) -> Any:
    """The use's remediation case; 404 when it has none (editor)."""
    with uow() as session:
        case = remediation.case_of(session, actor, use_id)
    if case is None:
        return JSONResponse({"detail": f"Origin-data use {use_id} has no remediation case."}, status_code=404)
    return CaseOut.of(case)


@router.patch("/uses/{use_id}/remediation/steps/{step}", response_model=CaseOut)
def update_step(use_id: PathNumber, step: StepKind, body: StepPatch, uow: UoW, actor: Actor) -> Any:
    """Change a step of an open case (editor); ``done`` needs an owner, a date and the step's facts."""
    given = body.model_dump(exclude_unset=True)
    if given.get("status", "") is None:
        raise InvalidInput(
            problems=[FieldProblem("status", f"may not be null; use one of {', '.join(StepStatus)}")],
            summary="The remediation step was not changed.",
        )
    if "status" in given:
        given["status"] = given["status"].value
    change = StepChange(**given, given=frozenset(given))
    with uow() as session:
        return CaseOut.of(remediation.update_step(session, actor, use_id, step.value, change))


@router.post("/uses/{use_id}/remediation/steps/{step}/evidence", status_code=201, response_model=EvidenceOut)
def add_evidence(use_id: PathNumber, step: StepKind, body: EvidenceIn, uow: UoW, actor: Actor) -> Any:
    """Add a link or a small file as evidence to a step of an open case (editor); 413 above the limit."""
    try:
        with uow() as session:
            if body.kind == "link":
                if body.url is None:
                    raise InvalidInput(
                        problems=[FieldProblem("url", "is required for a link")],
                        summary="The evidence was not added.",
                    )
                view = remediation.add_link(session, actor, use_id, step.value, body.url, body.description)
            else:
                content = file_content(body)
                assert body.file_name is not None and body.media_type is not None
                view = remediation.add_file(
                    session,
                    actor,
                    use_id,
                    step.value,
                    body.file_name,
                    body.media_type,
                    content,
                    body.description,
                )
    except EvidenceTooLarge as too_large:
        return JSONResponse(problems_body(too_large.problems, too_large.message), status_code=413)
    return EvidenceOut.of(use_id, view)


@router.get(
    "/uses/{use_id}/remediation/evidence/{evidence_id}/file",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file as uploaded."}},
)
def evidence_file(use_id: PathNumber, evidence_id: PathNumber, uow: UoW, actor: Actor) -> Response:
    """A file kept as evidence, as an attachment, with its SHA-256 as the ETag (editor)."""
    with uow() as session:
        stored = remediation.evidence_file(session, actor, use_id, evidence_id)
    return Response(
        stored.content,
        media_type=stored.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(stored.file_name, safe='')}",
            "ETag": f'"{stored.sha256}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/uses/{use_id}/remediation/close", response_model=CaseOut)
def close_case(use_id: PathNumber, uow: UoW, actor: Actor) -> Any:
    """Close the case (publisher): 422 naming each step that is not done or has no evidence."""
    with uow() as session:
        return CaseOut.of(remediation.close_case(session, actor, use_id))


@router.post("/uses/{use_id}/remediation/reopen", response_model=CaseOut)
def reopen_case(use_id: PathNumber, body: ReasonIn, uow: UoW, actor: Actor) -> Any:
    """Reopen a closed case with a reason (publisher)."""
    with uow() as session:
        return CaseOut.of(remediation.reopen_case(session, actor, use_id, body.reason))


# --- proposals from the origin scan -----------------------------------------------------------------


def _scan_upload(data: UploadFile, max_unpacked_bytes: int) -> Any:
    suffix = data_file_suffix(data.filename or "")
    with upload_on_disk(data.file, suffix) as path:
        check_unpacked_size(path, max_unpacked_bytes)
        return scan_data_file(path)


@router.post("/proposals", status_code=201, response_model=ProposalOut)
async def propose(
    request: Request,
    uow: UoW,
    actor: Actor,
    data: Annotated[UploadFile, File(description="A data set: CSV, Parquet or XLSX; it is not kept.")],
    organisation: Annotated[str, Form(max_length=64, description="The organisation's code.")],
    algorithm: Annotated[
        str | None, Form(max_length=64, description="Id of the algorithm using the data.")
    ] = None,
    system_name: Annotated[
        str,
        Form(
            max_length=2000, description="Without an algorithm: the system or process (default: file name)."
        ),
    ] = "",
) -> Any:
    """Scan a data set for origin-related columns and propose one use per flagged column (editor).

    A column already in the inventory for the same algorithm or system is skipped, never duplicated.
    """

    def check_access() -> None:
        with uow() as session:
            origin_uses.require_may_propose(session, actor, organisation)

    await run_in_threadpool(check_access)
    scan = await run_in_threadpool(_scan_upload, data, request.app.state.settings.bias_max_unpacked_bytes)
    name = Path(data.filename or "data").name

    def store() -> ProposalOut:
        with uow() as session:
            outcome = origin_uses.propose_from_scan(
                session,
                actor,
                organisation,
                scan,
                dataset_name=name,
                algorithm=algorithm or None,
                system_name=system_name or ("" if algorithm else name),
            )
            return ProposalOut.of(outcome)

    return await run_in_threadpool(store)
