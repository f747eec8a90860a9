"""Running a decision tree: a session's state as immutable, JSON-serialisable data, and pure steps on it.

A session starts at the tree's first question (:func:`start`). Each :func:`answer` adds the answer's
labels to those gathered so far and moves to the next node: the answer's direct target, or the
target of its first redirect whose condition holds over the labels *including* the ones this answer
gives (as the official decision aid does). :func:`back` undoes the last answer. At a conclusion,
:func:`outcome` gives the conclusion with its obligations and the AI Act profile.

The state names the tree (name and version) and records every step with the labels it gave, so it can
be stored as JSON and checked again on the way back in (:func:`restore`). The tree is passed to every
function rather than kept in the state, so the state stays plain data.
"""

from collections.abc import Iterable, Set
from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.decision_tree.conditions import holds
from algoreg.instruments.decision_tree.model import (
    Answer,
    Conclusion,
    DecisionTree,
    NodeKind,
    NodeRef,
    Question,
)
from algoreg.instruments.decision_tree.profile import AIActProfile, profile_from_labels


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Step(_Data):
    """One answered question: which answer was chosen and the labels it gave."""

    question_id: str
    answer: str
    labels: tuple[str, ...] = ()


def accumulate(label_lists: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """Return the labels of all lists in order of first appearance, each once."""
    return tuple(dict.fromkeys(label for labels in label_lists for label in labels))


class SessionState(_Data):
    """Where a session is: the tree it runs, the steps taken, the labels gathered, the current node."""

    tree_name: str
    tree_version: str
    steps: tuple[Step, ...] = ()
    labels: tuple[str, ...] = ()
    node: NodeRef

    @model_validator(mode="after")
    def _labels_follow_steps(self) -> Self:
        if self.labels != accumulate(step.labels for step in self.steps):
            raise ValueError("labels must be exactly the labels of the steps, in order, each once")
        return self

    @property
    def finished(self) -> bool:
        """Whether the session has reached a conclusion."""
        return self.node.kind is NodeKind.CONCLUSION


class Outcome(_Data):
    """The end of a session: the conclusion with its obligations, the labels and the AI Act profile."""

    tree_name: str
    tree_version: str
    conclusion: Conclusion
    labels: tuple[str, ...]
    steps: tuple[Step, ...]
    #: Qualifications the chosen answers add to the result (the file's ``subresult``), in answer order.
    subresults: tuple[str, ...]
    profile: AIActProfile


def _invalid(field: str, reason: str, summary: str) -> InvalidInput:
    return InvalidInput(problems=[FieldProblem(field=field, reason=reason)], summary=summary)


def route(answer: Answer, labels: Set[str]) -> tuple[NodeRef, int | None] | None:
    """Return where ``answer`` leads given ``labels`` (including the answer's own), with the index of the
    redirect taken (None for a direct target); None when no redirect condition holds.
    """
    if answer.redirects is None:
        return answer.targets[0], None
    for index, redirect in enumerate(answer.redirects):
        if holds(redirect.condition, labels):
            return redirect.target, index
    return None


def next_node(tree: DecisionTree, question: Question, answer: Answer, labels: Set[str]) -> NodeRef:
    """Return where ``answer`` leads when ``labels`` (including the answer's own) have been given.

    Raises InvalidInput naming the answer when it has redirects and none of their conditions holds:
    a gap in the tree, which :func:`algoreg.instruments.decision_tree.analysis.explore` finds ahead of time.
    """
    found = route(answer, labels)
    if found is None:
        raise _invalid(
            f"questions[{question.question_id}].answers[{answer.answer!r}].redirects",
            f"no redirect condition holds for the labels {sorted(labels)}",
            f"decision tree {tree.name} {tree.version} has no way on from question {question.question_id}",
        )
    return found[0]


def _check_tree(tree: DecisionTree, state: SessionState) -> None:
    if (state.tree_name, state.tree_version) != (tree.name, tree.version):
        raise _invalid(
            "state.tree_version",
            f"the session runs {state.tree_name} {state.tree_version}, not {tree.name} {tree.version}",
            "The session belongs to another decision tree or version.",
        )


def _node_exists(tree: DecisionTree, node: NodeRef) -> bool:
    ids = tree.questions_by_id if node.kind is NodeKind.QUESTION else tree.conclusions_by_id
    return node.id in ids


def start(tree: DecisionTree) -> SessionState:
    """Return a new session at the tree's first question, with no answers and no labels."""
    return SessionState(
        tree_name=tree.name,
        tree_version=tree.version,
        node=NodeRef(kind=NodeKind.QUESTION, id=tree.start.question_id),
    )


def current_question(tree: DecisionTree, state: SessionState) -> Question | None:
    """Return the question the session waits on, or None once it has reached a conclusion."""
    _check_tree(tree, state)
    if state.finished:
        return None
    if not _node_exists(tree, state.node):
        raise _invalid("state.node", f"the tree has no question {state.node.id}", "Unknown question.")
    return tree.questions_by_id[state.node.id]


def answer(tree: DecisionTree, state: SessionState, answer_id: str) -> SessionState:
    """Answer the current question with the answer named ``answer_id`` (its text); return the new state.

    Raises InvalidInput when the session has already concluded or the question has no such answer
    (the problem lists the answers allowed).
    """
    question = current_question(tree, state)
    if question is None:
        raise _invalid(
            "answer", f"the session has reached conclusion {state.node.id}", "The session is finished."
        )
    chosen = question.answer_named(answer_id)
    if chosen is None:
        allowed = [option.answer_id for option in question.answers]
        raise _invalid(
            "answer",
            f"question {question.question_id} has no answer {answer_id!r}; allowed: {allowed}",
            "That answer does not belong to the current question.",
        )
    labels = accumulate((state.labels, chosen.labels))
    node = next_node(tree, question, chosen, set(labels))
    step = Step(question_id=question.question_id, answer=chosen.answer_id, labels=chosen.labels)
    return state.model_copy(update={"steps": (*state.steps, step), "labels": labels, "node": node})


def back(tree: DecisionTree, state: SessionState) -> SessionState:
    """Undo the last answer: return to the question it answered, without the labels it gave.

    Raises InvalidInput when nothing has been answered yet.
    """
    _check_tree(tree, state)
    if not state.steps:
        raise _invalid("state.steps", "nothing has been answered yet", "There is no earlier question.")
    steps = state.steps[:-1]
    return state.model_copy(
        update={
            "steps": steps,
            "labels": accumulate(step.labels for step in steps),
            "node": NodeRef(kind=NodeKind.QUESTION, id=state.steps[-1].question_id),
        }
    )


def replay(tree: DecisionTree, answers: Iterable[tuple[str, str]]) -> SessionState:
    """Start a session and give the answers in order, each as (question id, answer id).

    Raises InvalidInput when an answer is for another question than the one the tree asks at that point.
    """
    state = start(tree)
    for number, (question_id, answer_id) in enumerate(answers):
        if state.node != NodeRef(kind=NodeKind.QUESTION, id=question_id):
            raise _invalid(
                f"answers[{number}]",
                f"answers question {question_id}, but the tree asks {state.node.kind} {state.node.id} here",
                "The answers do not follow the decision tree.",
            )
        state = answer(tree, state, answer_id)
    return state


def restore(tree: DecisionTree, data: object) -> SessionState:
    """Read a stored state (its JSON data) and check it against the tree by replaying its answers.

    Raises InvalidInput when the data is not a state, belongs to another tree or version, or does not
    follow the tree (a step for the wrong question, other labels, another current node).
    """
    try:
        stored = SessionState.model_validate(data)
    except ValidationError as invalid:
        raise InvalidInput(
            problems=[
                FieldProblem(
                    field="state." + ".".join(str(part) for part in error["loc"]), reason=error["msg"]
                )
                for error in invalid.errors()
            ],
            summary="The stored session state is not valid.",
        ) from None
    _check_tree(tree, stored)
    replayed = replay(tree, ((step.question_id, step.answer) for step in stored.steps))
    if replayed != stored:
        raise _invalid(
            "state",
            f"replaying the answers leads to {replayed.node.kind} {replayed.node.id} with labels "
            f"{list(replayed.labels)}, not what was stored",
            "The stored session state does not follow the decision tree.",
        )
    return stored


def outcome(tree: DecisionTree, state: SessionState) -> Outcome:
    """Return the conclusion reached, its obligations, the subresults of the answers and the AI Act profile.

    Raises InvalidInput when the session has not reached a conclusion yet.
    """
    _check_tree(tree, state)
    if not state.finished:
        raise _invalid(
            "state.node",
            f"the session still waits on question {state.node.id}",
            "The session is not finished.",
        )
    if not _node_exists(tree, state.node):
        raise _invalid("state.node", f"the tree has no conclusion {state.node.id}", "Unknown conclusion.")
    subresults = tuple(
        chosen.subresult
        for step in state.steps
        if (chosen := tree.questions_by_id[step.question_id].answer_named(step.answer)) is not None
        and chosen.subresult is not None
    )
    return Outcome(
        tree_name=tree.name,
        tree_version=tree.version,
        conclusion=tree.conclusions_by_id[state.node.id],
        labels=state.labels,
        steps=state.steps,
        subresults=subresults,
        profile=profile_from_labels(state.labels, conclusion_id=state.node.id),
    )
