"""Management pages of the AI Act decision aid: walk the decision tree for an algorithm, one question at
a time, and store the outcome as its AI Act profile.

The server keeps no state while someone walks the tree: the answers given so far travel with every
step as repeated ``antwoord`` fields of a GET form (or the query), and each request replays them on
the current tree. "Back" drops the last one. At a conclusion the page shows the outcome and, for
editors, a POST form (with the CSRF token) that stores it with
:func:`~algoreg.instruments.framework.profile_store.record_profile`. Anyone with a role in the
algorithm's organisation may walk the aid and read its profiles; for anyone else the algorithm does
not exist (404). The tree's own texts are data in Dutch and are shown as they are, marked ``lang="nl"``.
"""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.decision_tree import engine
from algoreg.instruments.decision_tree.engine import SessionState
from algoreg.instruments.decision_tree.model import DecisionTree
from algoreg.instruments.decision_tree.profile import ProposalReason, propose_publication_category
from algoreg.instruments.framework.definitions import NotImported, current_tree
from algoreg.instruments.framework.profile_store import (
    MAX_ANSWERS,
    profile_history,
    record_profile,
)
from algoreg.register.roles import Principal, Role
from algoreg.register.sessions import SignedIn
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.manage_bias_reports import AlgorithmPlace, algorithm_place
from algoreg.web.pages.manage_common import common_context
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

#: Why a publication category is proposed (English source texts, translated in framework_pages.po).
PROPOSAL_REASONS: dict[str, str] = {
    ProposalReason.HIGH_RISK_AI: "It is a high-risk AI system under the AI Act.",
    ProposalReason.PROHIBITED_PRACTICE: "It is a prohibited AI practice.",
    ProposalReason.TRANSPARENCY_OBLIGATION: "Transparency obligations of the AI Act apply.",
    ProposalReason.SYSTEMIC_RISK: "It is a general-purpose AI model with systemic risk.",
    ProposalReason.ANNEX_III_EXCEPTION: (
        "It works in a high-risk area of the AI Act but an exception takes it off the high-risk list."
    ),
    ProposalReason.NO_IMPACT_SIGNAL: "Nothing in the outcome shows an impact on people.",
}

#: The parts of a profile the pages show, with their labels (English source texts).
PROFILE_ROWS: tuple[tuple[str, str], ...] = (
    ("system_type", "Kind of system"),
    ("role", "Role"),
    ("risk_group", "Risk group"),
    ("transparency_obligations", "Transparency obligations"),
    ("systemic_risk", "Systemic risk"),
    ("open_source", "Open source"),
    ("conformity_assessment_body", "Conformity assessment"),
    ("operational_status", "Status"),
)

AID_DONE_MESSAGES: dict[str, str] = {
    "opgeslagen": "The AI Act profile was stored. It is the algorithm's current profile now.",
}

CHOOSE_AN_ANSWER = "Choose one of the answers."
ANSWERS_DO_NOT_FOLLOW = (
    "The answers given do not follow the current decision tree (it may have been replaced); "
    "start again from the first question."
)

#: How many earlier profiles the algorithm's management page lists.
HISTORY_SHOWN = 10


@dataclass(frozen=True)
class Walk:
    """Where someone is in the decision tree: the state and the answer texts that led there."""

    state: SessionState
    answers: tuple[str, ...]


def _replay(tree: DecisionTree, answers: list[str]) -> Walk:
    """Replay answer texts from the tree's first question; InvalidInput when they do not follow it."""
    state = engine.start(tree)
    for text in answers:
        state = engine.answer(tree, state, text)
    return Walk(state, tuple(answers))


def _answers_of(values: list[str]) -> list[str]:
    return [value for value in values[:MAX_ANSWERS] if isinstance(value, str)]


def _tree_or_none(session: Session) -> DecisionTree | None:
    try:
        return current_tree(session).tree
    except NotImported:
        return None


def profile_context(session: Session, principal: Principal, public_id: str) -> dict[str, Any]:
    """What a page needs to show the algorithm's current AI Act profile and its history (viewer role)."""
    history = profile_history(session, principal, public_id)
    return {
        "profile_current": history[0] if history else None,
        "profile_history": history[1 : HISTORY_SHOWN + 1],
        "profile_older": max(0, len(history) - 1 - HISTORY_SHOWN),
        "profile_rows": PROFILE_ROWS,
        "proposal_reasons": PROPOSAL_REASONS,
    }


def _page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    place: AlgorithmPlace,
    walk: Walk | None,
    *,
    chosen: str | None = None,
    problems: list[FieldProblem] | None = None,
    alert: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang: i18n.Language = request.state.lang
    public_id = place.view.public_id
    with uow() as session:
        tree = _tree_or_none(session)
        profiles = profile_context(session, user.principal, public_id)
    if tree is not None and walk is None:
        walk = Walk(engine.start(tree), ())
    question = outcome = proposal = None
    steps: list[tuple[str, str]] = []
    if tree is not None and walk is not None:
        question = engine.current_question(tree, walk.state)
        if question is None:
            outcome = engine.outcome(tree, walk.state)
            proposal = propose_publication_category(outcome.profile)
        steps = [(tree.questions_by_id[step.question_id].question, step.answer) for step in walk.state.steps]
    # the aid's own messages, each with a translation
    shown = [(i18n.gettext(lang, problem.reason), True) for problem in problems or []]
    role = place.role
    context = (
        common_context(request)
        | {
            "algorithm": place.view,
            "name": str(place.view.latest.record.get("name", "")),
            "role": role,
            "may_store": role is not None and role.rank >= Role.EDITOR.rank,
            "tree": tree,
            "walk": walk,
            "question": question,
            "steps": steps,
            "outcome": outcome,
            "proposal": proposal,
            "chosen": chosen,
            "problems": shown,
            "alert": alert,
            "done": AID_DONE_MESSAGES.get(request.query_params.get("gedaan", "")),
            "aid_url": f"/beheer/algoritme/{public_id}/ai-verordening",
        }
        | profiles
    )
    return render(request, "manage/framework_aid.html", context, status_code)


@router.get("/beheer/algoritme/{public_id}/ai-verordening", response_class=HTMLResponse)
def decision_aid(request: Request, public_id: str, user: User, uow: UoW) -> HTMLResponse:
    """One step of the decision aid: the next question, the previous one ("terug"), or the conclusion.

    ``antwoord`` (repeated) holds the answers so far; ``keuze`` the answer to the current question.
    Sending "next" without a choice shows the question again with an error at the answers (422).
    """
    place = algorithm_place(uow, user, public_id)
    params = request.query_params
    given = _answers_of(params.getlist("antwoord"))
    with uow() as session:
        tree = _tree_or_none(session)
    if tree is None:
        return _page(request, user, uow, place, None)
    try:
        walk = _replay(tree, given)
    except InvalidInput:
        alert = i18n.gettext(request.state.lang, ANSWERS_DO_NOT_FOLLOW)
        return _page(request, user, uow, place, None, alert=alert, status_code=422)
    if "terug" in params and walk.answers:
        previous = walk.answers[-1]
        return _page(request, user, uow, place, _replay(tree, list(walk.answers[:-1])), chosen=previous)
    if "volgende" not in params or walk.state.finished:
        return _page(request, user, uow, place, walk)
    choice = params.get("keuze", "")
    if not choice:
        problem = FieldProblem("keuze", CHOOSE_AN_ANSWER)
        return _page(request, user, uow, place, walk, problems=[problem], status_code=422)
    try:
        state = engine.answer(tree, walk.state, choice)
    except InvalidInput:
        problem = FieldProblem("keuze", CHOOSE_AN_ANSWER)
        return _page(request, user, uow, place, walk, problems=[problem], status_code=422)
    return _page(request, user, uow, place, Walk(state, (*walk.answers, choice)))


@router.post("/beheer/algoritme/{public_id}/ai-verordening", response_class=HTMLResponse)
async def store(request: Request, public_id: str, user: User, uow: UoW) -> Response:
    """Store the outcome of the answers as the algorithm's AI Act profile (editors and up)."""
    place = algorithm_place(uow, user, public_id)
    user.principal.require(place.organisation_id, Role.EDITOR, "record the AI Act profile")
    form = await request.form()
    given = _answers_of([value for value in form.getlist("antwoord") if isinstance(value, str)])
    with uow() as session:
        tree = current_tree(session).tree
    try:
        walk = _replay(tree, given)
        pairs = [(step.question_id, step.answer) for step in walk.state.steps]
        with uow() as session:
            record_profile(session, user.principal, public_id, pairs)
    except InvalidInput:
        alert = i18n.gettext(request.state.lang, ANSWERS_DO_NOT_FOLLOW)
        return _page(request, user, uow, place, None, alert=alert, status_code=422)
    return RedirectResponse(
        f"/beheer/algoritme/{public_id}/ai-verordening?gedaan=opgeslagen", status_code=303
    )
