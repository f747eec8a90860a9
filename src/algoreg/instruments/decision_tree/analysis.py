"""Checks of a whole decision tree: which nodes can be reached, and every path a session can take.

:func:`unreachable` looks at the tree as a graph, ignoring conditions: a question or conclusion that no
answer or redirect points to (other than the start) can never be shown. Conditions matter for the rest:
:func:`explore` walks every path depth-first over all answers, carrying the labels and evaluating the
redirect conditions exactly as the engine does, and reports the conclusions reached, answers with no
way on (no redirect condition holds), cycles (a question met again with the same labels, which would
never end) and questions asked twice on one path. :func:`count_paths` counts the same paths with
memoisation on (question, labels), so the count of a large tree stays cheap and cross-checks the walk.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from algoreg.instruments.decision_tree.engine import accumulate, route
from algoreg.instruments.decision_tree.model import DecisionTree, NodeKind, NodeRef

#: One answered question on a path: (question id, answer id).
Move = tuple[str, str]
#: Where a walk stands: (question id, labels gathered so far).
State = tuple[str, frozenset[str]]


@dataclass(frozen=True)
class Path:
    """A complete session: the answers given, the labels gathered and the conclusion reached."""

    moves: tuple[Move, ...]
    labels: tuple[str, ...]
    conclusion_id: str


@dataclass(frozen=True)
class DeadEnd:
    """An answer after which no redirect condition holds, with the answers that led there."""

    moves: tuple[Move, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Exploration:
    """Everything :func:`explore` found."""

    paths: tuple[Path, ...]
    dead_ends: tuple[DeadEnd, ...]
    #: Paths that met a question again with the same labels (the walk stops there).
    cycles: tuple[tuple[Move, ...], ...]
    #: Paths on which some question is asked more than once (with new labels in between).
    repeated_questions: tuple[tuple[Move, ...], ...]
    #: (question id, answer id, redirect index or None for a direct target) of every way on taken.
    ways_taken: frozenset[tuple[str, str, int | None]] = field(default_factory=frozenset)

    @property
    def questions_asked(self) -> frozenset[str]:
        """Every question some path asks."""
        return frozenset(question_id for path in self.paths for question_id, _ in path.moves)

    @property
    def paths_per_conclusion(self) -> Mapping[str, int]:
        """How many paths end in each conclusion reached."""
        return Counter(path.conclusion_id for path in self.paths)


def unreachable(tree: DecisionTree) -> list[NodeRef]:
    """Return the questions and conclusions that no way from the start leads to, ignoring conditions."""
    seen = {tree.start.question_id}
    waiting = [tree.start.question_id]
    reached: set[NodeRef] = {NodeRef(kind=NodeKind.QUESTION, id=tree.start.question_id)}
    while waiting:
        for answer in tree.questions_by_id[waiting.pop()].answers:
            for target in answer.targets:
                reached.add(target)
                if target.kind is NodeKind.QUESTION and target.id not in seen:
                    seen.add(target.id)
                    waiting.append(target.id)
    every = [NodeRef(kind=NodeKind.QUESTION, id=question.question_id) for question in tree.questions]
    every += [
        NodeRef(kind=NodeKind.CONCLUSION, id=conclusion.conclusion_id) for conclusion in tree.conclusions
    ]
    return [node for node in every if node not in reached]


def explore(tree: DecisionTree) -> Exploration:
    """Walk every path from the start over all answers, evaluating conditions on the gathered labels."""
    paths: list[Path] = []
    dead_ends: list[DeadEnd] = []
    cycles: list[tuple[Move, ...]] = []
    repeated: list[tuple[Move, ...]] = []
    taken: set[tuple[str, str, int | None]] = set()

    def visit(
        question_id: str, labels: tuple[str, ...], moves: tuple[Move, ...], states: frozenset[State]
    ) -> None:
        for answer in tree.questions_by_id[question_id].answers:
            gathered = accumulate((labels, answer.labels))
            walked = (*moves, (question_id, answer.answer_id))
            found = route(answer, set(gathered))
            if found is None:
                dead_ends.append(DeadEnd(walked, gathered))
                continue
            target, redirect = found
            taken.add((question_id, answer.answer_id, redirect))
            state = (target.id, frozenset(gathered))
            if target.kind is NodeKind.CONCLUSION:
                paths.append(Path(walked, gathered, target.id))
            elif state in states:
                cycles.append(walked)
            else:
                if any(asked == target.id for asked, _ in states):
                    repeated.append(walked)
                visit(target.id, gathered, walked, states | {state})

    start = tree.start.question_id
    visit(start, (), (), frozenset({(start, frozenset[str]())}))
    return Exploration(tuple(paths), tuple(dead_ends), tuple(cycles), tuple(repeated), frozenset(taken))


def count_paths(tree: DecisionTree) -> int:
    """Count the complete paths from the start, memoised on (question, labels); dead ends count zero.

    Raises ValueError naming the question when it is met again with the same labels (the count would
    be infinite).
    """
    counted: dict[State, int] = {}
    open_states: set[State] = set()

    def paths_from(state: State) -> int:
        if state in counted:
            return counted[state]
        if state in open_states:
            raise ValueError(f"the tree cycles through question {state[0]} with labels {sorted(state[1])}")
        open_states.add(state)
        total = 0
        for answer in tree.questions_by_id[state[0]].answers:
            gathered = state[1] | set(answer.labels)
            found = route(answer, gathered)
            if found is not None:
                target = found[0]
                total += 1 if target.kind is NodeKind.CONCLUSION else paths_from((target.id, gathered))
        open_states.discard(state)
        counted[state] = total
        return total

    return paths_from((tree.start.question_id, frozenset()))
