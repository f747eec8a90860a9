"""Management pages of request campaigns ("uitvraag"): the list, a new campaign, and the running
organisation's page with its progress, support decisions and exports.

Who may do what is the domain's decision (:mod:`algoreg.inventory.campaigns.access`): the running
organisation's publishers open, close, add organisations and decide on support; anyone with a role
there reads everything; an asked organisation is sent on to its own answer page
(:mod:`.manage_campaign_answer`); anyone else finds nothing (404). Forms are POSTs with the CSRF
token, answered with a redirect and a confirmation, or with the page and every problem at its field.
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import Organisation
from algoreg.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from algoreg.inventory.campaigns import campaigns, support
from algoreg.inventory.campaigns.export import campaign_table
from algoreg.inventory.campaigns.inputs import DEFAULT_ACTIONS, ActionKind
from algoreg.inventory.campaigns.progress import CampaignView, campaign_view
from algoreg.register import workspace
from algoreg.register.roles import Principal, Role
from algoreg.register.sessions import SignedIn
from algoreg.web import i18n
from algoreg.web.charts import render_svg
from algoreg.web.deps import UoW
from algoreg.web.pages import manage_campaign_answer
from algoreg.web.pages.campaign_forms import (
    ACTION_STATE_LABELS,
    CAMPAIGN_STATE_LABELS,
    DONE_MESSAGES,
    SUPPORT_STATE_LABELS,
    FormProblem,
    action_chart,
    codes_of,
    conflict_text,
    euro_formatter,
    shown_problems,
    source_text,
    texts,
)
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.manage_common import common_context
from algoreg.web.pages.statistics import SVG_POLICY
from algoreg.web.reports.campaign import render_summary_pdf
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

#: Fields of the new-campaign form and their labels (English source texts), in the form's order.
NEW_FIELDS: dict[str, str] = {
    "organisation": "Organisation that runs the campaign",
    "title": "Title",
    "description": "Description",
    "contact_name": "Contact person",
    "contact_email": "Contact e-mail address",
    "deadline": "Deadline",
    "organisations": "Organisations to ask",
    "extra_action": "Extra action",
}

EXTRA_ACTION_KEY = "extra"
"""The key of the optional manual action a campaign made on the page asks besides the default two."""

_EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class CampaignRow:
    """A campaign in the list: whether the user's organisations run it or are asked by it."""

    id: int
    title: str
    organisation_name: str
    state: str
    deadline: date
    runs: bool


def _base(request: Request) -> dict[str, Any]:
    return common_context(request) | {
        "campaign_state_labels": CAMPAIGN_STATE_LABELS,
        "action_state_labels": ACTION_STATE_LABELS,
        "support_state_labels": SUPPORT_STATE_LABELS,
        "source_text": source_text,
        "format_euros": euro_formatter(request.state.lang),
        "done": DONE_MESSAGES.get(request.query_params.get("gedaan", "")),
    }


def _starting_organisations(session: Session, principal: Principal) -> list[Organisation]:
    return [
        organisation
        for organisation in workspace.organisations_of(session, principal)
        if principal.can(organisation.id, Role.PUBLISHER)
    ]


@router.get("/beheer/uitvragen", response_class=HTMLResponse)
def campaign_list(request: Request, user: User, uow: UoW) -> HTMLResponse:
    """The campaigns the user's organisations run or are asked by, with their state and deadline."""
    principal = user.principal
    with uow() as session:
        rows = [
            CampaignRow(
                c.id,
                c.title,
                c.organisation.name,
                c.state,
                c.deadline,
                principal.can(c.organisation_id, Role.VIEWER),
            )
            for c in campaigns.campaigns_for(session, principal)
        ]
        may_start = bool(_starting_organisations(session, principal))
    context = _base(request) | {"campaigns": rows, "may_start": may_start}
    return render(request, "manage/campaigns.html", context)


def _new_page(
    request: Request,
    organisations: list[tuple[str, str]],
    status_code: int = 200,
    values: dict[str, str] | None = None,
    problems: list[FormProblem] | None = None,
) -> HTMLResponse:
    empty = dict.fromkeys(NEW_FIELDS, "")
    if len(organisations) == 1:
        empty["organisation"] = organisations[0][0]
    context = _base(request) | {
        "organisations": organisations,
        "values": values or empty,
        "problems": problems or [],
        "default_actions": [action.title for action in DEFAULT_ACTIONS],
    }
    return render(request, "manage/campaign_new.html", context, status_code)


def _choices(uow: UoW, principal: Principal) -> list[tuple[str, str]]:
    with uow() as session:
        choices = [(o.code, o.name) for o in _starting_organisations(session, principal)]
    if not choices:
        raise Forbidden("To start a campaign you need the role publisher (or higher) in an organisation.")
    return choices


@router.get("/beheer/uitvragen/nieuw", response_class=HTMLResponse)
def new_campaign(request: Request, user: User, uow: UoW) -> HTMLResponse:
    """The form for a new campaign, for publishers (and up) of some organisation."""
    return _new_page(request, _choices(uow, user.principal))


def _new_field(field: str) -> str:
    if field.startswith("actions"):
        return "extra_action"
    if field.startswith("organisations"):
        return "organisations"
    return field


def _code_problems(session: Session, codes: list[str], running: str) -> list[FieldProblem]:
    """Problems of the organisation codes, found without writing (when the campaign itself was refused)."""
    problems = []
    for index, code in enumerate(codes):
        clean = code.strip().lower()
        if clean == running:
            reason = "the organisation that runs the campaign does not ask itself"
        elif session.scalar(select(Organisation.id).where(Organisation.code == clean)) is None:
            reason = f"there is no organisation with code '{code}'"
        else:
            continue
        problems.append(FieldProblem(f"organisations.{index}", reason))
    return problems


@router.post("/beheer/uitvragen/nieuw", response_class=HTMLResponse)
async def create(request: Request, user: User, uow: UoW) -> Response:
    """Create the campaign as a draft and ask the organisations named, in one transaction; every
    problem is shown at its field (422) and nothing is stored then."""
    choices = _choices(uow, user.principal)
    values = texts(await request.form(), tuple(NEW_FIELDS))
    lang: i18n.Language = request.state.lang
    codes = codes_of(values["organisations"])
    data: dict[str, Any] = {
        name: values[name] for name in ("title", "description", "contact_name", "contact_email", "deadline")
    }
    extra = values["extra_action"].strip()
    if extra:
        manual = {"key": EXTRA_ACTION_KEY, "kind": ActionKind.MANUAL.value, "title": extra}
        data["actions"] = [*(a.model_dump() for a in DEFAULT_ACTIONS), manual]
    problems: list[FieldProblem] = []
    running = values["organisation"]
    if running not in {code for code, _name in choices}:
        problems.append(
            FieldProblem("organisation", "choose one of the organisations where you may start a campaign")
        )
        running = ""
    try:
        with uow() as session:
            try:
                campaign_id = campaigns.create_campaign(session, user.principal, running, data).id
            except (InvalidInput, NotFound) as refused:
                own = refused.problems if isinstance(refused, InvalidInput) else []
                raise InvalidInput(problems + own + _code_problems(session, codes, running)) from None
            if problems:
                raise InvalidInput(problems + _code_problems(session, codes, running))
            if codes:
                campaigns.add_targets(session, user.principal, campaign_id, codes)
    except InvalidInput as invalid:
        shown = _new_problems(invalid.problems, lang)
        return _new_page(request, choices, 422, values, shown)
    return RedirectResponse(f"/beheer/uitvraag/{campaign_id}?gedaan=aangemaakt", status_code=303)


def _new_problems(problems: list[FieldProblem], lang: i18n.Language) -> list[FormProblem]:
    return shown_problems(problems, lang, "new", "campaign-", NEW_FIELDS, _new_field)


# --- the running organisation's page -----------------------------------------------------------


def _view(uow: UoW, user: SignedIn, campaign_id: int) -> CampaignView:
    with uow() as session:
        return campaign_view(session, user.principal, campaign_id)


def _may_run(uow: UoW, user: SignedIn, campaign_id: int) -> bool:
    """Whether the user is a publisher (or more) of the organisation that runs the campaign."""
    with uow() as session:
        return user.principal.can(
            campaigns.find_campaign(session, campaign_id).organisation_id, Role.PUBLISHER
        )


def _campaign_page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    campaign_id: int,
    *,
    status_code: int = 200,
    alert: str | None = None,
    form_values: dict[str, dict[str, str]] | None = None,
    problems: list[FormProblem] | None = None,
) -> Response:
    view = _view(uow, user, campaign_id)
    if not view.runs and len(view.targets) == 1:
        return RedirectResponse(
            f"/beheer/uitvraag/{campaign_id}/antwoord/{view.targets[0].code}", status_code=303
        )
    lang: i18n.Language = request.state.lang
    context = _base(request) | {
        "campaign": view,
        "may_run": view.runs and _may_run(uow, user, campaign_id),
        "charts": [action_chart(a, view.totals.get(a.key, {}), lang) for a in view.actions]
        if view.runs
        else [],
        "alert": alert,
        "form_values": form_values or {},
        "problems": problems or [],
    }
    return render(request, "manage/campaign.html", context, status_code)


@router.get("/beheer/uitvraag/{campaign_id:int}", response_class=HTMLResponse)
def campaign_page(request: Request, campaign_id: int, user: User, uow: UoW) -> Response:
    """The campaign and its progress for the running organisation; an asked organisation is sent
    on to its answer page."""
    return _campaign_page(request, user, uow, campaign_id)


def _step(request: Request, user: SignedIn, uow: UoW, campaign_id: int, step: str) -> Response:
    lang: i18n.Language = request.state.lang
    try:
        with uow() as session:
            if step == "geopend":
                campaigns.open_campaign(session, user.principal, campaign_id)
            else:
                campaigns.close_campaign(session, user.principal, campaign_id)
    except Conflict as conflict:
        return _campaign_page(
            request, user, uow, campaign_id, status_code=409, alert=conflict_text(lang, conflict)
        )
    except InvalidInput as invalid:
        shown = shown_problems(
            invalid.problems, lang, "targets", "campaign-", {"organisations": "Organisations to ask"}
        )
        return _campaign_page(request, user, uow, campaign_id, status_code=422, problems=shown)
    return RedirectResponse(f"/beheer/uitvraag/{campaign_id}?gedaan={step}", status_code=303)


@router.post("/beheer/uitvraag/{campaign_id:int}/openen", response_class=HTMLResponse)
def open_campaign(request: Request, campaign_id: int, user: User, uow: UoW) -> Response:
    """Open the draft campaign to the organisations it asks (publishers of the running organisation)."""
    return _step(request, user, uow, campaign_id, "geopend")


@router.post("/beheer/uitvraag/{campaign_id:int}/sluiten", response_class=HTMLResponse)
def close_campaign(request: Request, campaign_id: int, user: User, uow: UoW) -> Response:
    """Close the open campaign: answers are kept, no more are taken (publishers)."""
    return _step(request, user, uow, campaign_id, "gesloten")


@router.post("/beheer/uitvraag/{campaign_id:int}/organisaties", response_class=HTMLResponse)
async def add_targets(request: Request, campaign_id: int, user: User, uow: UoW) -> Response:
    """Ask more organisations, named by code (publishers); unknown codes are shown at the field."""
    values = texts(await request.form(), ("organisations",))
    lang: i18n.Language = request.state.lang
    codes = codes_of(values["organisations"])
    try:
        with uow() as session:
            campaigns.add_targets(session, user.principal, campaign_id, codes)
    except InvalidInput as invalid:
        labels = {"organisations": "Organisations to ask"}
        shown = shown_problems(invalid.problems, lang, "targets", "campaign-", labels, _new_field)
        form_values = {"targets": values}
        return _campaign_page(
            request, user, uow, campaign_id, status_code=422, form_values=form_values, problems=shown
        )
    except Conflict as conflict:
        return _campaign_page(
            request, user, uow, campaign_id, status_code=409, alert=conflict_text(lang, conflict)
        )
    return RedirectResponse(f"/beheer/uitvraag/{campaign_id}?gedaan=organisaties", status_code=303)


@router.post("/beheer/uitvraag/{campaign_id:int}/steun/{request_id:int}", response_class=HTMLResponse)
async def decide(request: Request, campaign_id: int, request_id: int, user: User, uow: UoW) -> Response:
    """Grant or decline a support request, with a reason (publishers of the running organisation)."""
    values = texts(await request.form(), ("grant", "reason"))
    lang: i18n.Language = request.state.lang
    data: dict[str, Any] = {"reason": values["reason"]}
    if values["grant"] in ("1", "0"):
        data["grant"] = values["grant"] == "1"
    form = f"decide-{request_id}"
    try:
        with uow() as session:
            support.decide_support(session, user.principal, campaign_id, request_id, data)
    except InvalidInput as invalid:
        labels = {"reason": "Reason for the decision", "grant": "Decision"}
        shown = shown_problems(invalid.problems, lang, form, f"campaign-{form}-", labels)
        return _campaign_page(
            request, user, uow, campaign_id, status_code=422, form_values={form: values}, problems=shown
        )
    except Conflict as conflict:
        return _campaign_page(
            request, user, uow, campaign_id, status_code=409, alert=conflict_text(lang, conflict)
        )
    return RedirectResponse(
        f"/beheer/uitvraag/{campaign_id}?gedaan=besloten#support-{request_id}", status_code=303
    )


@router.get("/beheer/uitvraag/{campaign_id:int}/export.{format}")
def export(campaign_id: int, format: str, user: User, uow: UoW) -> Response:
    """The progress as a table (one row per organisation, algorithm and action), as CSV or XLSX."""
    if format not in _EXPORT_TYPES:
        raise NotFound(f"There is no export as '{format}'; use csv or xlsx.")
    content = campaign_table(_view(uow, user, campaign_id), format)
    return Response(
        content,
        media_type=_EXPORT_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="uitvraag-{campaign_id}.{format}"'},
    )


@router.get("/beheer/uitvraag/{campaign_id:int}/samenvatting.pdf")
def summary_pdf(request: Request, campaign_id: int, user: User, uow: UoW) -> Response:
    """A summary of the progress for a letter to parliament, as PDF in the page's language."""
    pdf = render_summary_pdf(_view(uow, user, campaign_id), request.state.lang)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="uitvraag-{campaign_id}.pdf"'},
    )


@router.get("/beheer/uitvraag/{campaign_id:int}/grafiek/{key}.svg", response_class=Response)
def chart(request: Request, campaign_id: int, key: str, user: User, uow: UoW) -> Response:
    """The chart of one action's progress as an SVG image, in the language of ``?lang=``."""
    view = _view(uow, user, campaign_id)
    actions = [action for action in view.actions if action.key == key]
    if not view.runs or not actions:
        raise NotFound(f"The campaign has no chart '{key}'.")
    lang: i18n.Language = request.state.lang
    svg = render_svg(action_chart(actions[0], view.totals.get(key, {}), lang).chart)
    etag = '"' + hashlib.sha256(svg.encode()).hexdigest()[:32] + '"'
    headers = {
        "Content-Security-Policy": SVG_POLICY,
        "Cache-Control": "private, no-cache",
        "ETag": etag,
        "Content-Language": lang,
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml; charset=utf-8", headers=headers)


router.include_router(manage_campaign_answer.router)
