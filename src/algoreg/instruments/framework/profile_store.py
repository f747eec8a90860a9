"""An algorithm's AI Act profile: the decision aid run on given answers, stored with its outcome.

:func:`record_profile` replays the answers on the current decision tree
(:func:`~algoreg.instruments.decision_tree.engine.replay`), which must end in a conclusion; the
outcome's profile (role, risk group, transparency obligations, systemic risk, open source, …) is
stored with the answers, the conclusion, the tree's name, version and digest, who and when, and the
publication category it proposes
(:func:`~algoreg.instruments.decision_tree.profile.propose_publication_category`: one of the
standard's values, "Hoog-risico AI-systeem", "Impactvolle algoritmes" or "Overige algoritmes").
Earlier profiles are kept; the newest is the current one. When a framework has been imported, the
algorithm's tasks are refreshed in the same transaction (:func:`~.tasks.refresh_algorithm_tasks`).

Editors (and higher) of the algorithm's organisation record profiles; viewers read them; anyone else
is refused. Audited as ``ai_act_profile.record``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import AiActProfileRecord, Algorithm, utcnow
from algoreg.errors import FieldProblem, InvalidInput, NotFound
from algoreg.instruments.decision_tree.engine import outcome, replay
from algoreg.instruments.decision_tree.profile import (
    AIActProfile,
    CategoryProposal,
    propose_publication_category,
)
from algoreg.instruments.framework.definitions import NotImported, current_tree, tree_by_digest
from algoreg.instruments.framework.tasks import (
    RefreshResult,
    algorithm_for,
    refresh_algorithm_tasks,
)
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal, Role

__all__ = ["MAX_ANSWERS", "ProfileView", "current_profile", "profile_history", "record_profile"]

#: Most answers one session may hold (the official tree asks 22 questions at most).
MAX_ANSWERS = 200


@dataclass(frozen=True)
class ProfileView:
    """A stored AI Act profile with its conclusion and the category it proposes."""

    id: int
    algorithm_public_id: str
    answers: tuple[tuple[str, str], ...]
    conclusion_id: str
    #: The conclusion's and obligation's text from the tree it was made with (None if that tree is gone).
    conclusion: str | None
    obligation: str | None
    profile: AIActProfile
    proposal: CategoryProposal
    tree_name: str
    tree_version: str
    tree_digest: str
    created_at: datetime
    created_by: str
    is_current: bool
    #: What recording it did to the tasks (only right after :func:`record_profile`, with a framework).
    refresh: RefreshResult | None = None


def _check_answers(answers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    problems = []
    if not answers:
        problems.append(
            FieldProblem("answers", "must hold at least one answer, starting at the first question")
        )
    if len(answers) > MAX_ANSWERS:
        problems.append(
            FieldProblem("answers", f"holds {len(answers)} answers; at most {MAX_ANSWERS} are allowed")
        )
    for index, pair in enumerate(answers):
        if len(pair) != 2 or not all(isinstance(part, str) and part for part in pair):
            problems.append(
                FieldProblem(
                    f"answers[{index}]", "must name a question id and the text of one of its answers"
                )
            )
    if problems:
        raise InvalidInput(problems=problems, summary="The AI Act profile was not recorded.")
    return [(question, answer) for question, answer in answers]


def record_profile(
    session: Session, principal: Principal, public_id: str, answers: Sequence[tuple[str, str]]
) -> ProfileView:
    """Run the decision aid on ``answers`` (question id, answer text) and store the outcome; editor role.

    Raises :class:`InvalidInput` naming the answer that does not follow the tree (the question asked
    there, or the answers allowed), or when the answers stop before a conclusion (naming the question
    still open and its answers); :class:`~.definitions.NotImported` without a decision tree.
    """
    algorithm = algorithm_for(session, principal, public_id, Role.EDITOR, "record the AI Act profile")
    checked = _check_answers(answers)
    current = current_tree(session)
    tree = current.tree
    try:
        state = replay(tree, checked)
    except InvalidInput as invalid:
        raise InvalidInput(
            problems=invalid.problems, summary=f"The AI Act profile was not recorded. {invalid.message}"
        ) from None
    if not state.finished:
        question = tree.questions_by_id[state.node.id]
        allowed = ", ".join(repr(answer.answer_id) for answer in question.answers)
        raise InvalidInput(
            problems=[
                FieldProblem(
                    f"answers[{len(checked)}]",
                    f"the decision aid has not reached a conclusion: question {question.question_id} "
                    f"is still open; answer it with one of {allowed}",
                )
            ],
            summary="The AI Act profile was not recorded: the answers stop before a conclusion.",
        )
    result = outcome(tree, state)
    proposal = propose_publication_category(result.profile)
    row = AiActProfileRecord(
        algorithm_id=algorithm.id,
        answers=[[question, answer] for question, answer in checked],
        conclusion_id=result.conclusion.conclusion_id,
        profile=result.profile.model_dump(mode="json"),
        proposed_category=proposal.category.value,
        tree_name=tree.name,
        tree_version=tree.version,
        tree_digest=current.digest,
        created_at=utcnow(),
        created_by=principal.name,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        principal,
        "ai_act_profile.record",
        organisation_id=algorithm.organisation_id,
        algorithm_id=algorithm.id,
        summary=f"Recorded the AI Act profile: conclusion {row.conclusion_id}, proposed category "
        f"{row.proposed_category}",
        detail={"profile_id": row.id, "conclusion_id": row.conclusion_id, "tree_digest": current.digest},
    )
    session.flush()
    try:
        refresh: RefreshResult | None = refresh_algorithm_tasks(session, principal, algorithm)
    except NotImported:
        refresh = None
    view = _view(session, algorithm, row, is_current=True)
    return ProfileView(**{**vars(view), "refresh": refresh})


def current_profile(session: Session, principal: Principal, public_id: str) -> ProfileView:
    """The algorithm's current AI Act profile; viewer role; :class:`NotFound` when none was recorded."""
    algorithm = algorithm_for(session, principal, public_id, Role.VIEWER, "see the AI Act profile")
    history = _rows(session, algorithm, limit=1)
    if not history:
        raise NotFound(f"Algorithm '{public_id}' has no AI Act profile yet.")
    return _view(session, algorithm, history[0], is_current=True)


def profile_history(session: Session, principal: Principal, public_id: str) -> list[ProfileView]:
    """Every recorded profile of the algorithm, newest (the current one) first; viewer role."""
    algorithm = algorithm_for(session, principal, public_id, Role.VIEWER, "see the AI Act profile")
    rows = _rows(session, algorithm)
    return [_view(session, algorithm, row, is_current=index == 0) for index, row in enumerate(rows)]


def _rows(session: Session, algorithm: Algorithm, limit: int | None = None) -> list[AiActProfileRecord]:
    query = (
        select(AiActProfileRecord)
        .where(AiActProfileRecord.algorithm_id == algorithm.id)
        .order_by(AiActProfileRecord.id.desc())
    )
    return list(session.scalars(query.limit(limit) if limit else query))


def _view(
    session: Session, algorithm: Algorithm, row: AiActProfileRecord, *, is_current: bool
) -> ProfileView:
    profile = AIActProfile.model_validate(row.profile)
    tree = tree_by_digest(session, row.tree_digest)
    conclusion = tree.conclusions_by_id.get(row.conclusion_id) if tree is not None else None
    return ProfileView(
        id=row.id,
        algorithm_public_id=algorithm.public_id,
        answers=tuple((str(question), str(answer)) for question, answer in row.answers),
        conclusion_id=row.conclusion_id,
        conclusion=conclusion.conclusion if conclusion is not None else None,
        obligation=conclusion.obligation if conclusion is not None else None,
        profile=profile,
        proposal=propose_publication_category(profile),
        tree_name=row.tree_name,
        tree_version=row.tree_version,
        tree_digest=row.tree_digest,
        created_at=row.created_at,
        created_by=row.created_by,
        is_current=is_current,
    )
