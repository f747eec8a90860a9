"""Where each element of a definition sits: its part, its location, and its repeatable scope."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeGuard

from algoreg.instruments.questionnaire.model import (
    QUESTION_TYPES,
    Element,
    Group,
    Instrument,
    Part,
    Question,
)


@dataclass(frozen=True)
class Placed:
    """One element of an instrument with its place.

    ``location`` is the path inside the definition (``parts[1].items[0].items[2]``);
    ``repeat_scope`` lists the repeatable groups that enclose the element (not the element
    itself), outermost first: an answer is looked up in those groups' entries.
    """

    element: Element
    part: Part
    location: str
    repeat_scope: tuple[str, ...]
    order: int


def placed_elements(instrument: Instrument) -> tuple[Placed, ...]:
    """Return every element of ``instrument`` (introduction notices excluded) in document order."""
    found: list[Placed] = []
    for index, part in enumerate(instrument.parts):
        found.extend(_walk(part.items, part, f"parts[{index}]", (), len(found)))
    return tuple(found)


def _walk(
    items: tuple[Element, ...], part: Part, location: str, scope: tuple[str, ...], start: int
) -> Iterator[Placed]:
    order = start
    for index, element in enumerate(items):
        here = f"{location}.items[{index}]"
        yield Placed(element, part, here, scope, order)
        order += 1
        if isinstance(element, Group):
            inner = (*scope, element.id) if element.repeatable else scope
            children = list(_walk(element.items, part, here, inner, order))
            order += len(children)
            yield from children


def is_question(element: object) -> TypeGuard[Question]:
    """Return whether ``element`` is a question (of any of the eight types)."""
    return isinstance(element, QUESTION_TYPES)


def questions_by_id(instrument: Instrument) -> dict[str, Question]:
    """Return every question of ``instrument`` by id."""
    found: dict[str, Question] = {}
    for placed in placed_elements(instrument):
        if is_question(placed.element):
            found[placed.element.id] = placed.element
    return found


def describe(placed: Placed) -> str:
    """Return how a problem message names an element: its kind, id and location."""
    kind = placed.element.type if not is_question(placed.element) else "question"
    return f"{placed.location} ({kind} '{placed.element.id}')"
