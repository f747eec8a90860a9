"""The answer page of an organisation asked by a campaign: its algorithms in scope with their risks
for human rights and the state of every asked action, reports of manual actions, requests for
support, and the declaration that its list is complete.

Anyone with a role in the asked organisation (or in the running one) reads it; the asked
organisation's editors (and up) answer while the campaign is open. Anyone else finds nothing (404).
"""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from algoreg.errors import Conflict, InvalidInput
from algoreg.inventory.campaigns import answers, support
from algoreg.inventory.campaigns.access import OPEN
from algoreg.inventory.campaigns.inputs import ActionKind, ReportedStatus
from algoreg.inventory.campaigns.progress import CampaignView, TargetView, campaign_view
from algoreg.register import algorithms
from algoreg.register.roles import Role
from algoreg.register.sessions import SignedIn
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages.campaign_forms import (
    ACTION_STATE_LABELS,
    CAMPAIGN_STATE_LABELS,
    DONE_MESSAGES,
    SUPPORT_STATE_LABELS,
    FormProblem,
    conflict_text,
    euro_formatter,
    euros,
    shown_problems,
    source_text,
    texts,
)
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.manage_common import common_context
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

#: Labels of the answer page's fields (English source texts), per form, in the form's order.
ADD_FIELDS = {"algorithm": "Algorithm", "human_rights_risks": "Risks for human rights"}
RISKS_FIELDS = {"human_rights_risks": "Risks for human rights"}
REPORT_FIELDS = {"status": "State", "note": "Note", "link": "Link"}
SUPPORT_FIELDS = {
    "kind": "What you ask for",
    "budget_euros": "Budget in euros",
    "reason": "Reason",
    "algorithm": "For the algorithm",
}

#: What an organisation may report of a manual action (English source texts).
REPORTED_LABELS: dict[str, str] = {
    ReportedStatus.NOT_STARTED: "Not started",
    ReportedStatus.IN_PROGRESS: "In progress",
    ReportedStatus.DONE: "Done",
    ReportedStatus.NOT_APPLICABLE: "Not applicable",
}


@dataclass(frozen=True)
class AnswerPlace:
    """The campaign as the user sees it, the asked organisation's part, and what the user may do."""

    campaign: CampaignView
    target: TargetView
    may_answer: bool
    own: bool
    candidates: list[tuple[str, str]]


def answer_place(uow: UoW, user: SignedIn, campaign_id: int, code: str) -> AnswerPlace:
    """The asked organisation's part of the campaign, for those who may see it (else NotFound)."""
    principal = user.principal
    with uow() as session:
        campaign, target = answers.find_target(session, principal, campaign_id, code)
        view = campaign_view(session, principal, campaign_id)
        (part,) = [t for t in view.targets if t.code == target.organisation.code]
        may_answer = campaign.state == OPEN and principal.can(target.organisation_id, Role.EDITOR)
        candidates: list[tuple[str, str]] = []
        if may_answer:
            in_scope = {item.algorithm for item in part.items}
            candidates = [
                (a.public_id, str(a.latest.record.get("name") or a.public_id))
                for a in algorithms.list_for_organisation(session, principal, part.code)
                if a.public_id not in in_scope
            ]
    own = principal.can(target.organisation_id, Role.VIEWER)
    return AnswerPlace(view, part, may_answer, own, candidates)


def _answer_page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    campaign_id: int,
    code: str,
    *,
    status_code: int = 200,
    alert: str | None = None,
    form_values: dict[str, dict[str, str]] | None = None,
    problems: list[FormProblem] | None = None,
) -> HTMLResponse:
    place = answer_place(uow, user, campaign_id, code)
    lang: i18n.Language = request.state.lang
    context: dict[str, Any] = common_context(request) | {
        "campaign": place.campaign,
        "target": place.target,
        "may_answer": place.may_answer,
        "own": place.own,
        "candidates": place.candidates,
        "manual_actions": [a for a in place.campaign.actions if a.kind == ActionKind.MANUAL],
        "campaign_state_labels": CAMPAIGN_STATE_LABELS,
        "action_state_labels": ACTION_STATE_LABELS,
        "support_state_labels": SUPPORT_STATE_LABELS,
        "reported_options": [(value, i18n.gettext(lang, label)) for value, label in REPORTED_LABELS.items()],
        "item_options": [(item.algorithm, f"{item.name} ({item.algorithm})") for item in place.target.items],
        "format_euros": euro_formatter(lang),
        "source_text": source_text,
        "done": DONE_MESSAGES.get(request.query_params.get("gedaan", "")),
        "alert": alert,
        "form_values": form_values or {},
        "problems": problems or [],
    }
    return render(request, "manage/campaign_answer.html", context, status_code)


def _url(campaign_id: int, code: str, done: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(
        f"/beheer/uitvraag/{campaign_id}/antwoord/{code}?gedaan={done}{anchor}", status_code=303
    )


def _refused(
    request: Request,
    user: SignedIn,
    uow: UoW,
    campaign_id: int,
    code: str,
    refused: InvalidInput | Conflict,
    form: str,
    labels: dict[str, str],
    values: dict[str, str],
    field_of: Any = None,
) -> HTMLResponse:
    lang: i18n.Language = request.state.lang
    if isinstance(refused, Conflict):
        alert = conflict_text(lang, refused)
        return _answer_page(request, user, uow, campaign_id, code, status_code=409, alert=alert)
    shown = shown_problems(
        refused.problems, lang, form, f"answer-{form}-", labels, field_of or (lambda field: field)
    )
    return _answer_page(
        request, user, uow, campaign_id, code, status_code=422, form_values={form: values}, problems=shown
    )


@router.get("/beheer/uitvraag/{campaign_id:int}/antwoord/{code}", response_class=HTMLResponse)
def answer_page(request: Request, campaign_id: int, code: str, user: User, uow: UoW) -> HTMLResponse:
    """The organisation's answer to the campaign, with forms for its editors while the campaign is open."""
    return _answer_page(request, user, uow, campaign_id, code)


@router.post("/beheer/uitvraag/{campaign_id:int}/antwoord/{code}/algoritmen", response_class=HTMLResponse)
async def add(request: Request, campaign_id: int, code: str, user: User, uow: UoW) -> Response:
    """Put one of the organisation's algorithms in scope, with its risks for human rights (editors)."""
    values = texts(await request.form(), tuple(ADD_FIELDS))
    try:
        with uow() as session:
            answers.add_to_scope(session, user.principal, campaign_id, code, values)
    except (InvalidInput, Conflict) as refused:
        return _refused(request, user, uow, campaign_id, code, refused, "add", ADD_FIELDS, values)
    return _url(campaign_id, code, "toegevoegd", f"#item-{values['algorithm']}")


@router.post(
    "/beheer/uitvraag/{campaign_id:int}/antwoord/{code}/algoritme/{public_id}/risicos",
    response_class=HTMLResponse,
)
async def update_risks(
    request: Request, campaign_id: int, code: str, public_id: str, user: User, uow: UoW
) -> Response:
    """Save new risks for human rights of an algorithm in scope (editors)."""
    values = texts(await request.form(), tuple(RISKS_FIELDS))
    try:
        with uow() as session:
            answers.update_risks(
                session, user.principal, campaign_id, code, public_id, values["human_rights_risks"]
            )
    except (InvalidInput, Conflict) as refused:
        form = f"risks-{public_id}"
        return _refused(request, user, uow, campaign_id, code, refused, form, RISKS_FIELDS, values)
    return _url(campaign_id, code, "risicos", f"#item-{public_id}")


@router.post(
    "/beheer/uitvraag/{campaign_id:int}/antwoord/{code}/algoritme/{public_id}/verwijderen",
    response_class=HTMLResponse,
)
def remove(request: Request, campaign_id: int, code: str, public_id: str, user: User, uow: UoW) -> Response:
    """Take an algorithm out of scope, with what was reported of it (editors)."""
    lang: i18n.Language = request.state.lang
    try:
        with uow() as session:
            answers.remove_from_scope(session, user.principal, campaign_id, code, public_id)
    except Conflict as conflict:
        alert = conflict_text(lang, conflict)
        return _answer_page(request, user, uow, campaign_id, code, status_code=409, alert=alert)
    return _url(campaign_id, code, "verwijderd")


@router.post(
    "/beheer/uitvraag/{campaign_id:int}/antwoord/{code}/algoritme/{public_id}/actie/{key}",
    response_class=HTMLResponse,
)
async def report(
    request: Request, campaign_id: int, code: str, public_id: str, key: str, user: User, uow: UoW
) -> Response:
    """Report the state of a manual action for an algorithm in scope (editors)."""
    values = texts(await request.form(), tuple(REPORT_FIELDS))
    data = {"status": values["status"], "note": values["note"], "link": values["link"].strip() or None}
    try:
        with uow() as session:
            answers.report_action(session, user.principal, campaign_id, code, public_id, key, data)
    except (InvalidInput, Conflict) as refused:
        form = f"report-{public_id}-{key}"
        return _refused(
            request,
            user,
            uow,
            campaign_id,
            code,
            refused,
            form,
            REPORT_FIELDS,
            values,
            lambda field: "note" if field == "body" else field,
        )
    return _url(campaign_id, code, "gemeld", f"#item-{public_id}")


@router.post("/beheer/uitvraag/{campaign_id:int}/antwoord/{code}/steun", response_class=HTMLResponse)
async def ask_support(request: Request, campaign_id: int, code: str, user: User, uow: UoW) -> Response:
    """Ask the running organisation for expertise and/or budget, with a reason (editors)."""
    values = texts(await request.form(), ("expertise", "budget_euros", "reason", "algorithm"))
    data: dict[str, Any] = {
        "expertise": values["expertise"] == "1",
        "budget_euros": euros(values["budget_euros"]),
        "reason": values["reason"],
        "algorithm": values["algorithm"] or None,
    }
    try:
        with uow() as session:
            support.request_support(session, user.principal, campaign_id, code, data)
    except (InvalidInput, Conflict) as refused:
        return _refused(
            request,
            user,
            uow,
            campaign_id,
            code,
            refused,
            "support",
            SUPPORT_FIELDS,
            values,
            lambda field: "kind" if field == "body" else field,
        )
    return _url(campaign_id, code, "steun", "#support")


@router.post("/beheer/uitvraag/{campaign_id:int}/antwoord/{code}/verklaring", response_class=HTMLResponse)
async def declare(request: Request, campaign_id: int, code: str, user: User, uow: UoW) -> Response:
    """Declare the organisation's list of algorithms complete, or take that back (editors)."""
    complete = texts(await request.form(), ("complete",))["complete"] == "1"
    lang: i18n.Language = request.state.lang
    try:
        with uow() as session:
            answers.declare(session, user.principal, campaign_id, code, complete)
    except Conflict as conflict:
        alert = conflict_text(lang, conflict)
        return _answer_page(request, user, uow, campaign_id, code, status_code=409, alert=alert)
    return _url(campaign_id, code, "verklaard" if complete else "teruggenomen")
