"""The JSON API of request campaigns: the central organisation runs them, asked organisations answer.

Everything needs a token. The running organisation's publishers prepare, open and close a campaign
and decide on support requests; anyone with a role there reads all of it. An asked organisation's
editors answer for it; anyone with a role there reads its own part. Others get 404.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from algoreg.inventory.campaigns import answers, campaigns, support
from algoreg.inventory.campaigns.export import campaign_table
from algoreg.inventory.campaigns.inputs import ActionReportIn, CampaignIn, DecisionIn, ScopeIn, SupportIn
from algoreg.inventory.campaigns.progress import CampaignView, campaign_view
from algoreg.tables import MEDIA_TYPES
from algoreg.web.api.params import PathNumber
from algoreg.web.deps import Actor, UoW
from algoreg.web.i18n import Language
from algoreg.web.reports.campaign import render_summary_html, render_summary_pdf

router = APIRouter(prefix="/api/v1", tags=["campaigns"])


class CampaignSummary(BaseModel):
    """A campaign in a list."""

    id: int
    organisation: str = Field(description="Code of the organisation that runs it.")
    title: str
    deadline: str
    state: str


class TargetsIn(BaseModel):
    """Organisations to ask, by code."""

    organisations: list[str] = Field(max_length=1000)


class RisksIn(BaseModel):
    """New risks for human rights of an algorithm in scope."""

    human_rights_risks: str = Field(max_length=10_000)


class DeclarationIn(BaseModel):
    """Whether the organisation's list of algorithms in scope is complete."""

    complete: bool


def _view(uow: UoW, actor: Actor, campaign_id: PathNumber) -> CampaignView:
    with uow() as session:
        return campaign_view(session, actor, campaign_id)


@router.get("/campaigns")
def list_campaigns(uow: UoW, actor: Actor) -> list[CampaignSummary]:
    """The campaigns your organisations run, and the open or closed ones that ask them."""
    with uow() as session:
        found = campaigns.campaigns_for(session, actor)
        return [
            CampaignSummary(
                id=c.id,
                organisation=c.organisation.code,
                title=c.title,
                deadline=c.deadline.isoformat(),
                state=c.state,
            )
            for c in found
        ]


@router.post("/organisations/{code}/campaigns", status_code=201)
def create(code: str, body: CampaignIn, uow: UoW, actor: Actor, response: Response) -> CampaignView:
    """Start a draft campaign run by the organisation (publisher role); without actions it asks an IAMA and
    publication in a register."""
    with uow() as session:
        campaign_id = campaigns.create_campaign(session, actor, code, body).id
    response.headers["Location"] = f"/api/v1/campaigns/{campaign_id}"
    return _view(uow, actor, campaign_id)


@router.get("/campaigns/{campaign_id}")
def get(campaign_id: PathNumber, uow: UoW, actor: Actor) -> CampaignView:
    """The campaign and its progress: all of it for the running organisation, your own part otherwise."""
    return _view(uow, actor, campaign_id)


@router.put("/campaigns/{campaign_id}")
def update(campaign_id: PathNumber, body: CampaignIn, uow: UoW, actor: Actor) -> CampaignView:
    """Change a draft campaign's details and actions (publisher role); 409 once it is open."""
    with uow() as session:
        campaigns.update_campaign(session, actor, campaign_id, body)
    return _view(uow, actor, campaign_id)


@router.post("/campaigns/{campaign_id}/targets")
def add_targets(campaign_id: PathNumber, body: TargetsIn, uow: UoW, actor: Actor) -> CampaignView:
    """Ask these organisations too (publisher role); unknown codes are refused, known ones left alone."""
    with uow() as session:
        campaigns.add_targets(session, actor, campaign_id, body.organisations)
    return _view(uow, actor, campaign_id)


@router.delete("/campaigns/{campaign_id}/targets/{code}", status_code=204)
def remove_target(campaign_id: PathNumber, code: str, uow: UoW, actor: Actor) -> Response:
    """Stop asking an organisation (publisher role), while the campaign is a draft."""
    with uow() as session:
        campaigns.remove_target(session, actor, campaign_id, code)
    return Response(status_code=204)


@router.post("/campaigns/{campaign_id}/open")
def open_campaign(campaign_id: PathNumber, uow: UoW, actor: Actor) -> CampaignView:
    """Open the campaign to the organisations it asks (publisher role)."""
    with uow() as session:
        campaigns.open_campaign(session, actor, campaign_id)
    return _view(uow, actor, campaign_id)


@router.post("/campaigns/{campaign_id}/close")
def close_campaign(campaign_id: PathNumber, uow: UoW, actor: Actor) -> CampaignView:
    """Close the campaign: answers are kept, no more are taken (publisher role)."""
    with uow() as session:
        campaigns.close_campaign(session, actor, campaign_id)
    return _view(uow, actor, campaign_id)


@router.post("/campaigns/{campaign_id}/answers/{code}/algorithms", status_code=201)
def add_to_scope(campaign_id: PathNumber, code: str, body: ScopeIn, uow: UoW, actor: Actor) -> CampaignView:
    """Put one of your organisation's algorithms in scope, with its risks for human rights (editor role)."""
    with uow() as session:
        answers.add_to_scope(session, actor, campaign_id, code, body)
    return _view(uow, actor, campaign_id)


@router.patch("/campaigns/{campaign_id}/answers/{code}/algorithms/{public_id}")
def update_risks(
    campaign_id: PathNumber, code: str, public_id: str, body: RisksIn, uow: UoW, actor: Actor
) -> CampaignView:
    """Change the risks for human rights of an algorithm in scope (editor role)."""
    with uow() as session:
        answers.update_risks(session, actor, campaign_id, code, public_id, body.human_rights_risks)
    return _view(uow, actor, campaign_id)


@router.delete("/campaigns/{campaign_id}/answers/{code}/algorithms/{public_id}", status_code=204)
def remove_from_scope(campaign_id: PathNumber, code: str, public_id: str, uow: UoW, actor: Actor) -> Response:
    """Take an algorithm out of scope (editor role)."""
    with uow() as session:
        answers.remove_from_scope(session, actor, campaign_id, code, public_id)
    return Response(status_code=204)


@router.put("/campaigns/{campaign_id}/answers/{code}/algorithms/{public_id}/actions/{key}")
def report_action(
    campaign_id: PathNumber, code: str, public_id: str, key: str, body: ActionReportIn, uow: UoW, actor: Actor
) -> CampaignView:
    """Report the state of a manual action (editor role); assessment and register actions are read from
    the records and cannot be reported."""
    with uow() as session:
        answers.report_action(session, actor, campaign_id, code, public_id, key, body)
    return _view(uow, actor, campaign_id)


@router.put("/campaigns/{campaign_id}/answers/{code}/declaration")
def declare(campaign_id: PathNumber, code: str, body: DeclarationIn, uow: UoW, actor: Actor) -> CampaignView:
    """Say that your list of algorithms in scope is complete, or take that back (editor role)."""
    with uow() as session:
        answers.declare(session, actor, campaign_id, code, body.complete)
    return _view(uow, actor, campaign_id)


@router.post("/campaigns/{campaign_id}/answers/{code}/support-requests", status_code=201)
def request_support(
    campaign_id: PathNumber, code: str, body: SupportIn, uow: UoW, actor: Actor
) -> CampaignView:
    """Ask for expertise and/or budget (with the amount) and say why (editor role)."""
    with uow() as session:
        support.request_support(session, actor, campaign_id, code, body)
    return _view(uow, actor, campaign_id)


@router.post("/campaigns/{campaign_id}/support-requests/{request_id}/decision")
def decide(
    campaign_id: PathNumber, request_id: PathNumber, body: DecisionIn, uow: UoW, actor: Actor
) -> CampaignView:
    """Grant or decline a support request with a reason (publisher role of the running organisation)."""
    with uow() as session:
        support.decide_support(session, actor, campaign_id, request_id, body)
    return _view(uow, actor, campaign_id)


@router.get(
    "/campaigns/{campaign_id}/export",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            }
        }
    },
)
def export(
    campaign_id: PathNumber,
    uow: UoW,
    actor: Actor,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv",
) -> Response:
    """The progress as a table (one row per organisation, algorithm and action), as CSV or XLSX."""
    content = campaign_table(_view(uow, actor, campaign_id), format)
    return Response(
        content,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="uitvraag-{campaign_id}.{format}"'},
    )


@router.get(
    "/campaigns/{campaign_id}/summary",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def summary(
    campaign_id: PathNumber,
    uow: UoW,
    actor: Actor,
    format: Annotated[str, Query(pattern="^(html|pdf)$")] = "pdf",
    lang: Annotated[Language, Query()] = "nl",
) -> Response:
    """A summary of the progress for a letter to parliament: totals and a table per organisation."""
    view = _view(uow, actor, campaign_id)
    if format == "html":
        return Response(render_summary_html(view, lang), media_type="text/html; charset=utf-8")
    return Response(
        render_summary_pdf(view, lang),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="uitvraag-{campaign_id}.pdf"'},
    )
