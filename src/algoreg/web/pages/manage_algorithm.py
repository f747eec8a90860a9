"""Pages: one algorithm as its organisation manages it — state and actions, preview, history, audit log.

Everything here needs a role in the algorithm's organisation; for anyone else the algorithm does
not exist (404). Workflow actions are POST forms carrying the lock version, so that an action on
a state someone else just changed is refused (409) instead of applied blindly.
"""

import re
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from algoreg.errors import Conflict, StaleWrite
from algoreg.register import algorithms, bias_reports, workspace
from algoreg.register.algorithms import AlgorithmView, VersionView
from algoreg.register.diff import diff_records
from algoreg.register.presentation import change_rows, record_sections
from algoreg.register.roles import Role
from algoreg.register.sessions import SignedIn
from algoreg.register.workflow import Action
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages import manage_assessments
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.form_problems import Reasons, reason
from algoreg.web.pages.manage_common import ACTION_LABELS, STATE_LABELS, common_context, translate_reason
from algoreg.web.pages.manage_framework import profile_context
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

STALE_ACTION = (
    "Someone else changed this algorithm a moment ago, so your step was not taken. "
    "Look at its current state below and choose again."
)

#: Steps that move an algorithm on towards publication; their buttons are the primary ones.
FORWARD_ACTIONS = frozenset(
    {Action.SUBMIT.value, Action.APPROVE.value, Action.PUBLISH.value, Action.UNARCHIVE.value}
)

#: Refusals of a workflow step (Conflict) and their English source texts. The workflow's words in
#: them (a state, the steps possible now) are shown as the page's words for them, through the same table.
_REASONS = Reasons(
    reason(
        r"'(?P<action>[a-z_]+)' is not possible while the algorithm is (?P<state>[a-z_]+); "
        r"possible now: (?P<allowed>.*)\.",
        "This step is not possible in the algorithm's current state (%(state)s); possible now: %(allowed)s.",
        nested=("state", "allowed"),
    ),
    *(reason(re.escape(state), label) for state, label in STATE_LABELS.items()),
    *(reason(re.escape(action), label) for action, label in ACTION_LABELS.items()),
    reason(re.escape(Action.EDIT), "Edit the description"),
    reason(r"none", "no step"),
    reason(r"(?P<first>[a-z_]+), (?P<rest>[a-z_, ]+)", "%(first)s, %(rest)s", nested=("first", "rest")),
    fallback=translate_reason,
)


def _conflict(lang: i18n.Language, conflict: Conflict) -> Markup:
    """The refusal as the page's alert: translated through the reasons, or marked as English."""
    return _REASONS.shown(lang, conflict.message)


#: Words for the audit log's actions (English source texts).
AUDIT_ACTIONS: dict[str, str] = {
    "algorithm.create": "Registered",
    "algorithm.edit": "Edited",
    "algorithm.submit": "Submitted for review",
    "algorithm.reject": "Sent back to concept",
    "algorithm.approve": "Approved",
    "algorithm.publish": "Published",
    "algorithm.retract": "Publication retracted",
    "algorithm.archive": "Archived",
    "algorithm.unarchive": "Taken out of the archive",
    "bias_report.attach": "Bias test attached",
    "bias_report.edit": "Bias test edited",
    "bias_report.publish": "Bias test published",
    "bias_report.withdraw": "Bias test withdrawn",
}


def _page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    public_id: str,
    alert: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow() as session:
        view = algorithms.view(session, user.principal, public_id)
        actions = workspace.permitted_actions(session, user.principal, view)
        role = workspace.role_in(session, user.principal, view.organisation_code)
        reports = bias_reports.reports_of_algorithm(session, user.principal, public_id)
        assessment_list = manage_assessments.assessments_context(
            session, user, public_id, view.organisation_code
        )
        ai_act = profile_context(session, user.principal, public_id)
    may_edit = role is not None and role.rank >= Role.EDITOR.rank and view.state.value != "archived"
    context = (
        common_context(request)
        | {
            "algorithm": view,
            "name": str(view.latest.record.get("name", "")),
            "actions": actions,
            "role": role,
            "may_edit": may_edit,
            "alert": alert,
            "forward_actions": FORWARD_ACTIONS,
            "bias_reports": reports,
            "bias_document_megabytes": bias_reports.MAX_DOCUMENT_BYTES // 1024 // 1024,
        }
        | ai_act
    )
    context |= assessment_list
    return render(request, "manage/algorithm.html", context, status_code)


@router.get("/beheer/algoritme/{public_id}", response_class=HTMLResponse)
def algorithm_page(request: Request, public_id: str, user: User, uow: UoW) -> HTMLResponse:
    """Show the algorithm's workflow state, whether it is public, and the steps the user may take."""
    return _page(request, user, uow, public_id)


@router.post("/beheer/algoritme/{public_id}/actie", response_class=HTMLResponse)
async def take_action(request: Request, public_id: str, user: User, uow: UoW) -> Response:
    """Take one workflow step; refused with 409 when the algorithm changed or the step is not possible now."""
    form = await request.form()
    given = form.get("action")
    lock = form.get("lock_version")
    try:
        action = Action(given if isinstance(given, str) else "")
    except ValueError:
        action = None
    lang = request.state.lang
    if action is None or action is Action.EDIT:
        with uow() as session:
            algorithms.view(session, user.principal, public_id)
        return _page(
            request, user, uow, public_id, i18n.gettext(lang, "Choose one of the buttons below."), 422
        )
    expected = int(lock) if isinstance(lock, str) and lock.isdecimal() and len(lock) < 10 else -1
    try:
        with uow() as session:
            algorithms.view(session, user.principal, public_id)
            algorithms.perform(session, user.principal, public_id, action, expected)
    except StaleWrite:
        return _page(request, user, uow, public_id, i18n.gettext(lang, STALE_ACTION), 409)
    except Conflict as conflict:
        return _page(request, user, uow, public_id, _conflict(lang, conflict), 409)
    return RedirectResponse(f"/beheer/algoritme/{public_id}?gedaan={action.value}", status_code=303)


@router.get("/beheer/algoritme/{public_id}/voorbeeld", response_class=HTMLResponse)
def preview(request: Request, public_id: str, user: User, uow: UoW) -> HTMLResponse:
    """Show the newest version exactly as the public page would show it, marked as a preview."""
    with uow() as session:
        view = algorithms.view(session, user.principal, public_id)
    lang = request.state.lang
    context = common_context(request) | {
        "algorithm": view,
        "name": str(view.latest.record.get("name", "")),
        "sections": record_sections(view.latest.record, lang),
    }
    return render(request, "manage/preview.html", context)


def _pick(given: str | None, numbers: list[int]) -> int | None:
    text = (given or "").strip()
    if text.isdecimal() and len(text) < 10 and int(text) in numbers:
        return int(text)
    return None


def _comparison(
    history: list[VersionView], from_text: str | None, to_text: str | None
) -> tuple[VersionView | None, VersionView | None, bool]:
    """Return the two versions to compare (default: the newest two) and whether the choice was bad."""
    numbers = [version.number for version in history]
    by_number = {version.number: version for version in history}
    if len(history) < 2:
        return None, None, False
    chosen = (_pick(from_text, numbers), _pick(to_text, numbers))
    asked = from_text is not None or to_text is not None
    if chosen[0] is None or chosen[1] is None:
        return by_number[numbers[-2]], by_number[numbers[-1]], asked
    return by_number[chosen[0]], by_number[chosen[1]], False


@router.get("/beheer/algoritme/{public_id}/geschiedenis", response_class=HTMLResponse)
def history(
    request: Request,
    public_id: str,
    user: User,
    uow: UoW,
    van: str | None = Query(None, max_length=20),
    naar: str | None = Query(None, max_length=20),
) -> HTMLResponse:
    """Show every version with author, time and publication, and the differences between two."""
    with uow() as session:
        view = algorithms.view(session, user.principal, public_id)
        all_versions = algorithms.versions(session, user.principal, public_id)
    lang = request.state.lang
    before, after, bad_choice = _comparison(all_versions, van, naar)
    changes: list[Any] = []
    if before is not None and after is not None:
        changes = change_rows(diff_records(before.record, after.record), lang)
    context = common_context(request) | {
        "algorithm": view,
        "name": str(view.latest.record.get("name", "")),
        "versions": all_versions,
        "before": before,
        "after": after,
        "bad_choice": bad_choice,
        "changes": changes,
    }
    return render(request, "manage/history.html", context)


@router.get("/beheer/algoritme/{public_id}/audit", response_class=HTMLResponse)
def audit_log(request: Request, public_id: str, user: User, uow: UoW) -> HTMLResponse:
    """Show the algorithm's audit log: who did what and when, oldest first."""
    with uow() as session:
        view: AlgorithmView = algorithms.view(session, user.principal, public_id)
        events = [
            {
                "at": event.at,
                "actor": event.actor,
                "action": event.action,
                "version": event.version_number,
                "summary": event.summary,
                "note": (event.detail or {}).get("note"),
            }
            for event in workspace.audit_events(session, user.principal, public_id)
        ]
    context = common_context(request) | {
        "algorithm": view,
        "name": str(view.latest.record.get("name", "")),
        "events": events,
        "audit_actions": AUDIT_ACTIONS,
    }
    return render(request, "manage/audit.html", context)
