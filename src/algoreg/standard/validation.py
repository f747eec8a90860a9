"""Checking records against publication standard 1.0, with problems a civil servant can act on.

Every record is checked completely: a record with five mistakes yields five problems, and a
batch reports the problems of every record, not only of the first bad one. Each problem names
the record (its position and, when known, its name), the field (a dotted path such as
``lawful_basis_grouping.0.link`` for nested values) and a reason in plain English that says what
was wrong and what is allowed.

Reasons are made from pydantic's error records by :func:`describe_error`, one general mechanism
keyed by the error type; allowed enum values and the keys of nested objects are looked up on the
model itself, so they are always spelled exactly as the standard spells them.
"""

import difflib
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel, ValidationError

from algoreg.standard.v1_0 import FIELD_NAMES, AlgorithmRecord


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record.

    ``record`` is the 1-based position of the record in its file or batch; ``record_label`` is
    its name (or else its ``source_id``) when the input gave one; ``field`` is the dotted path of
    the offending value, or ``""`` when the problem concerns the record as a whole; ``reason``
    says what was wrong and what is allowed.
    """

    record: int
    record_label: str | None
    field: str
    reason: str


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of checking a batch: the records that passed, and every problem found."""

    records: list[AlgorithmRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    total: int = 0

    @property
    def is_valid(self) -> bool:
        """Whether every record of the batch passed."""
        return not self.problems

    @property
    def invalid_records(self) -> int:
        """How many records have at least one problem."""
        return len({problem.record for problem in self.problems})


def problems_of(data: object, record: int = 1) -> list[Problem]:
    """Return every problem that keeps ``data`` from being a valid 1.0 record; ``[]`` when valid.

    ``record`` is the 1-based position reported in each problem.
    """
    return _check(data, record)[1]


def validate_records(rows: Iterable[object]) -> ValidationReport:
    """Check each row (normally a dict keyed by field name) and report all problems of all rows.

    The report holds, in input order, the rows that passed as :class:`AlgorithmRecord` objects,
    and the problems of the others, numbered by 1-based position in ``rows``.
    """
    records: list[AlgorithmRecord] = []
    problems: list[Problem] = []
    total = 0
    for position, row in enumerate(rows, start=1):
        total = position
        checked, found = _check(row, position)
        if checked is not None:
            records.append(checked)
        problems.extend(found)
    return ValidationReport(records=records, problems=problems, total=total)


def record_label(data: object) -> str | None:
    """Return the name by which a person recognises ``data``: its name, else its source_id."""
    if isinstance(data, Mapping):
        for key in ("name", "source_id"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def field_path(loc: Iterable[int | str]) -> str:
    """Return a pydantic location as a dotted path, e.g. ``lawful_basis_grouping.0.link``."""
    return ".".join(str(part) for part in loc)


def describe_error(error: Mapping[str, Any]) -> str:
    """Turn one pydantic error record (an item of ``ValidationError.errors()``) into a reason.

    The reason is an English sentence saying what was wrong and what is allowed, without
    pydantic's wording or links. Enum errors list the allowed values as the standard spells
    them; unknown fields are said not to be part of standard 1.0.
    """
    kind = str(error.get("type", ""))
    describe = _DESCRIBERS.get(kind, _describe_other)
    return describe(error)


def _check(data: object, record: int) -> tuple[AlgorithmRecord | None, list[Problem]]:
    label = record_label(data)
    try:
        return AlgorithmRecord.model_validate(data), []
    except ValidationError as exc:
        problems = [
            Problem(
                record=record, record_label=label, field=field_path(err["loc"]), reason=describe_error(err)
            )
            for err in exc.errors(include_url=False)
        ]
        return None, problems


# --- describing one error ------------------------------------------------------------------------

_MAX_SHOWN = 60
#: A value quoted in pydantic's list of expected values, such as ``'In gebruik'``.
_QUOTED = re.compile(r"'([^']*)'")


def _show(value: object) -> str:
    """Quote a given value for a message, shortened when it is long."""
    if isinstance(value, str):
        text = value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 1] + "…"
        return f"'{text}'"
    if value is None:
        return "an empty value (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _kind(value)


def _kind(value: object) -> str:
    """Name the kind of a JSON value the way a non-programmer would."""
    if value is None:
        return "an empty value (null)"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a value of type {type(value).__name__}"


def _loc(error: Mapping[str, Any]) -> tuple[int | str, ...]:
    """The error's location relative to one record.

    A location in a request body given by a web framework (``("body", 0, "status")``) is cut to
    start at the record's field, so the same wording is used wherever a record is checked.
    """
    loc = tuple(error.get("loc", ()))
    if loc and loc[0] == "body":
        loc = loc[1:]
        while loc and isinstance(loc[0], int):
            loc = loc[1:]
    return loc


def _ctx(error: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx = error.get("ctx")
    return ctx if isinstance(ctx, Mapping) else {}


def _annotation_at(loc: tuple[int | str, ...]) -> object | None:
    """Find the type annotation of the value at ``loc`` in :class:`AlgorithmRecord`, if any."""
    annotation: object = AlgorithmRecord
    for part in loc:
        if isinstance(part, int):
            annotation = _item_type(annotation)
        else:
            model = _model_in(annotation)
            if model is None or part not in model.model_fields:
                return None
            annotation = model.model_fields[part].annotation
        if annotation is None:
            return None
    return annotation


def _type_args(annotation: object) -> tuple[object, ...]:
    """The members of a union, or the annotation itself; ``Annotated`` metadata removed."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_args(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return tuple(member for arg in typing.get_args(annotation) for member in _type_args(arg))
    return (annotation,)


def _item_type(annotation: object) -> object | None:
    for member in _type_args(annotation):
        if typing.get_origin(member) in (list, tuple):
            args = typing.get_args(member)
            return args[0] if args else None
    return None


def _model_in(annotation: object) -> type[BaseModel] | None:
    for member in _type_args(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return None


def _allowed_values(annotation: object) -> list[str]:
    values: list[str] = []
    for member in _type_args(annotation):
        if isinstance(member, type) and issubclass(member, Enum):
            values.extend(str(item.value) for item in member)
        elif typing.get_origin(member) is typing.Literal:
            values.extend(str(arg.value if isinstance(arg, Enum) else arg) for arg in typing.get_args(member))
        else:
            item = _item_type(member)
            if item is not None:
                values.extend(_allowed_values(item))
    return list(dict.fromkeys(values))


def _keys_of(model: type[BaseModel]) -> str:
    return ", ".join(model.model_fields)


def _entry_hint(loc: tuple[int | str, ...]) -> str:
    """Describe the shape expected at ``loc`` when it is an object or a list of objects."""
    annotation = _annotation_at(loc)
    model = _model_in(annotation)
    if model is not None:
        return f"an object with the keys {_keys_of(model)}"
    item_model = _model_in(_item_type(annotation))
    if item_model is not None:
        return f"a list of objects, each with the keys {_keys_of(item_model)}"
    return ""


def _describe_missing(error: Mapping[str, Any]) -> str:
    loc = _loc(error)
    if len(loc) > 1:
        return "This key is required in each entry but is missing; give a value for it."
    return "This field is required by standard 1.0 but is missing; give a value for it."


def _describe_extra(error: Mapping[str, Any]) -> str:
    loc = _loc(error)
    name = str(loc[-1]) if loc else ""
    if len(loc) <= 1:
        message = f"'{name}' is not a field of publication standard 1.0; remove it or correct its name."
        close = difflib.get_close_matches(name, FIELD_NAMES, n=1)
        if close:
            message += f" Did you mean '{close[0]}'?"
        return message
    model = _model_in(_annotation_at(loc[:-1]))
    allowed = f" Allowed keys: {_keys_of(model)}." if model is not None else ""
    return f"'{name}' is not part of this entry in publication standard 1.0; remove it.{allowed}"


def _describe_choice(error: Mapping[str, Any]) -> str:
    # the values the validator itself reported come first; the model is asked when they are absent
    allowed = _QUOTED.findall(str(_ctx(error).get("expected", "")))
    if not allowed:
        allowed = _allowed_values(_annotation_at(_loc(error)))
    listed = ", ".join(f"'{value}'" for value in allowed)
    given = _show(error.get("input"))
    if len(allowed) == 1:
        return f"{given} is not allowed here; the only allowed value is {listed}."
    return f"{given} is not one of the allowed values; use one of: {listed}."


def _describe_string_type(error: Mapping[str, Any]) -> str:
    given = error.get("input")
    if given is None:
        return "This field may not be empty (null); give a text value."
    return f"This value must be text, but {_kind(given)} was given ({_show(given)})."


def _describe_too_short(error: Mapping[str, Any]) -> str:
    minimum = _ctx(error).get("min_length", 1)
    if minimum == 1:
        return "This value may not be empty; give at least 1 character."
    return f"This value is too short; give at least {minimum} characters."


def _describe_too_long(error: Mapping[str, Any]) -> str:
    maximum = _ctx(error).get("max_length")
    given = error.get("input")
    length = f" is {len(given)} characters long;" if isinstance(given, str) else " is too long;"
    return f"This value{length} at most {maximum} characters are allowed."


def _describe_list_type(error: Mapping[str, Any]) -> str:
    loc = _loc(error)
    hint = _entry_hint(loc)
    allowed = _allowed_values(_annotation_at(loc))
    if not hint and allowed:
        hint = "a list of values from: " + ", ".join(f"'{value}'" for value in allowed)
    expected = hint or "a list"
    return f"This value must be {expected}, but {_kind(error.get('input'))} was given."


def _describe_object_type(error: Mapping[str, Any]) -> str:
    loc = _loc(error)
    given = _kind(error.get("input"))
    if not loc:
        return (
            "A record must be an object whose keys are the field names of standard 1.0, "
            f"but {given} was given."
        )
    hint = _entry_hint(loc) or "an object"
    return f"This value must be {hint}, but {given} was given."


def _describe_value_error(error: Mapping[str, Any]) -> str:
    cause = _ctx(error).get("error")
    message = str(cause) if cause is not None else str(error.get("msg", "")).removeprefix("Value error, ")
    message = message.strip().rstrip(".")
    if _loc(error) and message[:1].islower():
        return f"This value {message}."
    first_word = message.split(" ", 1)[0]
    if first_word in FIELD_NAMES:
        return message + "."
    return message[:1].upper() + message[1:] + "."


def _describe_other(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "This value is not valid")).strip().rstrip(".")
    message = message.replace("Input should be", "This value must be").replace("Input", "This value")
    return f"{message}; {_show(error.get('input'))} was given."


_DESCRIBERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": _describe_missing,
    "extra_forbidden": _describe_extra,
    "enum": _describe_choice,
    "literal_error": _describe_choice,
    "string_type": _describe_string_type,
    "string_too_short": _describe_too_short,
    "string_too_long": _describe_too_long,
    "list_type": _describe_list_type,
    "model_type": _describe_object_type,
    "model_attributes_type": _describe_object_type,
    "dict_type": _describe_object_type,
    "value_error": _describe_value_error,
    "assertion_error": _describe_value_error,
}
