"""The form of one part of an assessment: what it shows, and the answers a posted form gives.

A part is laid out as the engine sees it now: headings of groups, notices, and every answerable key
(a question outside repeatable groups, or a repeatable group answered as a list of entries). A key
the current answers make irrelevant is *marked* (shown with why, without an input), never asked.

Form field names: ``q.<key>`` for a question (several values for a repeatable question;
``.reference`` and ``.name`` for an upload), ``g.<group>.<row>.<question>`` for a question in an
entry of a repeatable group, and ``rows.<group>`` for the number of rows shown. Values are turned
into the JSON answers the engine reads; what cannot be turned (a number that is not one) is passed
on as typed, so that the engine names the problem at its question and the page shows it again.
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from algoreg.instruments.assessments.answering import same_answer
from algoreg.instruments.questionnaire.answers import show
from algoreg.instruments.questionnaire.engine import AssessmentState, options_of
from algoreg.instruments.questionnaire.model import (
    DateQuestion,
    Element,
    Group,
    Instrument,
    MultipleChoiceQuestion,
    Notice,
    NumberQuestion,
    Part,
    Question,
    RichTextQuestion,
    SingleChoiceQuestion,
    Stop,
    TextQuestion,
    UploadQuestion,
)
from algoreg.instruments.questionnaire.structure import is_question


@dataclass(frozen=True)
class Choice:
    """One option of a choice question: its position (the form's value), what it holds, its label."""

    index: int
    value: Any
    label: str


@dataclass(frozen=True)
class Field:
    """A question as the form asks it: its kind of input, and the choices of a choice question."""

    question: Question
    kind: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One item of a part's form, in document order.

    ``kind`` is ``heading`` (a group's title), ``notice``, ``question`` (one key), ``group`` (a
    repeatable group: ``fields`` are asked per row) or ``nested`` (a repeatable group inside one,
    answered only through the API). ``applies`` is False for a key the answers make irrelevant.
    """

    kind: str
    key: str
    title: str | None = None
    text: str | None = None
    number: str | None = None
    help: str | None = None
    required: bool = False
    applies: bool = True
    asked: Field | None = None
    fields: tuple[Field, ...] = ()
    nested: tuple[str, ...] = ()


@dataclass
class Layout:
    """The items of a part, with the keys the form answers and the repeatable groups among them."""

    entries: list[Entry] = field(default_factory=list)
    fields: dict[str, Field] = field(default_factory=dict)
    groups: dict[str, tuple[Field, ...]] = field(default_factory=dict)


def _kind(question: Question) -> str:
    if isinstance(question, TextQuestion):
        return "textarea" if question.multiline else "text"
    if isinstance(question, RichTextQuestion):
        return "textarea"
    if isinstance(question, SingleChoiceQuestion):
        return "select" if question.display == "dropdown" else "radio"
    if isinstance(question, MultipleChoiceQuestion):
        return "checkbox"
    if isinstance(question, DateQuestion):
        return "date"
    if isinstance(question, NumberQuestion):
        return "number"
    if isinstance(question, UploadQuestion):
        return "upload"
    return "statement"


def _shown_option(value: Any) -> str:
    """An option without a label as people read it: text as it is (no JSON quotes), else as JSON."""
    return value if isinstance(value, str) else show(value)


def _field(instrument: Instrument, question: Question, answers: Mapping[str, Any]) -> Field:
    choices: tuple[Choice, ...] = ()
    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        if question.options_from is None:
            choices = tuple(
                Choice(index, option.value, option.label or _shown_option(option.value))
                for index, option in enumerate(question.options)
            )
        else:
            values = options_of(instrument, question.id, answers)
            choices = tuple(Choice(index, value, _shown_option(value)) for index, value in enumerate(values))
    return Field(question, _kind(question), choices)


def part_layout(
    instrument: Instrument, part: Part, answers: Mapping[str, Any], state: AssessmentState
) -> Layout:
    """The items of ``part`` for the current ``answers`` and their engine ``state``."""
    layout = Layout()
    visible = set(state.visible)
    _items(instrument, part.items, answers, visible, layout)
    return layout


def _items(
    instrument: Instrument,
    items: tuple[Element, ...],
    answers: Mapping[str, Any],
    visible: set[tuple[str | int, ...]],
    layout: Layout,
) -> None:
    for element in items:
        applies = (element.id,) in visible
        if isinstance(element, Stop):
            continue
        if isinstance(element, Notice):
            if applies:
                layout.entries.append(Entry("notice", element.id, title=element.title, text=element.text))
            continue
        if isinstance(element, Group) and not element.repeatable:
            if element.title:
                layout.entries.append(
                    Entry("heading", element.id, title=element.title, number=element.number)
                )
            _items(instrument, element.items, answers, visible, layout)
            continue
        if isinstance(element, Group):
            fields, nested = _entry_fields(instrument, element, answers)
            layout.entries.append(
                Entry(
                    "group",
                    element.id,
                    title=element.title or element.item_name or element.id,
                    number=element.number,
                    help=element.help,
                    required=element.required,
                    applies=applies,
                    fields=fields,
                    nested=nested,
                )
            )
            if applies:
                layout.groups[element.id] = fields
            continue
        if is_question(element):
            asked = _field(instrument, element, answers)
            layout.entries.append(
                Entry(
                    "question",
                    element.id,
                    text=element.text,
                    number=element.number,
                    help=element.help,
                    required=element.required,
                    applies=applies,
                    asked=asked,
                )
            )
            if applies:
                layout.fields[element.id] = asked


def _entry_fields(
    instrument: Instrument, group: Group, answers: Mapping[str, Any]
) -> tuple[tuple[Field, ...], tuple[str, ...]]:
    """The questions asked in each row of a repeatable group (inner plain groups flattened), and the
    ids of repeatable groups nested in it."""
    fields: list[Field] = []
    nested: list[str] = []

    def walk(items: tuple[Element, ...]) -> None:
        for element in items:
            if isinstance(element, Group):
                if element.repeatable:
                    nested.append(element.id)
                else:
                    walk(element.items)
            elif is_question(element):
                fields.append(_field(instrument, element, answers))

    walk(group.items)
    return tuple(fields), tuple(nested)


# --- reading a posted form ----------------------------------------------------------------------------


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _texts(form: FormData, name: str) -> list[str]:
    return [value for value in form.getlist(name) if isinstance(value, str)]


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def _scalar(item: Field, typed: str) -> Any:
    """One typed value as the engine reads it; a value that is not what the question wants stays text."""
    text = typed.strip()
    if not text:
        return None
    if item.kind == "number":
        if _NUMBER.match(text):
            number = float(text.replace(",", "."))
            return int(number) if number.is_integer() and "." not in text and "," not in text else number
        return text
    if item.kind in ("radio", "select"):
        return _choice(item, text)
    return typed.rstrip() if item.kind == "textarea" else text


def _choice(item: Field, typed: str) -> Any:
    for choice in item.choices:
        if str(choice.index) == typed:
            return choice.value
    return typed


@dataclass(frozen=True)
class Signer:
    """Who signs a statement from this form: name, and role in the assessment if any."""

    name: str
    roles: tuple[str, ...]
    today: datetime.date


def _read(item: Field, form: FormData, name: str, current: Any, signer: Signer) -> Any:
    question = item.question
    if item.kind == "statement":
        if _text(form, name) != "signed":
            return None
        if isinstance(current, dict):
            return current
        value: dict[str, Any] = {"signed_by": signer.name, "signed_on": signer.today.isoformat()}
        role = next((role for role in signer.roles if role in question.roles), None)
        if role is None and signer.roles:
            role = signer.roles[0]
        if role is not None:
            value["role"] = role
        return value
    if item.kind == "upload":
        reference, label = _text(form, f"{name}.reference").strip(), _text(form, f"{name}.name").strip()
        if not reference and not label:
            return None
        upload: dict[str, Any] = {"reference": reference}
        if label:
            upload["name"] = label
        return upload
    if item.kind == "checkbox":
        chosen = [_choice(item, typed) for typed in _texts(form, name)]
        return chosen or None
    if question.repeatable:
        values = [_scalar(item, typed) for typed in _texts(form, name)]
        kept = [value for value in values if value is not None]
        return kept or None
    return _scalar(item, _text(form, name))


def rows_shown(form: FormData, group_id: str, maximum: int = 200) -> int:
    """How many rows of a repeatable group the posted form showed (bounded)."""
    typed = _text(form, f"rows.{group_id}")
    return min(int(typed), maximum) if typed.isdigit() else 0


def read_part(layout: Layout, form: FormData, current: Mapping[str, Any], signer: Signer) -> dict[str, Any]:
    """Every key the part's form answers, as typed (None: left empty); empty rows of groups left out."""
    typed: dict[str, Any] = {}
    for key, item in layout.fields.items():
        typed[key] = _read(item, form, f"q.{key}", current.get(key), signer)
    for key, fields in layout.groups.items():
        old = current.get(key)
        old_entries = old if isinstance(old, list) else []
        entries = []
        for row in range(rows_shown(form, key)):
            previous = (
                old_entries[row] if row < len(old_entries) and isinstance(old_entries[row], dict) else {}
            )
            entry = {}
            for item in fields:
                value = _read(
                    item, form, f"g.{key}.{row}.{item.question.id}", previous.get(item.question.id), signer
                )
                if value is not None:
                    entry[item.question.id] = value
            if entry:
                entries.append(entry)
        typed[key] = entries or None
    return typed


def changes(typed: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The answers that differ from the current ones (None for an answer cleared), to be stored."""
    changed: dict[str, Any] = {}
    for key, value in typed.items():
        if value is None:
            if key in current:
                changed[key] = None
        elif key not in current or not same_answer(current[key], value):
            changed[key] = value
    return changed


# --- showing values in inputs -------------------------------------------------------------------------


def shown_text(value: Any) -> str:
    """A value as it stands in a text input (text as it is, numbers as written, else JSON)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return show(value)
    if isinstance(value, int | float):
        return str(value)
    return show(value)


def chosen(item: Field, value: Any) -> set[int]:
    """The positions of the choices ``value`` holds (one, or several for a list)."""
    values = value if isinstance(value, list) else [value]
    return {
        choice.index
        for choice in item.choices
        for given in values
        if given is not None and same_answer(choice.value, given)
    }


def entries_of(value: Any) -> list[dict[str, Any]]:
    """The rows of a repeatable group's answer (anything else: none)."""
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, dict)]


_PATH = re.compile(r"^(?P<key>[^\[/]+)(?:\[(?P<row>\d+)\](?:/(?P<inner>[^\[/]+))?)?")


def anchor_of(path: str) -> tuple[str, str]:
    """The key a problem's path belongs to, and the id of the input it is shown at."""
    match = _PATH.match(path)
    if match is None:
        return path, f"q-{path}"
    key, row, inner = match["key"], match["row"], match["inner"]
    if row is not None and inner is not None:
        return key, f"q-{key}-{row}-{inner}"
    return key, f"q-{key}"
