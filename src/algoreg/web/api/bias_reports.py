"""The JSON API of bias reports: published reports for everyone, drafts and changes for the organisation.

Reads need no token; with a token of the algorithm's organisation (any role) drafts and withdrawn
reports are read too. Attaching and editing need the editor role, publishing and withdrawing the
publisher role. A report's document is served as it was attached, as ``application/json``, with
its integrity digest as the ETag.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from algoreg.register import bias_reports
from algoreg.register.bias_reports import (
    MAX_DOCUMENT_BYTES,
    DocumentTooLarge,
    ReportDetails,
    ReportFilter,
    ReportState,
    ReportView,
    VerdictPresent,
)
from algoreg.register.roles import Principal, Role
from algoreg.web.api.params import MAX_INTEGER, PathNumber
from algoreg.web.api.responses import NOT_MODIFIED
from algoreg.web.api.schemas import OrganisationRef
from algoreg.web.deps import Actor, MaybeActor, UoW
from algoreg.web.errors import problems_body

router = APIRouter(prefix="/api/v1", tags=["bias reports"])


class VerdictCountsOut(BaseModel):
    """How many comparisons of the analysis reached each verdict."""

    comparisons: int
    disparity_found: int
    no_disparity_beyond_tolerance: int
    inconclusive: int
    too_few_cases: int


class BiasReportLinks(BaseModel):
    """Where the report is: this resource, its document, and its public page while it is public."""

    self: str
    document: str
    page: str | None


class BiasReportOut(BaseModel):
    """A bias report: what it is about, its verdicts and state; the analysis itself is its document."""

    id: int
    algorithm: str = Field(description="Id of the algorithm the report belongs to.")
    algorithm_name: str
    organisation: OrganisationRef
    title: str
    description: str = Field(description="Rich text in the standard's small HTML subset.")
    period: str = Field(description="The period or data the analysis covers.")
    mode: str = Field(description="The document's mode: decisions, aggregate or monitoring.")
    state: ReportState
    verdicts: VerdictCountsOut
    digest: str = Field(description="The document's integrity digest (SHA-256 of its canonical JSON).")
    document_bytes: int
    analysed_at: datetime | None = Field(description="When the analysis was made, as its document says.")
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    withdrawn_at: datetime | None
    created_by: str | None = Field(default=None, description="Only for the organisation's own people.")
    published_by: str | None = Field(default=None, description="Only for the organisation's own people.")
    links: BiasReportLinks

    @classmethod
    def of(cls, view: ReportView, principal: Principal | None = None) -> "BiasReportOut":
        """Build the body of a report; names of people only for a principal of its organisation."""
        base = f"/api/v1/algorithms/{view.algorithm_public_id}/bias-reports/{view.id}"
        own = principal is not None and principal.can(view.organisation_id, Role.VIEWER)
        return cls(
            id=view.id,
            algorithm=view.algorithm_public_id,
            algorithm_name=view.algorithm_name,
            organisation=OrganisationRef(code=view.organisation_code, name=view.organisation_name),
            title=view.title,
            description=view.description,
            period=view.period,
            mode=view.mode,
            state=view.state,
            verdicts=VerdictCountsOut(**vars(view.verdicts)),
            digest=view.digest,
            document_bytes=view.document_bytes,
            analysed_at=view.analysed_at,
            created_at=view.created_at,
            updated_at=view.updated_at,
            published_at=view.published_at,
            withdrawn_at=view.withdrawn_at,
            created_by=view.created_by if own else None,
            published_by=view.published_by if own else None,
            links=BiasReportLinks(
                self=base,
                document=f"{base}/document",
                page=f"/algoritme/{view.algorithm_public_id}/biastoets/{view.id}"
                if view.is_visible_to_public
                else None,
            ),
        )


class BiasReportPageOut(BaseModel):
    """A page of published bias reports."""

    items: list[BiasReportOut]
    total: int
    offset: int
    limit: int


class BiasReportIn(BaseModel):
    """A bias report to attach: what it is about, and the ``algoreg-bias/1`` document itself."""

    title: str = Field(max_length=1000, description="Required; at most 200 characters.")
    period: str = Field(max_length=1000, description="The period or data covered; required, at most 300.")
    description: str = Field(
        default="", max_length=200_000, description="Rich text (p, ul, ol, li, br, div)."
    )
    document: dict[str, Any] = Field(
        description=f"The analysis document as made by Algoreg; at most {MAX_DOCUMENT_BYTES} bytes of JSON."
    )


class BiasReportEdit(BaseModel):
    """New details of a report that is not published; fields left out stay as they are."""

    title: str | None = Field(default=None, max_length=1000)
    period: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=200_000)


def _one(uow: UoW, principal: Principal | None, public_id: str, report_id: int) -> BiasReportOut:
    with uow() as session:
        return BiasReportOut.of(bias_reports.get_report(session, principal, public_id, report_id), principal)


@router.get("/bias-reports", response_model=BiasReportPageOut)
def list_published(
    uow: UoW,
    organisation: Annotated[str | None, Query(max_length=64, description="Organisation code.")] = None,
    verdict: Annotated[
        list[VerdictPresent] | None,
        Query(description="Reports holding any of these verdicts at least once."),
    ] = None,
    q: Annotated[
        str, Query(max_length=200, description="Words to find in title, description and period.")
    ] = "",
    offset: Annotated[int, Query(ge=0, le=MAX_INTEGER)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Any:
    """Published bias reports of public algorithms across the register, newest publication first."""
    where = ReportFilter(organisation_code=organisation, verdicts=tuple(verdict or ()), text=q)
    with uow() as session:
        page = bias_reports.list_published_reports(session, where, offset=offset, limit=limit)
    return BiasReportPageOut(
        items=[BiasReportOut.of(item) for item in page.items], total=page.total, offset=offset, limit=limit
    )


@router.get("/algorithms/{public_id}/bias-reports")
def list_for_algorithm(public_id: str, uow: UoW, actor: MaybeActor) -> list[BiasReportOut]:
    """The algorithm's bias reports, newest first: published ones, or all with a token of its organisation."""
    with uow() as session:
        views = bias_reports.reports_of_algorithm(session, actor, public_id)
    return [BiasReportOut.of(view, actor) for view in views]


@router.post("/algorithms/{public_id}/bias-reports", status_code=201, response_model=BiasReportOut)
def attach(public_id: str, body: BiasReportIn, uow: UoW, actor: Actor, response: Response) -> Any:
    """Attach a bias analysis document as a draft report (editor role); 413 when the document is too large."""
    details = ReportDetails(title=body.title, period=body.period, description=body.description)
    try:
        with uow() as session:
            report_id = bias_reports.attach_report(session, actor, public_id, details, body.document).id
    except DocumentTooLarge as too_large:
        return JSONResponse(problems_body(too_large.problems, too_large.message), status_code=413)
    response.headers["Location"] = f"/api/v1/algorithms/{public_id}/bias-reports/{report_id}"
    return _one(uow, actor, public_id, report_id)


@router.get("/algorithms/{public_id}/bias-reports/{report_id}")
def get_report(public_id: str, report_id: PathNumber, uow: UoW, actor: MaybeActor) -> BiasReportOut:
    """One bias report (published, or any state with a token of the algorithm's organisation)."""
    return _one(uow, actor, public_id, report_id)


@router.patch("/algorithms/{public_id}/bias-reports/{report_id}")
def edit(
    public_id: str, report_id: PathNumber, body: BiasReportEdit, uow: UoW, actor: Actor
) -> BiasReportOut:
    """Change the title, description or period of a report that is not published (editor role)."""
    with uow() as session:
        current = bias_reports.get_report(session, actor, public_id, report_id)
        details = ReportDetails(
            title=current.title if body.title is None else body.title,
            period=current.period if body.period is None else body.period,
            description=current.description if body.description is None else body.description,
        )
        bias_reports.edit_report(session, actor, public_id, report_id, details)
    return _one(uow, actor, public_id, report_id)


@router.get(
    "/algorithms/{public_id}/bias-reports/{report_id}/document",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {}}, "description": "The document as attached."},
        **NOT_MODIFIED,
    },
)
def document(
    public_id: str,
    report_id: PathNumber,
    uow: UoW,
    actor: MaybeActor,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The report's ``algoreg-bias/1`` document exactly as attached; the ETag is its integrity digest."""
    with uow() as session:
        view = bias_reports.get_report(session, actor, public_id, report_id)
        text = bias_reports.report_document(session, actor, public_id, report_id)
    etag = f'"{view.digest}"'
    if if_none_match is not None and etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(text.encode("utf-8"), media_type="application/json", headers={"ETag": etag})


@router.post("/algorithms/{public_id}/bias-reports/{report_id}/publish")
def publish(public_id: str, report_id: PathNumber, uow: UoW, actor: Actor) -> BiasReportOut:
    """Publish the report (publisher role); the public sees it while the algorithm is public."""
    with uow() as session:
        bias_reports.publish_report(session, actor, public_id, report_id)
    return _one(uow, actor, public_id, report_id)


@router.post("/algorithms/{public_id}/bias-reports/{report_id}/withdraw")
def withdraw(public_id: str, report_id: PathNumber, uow: UoW, actor: Actor) -> BiasReportOut:
    """Withdraw the report from the public (publisher role)."""
    with uow() as session:
        bias_reports.withdraw_report(session, actor, public_id, report_id)
    return _one(uow, actor, public_id, report_id)
