"""The management page of an algorithm's non-discrimination-by-design checklist: a table of phases ×
principles with the items settled per cell, and every item with its text, state, note and linked bias
reports, with a form per item for editors.

Anyone with a role in the algorithm's organisation reads the page; editors (and up) answer items.
For anyone else the algorithm does not exist (404). Each item's form is a POST with the CSRF token
that answers 303 back to the item, or shows the page again (422) with every problem at its field and
what was typed kept. What the states mean and how withdrawn reports count is
:mod:`algoreg.instruments.framework.checklist_store`'s.
"""

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from algoreg.errors import FieldProblem, InvalidInput, NotFound
from algoreg.instruments.framework import checklist_store
from algoreg.instruments.framework.checklist_store import STATES, ItemAnswerIn
from algoreg.instruments.framework.definitions import NotImported, current_framework
from algoreg.register import bias_reports
from algoreg.register.roles import Role
from algoreg.register.sessions import SignedIn
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages import form_problems
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.form_problems import Reasons, ShownProblem, confirmation, reason
from algoreg.web.pages.manage_bias_reports import AlgorithmPlace, algorithm_place
from algoreg.web.pages.manage_common import common_context, translate_reason
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

#: Words for an item's state (English source texts).
STATE_WORDS: dict[str, str] = {
    "open": "Open",
    "met": "Met",
    "not_met": "Not met",
    "not_applicable": "Not applicable",
}

#: Words for a bias report's state.
REPORT_STATE_WORDS: dict[str, str] = {
    "draft": "Draft",
    "published": "Published",
    "withdrawn": "Withdrawn",
}

#: Names of the lifecycle phases the checklist uses (the Algoritmekader's phase ids).
PHASE_NAMES: dict[str, str] = {
    "probleemanalyse": "Problem analysis",
    "ontwerp": "Design",
    "dataverkenning-en-datapreparatie": "Data exploration and preparation",
    "ontwikkelen": "Development",
    "verificatie-en-validatie": "Verification and validation",
    "implementatie": "Implementation",
    "monitoring-en-beheer": "Monitoring and management",
    "uitfaseren": "Phasing out",
}

#: What an item's need for bias evidence means.
EVIDENCE_WORDS: dict[str, str] = {
    "required": "A linked bias report is needed before this item counts as met.",
    "optional": "A bias report may be linked as evidence.",
    "none": "",
}

#: Labels of the fields, by the name the form gives them.
FIELD_LABELS: dict[str, str] = {
    "state": "State",
    "note": "Note",
    "bias_report_ids": "Linked bias reports",
}

DONE_MESSAGES: dict[str, str] = {"opgeslagen": "The answer was saved."}

CHOOSE_REPORT = "Choose among this algorithm's own bias reports."


#: The domain's reasons about answers, and their English source texts.
_REASONS = Reasons(
    reason(
        r"is required when the state is not_applicable.*",
        "Say why the item does not apply; a note is required with the state Not applicable.",
    ),
    reason(r"'.*' is not one of .*", "Choose one of the states."),
    reason(
        r"is (?P<length>\d+) characters long; at most (?P<maximum>\d+) are allowed",
        "This text is %(length)s characters long; at most %(maximum)s are allowed.",
    ),
    reason(r".* is not a bias report of algorithm .*|must be a bias report id.*", CHOOSE_REPORT),
    reason(
        r"bias report \d+ was withdrawn.*",
        "A withdrawn bias report cannot be linked anew; it stays linked only where it already was.",
    ),
    reason(
        r"lists \d+ reports; at most (?P<maximum>\d+) can be linked to one item",
        "Link at most %(maximum)s bias reports to one item.",
    ),
    reason(re.escape(CHOOSE_REPORT), CHOOSE_REPORT),
    fallback=translate_reason,
)


def _input_of(field: str) -> str:
    """The form's input a problem is shown at: every report entry at the choice of reports."""
    return "bias_report_ids" if field.startswith("bias_report_ids") else field


def shown_problems(problems: list[FieldProblem], lang: i18n.Language, item_id: str) -> list[ShownProblem]:
    """The problems in ``lang``, each at its input of the item's form."""
    return form_problems.shown_problems(
        problems, lang, _REASONS, FIELD_LABELS, anchor_prefix=f"item-{item_id}-", name_of=_input_of
    )


def _phase_names(uow: UoW, lang: i18n.Language, phases: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """Each phase's name and its language: ours when we know the phase, else the framework's (Dutch)."""
    framework_names: dict[str, str] = {}
    if any(phase not in PHASE_NAMES for phase in phases):
        with uow() as session:
            try:
                framework = current_framework(session).framework
                framework_names = {phase.id: phase.name for phase in framework.phases}
            except NotImported:
                pass
    names: dict[str, tuple[str, str]] = {}
    for phase in phases:
        if phase in PHASE_NAMES:
            names[phase] = (i18n.gettext(lang, PHASE_NAMES[phase]), lang)
        else:
            names[phase] = (framework_names.get(phase, phase), "nl")
    return names


def _page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    public_id: str,
    *,
    item_id: str | None = None,
    values: dict[str, Any] | None = None,
    problems: list[ShownProblem] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    place: AlgorithmPlace = algorithm_place(uow, user, public_id)
    principal = user.principal
    lang: i18n.Language = request.state.lang
    with uow() as session:
        overview = checklist_store.checklist_overview(session, principal, public_id)
        reports = bias_reports.reports_of_algorithm(session, principal, public_id)
        histories = {
            view.item.id: checklist_store.item_history(session, principal, public_id, view.item.id)
            for view in overview.items
            if view.updated_at is not None
        }
    checklist = overview.checklist
    role = place.role
    may_edit = role is not None and role.rank >= Role.EDITOR.rank
    forms: dict[str, dict[str, Any]] = {
        view.item.id: {
            "state": view.state,
            "note": view.note or "",
            "bias_report_ids": {str(report.id) for report in view.bias_reports},
        }
        for view in overview.items
    }
    if item_id is not None and values is not None:
        forms[item_id] = values
    principles = [(p.id, p.name.get(lang) or p.name.get("nl") or p.id) for p in checklist.principles]
    by_phase = [
        (phase, [view for view in overview.items if view.item.phase == phase]) for phase in checklist.phases
    ]
    settled = sum(1 for view in overview.items if view.settled)
    context = common_context(request) | {
        "algorithm": place.view,
        "name": str(place.view.latest.record.get("name", "")),
        "may_edit": may_edit,
        "checklist": checklist,
        "checklist_title": checklist.title.get(lang) or checklist.title.get("nl", checklist.id),
        "overview": overview,
        "principles": principles,
        "principle_names": dict(principles),
        "phase_names": _phase_names(uow, lang, checklist.phases),
        "by_phase": by_phase,
        "settled_count": settled,
        "item_count": len(overview.items),
        "reports": reports,
        "histories": histories,
        "forms": forms,
        "problem_item": item_id if problems else None,
        "problems": problems or [],
        "states": STATES,
        "state_words": STATE_WORDS,
        "report_state_words": REPORT_STATE_WORDS,
        "evidence_words": EVIDENCE_WORDS,
        "field_labels": FIELD_LABELS,
        "page_url": f"/beheer/algoritme/{place.view.public_id}/non-discriminatie",
        "done": confirmation(request, DONE_MESSAGES),
    }
    return render(request, "manage/checklist.html", context, status_code)


@router.get("/beheer/algoritme/{public_id}/non-discriminatie", response_class=HTMLResponse)
def checklist_page(request: Request, public_id: str, user: User, uow: UoW) -> HTMLResponse:
    """The checklist of the algorithm: settled items per phase × principle, and every item with its answer."""
    return _page(request, user, uow, public_id)


@router.post("/beheer/algoritme/{public_id}/non-discriminatie/{item_id}", response_class=HTMLResponse)
async def answer(request: Request, public_id: str, item_id: str, user: User, uow: UoW) -> Response:
    """Save the answer to one item (editors and up); problems are shown at their fields."""
    place = algorithm_place(uow, user, public_id)
    user.principal.require(place.organisation_id, Role.EDITOR, "answer the checklist")
    if checklist_store.non_discrimination_checklist().item(item_id) is None:
        raise NotFound(f"The checklist has no item '{item_id}'.")
    form = await request.form()
    state, note = form.get("state"), form.get("note")
    chosen = [value for value in form.getlist("bias_report_ids") if isinstance(value, str)]
    values: dict[str, Any] = {
        "state": state if isinstance(state, str) else "",
        "note": note if isinstance(note, str) else "",
        "bias_report_ids": set(chosen),
    }
    problems: list[FieldProblem] = []
    report_ids: list[int] = []
    for value in chosen:
        if value.isdecimal() and len(value) <= 12:
            report_ids.append(int(value))
        else:
            problems.append(FieldProblem("bias_report_ids", CHOOSE_REPORT))
    given = ItemAnswerIn(state=values["state"], note=values["note"], bias_report_ids=tuple(report_ids))
    try:
        with uow() as session:
            try:
                checklist_store.answer_item(session, user.principal, public_id, item_id, given)
            except InvalidInput as invalid:
                raise InvalidInput(problems=problems + invalid.problems, summary=invalid.summary) from None
            if problems:  # the form's own problems: the transaction is rolled back, nothing is saved
                raise InvalidInput(problems=problems, summary="The checklist answer was not saved.")
    except InvalidInput as invalid:
        shown = shown_problems(invalid.problems, request.state.lang, item_id)
        return _page(
            request,
            user,
            uow,
            public_id,
            item_id=item_id,
            values=values,
            problems=shown,
            status_code=422,
        )
    return RedirectResponse(
        f"/beheer/algoritme/{quote(public_id)}/non-discriminatie?gedaan=opgeslagen#item-{quote(item_id)}",
        status_code=303,
    )
