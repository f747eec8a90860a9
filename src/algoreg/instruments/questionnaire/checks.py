"""Consistency checks of a whole definition, beyond what each model checks on its own.

Ids are unique; every condition refers to an earlier question in scope (not one inside a
repeatable group the element is not in) and compares it with values it can hold; choice questions
have options; bounds are in order; stops are not inside repeatable groups.
"""

import re
from collections.abc import Iterator

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.questionnaire.answers import list_values, show
from algoreg.instruments.questionnaire.conditions import (
    Condition,
    Contains,
    Equals,
    Leaf,
    OneOf,
    Within,
    leaves,
    literals,
    same_value,
)
from algoreg.instruments.questionnaire.model import (
    DateQuestion,
    Group,
    Instrument,
    MultipleChoiceQuestion,
    NumberQuestion,
    Question,
    SingleChoiceQuestion,
    Stop,
)
from algoreg.instruments.questionnaire.structure import Placed, describe, is_question, placed_elements

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def raise_for_problems(instrument: Instrument) -> None:
    """Raise :class:`InvalidInput` listing every inconsistency of ``instrument``; return if none."""
    problems = problems_of(instrument)
    if problems:
        raise InvalidInput(
            problems=problems,
            summary=f"The questionnaire definition '{instrument.id}' is not consistent.",
        )


def problems_of(instrument: Instrument) -> list[FieldProblem]:
    """Return every inconsistency of ``instrument``, each naming the element's location and id."""
    placed = placed_elements(instrument)
    by_id: dict[str, Placed] = {}
    problems: list[FieldProblem] = []
    seen_parts: set[str] = set()
    for index, part in enumerate(instrument.parts):
        if part.id in seen_parts:
            problems.append(FieldProblem(f"parts[{index}].id", f"part id '{part.id}' is used twice"))
        seen_parts.add(part.id)
    intro_ids = {notice.id for notice in instrument.introduction}
    for item in placed:
        if item.element.id in by_id or item.element.id in intro_ids:
            problems.append(
                FieldProblem(describe(item), f"id '{item.element.id}' is used twice; ids must be unique")
            )
        else:
            by_id[item.element.id] = item
    for item in placed:
        problems.extend(_element_problems(item, by_id))
    first_order = _first_order_per_part(placed)
    for index, part in enumerate(instrument.parts):
        if part.visible_when is not None:
            problems.extend(
                _condition_problems(
                    part.visible_when,
                    f"parts[{index}] (part '{part.id}').visible_when",
                    (),
                    first_order[part.id],
                    by_id,
                )
            )
    return problems


def _first_order_per_part(placed: tuple[Placed, ...]) -> dict[str, int]:
    first: dict[str, int] = {}
    for item in placed:
        first.setdefault(item.part.id, item.order)
    return first


def _element_problems(item: Placed, by_id: dict[str, Placed]) -> Iterator[FieldProblem]:
    element = item.element
    where = describe(item)
    if element.visible_when is not None:
        yield from _condition_problems(
            element.visible_when, f"{where}.visible_when", item.repeat_scope, item.order, by_id
        )
    if isinstance(element, Stop):
        yield from _condition_problems(element.when, f"{where}.when", item.repeat_scope, item.order, by_id)
        if item.repeat_scope:
            yield FieldProblem(where, "a stop cannot be inside a repeatable group; place it outside")
    if isinstance(element, Group):
        yield from _group_problems(element, item, where, by_id)
    if is_question(element):
        yield from _question_problems(element, item, where, by_id)


def _group_problems(
    group: Group, item: Placed, where: str, by_id: dict[str, Placed]
) -> Iterator[FieldProblem]:
    if group.required and not group.repeatable:
        yield FieldProblem(
            f"{where}.required", "only a repeatable group can be required (at least one entry)"
        )
    if group.instances_from is not None:
        if not group.repeatable:
            yield FieldProblem(
                f"{where}.instances_from", "only a repeatable group can take its entries from answers"
            )
        yield from _reference_problems(group.instances_from, f"{where}.instances_from", item.order, by_id)
    if group.instance_label is not None:
        for name in _PLACEHOLDER.findall(group.instance_label):
            if name not in by_id or not is_question(by_id[name].element):
                yield FieldProblem(
                    f"{where}.instance_label", f"'{{{name}}}' is not a question of this instrument"
                )


def _question_problems(
    question: Question, item: Placed, where: str, by_id: dict[str, Placed]
) -> Iterator[FieldProblem]:
    if question.instances_from is not None:
        if not question.repeatable:
            yield FieldProblem(
                f"{where}.instances_from", "only a repeatable question can take its entries from answers"
            )
        yield from _reference_problems(question.instances_from, f"{where}.instances_from", item.order, by_id)
    if question.prefill_from is not None:
        yield from _reference_problems(question.prefill_from, f"{where}.prefill_from", item.order, by_id)
    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        yield from _choice_problems(question, item, where, by_id)
    if isinstance(question, NumberQuestion) and _reversed(question.minimum, question.maximum):
        yield FieldProblem(f"{where}.minimum", "minimum is greater than maximum")
    if isinstance(question, DateQuestion) and _reversed(question.earliest, question.latest):
        yield FieldProblem(f"{where}.earliest", "earliest is later than latest")


def _reversed(low: object, high: object) -> bool:
    return low is not None and high is not None and low > high  # type: ignore[operator]


def _choice_problems(
    question: SingleChoiceQuestion | MultipleChoiceQuestion,
    item: Placed,
    where: str,
    by_id: dict[str, Placed],
) -> Iterator[FieldProblem]:
    if question.options and question.options_from is not None:
        yield FieldProblem(f"{where}.options", "give options or options_from, not both")
    if not question.options and question.options_from is None:
        yield FieldProblem(f"{where}.options", "a choice question needs options (or options_from)")
    if question.options_from is not None:
        yield from _reference_problems(question.options_from, f"{where}.options_from", item.order, by_id)
    values: list[object] = []
    for index, option in enumerate(question.options):
        if any(same_value(option.value, earlier) for earlier in values):
            yield FieldProblem(
                f"{where}.options[{index}]", f"option value {show(option.value)} is used twice"
            )
        values.append(option.value)
    if isinstance(question, MultipleChoiceQuestion):
        if _reversed(question.min_selected, question.max_selected):
            yield FieldProblem(f"{where}.min_selected", "min_selected is greater than max_selected")
        if (
            question.options
            and question.min_selected is not None
            and question.min_selected > len(question.options)
        ):
            yield FieldProblem(f"{where}.min_selected", f"there are only {len(question.options)} options")


def _reference_problems(
    target: str, where: str, order: int, by_id: dict[str, Placed]
) -> Iterator[FieldProblem]:
    found = by_id.get(target)
    if found is None or not is_question(found.element):
        yield FieldProblem(where, f"'{target}' is not a question of this instrument")
    elif found.order >= order:
        yield FieldProblem(where, f"'{target}' comes later; only earlier questions can be referred to")


def _condition_problems(
    condition: Condition, where: str, scope: tuple[str, ...], order: int, by_id: dict[str, Placed]
) -> Iterator[FieldProblem]:
    for leaf in leaves(condition):
        target = by_id.get(leaf.question)
        if target is None or not is_question(target.element):
            yield FieldProblem(where, f"'{leaf.question}' is not a question of this instrument")
            continue
        if target.order >= order:
            yield FieldProblem(
                where, f"'{leaf.question}' comes later; a condition can only use earlier answers"
            )
        elif scope[: len(target.repeat_scope)] != target.repeat_scope:
            yield FieldProblem(
                where,
                f"'{leaf.question}' is inside repeatable group '{target.repeat_scope[-1]}'; a condition "
                "can only use answers of the same entry or outside repeatable groups",
            )
        yield from _leaf_problems(leaf, target.element, where)


def _leaf_problems(leaf: Leaf, question: Question, where: str) -> Iterator[FieldProblem]:
    listy = question.repeatable or isinstance(question, MultipleChoiceQuestion)
    if isinstance(leaf, Contains) and not listy:
        yield FieldProblem(
            where, f"'contains' needs a list answer, but '{question.id}' takes one value; use equals"
        )
    if isinstance(leaf, Equals | OneOf) and listy:
        yield FieldProblem(where, f"'{question.id}' is answered with a list; use contains")
    if isinstance(leaf, Within) and not (listy or isinstance(question, NumberQuestion)):
        yield FieldProblem(where, f"at_least/at_most need a number or a list answer, not '{question.id}'")
    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion) and question.options:
        allowed = [option.value for option in question.options]
        for value in literals(leaf):
            if not any(same_value(value, option) for option in allowed):
                yield FieldProblem(
                    where,
                    f"{show(value)} is not an option of '{question.id}'; allowed: {list_values(allowed)}",
                )
