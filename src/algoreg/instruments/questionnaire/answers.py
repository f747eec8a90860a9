"""Answers checked against their question: type, options, bounds and whether one is required.

Answers are plain JSON values: text as a string, a single choice as the option's value, several
choices as a list of distinct option values, a date as ``"YYYY-MM-DD"``, a number as a number, an
upload as ``{"reference": ..., "name": ..., "media_type": ...}`` (only ``reference`` is needed),
a signed statement as ``{"signed_by": ..., "signed_on": "YYYY-MM-DD", "role": ...}`` (``role``
optional). A repeatable question's answer is a list of such values.
"""

import datetime
import json
import math
from collections.abc import Sequence
from typing import Any

from algoreg.errors import FieldProblem
from algoreg.instruments.questionnaire.conditions import is_answered, same_value
from algoreg.instruments.questionnaire.model import (
    DateQuestion,
    MultipleChoiceQuestion,
    NumberQuestion,
    Question,
    RichTextQuestion,
    SingleChoiceQuestion,
    StatementQuestion,
    TextQuestion,
    UploadQuestion,
)

_UPLOAD_KEYS = frozenset({"reference", "name", "media_type"})
_STATEMENT_KEYS = frozenset({"signed_by", "signed_on", "role"})


def show(value: object) -> str:
    """Return ``value`` as JSON writes it (``true``, ``"text"``), as people who send answers know it."""
    return json.dumps(value, ensure_ascii=False, default=str)


def list_values(values: Sequence[object], limit: int = 10) -> str:
    """Return ``values`` as a short readable list, naming how many more there are past ``limit``."""
    shown = ", ".join(show(value) for value in values[:limit])
    return shown if len(values) <= limit else f"{shown} and {len(values) - limit} more"


def validate_answer(
    question: Question,
    value: Any,
    *,
    field: str | None = None,
    options: Sequence[Any] | None = None,
) -> tuple[FieldProblem, ...]:
    """Return the problems of ``value`` as the answer to ``question``; empty when it is acceptable.

    Each problem names ``field`` (the question id unless given) and says what is allowed. A missing
    or blank answer is a problem only when the question is required. ``options`` gives the allowed
    values of a choice question whose options come from other answers (``options_from``).
    """
    name = field or question.id
    if not is_answered(value):
        if question.required:
            return (FieldProblem(name, f"an answer is required; {_expected(question, options)}"),)
        return ()
    if not question.repeatable:
        return tuple(_single(question, value, name, options))
    if not isinstance(value, list):
        return (
            FieldProblem(name, f"expected a list of entries; for each entry, {_expected(question, options)}"),
        )
    problems: list[FieldProblem] = []
    for index, entry in enumerate(value):
        entry_name = f"{name}[{index}]"
        if not is_answered(entry):
            problems.append(FieldProblem(entry_name, f"an entry is empty; {_expected(question, options)}"))
        else:
            problems.extend(_single(question, entry, entry_name, options))
    return tuple(problems)


def _allowed_values(
    question: SingleChoiceQuestion | MultipleChoiceQuestion, options: Sequence[Any] | None
) -> list[Any]:
    if options is not None:
        return list(options)
    return [option.value for option in question.options]


def _expected(question: Question, options: Sequence[Any] | None) -> str:
    if isinstance(question, SingleChoiceQuestion):
        return f"allowed: one of {list_values(_allowed_values(question, options))}"
    if isinstance(question, MultipleChoiceQuestion):
        return f"allowed: a list of distinct values out of {list_values(_allowed_values(question, options))}"
    if isinstance(question, DateQuestion):
        return "allowed: a date written YYYY-MM-DD" + _date_bounds(question)
    if isinstance(question, NumberQuestion):
        return "allowed: " + ("a whole number" if question.integer else "a number") + _number_bounds(question)
    if isinstance(question, UploadQuestion):
        return "allowed: an object with 'reference' (and optionally 'name', 'media_type')"
    if isinstance(question, StatementQuestion):
        return "allowed: an object with 'signed_by', 'signed_on' (YYYY-MM-DD) and optionally 'role'"
    limit = f" of at most {question.max_length} characters" if question.max_length else ""
    return f"allowed: text{limit}"


def _date_bounds(question: DateQuestion) -> str:
    bounds = []
    if question.earliest is not None:
        bounds.append(f"not before {question.earliest.isoformat()}")
    if question.latest is not None:
        bounds.append(f"not after {question.latest.isoformat()}")
    return (", " + " and ".join(bounds)) if bounds else ""


def _number_bounds(question: NumberQuestion) -> str:
    bounds = []
    if question.minimum is not None:
        bounds.append(f"at least {question.minimum}")
    if question.maximum is not None:
        bounds.append(f"at most {question.maximum}")
    return (", " + " and ".join(bounds)) if bounds else ""


def _single(question: Question, value: Any, name: str, options: Sequence[Any] | None) -> list[FieldProblem]:
    if isinstance(question, TextQuestion | RichTextQuestion):
        return _text(question, value, name)
    if isinstance(question, SingleChoiceQuestion):
        allowed = _allowed_values(question, options)
        if not any(same_value(value, option) for option in allowed):
            return [FieldProblem(name, f"{show(value)} is not an option; {_expected(question, options)}")]
        return []
    if isinstance(question, MultipleChoiceQuestion):
        return _several(question, value, name, options)
    if isinstance(question, DateQuestion):
        return _date(question, value, name)
    if isinstance(question, NumberQuestion):
        return _number(question, value, name)
    if isinstance(question, UploadQuestion):
        return _upload(question, value, name)
    return _statement(question, value, name)


def _text(question: TextQuestion | RichTextQuestion, value: Any, name: str) -> list[FieldProblem]:
    if not isinstance(value, str):
        return [FieldProblem(name, f"{type(value).__name__} given; {_expected(question, None)}")]
    if question.max_length is not None and len(value) > question.max_length:
        return [FieldProblem(name, f"{len(value)} characters given; {_expected(question, None)}")]
    if isinstance(question, TextQuestion) and not question.multiline and ("\n" in value or "\r" in value):
        return [FieldProblem(name, "a line break was given; allowed: one line of text")]
    return []


def _several(
    question: MultipleChoiceQuestion, value: Any, name: str, options: Sequence[Any] | None
) -> list[FieldProblem]:
    if not isinstance(value, list):
        return [FieldProblem(name, f"{type(value).__name__} given; {_expected(question, options)}")]
    allowed = _allowed_values(question, options)
    problems: list[FieldProblem] = []
    chosen: list[Any] = []
    for entry in value:
        if not any(same_value(entry, option) for option in allowed):
            problems.append(
                FieldProblem(name, f"{show(entry)} is not an option; {_expected(question, options)}")
            )
        elif any(same_value(entry, earlier) for earlier in chosen):
            problems.append(
                FieldProblem(name, f"{show(entry)} is chosen twice; allowed: each option at most once")
            )
        chosen.append(entry)
    if question.min_selected is not None and len(value) < question.min_selected:
        problems.append(FieldProblem(name, f"{len(value)} chosen; allowed: at least {question.min_selected}"))
    if question.max_selected is not None and len(value) > question.max_selected:
        problems.append(FieldProblem(name, f"{len(value)} chosen; allowed: at most {question.max_selected}"))
    return problems


def parse_date(value: Any) -> datetime.date | None:
    """Return the date ``value`` spells as ``YYYY-MM-DD``, or ``None`` when it spells none."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _date(question: DateQuestion, value: Any, name: str) -> list[FieldProblem]:
    parsed = parse_date(value)
    if parsed is None:
        return [FieldProblem(name, f"{show(value)} is not a date; {_expected(question, None)}")]
    too_early = question.earliest is not None and parsed < question.earliest
    too_late = question.latest is not None and parsed > question.latest
    if too_early or too_late:
        return [FieldProblem(name, f"{value} is out of range; {_expected(question, None)}")]
    return []


def _number(question: NumberQuestion, value: Any, name: str) -> list[FieldProblem]:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return [FieldProblem(name, f"{show(value)} is not a number; {_expected(question, None)}")]
    if question.integer and not float(value).is_integer():
        return [FieldProblem(name, f"{show(value)} is not whole; {_expected(question, None)}")]
    if (question.minimum is not None and value < question.minimum) or (
        question.maximum is not None and value > question.maximum
    ):
        return [FieldProblem(name, f"{show(value)} is out of range; {_expected(question, None)}")]
    return []


def _text_member(value: dict[str, Any], key: str) -> bool:
    member = value.get(key)
    return isinstance(member, str) and member.strip() != ""


def _upload(question: UploadQuestion, value: Any, name: str) -> list[FieldProblem]:
    if not isinstance(value, dict) or not _text_member(value, "reference") or set(value) - _UPLOAD_KEYS:
        return [FieldProblem(name, f"not an upload reference; {_expected(question, None)}")]
    if question.accept:
        media_type = value.get("media_type")
        if not isinstance(media_type, str) or not any(
            _media_matches(media_type, accept) for accept in question.accept
        ):
            return [
                FieldProblem(
                    name,
                    f"media type {show(media_type)} is not accepted; "
                    f"allowed: {list_values(list(question.accept))}",
                )
            ]
    return []


def _media_matches(media_type: str, accept: str) -> bool:
    if accept.endswith("/*"):
        return media_type.lower().startswith(accept[:-1].lower())
    return media_type.lower() == accept.lower()


def _statement(question: StatementQuestion, value: Any, name: str) -> list[FieldProblem]:
    if (
        not isinstance(value, dict)
        or set(value) - _STATEMENT_KEYS
        or not _text_member(value, "signed_by")
        or parse_date(value.get("signed_on")) is None
        or ("role" in value and not isinstance(value["role"], str))
    ):
        return [FieldProblem(name, f"not a signature; {_expected(question, None)}")]
    return []
