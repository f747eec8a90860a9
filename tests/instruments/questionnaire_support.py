"""Answers built for questionnaire tests: a valid sample answer per question, answers that make a
given element visible (or a stop reached), and answers that fill in everything visible."""

import copy
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from algoreg.instruments.questionnaire import Instrument, evaluate, options_of
from algoreg.instruments.questionnaire.conditions import (
    AllOf,
    AnyOf,
    Condition,
    Contains,
    Equals,
    Not,
    NotEmpty,
    OneOf,
    Within,
    is_answered,
)
from algoreg.instruments.questionnaire.model import (
    DateQuestion,
    Element,
    Group,
    MultipleChoiceQuestion,
    NumberQuestion,
    Part,
    Question,
    RichTextQuestion,
    SingleChoiceQuestion,
    StatementQuestion,
    Stop,
    TextQuestion,
    UploadQuestion,
)
from algoreg.instruments.questionnaire.structure import placed_elements, questions_by_id


def sample_value(question: Question, options: tuple[Any, ...] | None = None) -> Any:
    """A valid answer to ``question`` (``None`` when it has no options to choose from yet)."""
    value = _one_value(question, options)
    if value is None:
        return None
    return [value] if question.repeatable else value


def _one_value(question: Question, options: tuple[Any, ...] | None) -> Any:
    if isinstance(question, TextQuestion):
        return "An answer"
    if isinstance(question, RichTextQuestion):
        return "<p>An answer</p>"
    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        allowed = options if options is not None else tuple(option.value for option in question.options)
        if not allowed:
            return None
        if isinstance(question, SingleChoiceQuestion):
            return allowed[0]
        return list(allowed[: max(1, question.min_selected or 1)])
    if isinstance(question, DateQuestion):
        return (question.earliest or question.latest or datetime.date(2024, 5, 1)).isoformat()
    if isinstance(question, NumberQuestion):
        return question.minimum if question.minimum is not None else 1
    if isinstance(question, UploadQuestion):
        media = question.accept[0].replace("*", "png") if question.accept else "application/pdf"
        return {"reference": "documents/1", "name": "evidence", "media_type": media}
    assert isinstance(question, StatementQuestion)
    return {"signed_by": "A. Tester", "signed_on": "2024-05-01", "role": "Projectleider"}


@dataclass(frozen=True)
class Chain:
    """An element with its part and the groups around it, outermost first."""

    part: Part
    groups: tuple[Group, ...]
    element: Element


def chains(instrument: Instrument) -> dict[str, Chain]:
    """Every element of ``instrument`` by id, with its part and enclosing groups."""
    found: dict[str, Chain] = {}

    def walk(items: tuple[Element, ...], part: Part, groups: tuple[Group, ...]) -> Iterator[Chain]:
        for element in items:
            yield Chain(part, groups, element)
            if isinstance(element, Group):
                yield from walk(element.items, part, (*groups, element))

    for part in instrument.parts:
        for chain in walk(part.items, part, ()):
            found[chain.element.id] = chain
    return found


def slot(answers: dict[str, Any], scope: tuple[str, ...]) -> dict[str, Any]:
    """The answers of the first entry of each repeatable group in ``scope`` (created when absent)."""
    level = answers
    for group_id in scope:
        entries = level.setdefault(group_id, [])
        if not entries:
            entries.append({})
        level = entries[0]
    return level


def element_path(instrument: Instrument, element_id: str) -> tuple[str | int, ...]:
    """The path of an element when every repeatable group around it has one entry (index 0)."""
    placed = {item.element.id: item for item in placed_elements(instrument)}[element_id]
    path: list[str | int] = []
    for group_id in placed.repeat_scope:
        path.extend([group_id, 0])
    return (*path, element_id)


class Witness:
    """Builds answers under which one element is visible, satisfying every condition on its way."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.chains = chains(instrument)
        self.scopes = {item.element.id: item.repeat_scope for item in placed_elements(instrument)}
        self.questions = questions_by_id(instrument)

    def showing(self, element_id: str) -> dict[str, Any]:
        """Answers under which ``element_id`` is visible (a stop: visible and its condition met)."""
        answers: dict[str, Any] = {}
        self.reveal(element_id, answers)
        element = self.chains[element_id].element
        if isinstance(element, Stop):
            self.satisfy(element.when, answers)
        return answers

    def reveal(self, element_id: str, answers: dict[str, Any]) -> None:
        chain = self.chains[element_id]
        conditions = [chain.part.visible_when, *(group.visible_when for group in chain.groups)]
        conditions.append(chain.element.visible_when)
        for condition in conditions:
            if condition is not None:
                self.satisfy(condition, answers)

    def satisfy(self, condition: Condition, answers: dict[str, Any]) -> None:
        if isinstance(condition, AllOf):
            for part in condition.conditions:
                self.satisfy(part, answers)
            return
        if isinstance(condition, AnyOf):
            self.satisfy(condition.conditions[0], answers)
            return
        if isinstance(condition, Not):
            return  # an answer left out never meets the inner comparison
        question = self.questions[condition.question]
        self.reveal(question.id, answers)
        level = slot(answers, self.scopes[question.id])
        if isinstance(condition, Equals):
            level[question.id] = condition.equals
        elif isinstance(condition, OneOf):
            level[question.id] = condition.values[0]
        elif isinstance(condition, Contains):
            chosen = level.setdefault(question.id, [])
            if condition.contains not in chosen:
                chosen.append(condition.contains)
        elif isinstance(condition, NotEmpty):
            if not is_answered(level.get(question.id)):
                level[question.id] = sample_value(question)
        else:
            assert isinstance(condition, Within)
            level[question.id] = self.amount(question, condition)

    @staticmethod
    def amount(question: Question, condition: Within) -> Any:
        bound = condition.at_least if condition.at_least is not None else condition.at_most
        assert bound is not None
        if isinstance(question, NumberQuestion):
            return bound
        count = int(bound)
        if isinstance(question, MultipleChoiceQuestion):
            return [option.value for option in question.options[:count]]
        return [f"Entry {number}" for number in range(1, count + 1)]


def fill(instrument: Instrument, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """``answers`` with every visible question still unanswered given a sample answer, repeatedly,
    until nothing visible is left unanswered (required repeatable groups get one entry)."""
    result = copy.deepcopy(answers or {})
    questions = questions_by_id(instrument)
    for _ in range(100):
        state = evaluate(instrument, result)
        changed = False
        for field in state.fields:
            if field.answered:
                continue
            container = _container(result, field.path[:-1])
            if field.kind == "group":
                container[field.id] = [{}]
                changed = True
                continue
            question = questions[field.id]
            options = None
            if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion) and question.options_from:
                options = options_of(instrument, question.id, result)
            value = sample_value(question, options)
            if value is not None and container.get(field.id) != value:
                container[field.id] = value
                changed = True
        if not changed:
            return result
    raise AssertionError("filling in did not settle")


def _container(answers: dict[str, Any], prefix: tuple[str | int, ...]) -> dict[str, Any]:
    level: Any = answers
    for step in prefix:
        level = level[step]
    assert isinstance(level, dict)
    return level
