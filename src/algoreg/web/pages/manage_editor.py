"""Pages: registering a new algorithm and editing one, in a form generated from the standard.

A form with problems comes back with what was typed, a summary of the problems at the top
(linked to the controls) and each message beside its control. Editing carries the algorithm's
lock version; when someone else saved in the meantime nothing is stored and the form comes back
with 409, the typed values and an explanation. "Add a row" re-renders the form with one more
empty row of a grouping, without saving.
"""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from algoreg.errors import Conflict, FieldProblem, InvalidInput, StaleWrite
from algoreg.register import algorithms, forms, workspace
from algoreg.register.forms import Submission
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Role
from algoreg.standard.enums import Lang
from algoreg.standard.metadata import GROUPING_SUB_FIELDS
from algoreg.standard.richtext import ALLOWED_TAGS
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.form_problems import Reasons, reason
from algoreg.web.pages.manage_common import common_context, translate_reason
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

STALE_MESSAGE = (
    "Someone else changed this algorithm while you were editing it. Nothing was saved. Your text is "
    "still in the form below. Look at the history to see what they changed; if you save again, your "
    "text becomes the newest version (their version stays in the history)."
)

#: Refusals of a save (Conflict) shown as the page's alert, and their English source texts.
_REFUSALS = Reasons(
    reason(
        r"'edit' is not possible while the algorithm is archived; possible now: .*",
        "An archived algorithm cannot be edited; take it out of the archive first.",
    ),
    fallback=translate_reason,
)

#: Allowed markup in rich-text fields, in a stable order for the help text.
ALLOWED_HTML = ", ".join(f"<{tag}>" for tag in sorted(ALLOWED_TAGS))


@dataclass(frozen=True)
class ShownProblem:
    """A problem as the form shows it: where it links to, the field's label and the message."""

    slot: str
    control_id: str
    label: str
    message: str
    translated: bool


def _form_input(form: FormData) -> dict[str, list[str]]:
    return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}


def _label_of(slot: str, lang: i18n.Language) -> str:
    fields = {form_field.name: form_field for form_field in forms.form_fields(lang)}
    if not slot:
        return i18n.gettext(lang, "The description as a whole")
    parts = slot.split(".")
    form_field = fields.get(parts[0])
    if form_field is None:
        return slot
    if len(parts) == 3:
        sub = next((s for s in form_field.sub_fields if s.name == parts[2]), None)
        return i18n.gettext(
            lang,
            "%(field)s, row %(row)s: %(part)s",
            field=form_field.title,
            row=int(parts[1]) + 1,
            part=sub.title if sub else parts[2],
        )
    return form_field.title


def shown_problems(problems: list[FieldProblem], lang: i18n.Language) -> list[ShownProblem]:
    """Return the problems placed at their controls, labelled and translated for ``lang``."""
    shown: list[ShownProblem] = []
    for placed in forms.place_problems([(p.field, p.reason) for p in problems]):
        message, translated = translate_reason(lang, placed.reason)
        shown.append(
            ShownProblem(placed.slot, placed.control_id, _label_of(placed.slot, lang), message, translated)
        )
    return shown


def _empty_rows(submission: Submission | None, add_row: str | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for grouping in GROUPING_SUB_FIELDS:
        given = submission.empty_rows.get(grouping, 0) if submission else 0
        count = max(given, forms.EMPTY_ROWS) + (1 if add_row == grouping else 0)
        counts[grouping] = min(count, forms.MAX_ROWS)
    return counts


def _editor(
    request: Request,
    *,
    mode: str,
    organisation_code: str,
    organisation_name: str,
    record: dict[str, Any],
    submission: Submission | None = None,
    add_row: str | None = None,
    problems: list[FieldProblem] | None = None,
    alert: str | None = None,
    public_id: str | None = None,
    lock_version: int | None = None,
    algorithm_name: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang: i18n.Language = request.state.lang
    shown = shown_problems(problems or [], lang)
    errors: dict[str, list[ShownProblem]] = {}
    for problem in shown:
        errors.setdefault(problem.slot, []).append(problem)
    action = (
        f"/beheer/organisatie/{organisation_code}/nieuw"
        if mode == "create"
        else f"/beheer/algoritme/{public_id}/bewerken"
    )
    context = common_context(request) | {
        "mode": mode,
        "form_action": action,
        "organisation_code": organisation_code,
        "organisation_name": organisation_name,
        "public_id": public_id,
        "lock_version": lock_version,
        "algorithm_name": algorithm_name,
        "sections": forms.form_sections(lang),
        "values": forms.form_values(record),
        "empty_rows": _empty_rows(submission, add_row),
        "problems": shown,
        "errors": errors,
        "alert": alert,
        "allowed_html": ALLOWED_HTML,
        "added_row": add_row,
    }
    return render(request, "manage/editor.html", context, status_code)


def _add_row_target(form: FormData) -> str | None:
    value = form.get("add_row")
    return value if isinstance(value, str) and value in GROUPING_SUB_FIELDS else None


@router.get("/beheer/organisatie/{organisation_code}/nieuw", response_class=HTMLResponse)
def new_algorithm_form(request: Request, organisation_code: str, user: User, uow: UoW) -> HTMLResponse:
    """Show an empty form to register an algorithm in the organisation (editors and up)."""
    with uow() as session:
        organisation = get_organisation(session, organisation_code)
        user.principal.require(organisation.id, Role.EDITOR, "register an algorithm")
        code, name = organisation.code, organisation.name
    return _editor(
        request,
        mode="create",
        organisation_code=code,
        organisation_name=name,
        record={"organization": name, "lang": Lang.DUTCH.value},
    )


@router.post("/beheer/organisatie/{organisation_code}/nieuw", response_class=HTMLResponse)
async def create_algorithm(request: Request, organisation_code: str, user: User, uow: UoW) -> Response:
    """Register the algorithm described in the form, or show the form again with its problems."""
    form = await request.form()
    submission = forms.read_submission(_form_input(form))
    add_row = _add_row_target(form)
    with uow() as session:
        organisation = get_organisation(session, organisation_code)
        user.principal.require(organisation.id, Role.EDITOR, "register an algorithm")
        code, name = organisation.code, organisation.name
    shared: dict[str, Any] = {
        "mode": "create",
        "organisation_code": code,
        "organisation_name": name,
        "record": submission.record,
        "submission": submission,
    }
    if add_row:
        return _editor(request, add_row=add_row, **shared)
    try:
        with uow() as session:
            public_id = algorithms.create_algorithm(
                session, user.principal, code, submission.record
            ).public_id
    except InvalidInput as invalid:
        return _editor(request, problems=invalid.problems, status_code=422, **shared)
    return RedirectResponse(f"/beheer/algoritme/{public_id}?gedaan=aangemaakt", status_code=303)


@router.get("/beheer/algoritme/{public_id}/bewerken", response_class=HTMLResponse)
def edit_algorithm_form(request: Request, public_id: str, user: User, uow: UoW) -> HTMLResponse:
    """Show the newest version of the description in the form (editors of its organisation)."""
    with uow() as session:
        view = algorithms.view(session, user.principal, public_id)
        workspace.require_role(session, user.principal, view, Role.EDITOR, "edit this algorithm")
    return _editor(
        request,
        mode="edit",
        organisation_code=view.organisation_code,
        organisation_name=view.organisation_name,
        record=view.latest.record,
        public_id=view.public_id,
        lock_version=view.lock_version,
        algorithm_name=str(view.latest.record.get("name", "")),
    )


def _lock_version(form: FormData) -> int:
    value = form.get("lock_version")
    text = value.strip() if isinstance(value, str) else ""
    # a missing or garbled lock version can never match, so such a save is refused as stale
    return int(text) if text.isdecimal() and len(text) < 10 else -1


@router.post("/beheer/algoritme/{public_id}/bewerken", response_class=HTMLResponse)
async def update_algorithm(request: Request, public_id: str, user: User, uow: UoW) -> Response:
    """Save the form as a new version, or show it again with its problems or a stale-write notice."""
    form = await request.form()
    submission = forms.read_submission(_form_input(form))
    add_row = _add_row_target(form)
    expected = _lock_version(form)
    with uow() as session:
        view = algorithms.view(session, user.principal, public_id)
        workspace.require_role(session, user.principal, view, Role.EDITOR, "edit this algorithm")
    shared: dict[str, Any] = {
        "mode": "edit",
        "organisation_code": view.organisation_code,
        "organisation_name": view.organisation_name,
        "record": submission.record,
        "submission": submission,
        "public_id": view.public_id,
        "algorithm_name": str(view.latest.record.get("name", "")),
    }
    if add_row:
        return _editor(request, add_row=add_row, lock_version=expected, **shared)
    try:
        with uow() as session:
            algorithm = algorithms.update_algorithm(
                session, user.principal, public_id, submission.record, expected
            )
            changed = algorithm.latest_version_number != view.latest.number
    except InvalidInput as invalid:
        return _editor(request, problems=invalid.problems, lock_version=expected, status_code=422, **shared)
    except StaleWrite:
        with uow() as session:
            current = algorithms.view(session, user.principal, public_id)
        lang = request.state.lang
        alert = i18n.gettext(lang, STALE_MESSAGE)
        return _editor(request, alert=alert, lock_version=current.lock_version, status_code=409, **shared)
    except Conflict as conflict:
        alert = _REFUSALS.shown(request.state.lang, conflict.message)
        return _editor(request, alert=alert, lock_version=expected, status_code=409, **shared)
    done = "opgeslagen" if changed else "ongewijzigd"
    return RedirectResponse(f"/beheer/algoritme/{public_id}?gedaan={done}", status_code=303)
