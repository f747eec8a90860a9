"""What an assessment's output shows, as a tree every format draws: parts, questions, answers.

Pure functions from a definition and answers. Only what applies is shown: visible parts and
questions (answered or not), entries of repeatable groups with their own questions, and the stop
when the answers reached one. Answers are shown as people read them: the option's label, a date as
written, a signature as who signed on which date, rich text as plain text.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from algoreg.instruments.questionnaire.engine import Path, accepted_answers, evaluate
from algoreg.instruments.questionnaire.model import (
    Element,
    Group,
    Instrument,
    MultipleChoiceQuestion,
    Notice,
    NumberQuestion,
    Question,
    RichTextQuestion,
    SingleChoiceQuestion,
    StatementQuestion,
    Stop,
    UploadQuestion,
)
from algoreg.register.search_text import plain_text

Lang = Literal["nl", "en"]

_WORDS: dict[str, dict[str, str]] = {
    "nl": {"true": "Ja", "false": "Nee", "signed": "ondertekend door {who} op {when}", "entry": "Invulling"},
    "en": {"true": "Yes", "false": "No", "signed": "signed by {who} on {when}", "entry": "Entry"},
}


@dataclass(frozen=True)
class Answered:
    """Who gave the current answer to a key, and when."""

    author: str
    answered_at: datetime
    round: int


@dataclass(frozen=True)
class Item:
    """One thing shown: a question with its answer, a group or entry with items inside, or the stop."""

    kind: Literal["question", "group", "entry", "stop"]
    id: str
    number: str | None
    text: str
    answer: tuple[str, ...] | None = None
    answered: Answered | None = None
    required: bool = False
    items: tuple["Item", ...] = ()


@dataclass(frozen=True)
class PartContent:
    """A visible part with its items."""

    id: str
    number: str | None
    title: str
    items: tuple[Item, ...]


def _label(question: SingleChoiceQuestion | MultipleChoiceQuestion, value: Any, lang: Lang) -> str:
    for option in question.options:
        if option.value == value and type(option.value) is type(value) and option.label:
            return option.label
    if isinstance(value, bool):
        return _WORDS[lang]["true" if value else "false"]
    return str(value)


def _one(question: Question, value: Any, lang: Lang) -> str:
    if isinstance(question, SingleChoiceQuestion):
        return _label(question, value, lang)
    if isinstance(question, MultipleChoiceQuestion):
        return "; ".join(_label(question, item, lang) for item in value)
    if isinstance(question, StatementQuestion) and isinstance(value, dict):
        who = str(value.get("signed_by", ""))
        if value.get("role"):
            who += f" ({value['role']})"
        return _WORDS[lang]["signed"].format(who=who, when=value.get("signed_on", ""))
    if isinstance(question, UploadQuestion) and isinstance(value, dict):
        return str(value.get("name") or value.get("reference"))
    if isinstance(question, NumberQuestion) and question.unit:
        return f"{value} {question.unit}"
    if isinstance(question, RichTextQuestion) and isinstance(value, str):
        return plain_text(value)
    if isinstance(value, bool):
        return _WORDS[lang]["true" if value else "false"]
    return str(value)


def display(question: Question, value: Any, lang: Lang = "nl") -> tuple[str, ...]:
    """An accepted answer as lines of text people read (one per entry of a repeatable question)."""
    if question.repeatable and isinstance(value, list):
        return tuple(_one(question, item, lang) for item in value)
    return (_one(question, value, lang),)


class _Builder:
    def __init__(
        self, instrument: Instrument, answers: Mapping[str, Any], answered: Mapping[str, Answered], lang: Lang
    ) -> None:
        self.state = evaluate(instrument, answers)
        self.visible = set(self.state.visible)
        self.lang = lang
        self.answered = answered
        self.accepted = accepted_answers(instrument, answers)

    def items(self, elements: Sequence[Element], prefix: Path, accepted: Mapping[str, Any]) -> list[Item]:
        found: list[Item] = []
        for element in elements:
            path = (*prefix, element.id)
            if path not in self.visible or isinstance(element, Notice):
                continue
            if isinstance(element, Stop):
                found.append(Item(kind="stop", id=element.id, number=None, text=element.reason))
            elif isinstance(element, Group) and element.repeatable:
                entries = [
                    Item(
                        kind="entry",
                        id=f"{element.id}[{index}]",
                        number=None,
                        text=f"{element.item_name or _WORDS[self.lang]['entry']} {index + 1}",
                        items=tuple(self.items(element.items, (*path, index), entry)),
                    )
                    for index, entry in enumerate(accepted.get(element.id) or [])
                ]
                found.append(
                    Item(
                        kind="group",
                        id=element.id,
                        number=element.number,
                        text=element.title or element.id,
                        answered=self.answered.get(element.id) if not prefix else None,
                        required=element.required,
                        items=tuple(entries),
                    )
                )
            elif isinstance(element, Group):
                inner = self.items(element.items, prefix, accepted)
                if element.title:
                    found.append(
                        Item(
                            kind="group",
                            id=element.id,
                            number=element.number,
                            text=element.title,
                            items=tuple(inner),
                        )
                    )
                else:
                    found.extend(inner)
            else:
                value = accepted.get(element.id)
                found.append(
                    Item(
                        kind="question",
                        id=element.id,
                        number=element.number,
                        text=element.text,
                        answer=display(element, value, self.lang) if value is not None else None,
                        answered=self.answered.get(element.id) if not prefix and value is not None else None,
                        required=element.required,
                    )
                )
        return found


def build_parts(
    instrument: Instrument,
    answers: Mapping[str, Any],
    answered: Mapping[str, Answered],
    lang: Lang = "nl",
) -> tuple[PartContent, ...]:
    """The visible parts of ``instrument`` with every visible question and its accepted answer."""
    builder = _Builder(instrument, answers, answered, lang)
    parts: list[PartContent] = []
    for part in instrument.parts:
        items = builder.items(part.items, (), builder.accepted)
        if items:
            parts.append(PartContent(id=part.id, number=part.number, title=part.title, items=tuple(items)))
    return tuple(parts)
