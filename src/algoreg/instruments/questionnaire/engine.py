"""The questionnaire engine: pure functions from a definition and answers to the assessment's state.

Answers are a JSON object keyed by question id. Questions inside a group that is not repeatable
sit at the same level as the group; a repeatable group's answer is a list of such objects, one
per entry; a repeatable question's answer is a list of values.

The engine walks the definition in document order. An element is visible when its part and
enclosing groups are visible, its condition holds on the answers accepted so far, and no stop has
been reached before it. Only visible, valid answers are accepted: an answer to a hidden question is
kept but ignored, and an invalid answer counts as not given (and is reported as a problem). Once a
stop's condition holds, the assessment has ended: nothing after the stop is visible.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.questionnaire.answers import validate_answer
from algoreg.instruments.questionnaire.conditions import holds, is_answered, same_value
from algoreg.instruments.questionnaire.model import (
    Element,
    Group,
    Instrument,
    MultipleChoiceQuestion,
    Notice,
    Part,
    Question,
    SingleChoiceQuestion,
    Stop,
)
from algoreg.instruments.questionnaire.structure import is_question, placed_elements, questions_by_id

#: Where an answer sits: ids, with the index of the entry after a repeatable group's id.
Path = tuple[str | int, ...]


class _State(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldState(_State):
    """A visible question (or a required repeatable group still without entries) and its answer's state."""

    path: Path
    id: str
    kind: Literal["question", "group"]
    part_id: str
    required: bool
    answered: bool


class PartProgress(_State):
    """How far a part is: visible questions, how many are answered, and the required ones."""

    part_id: str
    visible: bool
    questions: int
    answered: int
    required: int
    required_answered: int
    complete: bool


class StopReached(_State):
    """The stop whose condition holds: the assessment has ended here, for ``reason``."""

    stop_id: str
    part_id: str
    reason: str


class AssessmentState(_State):
    """Everything the engine says about an assessment's answers; JSON-serialisable as it is."""

    instrument_id: str
    instrument_version: str
    status: Literal["in_progress", "complete", "stopped"]
    complete: bool
    stop: StopReached | None
    visible: tuple[Path, ...]
    fields: tuple[FieldState, ...]
    progress: tuple[PartProgress, ...]
    problems: tuple[FieldProblem, ...]


class ActionPoint(_State):
    """One action point: the answers given in an entry (or to a question) marked as action points."""

    part_id: str
    path: Path
    values: dict[str, Any]


def path_label(path: Path) -> str:
    """Return ``path`` as problems name it: ``group[0]/question`` (ids may hold dots, so ``/`` joins)."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += ("/" if text else "") + step
    return text


@dataclass
class _Scope:
    raw: Mapping[str, Any]
    parent: "_Scope | None" = None
    accepted: dict[str, Any] = field(default_factory=dict)

    def lookup(self, question_id: str) -> Any:
        scope: _Scope | None = self
        while scope is not None:
            if question_id in scope.accepted:
                return scope.accepted[question_id]
            scope = scope.parent
        return None


@dataclass
class _Run:
    instrument: Instrument
    level_keys: dict[str | None, frozenset[str]]
    fields: list[FieldState] = field(default_factory=list)
    visible: list[Path] = field(default_factory=list)
    visible_parts: list[str] = field(default_factory=list)
    problems: list[FieldProblem] = field(default_factory=list)
    collected: dict[str, list[Any]] = field(default_factory=dict)
    stop: StopReached | None = None

    def run(self, answers: Mapping[str, Any]) -> _Scope:
        top = _Scope(raw=answers)
        for part in self.instrument.parts:
            shown = self.stop is None and (part.visible_when is None or holds(part.visible_when, top.lookup))
            if shown:
                self.visible_parts.append(part.id)
            self.items(part.items, part, top, (), shown)
        self.unknown_keys(answers, None, ())
        return top

    def items(self, items: Sequence[Element], part: Part, scope: _Scope, prefix: Path, shown: bool) -> None:
        for element in items:
            visible = (
                shown
                and self.stop is None
                and (element.visible_when is None or holds(element.visible_when, scope.lookup))
            )
            path = (*prefix, element.id)
            if isinstance(element, Stop):
                if visible and holds(element.when, scope.lookup):
                    self.stop = StopReached(stop_id=element.id, part_id=part.id, reason=element.reason)
                    self.visible.append(path)
                continue
            if visible:
                self.visible.append(path)
            if isinstance(element, Notice):
                continue
            if isinstance(element, Group):
                if element.repeatable:
                    self.entries(element, part, scope, path, visible)
                else:
                    self.items(element.items, part, scope, prefix, visible)
            elif visible:
                self.question(element, part, scope, path)

    def entries(self, group: Group, part: Part, scope: _Scope, path: Path, visible: bool) -> None:
        if not visible:
            return
        raw = scope.raw.get(group.id)
        if raw is not None and (
            not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw)
        ):
            self.problems.append(
                FieldProblem(
                    path_label(path), "expected a list of entries, each an object of answers by question id"
                )
            )
            raw = None
        entries: list[dict[str, Any]] = raw or []
        if not entries and group.required:
            self.fields.append(
                FieldState(
                    path=path, id=group.id, kind="group", part_id=part.id, required=True, answered=False
                )
            )
        accepted: list[dict[str, Any]] = []
        for index, entry in enumerate(entries):
            inner = _Scope(raw=entry, parent=scope)
            self.items(group.items, part, inner, (*path, index), True)
            self.unknown_keys(entry, group.id, (*path, index))
            accepted.append(inner.accepted)
        scope.accepted[group.id] = accepted

    def question(self, question: Question, part: Part, scope: _Scope, path: Path) -> None:
        raw = scope.raw.get(question.id)
        answered = is_answered(raw)
        if answered:
            problems = validate_answer(question, raw, field=path_label(path), options=self.options(question))
            self.problems.extend(problems)
            answered = not problems
        if answered:
            scope.accepted[question.id] = raw
            self.collect(question.id, raw)
        self.fields.append(
            FieldState(
                path=path,
                id=question.id,
                kind="question",
                part_id=part.id,
                required=question.required,
                answered=answered,
            )
        )

    def options(self, question: Question) -> list[Any] | None:
        if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion) and question.options_from:
            return self.collected.get(question.options_from, [])
        return None

    def collect(self, question_id: str, value: Any) -> None:
        values = self.collected.setdefault(question_id, [])
        for item in value if isinstance(value, list) else [value]:
            if is_answered(item) and not any(same_value(item, known) for known in values):
                values.append(item)

    def unknown_keys(self, answers: Mapping[str, Any], level: str | None, prefix: Path) -> None:
        known = self.level_keys.get(level, frozenset())
        for key in answers:
            if key not in known:
                where = "here" if level is None else f"in an entry of '{level}'"
                self.problems.append(
                    FieldProblem(path_label((*prefix, str(key))), f"there is no question '{key}' {where}")
                )


def _level_keys(instrument: Instrument) -> dict[str | None, frozenset[str]]:
    keys: dict[str | None, set[str]] = {None: set()}
    for placed in placed_elements(instrument):
        level = placed.repeat_scope[-1] if placed.repeat_scope else None
        element = placed.element
        if is_question(element) or (isinstance(element, Group) and element.repeatable):
            keys.setdefault(level, set()).add(element.id)
    return {level: frozenset(ids) for level, ids in keys.items()}


def _run(instrument: Instrument, answers: Mapping[str, Any]) -> tuple[_Run, _Scope]:
    run = _Run(instrument, _level_keys(instrument))
    top = run.run(answers)
    return run, top


def evaluate(instrument: Instrument, answers: Mapping[str, Any]) -> AssessmentState:
    """Return the state of an assessment of ``instrument`` with ``answers``.

    The state lists the visible elements (paths), the visible questions with whether each is
    answered, progress per part, the stop reached if any, the problems of the answers given, and
    whether the assessment is complete: every visible required question answered validly and no
    problem left. Status is ``stopped`` when a stop was reached, else ``complete`` or ``in_progress``.
    """
    run, _ = _run(instrument, answers)
    progress = tuple(_part_progress(part, run) for part in instrument.parts)
    complete = not run.problems and all(item.complete for item in progress)
    status: Literal["in_progress", "complete", "stopped"] = (
        "stopped" if run.stop is not None else "complete" if complete else "in_progress"
    )
    return AssessmentState(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        status=status,
        complete=complete,
        stop=run.stop,
        visible=tuple(run.visible),
        fields=tuple(run.fields),
        progress=progress,
        problems=tuple(run.problems),
    )


def _part_progress(part: Part, run: _Run) -> PartProgress:
    fields = [item for item in run.fields if item.part_id == part.id]
    required = [item for item in fields if item.required]
    part_problems = {problem.field for problem in run.problems} & {path_label(item.path) for item in fields}
    required_answered = sum(item.answered for item in required)
    return PartProgress(
        part_id=part.id,
        visible=part.id in run.visible_parts,
        questions=len(fields),
        answered=sum(item.answered for item in fields),
        required=len(required),
        required_answered=required_answered,
        complete=required_answered == len(required) and not part_problems,
    )


def visible_questions(instrument: Instrument, answers: Mapping[str, Any]) -> tuple[Path, ...]:
    """Return the paths of the questions visible now, in document order."""
    run, _ = _run(instrument, answers)
    return tuple(item.path for item in run.fields if item.kind == "question")


def reached_stop(instrument: Instrument, answers: Mapping[str, Any]) -> StopReached | None:
    """Return the stop whose condition the answers meet (the first in document order), or ``None``."""
    return _run(instrument, answers)[0].stop


def progress(instrument: Instrument, answers: Mapping[str, Any]) -> tuple[PartProgress, ...]:
    """Return the progress of every part, in order."""
    return evaluate(instrument, answers).progress


def is_complete(instrument: Instrument, answers: Mapping[str, Any]) -> bool:
    """Return whether every visible required question is answered validly and no answer has a problem."""
    return evaluate(instrument, answers).complete


def answer_problems(
    instrument: Instrument, answers: Mapping[str, Any], *, require_complete: bool = False
) -> tuple[FieldProblem, ...]:
    """Return the problems of ``answers``: invalid values, unknown ids, wrong shapes.

    With ``require_complete``, every visible required question still without a valid answer is a
    problem too, naming what is allowed.
    """
    run, _ = _run(instrument, answers)
    problems = list(run.problems)
    if require_complete:
        questions = questions_by_id(instrument)
        reported = {problem.field for problem in problems}
        for item in run.fields:
            label = path_label(item.path)
            if item.required and not item.answered and label not in reported:
                question = questions.get(item.id)
                if item.kind == "group" or question is None:
                    problems.append(FieldProblem(label, "at least one entry is required"))
                else:
                    problems.extend(
                        validate_answer(question, None, field=label, options=run.options(question))
                    )
    return tuple(problems)


def check_answers(
    instrument: Instrument, answers: Mapping[str, Any], *, require_complete: bool = False
) -> None:
    """Raise :class:`InvalidInput` listing every problem of ``answers`` (see :func:`answer_problems`)."""
    problems = answer_problems(instrument, answers, require_complete=require_complete)
    if problems:
        raise InvalidInput(
            problems=list(problems),
            summary=f"The answers to '{instrument.id}' have {len(problems)} problem(s); nothing was stored.",
        )


def accepted_answers(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Return the answers the engine uses: those to visible questions, and valid; the rest left out."""
    return _run(instrument, answers)[1].accepted


def options_of(instrument: Instrument, question_id: str, answers: Mapping[str, Any]) -> tuple[Any, ...]:
    """Return the values a choice question allows now (its options, or the answers it draws them from)."""
    question = questions_by_id(instrument).get(question_id)
    if not isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        raise InvalidInput(
            problems=[
                FieldProblem("question", f"'{question_id}' is not a choice question of '{instrument.id}'")
            ]
        )
    if question.options_from is None:
        return tuple(option.value for option in question.options)
    run, _ = _run(instrument, answers)
    return tuple(run.collected.get(question.options_from, []))


def action_points(instrument: Instrument, answers: Mapping[str, Any]) -> tuple[ActionPoint, ...]:
    """Return every action point given, in document order.

    An entry of a repeatable group marked ``action_points`` is one action point holding the entry's
    answers; every answer (or entry of a repeatable question) to a marked question, or to a question
    inside a marked group that is not repeatable, is one action point of its own.
    """
    accepted = accepted_answers(instrument, answers)
    found: list[ActionPoint] = []
    for part in instrument.parts:
        _collect_points(part.items, part, accepted, (), False, found)
    return tuple(found)


def _collect_points(
    items: Sequence[Element],
    part: Part,
    accepted: Mapping[str, Any],
    prefix: Path,
    marked: bool,
    found: list[ActionPoint],
) -> None:
    for element in items:
        if isinstance(element, Notice | Stop):
            continue
        is_marked = marked or element.action_points
        path = (*prefix, element.id)
        if isinstance(element, Group) and element.repeatable:
            for index, entry in enumerate(accepted.get(element.id) or []):
                if is_marked and entry:
                    found.append(ActionPoint(part_id=part.id, path=(*path, index), values=dict(entry)))
                elif not is_marked:
                    _collect_points(element.items, part, entry, (*path, index), False, found)
        elif isinstance(element, Group):
            _collect_points(element.items, part, accepted, prefix, is_marked, found)
        elif is_marked and element.id in accepted:
            value = accepted[element.id]
            if element.repeatable:
                found.extend(
                    ActionPoint(part_id=part.id, path=(*path, index), values={element.id: entry})
                    for index, entry in enumerate(value)
                )
            else:
                found.append(ActionPoint(part_id=part.id, path=path, values={element.id: value}))


__all__ = [
    "ActionPoint",
    "AssessmentState",
    "FieldState",
    "PartProgress",
    "Path",
    "StopReached",
    "accepted_answers",
    "action_points",
    "answer_problems",
    "check_answers",
    "evaluate",
    "is_complete",
    "options_of",
    "path_label",
    "progress",
    "reached_stop",
    "visible_questions",
]
