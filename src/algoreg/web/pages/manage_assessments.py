"""Management pages of assessments: start one, take part, answer part by part, sign off, reopen.

Everything needs a role in the algorithm's organisation: any role reads (for anyone else an
assessment does not exist, 404), editors start assessments, answer and add participants, and
signing off and reopening follow the instrument's signing roles (see
:mod:`algoreg.instruments.assessments.access`). Forms are POSTs with the CSRF token; a saved form
answers 303 with a confirmation, a refused one shows the form again with what was typed and every
problem at its question. The instrument's own texts are data and are shown as they are (Dutch).

A part's form asks the questions that apply with the current answers; an answer it gives to one
that the other answers given with it leave unasked (such as one after a stop) is kept, not refused,
and counts again when the question is asked again. An assessment whose answers reach a stop offers
no sign-off but says why, with the stop's text; a refusal (such as a sign-off from a page loaded
before the stop) is shown in the page's language, any text not translated marked as English.
"""

import datetime
import json
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from algoreg.db.models import utcnow
from algoreg.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from algoreg.instruments import assessments
from algoreg.instruments.assessments.access import (
    AssessmentState,
    answer_rows,
    current_answers,
    current_rows,
    definition_of,
    participants_of,
    readable,
    signing_capacity,
    user_names,
)
from algoreg.instruments.assessments.content import display
from algoreg.instruments.assessments.document import assessment_output, to_document
from algoreg.instruments.assessments.library import suggested_roles
from algoreg.instruments.assessments.markdown import to_markdown
from algoreg.instruments.assessments.overview import build_view
from algoreg.instruments.assessments.participants import allowed_roles
from algoreg.instruments.questionnaire.engine import evaluate
from algoreg.instruments.questionnaire.model import Instrument, Part
from algoreg.instruments.questionnaire.structure import is_question, placed_elements
from algoreg.register.roles import Role
from algoreg.register.sessions import SignedIn
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages import assessment_form as forms
from algoreg.web.pages import form_problems
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.form_problems import Reasons, ShownProblem, by_anchor, confirmation, reason
from algoreg.web.pages.manage_bias_reports import AlgorithmPlace, algorithm_place
from algoreg.web.pages.manage_common import common_context, translate_reason
from algoreg.web.reports.assessment import render_html, render_pdf
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

#: Words for an assessment's state (English source texts).
ASSESSMENT_STATE_LABELS: dict[str, str] = {
    AssessmentState.OPEN: "Open",
    AssessmentState.SIGNED_OFF: "Signed off",
    AssessmentState.REOPENED: "Reopened",
}

#: Words for the engine's status of the answers.
STATUS_LABELS: dict[str, str] = {
    "in_progress": "Being answered",
    "complete": "Complete",
    "stopped": "Stopped",
}

#: Confirmations on an assessment's pages, by the value of ``?gedaan=``.
ASSESSMENT_DONE_MESSAGES: dict[str, str] = {
    "gestart": "The assessment was started. Add the people who take part, then answer the parts.",
    "deelnemer": "The participant was added.",
    "verwijderd": "The participant was removed; the answers they gave stay.",
    "opgeslagen": "Your answers were saved.",
    "opgeslagen-niet-gesteld": "Your answers were saved. Some of them are to questions that the answers "
    "given now leave unasked: those answers are kept, but count only when the questions are asked again.",
    "ongewijzigd": "Nothing was changed, so nothing was saved.",
    "afgetekend": "The assessment was signed off.",
    "heropend": "The assessment was reopened for a new round; its answers and their history stay.",
}

#: Labels of the forms' own fields (English source texts).
FIELD_LABELS: dict[str, str] = {
    "username": "User name",
    "role": "Role in the assessment",
    "note": "Note",
    "reason": "Reason",
    "instrument": "Instrument",
    "answers": "Answers",
}

_FORMATS = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


#: The domain's reasons about answers and assessments, and their English source texts.
_REASONS = Reasons(
    reason(r"an answer is required; .*", "An answer is required."),
    reason(
        r"(?P<given>.*) is not a number; .*", "%(given)s is not a number; write a number, such as 12 or 2.5."
    ),
    reason(r"(?P<given>.*) is not whole; .*", "%(given)s is not a whole number."),
    reason(
        r"(?P<given>.*) is out of range; allowed: (?P<allowed>.*)", "%(given)s is out of range (%(allowed)s)."
    ),
    reason(
        r"(?P<given>.*) is not a date; .*",
        "%(given)s is not a date; write it as YYYY-MM-DD, such as 2026-03-01.",
    ),
    reason(r"(?P<given>.*) is not an option; .*", "%(given)s is not one of the options; choose one of them."),
    reason(r"a line break was given; .*", "Write one line of text, without line breaks."),
    reason(
        r"(?P<length>\d+) characters given; allowed: text of at most (?P<maximum>\d+) characters",
        "This text is %(length)s characters long; at most %(maximum)s are allowed.",
    ),
    reason(r"is not asked now: .*", "This question is not asked with the answers given; change those first."),
    reason(r"there is no user named (?P<given>'.*')", "There is no user named %(given)s."),
    reason(
        r"(?P<given>'.*') has no role in (?P<name>.*); give them a role there first",
        "%(given)s has no role in %(name)s; give them a role there first.",
    ),
    reason(
        r"(?P<given>'.*') is not a role of this instrument; allowed: (?P<allowed>.*)",
        "%(given)s is not a role of this instrument; choose one of: %(allowed)s.",
    ),
    reason(
        r"must be 1 to (?P<maximum>\d+) characters of text",
        "Fill this in, with at most %(maximum)s characters.",
    ),
    reason(r"is required; say in a few words why", "This field is required; say in a few words why."),
    reason(
        r"is (?P<length>\d+) characters; at most (?P<maximum>\d+) are allowed",
        "This text is %(length)s characters long; at most %(maximum)s are allowed.",
    ),
    reason(
        r"there is no instrument \d+ for this organisation; .*", "Choose one of the instruments in the list."
    ),
    # refusals (Conflict) shown as the page's alert
    reason(
        r"This assessment cannot be signed off: the answers reached the stop (?P<stop>'[^']*') "
        r"in part (?P<part>'[^']*'): (?P<reason>.*)",
        "This assessment cannot be signed off: the answers reached the stop %(stop)s in part %(part)s: "
        "%(reason)s",
        data=("reason",),
    ),
    reason(
        r"This assessment was not signed off: its link cannot be put in the algorithm's register entry\. "
        r"(?P<rest>.*)",
        "This assessment was not signed off: its link cannot be put in the algorithm's register entry. "
        "%(rest)s",
        nested=("rest",),
    ),
    reason(
        r"This assessment is signed off; reopen it before changing answers\.",
        "This assessment is signed off; reopen it before changing answers.",
    ),
    reason(
        r"This assessment is signed off already; reopen it to change and sign it again\.",
        "This assessment is signed off already; reopen it to change and sign it again.",
    ),
    reason(
        r"This assessment is not signed off, so it is open already\.",
        "This assessment is not signed off, so it is open already.",
    ),
    reason(
        r"(?P<given>'[^']*') takes part in this assessment as '(?P<role>.*)' already\.",
        "%(given)s takes part in this assessment as %(role)s already.",
        data=("role",),
    ),
    fallback=translate_reason,
)


def _form_problems(problems: list[FieldProblem], lang: i18n.Language, prefix: str) -> list[ShownProblem]:
    return form_problems.shown_problems(problems, lang, _REASONS, FIELD_LABELS, anchor_prefix=f"{prefix}-")


def _question_labels(instrument: Instrument) -> dict[str, tuple[str, str]]:
    """Per element id: its label (number and text) and its part's id."""
    labels: dict[str, tuple[str, str]] = {}
    for placed in placed_elements(instrument):
        element = placed.element
        text = element.text if is_question(element) else getattr(element, "title", None) or element.id
        number = getattr(element, "number", None)
        labels[element.id] = (f"{number} {text}" if number else text, placed.part.id)
    return labels


def _answer_problems(
    problems: list[FieldProblem], lang: i18n.Language, instrument: Instrument, base: str, on_part: bool
) -> list[ShownProblem]:
    """Problems of answers, each at its question (on the part page) or linking to it (elsewhere)."""
    labels = _question_labels(instrument)
    shown = []
    for problem in problems:
        key, anchor = forms.anchor_of(problem.field)
        label, part_id = labels.get(key, (key, ""))
        message, translated = _REASONS.translate(lang, problem.reason)
        link = "" if on_part or not part_id else f"{base}/deel/{part_id}#{anchor}"
        shown.append(ShownProblem(problem.field, anchor, label, message, translated, link=link))
    return shown


def _base(request: Request, place: AlgorithmPlace) -> dict[str, Any]:
    role = place.role
    return common_context(request) | {
        "algorithm": place.view,
        "name": str(place.view.latest.record.get("name", "")),
        "role": role,
        "may_answer": role is not None and role.rank >= Role.EDITOR.rank,
        "assessment_state_labels": ASSESSMENT_STATE_LABELS,
        "status_labels": STATUS_LABELS,
        "done": confirmation(request, ASSESSMENT_DONE_MESSAGES),
    }


def _address(public_id: str, assessment_id: int) -> str:
    return f"/beheer/algoritme/{public_id}/toets/{assessment_id}"


def _may(session: Session, user: SignedIn, public_id: str, assessment_id: int) -> bool:
    """Whether the user may sign off or reopen the assessment (nothing is changed by asking)."""
    algorithm, assessment = readable(session, user.principal, public_id, assessment_id)
    try:
        signing_capacity(session, user.principal, algorithm, assessment, "sign off this assessment")
    except Forbidden:
        return False
    return True


def _assessment_page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    public_id: str,
    assessment_id: int,
    *,
    status_code: int = 200,
    alert: str | None = None,
    values: dict[str, str] | None = None,
    problems: list[ShownProblem] | None = None,
    answer_problems: list[FieldProblem] | None = None,
) -> HTMLResponse:
    place = algorithm_place(uow, user, public_id)
    lang: i18n.Language = request.state.lang
    with uow() as session:
        view = assessments.get_assessment(session, user.principal, public_id, assessment_id)
        people = assessments.list_participants(session, user.principal, public_id, assessment_id)
        _algorithm, assessment = readable(session, user.principal, public_id, assessment_id)
        instrument = definition_of(assessment)
        roles = allowed_roles(suggested_roles(instrument), assessment.signing_roles)
        may_sign = _may(session, user, public_id, assessment_id)
        names = user_names(session, {view.created_by, *(item.signed_by for item in view.sign_offs)})
    base = _address(public_id, assessment_id)
    shown_answers = (
        _answer_problems(answer_problems, lang, instrument, base, on_part=False) if answer_problems else []
    )
    context = _base(request, place) | {
        "view": view,
        "participants": people,
        "allowed_roles": roles,
        "may_sign": may_sign and view.state is not AssessmentState.SIGNED_OFF and view.stop is None,
        "stop_part": next(
            (item for item in view.parts if view.stop and item.part_id == view.stop.part_id), None
        ),
        "may_reopen": may_sign and view.state is AssessmentState.SIGNED_OFF,
        "names": names,
        "base": base,
        "alert": alert,
        "values": {"username": "", "role": "", "note": "", "reason": ""} | (values or {}),
        "problems": problems or [],
        "answer_problems": shown_answers,
    }
    return render(request, "manage/assessment.html", context, status_code)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


# --- starting, from the algorithm's page ---------------------------------------------------------------


@router.post("/beheer/algoritme/{public_id}/toetsen", response_class=HTMLResponse)
async def start(request: Request, public_id: str, user: User, uow: UoW) -> Response:
    """Start an assessment with the chosen instrument (editors and up); 303 to its page."""
    form = await request.form()
    typed = _text(form, "instrument")
    lang: i18n.Language = request.state.lang
    try:
        with uow() as session:
            instrument_id = int(typed) if typed.isdigit() else 0
            assessment_id = assessments.start_assessment(session, user.principal, public_id, instrument_id).id
    except InvalidInput:
        # The form offers only instruments that may be used, so this is a stale or forged choice.
        # Imported here: the algorithm's page imports this module for its list of assessments.
        from algoreg.web.pages.manage_algorithm import _page as algorithm_page

        alert = i18n.gettext(
            lang, "The assessment was not started: choose one of the instruments in the list."
        )
        return algorithm_page(request, user, uow, public_id, alert=alert, status_code=422)
    return RedirectResponse(f"{_address(public_id, assessment_id)}?gedaan=gestart", status_code=303)


# --- the assessment -----------------------------------------------------------------------------------


@router.get("/beheer/algoritme/{public_id}/toets/{assessment_id:int}", response_class=HTMLResponse)
def assessment_page(
    request: Request, public_id: str, assessment_id: int, user: User, uow: UoW
) -> HTMLResponse:
    """An assessment: progress per part, participants, sign-offs, downloads, the steps allowed."""
    return _assessment_page(request, user, uow, public_id, assessment_id)


@router.post(
    "/beheer/algoritme/{public_id}/toets/{assessment_id:int}/deelnemers", response_class=HTMLResponse
)
async def add_participant(
    request: Request, public_id: str, assessment_id: int, user: User, uow: UoW
) -> Response:
    """Add a user of the organisation in a role (editors; publishers for a signing role)."""
    form = await request.form()
    values = {"username": _text(form, "username").strip(), "role": _text(form, "role")}
    lang: i18n.Language = request.state.lang
    try:
        with uow() as session:
            assessments.add_participant(
                session, user.principal, public_id, assessment_id, values["username"], values["role"]
            )
    except InvalidInput as invalid:
        problems = _form_problems(invalid.problems, lang, "participant")
        return _assessment_page(
            request, user, uow, public_id, assessment_id, status_code=422, values=values, problems=problems
        )
    except Conflict as conflict:
        return _assessment_page(
            request, user, uow, public_id, assessment_id, status_code=409, alert=_conflict(lang, conflict)
        )
    return RedirectResponse(
        f"{_address(public_id, assessment_id)}?gedaan=deelnemer#participants", status_code=303
    )


@router.post(
    "/beheer/algoritme/{public_id}/toets/{assessment_id:int}/deelnemer/{participant_id:int}/verwijderen",
    response_class=HTMLResponse,
)
def remove_participant(
    public_id: str, assessment_id: int, participant_id: int, user: User, uow: UoW
) -> Response:
    """Remove a participant; the answers they gave stay."""
    with uow() as session:
        assessments.remove_participant(session, user.principal, public_id, assessment_id, participant_id)
    return RedirectResponse(
        f"{_address(public_id, assessment_id)}?gedaan=verwijderd#participants", status_code=303
    )


def _conflict(lang: i18n.Language, conflict: Conflict) -> str:
    """The refusal as the page's alert: translated through the reasons, or marked as English."""
    return _REASONS.shown(lang, conflict.message)


@router.post("/beheer/algoritme/{public_id}/toets/{assessment_id:int}/aftekenen", response_class=HTMLResponse)
async def sign_off(request: Request, public_id: str, assessment_id: int, user: User, uow: UoW) -> Response:
    """Sign off the current round: refused while unfinished (422, open questions named) or stopped (409)."""
    form = await request.form()
    note = _text(form, "note")
    lang: i18n.Language = request.state.lang
    try:
        with uow() as session:
            assessments.sign_off(
                session,
                user.principal,
                public_id,
                assessment_id,
                note=note,
                base_url=request.app.state.settings.public_base_url,
            )
    except InvalidInput as invalid:
        own = [problem for problem in invalid.problems if problem.field == "note"]
        answers = [problem for problem in invalid.problems if problem.field != "note"]
        return _assessment_page(
            request,
            user,
            uow,
            public_id,
            assessment_id,
            status_code=422,
            alert=None
            if own
            else i18n.gettext(
                lang, "The assessment was not signed off: some questions that apply still need an answer."
            ),
            values={"username": "", "role": "", "note": note, "reason": ""},
            problems=_form_problems(own, lang, "signoff"),
            answer_problems=answers,
        )
    except Conflict as conflict:
        return _assessment_page(
            request, user, uow, public_id, assessment_id, status_code=409, alert=_conflict(lang, conflict)
        )
    return RedirectResponse(f"{_address(public_id, assessment_id)}?gedaan=afgetekend", status_code=303)


@router.post("/beheer/algoritme/{public_id}/toets/{assessment_id:int}/heropenen", response_class=HTMLResponse)
async def reopen(request: Request, public_id: str, assessment_id: int, user: User, uow: UoW) -> Response:
    """Reopen a signed-off assessment for a new round; a reason is needed."""
    form = await request.form()
    reason = _text(form, "reason")
    lang: i18n.Language = request.state.lang
    try:
        with uow() as session:
            assessments.reopen(session, user.principal, public_id, assessment_id, reason)
    except InvalidInput as invalid:
        return _assessment_page(
            request,
            user,
            uow,
            public_id,
            assessment_id,
            status_code=422,
            values={"username": "", "role": "", "note": "", "reason": reason},
            problems=_form_problems(invalid.problems, lang, "reopen"),
        )
    except Conflict as conflict:
        return _assessment_page(
            request, user, uow, public_id, assessment_id, status_code=409, alert=_conflict(lang, conflict)
        )
    return RedirectResponse(f"{_address(public_id, assessment_id)}?gedaan=heropend", status_code=303)


@router.get("/beheer/algoritme/{public_id}/toets/{assessment_id:int}/uitvoer.{kind}")
def download(
    request: Request,
    public_id: str,
    assessment_id: int,
    user: User,
    uow: UoW,
    kind: str = Path(pattern="^(json|md|html|pdf)$"),
) -> Response:
    """The assessment as JSON, Markdown, HTML or PDF, in the page's language (the organisation's people)."""
    lang: i18n.Language = request.state.lang
    with uow() as session:
        gathered = assessment_output(session, user.principal, public_id, assessment_id, lang)
    if kind == "json":
        body = json.dumps(to_document(gathered), ensure_ascii=False, indent=2).encode("utf-8")
    elif kind == "md":
        body = to_markdown(gathered).encode("utf-8")
    else:
        body = render_pdf(gathered) if kind == "pdf" else render_html(gathered).encode("utf-8")
    disposition = "inline" if kind == "html" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="assessment-{assessment_id}.{kind}"'}
    return Response(body, media_type=_FORMATS[kind], headers=headers)


# --- one part ------------------------------------------------------------------------------------------


def _part_of(instrument: Instrument, part_id: str, public_id: str, assessment_id: int) -> Part:
    for part in instrument.parts:
        if part.id == part_id:
            return part
    raise NotFound(f"Assessment {assessment_id} of '{public_id}' has no part '{part_id}'.")


def _part_page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    public_id: str,
    assessment_id: int,
    part_id: str,
    *,
    status_code: int = 200,
    typed: dict[str, Any] | None = None,
    min_rows: dict[str, int] | None = None,
    problems: list[FieldProblem] | None = None,
    alert: str | None = None,
) -> HTMLResponse:
    place = algorithm_place(uow, user, public_id)
    lang: i18n.Language = request.state.lang
    with uow() as session:
        _algorithm, assessment = readable(session, user.principal, public_id, assessment_id)
        view = build_view(session, _algorithm, assessment)
        instrument = definition_of(assessment)
        part = _part_of(instrument, part_id, public_id, assessment_id)
        rows = current_rows(answer_rows(session, assessment))
        current = {key: row.value for key, row in rows.items() if row.value is not None}
        names = user_names(session, {row.author for row in rows.values()})
    state = evaluate(instrument, current)
    layout = forms.part_layout(instrument, part, current, state)
    values = dict(current) if typed is None else {**current, **typed}
    rows_per_group = {
        key: max(len(forms.entries_of(values.get(key))) + 1, (min_rows or {}).get(key, 0))
        for key in layout.groups
    }
    shown = _answer_problems(problems or [], lang, instrument, "", on_part=True)
    progress = next((item for item in view.parts if item.part_id == part.id), None)
    placed = placed_elements(instrument)
    stop_order = next(
        (item.order for item in placed if state.stop and item.element.id == state.stop.stop_id), None
    )
    context = _base(request, place) | {
        "view": view,
        "part": part,
        "parts": view.parts,
        "progress": progress,
        "layout": layout,
        "values": values,
        "rows": rows_per_group,
        "answered": {key: row for key, row in rows.items() if row.value is not None},
        "names": names,
        "problems": shown,
        "errors": by_anchor(shown),
        "alert": alert,
        "stop": state.stop if state.stop is not None and state.stop.part_id == part.id else None,
        "stopped": state.stop is not None,
        "after_stop": {
            item.element.id for item in placed if stop_order is not None and item.order > stop_order
        },
        "editable": place.role is not None
        and place.role.rank >= Role.EDITOR.rank
        and view.state is not AssessmentState.SIGNED_OFF,
        "base": _address(public_id, assessment_id),
        "forms": forms,
        "shown_text": forms.shown_text,
    }
    return render(request, "manage/assessment_part.html", context, status_code)


def _question(instrument: Instrument, key: str) -> Any:
    for placed in placed_elements(instrument):
        if placed.element.id == key and is_question(placed.element):
            return placed.element
    return None


@router.get(
    "/beheer/algoritme/{public_id}/toets/{assessment_id:int}/deel/{part_id}", response_class=HTMLResponse
)
def part_page(
    request: Request, public_id: str, assessment_id: int, part_id: str, user: User, uow: UoW
) -> HTMLResponse:
    """One part as a form: the questions that apply now, with who gave each answer and when."""
    return _part_page(request, user, uow, public_id, assessment_id, part_id)


@router.post(
    "/beheer/algoritme/{public_id}/toets/{assessment_id:int}/deel/{part_id}", response_class=HTMLResponse
)
async def save_part(
    request: Request, public_id: str, assessment_id: int, part_id: str, user: User, uow: UoW
) -> Response:
    """Save the part's answers all together or none (422 with every problem at its question); or add a
    row to a repeatable group (nothing saved, the form shown again with what was typed)."""
    form = await request.form()
    lang: i18n.Language = request.state.lang
    with uow() as session:
        algorithm, assessment = readable(session, user.principal, public_id, assessment_id)
        user.principal.require(algorithm.organisation_id, Role.EDITOR, "answer questions of this assessment")
        instrument = definition_of(assessment)
        part = _part_of(instrument, part_id, public_id, assessment_id)
        current = current_answers(session, assessment)
        own_roles = tuple(
            item.role for item in participants_of(session, assessment) if item.user.username == user.username
        )
    layout = forms.part_layout(instrument, part, current, evaluate(instrument, current))
    signer = forms.Signer(user.display_name, own_roles, _today())
    typed = forms.read_part(layout, form, current, signer)
    action = _text(form, "action")
    if action.startswith("add-row:"):
        group = action.removeprefix("add-row:")
        return _part_page(
            request,
            user,
            uow,
            public_id,
            assessment_id,
            part_id,
            typed=typed,
            min_rows={group: forms.rows_shown(form, group) + 1},
        )
    changed = forms.changes(typed, current)
    if not changed:
        return RedirectResponse(
            f"{_address(public_id, assessment_id)}/deel/{part_id}?gedaan=ongewijzigd", status_code=303
        )
    try:
        with uow() as session:
            # The form asked these questions with the current answers: an answer that the other
            # answers given now leave unasked (such as one after a stop) is kept, not refused.
            assessments.record_answers(
                session, user.principal, public_id, assessment_id, changed, keep_made_unasked=True
            )
    except InvalidInput as invalid:
        return _part_page(
            request,
            user,
            uow,
            public_id,
            assessment_id,
            part_id,
            status_code=422,
            typed=typed,
            problems=list(invalid.problems),
        )
    except Conflict as conflict:
        return _part_page(
            request,
            user,
            uow,
            public_id,
            assessment_id,
            part_id,
            status_code=409,
            typed=typed,
            alert=_conflict(lang, conflict),
        )
    done = "opgeslagen-niet-gesteld" if _made_unasked(instrument, current, changed) else "opgeslagen"
    return RedirectResponse(
        f"{_address(public_id, assessment_id)}/deel/{part_id}?gedaan={done}", status_code=303
    )


def _made_unasked(instrument: Instrument, current: dict[str, Any], changed: dict[str, Any]) -> bool:
    """Whether an answer given in ``changed`` is to a question that the answers then leave unasked."""
    merged = {key: value for key, value in {**current, **changed}.items() if value is not None}
    visible = set(evaluate(instrument, merged).visible)
    return any(value is not None and (key,) not in visible for key, value in changed.items())


def _today() -> datetime.date:
    return utcnow().date()


# --- the history of one question -----------------------------------------------------------------------


@router.get(
    "/beheer/algoritme/{public_id}/toets/{assessment_id:int}/vraag/{question_id}", response_class=HTMLResponse
)
def history_page(
    request: Request, public_id: str, assessment_id: int, question_id: str, user: User, uow: UoW
) -> HTMLResponse:
    """Every answer given to one question, oldest first, with author, time and round."""
    place = algorithm_place(uow, user, public_id)
    lang: i18n.Language = request.state.lang
    with uow() as session:
        try:
            history = assessments.answer_history(
                session, user.principal, public_id, assessment_id, question_id
            )
        except InvalidInput:
            raise NotFound(f"Assessment {assessment_id} has no question '{question_id}'.") from None
        view = assessments.get_assessment(session, user.principal, public_id, assessment_id)
        _algorithm, assessment = readable(session, user.principal, public_id, assessment_id)
        instrument = definition_of(assessment)
        names = user_names(session, {item.author for item in history})
    labels = _question_labels(instrument)
    label, part_id = labels.get(question_id, (question_id, ""))
    question = _question(instrument, question_id)

    def lines(value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if question is not None:
            return display(question, value, lang)
        return tuple(
            json.dumps(entry, ensure_ascii=False) for entry in (value if isinstance(value, list) else [value])
        )

    context = _base(request, place) | {
        "view": view,
        "question_id": question_id,
        "label": label,
        "part_id": part_id,
        "history": list(reversed(history)),
        "names": names,
        "lines": lines,
        "base": _address(public_id, assessment_id),
    }
    return render(request, "manage/assessment_history.html", context)


def assessments_context(
    session: Session, user: SignedIn, public_id: str, organisation_code: str
) -> dict[str, Any]:
    """What the algorithm's management page shows of its assessments: the list (newest first), and the
    instruments one may be started with (everyone's and the organisation's own)."""
    return {
        "assessments": assessments.assessments_of_algorithm(session, user.principal, public_id),
        "instruments": assessments.list_instruments(session, user.principal, organisation_code),
        "assessment_state_labels": ASSESSMENT_STATE_LABELS,
        "status_labels": STATUS_LABELS,
    }
