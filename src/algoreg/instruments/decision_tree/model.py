"""The official decision-tree format of the AI Act decision aid, read into typed, frozen models.

The format (``schema_decision_tree.json`` of the decision aid) has questions with answers and
conclusions with obligations. An answer gives labels, which accumulate, and leads to the next node
directly (``nextQuestionId`` or ``nextConclusionId``) or through ``redirects``: the first redirect
whose ``if`` condition (jexl over the labels, see :mod:`.conditions`) holds is taken.

Every question and conclusion has a stable id in the file; answers have none, so an answer is named
by its text, which is unique within its question. Besides the structure the JSON Schema describes,
loading checks what the schema cannot: ids are unique, every redirect target exists, every condition
is in the supported language and names only labels that some answer gives.
"""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Self

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic import model_validator as _model_validator

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.decision_tree.conditions import ConditionError, labels_named, parse_condition


def _none_as_empty(value: object) -> object:
    """The file writes an empty list as a bare key (``sources:``), which YAML reads as null."""
    return () if value is None else value


class _Definition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class NodeKind(StrEnum):
    """What a node of the tree is."""

    QUESTION = "question"
    CONCLUSION = "conclusion"


class NodeRef(_Definition):
    """A reference to a question or conclusion by its id in the file."""

    kind: NodeKind
    id: str


class Source(_Definition):
    """A source a question or conclusion cites (an article of the AI Act, a guide)."""

    source: str
    url: str | None = None


Sources = Annotated[tuple[Source, ...], BeforeValidator(_none_as_empty)]
Labels = Annotated[tuple[str, ...], BeforeValidator(_none_as_empty)]


def _target(question_id: str | None, conclusion_id: str | None) -> NodeRef:
    if question_id is not None:
        return NodeRef(kind=NodeKind.QUESTION, id=question_id)
    assert conclusion_id is not None
    return NodeRef(kind=NodeKind.CONCLUSION, id=conclusion_id)


class Redirect(_Definition):
    """A conditional way on: taken when its condition is the first of the answer's to hold."""

    next_question_id: str | None = Field(default=None, alias="nextQuestionId")
    next_conclusion_id: str | None = Field(default=None, alias="nextConclusionId")
    condition: str = Field(alias="if")

    @field_validator("condition")
    @classmethod
    def _parses(cls, value: str) -> str:
        try:
            parse_condition(value)
        except ConditionError as error:
            raise ValueError(str(error)) from None
        return value

    @_model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.next_question_id is None) == (self.next_conclusion_id is None):
            raise ValueError("a redirect needs exactly one of nextQuestionId and nextConclusionId")
        return self

    @property
    def target(self) -> NodeRef:
        """The node this redirect leads to."""
        return _target(self.next_question_id, self.next_conclusion_id)


class Answer(_Definition):
    """One answer to a question: the labels it gives and where it leads."""

    answer: str
    labels: Labels = ()
    next_question_id: str | None = Field(default=None, alias="nextQuestionId")
    next_conclusion_id: str | None = Field(default=None, alias="nextConclusionId")
    redirects: Annotated[tuple[Redirect, ...], Field(min_length=2)] | None = None
    subresult: str | None = None
    answer_comment: str | None = Field(default=None, alias="answerComment")

    @_model_validator(mode="after")
    def _one_way_on(self) -> Self:
        ways = [self.next_question_id, self.next_conclusion_id, self.redirects]
        if sum(way is not None for way in ways) != 1:
            raise ValueError("an answer needs exactly one of nextQuestionId, nextConclusionId and redirects")
        return self

    @property
    def answer_id(self) -> str:
        """The answer's stable name: its text, unique within its question."""
        return self.answer

    @property
    def targets(self) -> tuple[NodeRef, ...]:
        """Every node this answer can lead to, in the order the file lists them."""
        if self.redirects is not None:
            return tuple(redirect.target for redirect in self.redirects)
        return (_target(self.next_question_id, self.next_conclusion_id),)


class Question(_Definition):
    """A question of the tree with its help text and answers."""

    question_id: str = Field(alias="questionId")
    question: str
    explanation: str
    category: str
    subcategory: str
    sources: Sources = ()
    description: str | None = None
    answers: Annotated[tuple[Answer, ...], Field(min_length=1, max_length=10)]

    @field_validator("answers")
    @classmethod
    def _distinct_answers(cls, answers: tuple[Answer, ...]) -> tuple[Answer, ...]:
        texts = [answer.answer for answer in answers]
        doubles = sorted({text for text in texts if texts.count(text) > 1})
        if doubles:
            raise ValueError(
                f"answers must have distinct texts (they are the answers' ids); repeated: {doubles}"
            )
        return answers

    def answer_named(self, answer_id: str) -> Answer | None:
        """Return the answer with this id (its text), or None."""
        return next((answer for answer in self.answers if answer.answer_id == answer_id), None)


class Conclusion(_Definition):
    """An end of the tree: what the AI Act means for the one who answered, and their obligations."""

    conclusion_id: str = Field(alias="conclusionId")
    conclusion: str
    conclusion_comment: str | None = Field(default=None, alias="conclusionComment")
    obligation: str
    sources: Sources = ()


class DefinitionError(ValueError):
    """Cross-reference problems of a tree, each with its location in the file."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {reason}" for where, reason in problems))
        self.problems = problems


class DecisionTree(_Definition):
    """A whole decision tree; it starts at its first question."""

    name: str
    version: str
    questions: Annotated[tuple[Question, ...], Field(min_length=1)]
    conclusions: Annotated[tuple[Conclusion, ...], Field(min_length=1)]

    @_model_validator(mode="after")
    def _references(self) -> Self:
        problems = reference_problems(self)
        if problems:
            raise DefinitionError(problems)
        return self

    @cached_property
    def questions_by_id(self) -> Mapping[str, Question]:
        """The questions by their id."""
        return {question.question_id: question for question in self.questions}

    @cached_property
    def conclusions_by_id(self) -> Mapping[str, Conclusion]:
        """The conclusions by their id."""
        return {conclusion.conclusion_id: conclusion for conclusion in self.conclusions}

    @property
    def start(self) -> Question:
        """The question every session begins with: the first in the file."""
        return self.questions[0]

    @cached_property
    def labels_given(self) -> frozenset[str]:
        """Every label some answer gives."""
        return frozenset(
            label for question in self.questions for answer in question.answers for label in answer.labels
        )


def _doubles(ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    doubles: list[str] = []
    for node_id in ids:
        if node_id in seen and node_id not in doubles:
            doubles.append(node_id)
        seen.add(node_id)
    return doubles


def reference_problems(tree: DecisionTree) -> list[tuple[str, str]]:
    """Return (location, reason) for every id clash, dangling target and unknown label in ``tree``."""
    problems: list[tuple[str, str]] = []
    for node_id in _doubles(question.question_id for question in tree.questions):
        problems.append(("questions", f"questionId {node_id!r} is used more than once"))
    for node_id in _doubles(conclusion.conclusion_id for conclusion in tree.conclusions):
        problems.append(("conclusions", f"conclusionId {node_id!r} is used more than once"))
    question_ids = {question.question_id for question in tree.questions}
    conclusion_ids = {conclusion.conclusion_id for conclusion in tree.conclusions}
    given = {label for question in tree.questions for answer in question.answers for label in answer.labels}
    for q, question in enumerate(tree.questions):
        for a, answer in enumerate(question.answers):
            where = f"questions[{q}].answers[{a}]"
            ways: list[tuple[str, str | None, str | None, str | None]] = [
                (where, answer.next_question_id, answer.next_conclusion_id, None)
            ]
            ways += [
                (
                    f"{where}.redirects[{r}]",
                    redirect.next_question_id,
                    redirect.next_conclusion_id,
                    redirect.condition,
                )
                for r, redirect in enumerate(answer.redirects or ())
            ]
            for place, question_id, conclusion_id, condition in ways:
                if question_id is not None and question_id not in question_ids:
                    problems.append((f"{place}.nextQuestionId", f"no question has id {question_id!r}"))
                if conclusion_id is not None and conclusion_id not in conclusion_ids:
                    problems.append((f"{place}.nextConclusionId", f"no conclusion has id {conclusion_id!r}"))
                if condition is not None:
                    unknown = sorted(labels_named(parse_condition(condition)) - given)
                    if unknown:
                        problems.append((f"{place}.if", f"names labels that no answer gives: {unknown}"))
    return problems


def _location(loc: tuple[int | str, ...], data: object) -> str:
    """Render a pydantic location as ``questions[3].answers[1].if (question 2.1)``."""
    text = ""
    node: object = data
    owner = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
        node = _child(node, part)
        if isinstance(node, Mapping):
            if isinstance(node.get("questionId"), str):
                owner = f" (question {node['questionId']})"
            elif isinstance(node.get("conclusionId"), str):
                owner = f" (conclusion {node['conclusionId']})"
    return (text or "(top level)") + owner


def _child(node: object, key: int | str) -> object:
    """The element or value of the raw data at ``key``, or None when there is none."""
    if isinstance(node, list):
        return node[key] if isinstance(key, int) and 0 <= key < len(node) else None
    if isinstance(node, Mapping):
        return node.get(key)
    return None


def _reference_location(where: str, tree_data: object) -> str:
    """Add the owning question's id to a location from :func:`reference_problems`."""
    parts: list[int | str] = []
    for piece in where.replace("]", "").replace("[", ".").split("."):
        parts.append(int(piece) if piece.isdigit() else piece)
    return _location(tuple(parts), tree_data)


def parse_decision_tree(data: object, source: str) -> DecisionTree:
    """Validate already-read data as a decision tree; problems raise InvalidInput naming ``source``."""
    try:
        return DecisionTree.model_validate(data)
    except ValidationError as invalid:
        problems: list[FieldProblem] = []
        for error in invalid.errors():
            cause = (error.get("ctx") or {}).get("error")
            if isinstance(cause, DefinitionError):
                problems += [
                    FieldProblem(field=f"{source}: {_reference_location(where, data)}", reason=reason)
                    for where, reason in cause.problems
                ]
            else:
                problems.append(
                    FieldProblem(field=f"{source}: {_location(error['loc'], data)}", reason=error["msg"])
                )
        raise InvalidInput(
            problems=problems, summary=f"{source} is not a valid decision tree ({len(problems)} problem(s))"
        ) from None


def load_decision_tree(path: Path) -> DecisionTree:
    """Read a decision-tree YAML file (safe_load) and validate it; problems raise InvalidInput naming it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInput(
            problems=[FieldProblem(field=str(path), reason=f"cannot be read: {error.strerror}")],
            summary=f"{path} cannot be read",
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise InvalidInput(
            problems=[FieldProblem(field=str(path), reason=f"is not valid UTF-8 YAML: {error}")],
            summary=f"{path} is not valid YAML",
        ) from None
    return parse_decision_tree(data, str(path))
