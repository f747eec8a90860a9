"""Editing a record in an HTML form: the form's fields, reading a submission, placing problems.

Pure functions, generated from :data:`algoreg.standard.v1_0.FIELDS` by field kind; no field has
code of its own. They promise:

* :func:`form_sections` describes every field a person fills in (all fields except those the
  register fills itself), grouped like the public page, with titles and help in the language asked;
* :func:`read_submission` turns submitted form fields into a (not yet validated) record dict in
  the standard's field names: empty inputs are left out, grouping rows left wholly empty are
  dropped and counted, and rows are renumbered from 0 so that a problem such as
  ``lawful_basis_grouping.0.link`` names the row as the form shows it again;
* :func:`form_values` turns a record (stored or just read) back into the values the form shows;
* :func:`place_problems` says for every problem of a record which form control it belongs to.

Input names are the field names, and ``<grouping>.<row>.<sub-field>`` for grouping rows.
"""

import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from algoreg.register.presentation import SECTION_FIELDS, section_titles
from algoreg.standard.metadata import (
    DESCRIBED_ENUMS,
    GROUPING_SUB_FIELDS,
    Language,
    enum_labels,
    field_metadata,
)
from algoreg.standard.v1_0 import FIELDS, FIELDS_BY_NAME, AlgorithmRecord, FieldKind

#: Fields the register fills in itself; the form does not show them.
NOT_IN_FORM: frozenset[str] = frozenset(
    {spec.name for spec in FIELDS if spec.kind is FieldKind.SYSTEM} | {"standard_version"}
)
#: How many empty rows a grouping shows below its filled ones when a form is first opened.
EMPTY_ROWS = 2
#: The most rows of one grouping a form accepts; more are ignored.
MAX_ROWS = 100

_ROW_INPUT = re.compile(r"^(?P<grouping>[a-z_]+)\.(?P<row>\d{1,3})\.(?P<sub>[a-z_]+)$")

#: A submitted form: every input name with the values sent for it.
FormInput = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Choice:
    """One allowed value of an enum field and its label in the form's language."""

    value: str
    label: str


@dataclass(frozen=True)
class SubField:
    """One input of a grouping row (its title or link)."""

    name: str
    kind: FieldKind
    title: str
    help_text: str
    instructions: str
    required: bool


@dataclass(frozen=True)
class FormField:
    """One field of the form: what it holds, how it is labelled and explained, what it allows."""

    name: str
    kind: FieldKind
    title: str
    help_text: str
    instructions: str
    required: bool
    max_length: int | None
    choices: tuple[Choice, ...] = ()
    sub_fields: tuple[SubField, ...] = ()


@dataclass(frozen=True)
class FormSection:
    """A group of form fields under one heading."""

    key: str
    title: str
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class Submission:
    """A submitted form read as a record, and how many empty rows each grouping had."""

    record: dict[str, Any]
    empty_rows: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PlacedProblem:
    """A problem with the form control it belongs to.

    ``slot`` is the field name, or ``<grouping>.<row>.<sub-field>`` for a grouping input, or
    ``""`` when the problem concerns the record as a whole; ``control_id`` is the id of the
    control to focus (``""`` for the whole record).
    """

    slot: str
    control_id: str
    reason: str


def _enum_in(annotation: object) -> type[StrEnum] | None:
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return annotation
    for arg in typing.get_args(annotation):
        found = type(arg) if isinstance(arg, StrEnum) else _enum_in(arg)
        if found is not None:
            return found
    return None


def enum_of(name: str) -> type[StrEnum] | None:
    """Return the enum whose values field ``name`` takes, or ``None`` for a field without one."""
    return _enum_in(AlgorithmRecord.model_fields[name].annotation)


def _row_model(name: str) -> type[BaseModel]:
    annotation = AlgorithmRecord.model_fields[name].annotation
    for member in typing.get_args(annotation):
        for item in typing.get_args(member):
            if isinstance(item, type) and issubclass(item, BaseModel):
                return item
    raise LookupError(f"{name} is not a grouping of objects")


def _choices(name: str, lang: Language) -> tuple[Choice, ...]:
    enum_cls = enum_of(name)
    if enum_cls is None:
        return ()
    labels = enum_labels(enum_cls, lang) if enum_cls in DESCRIBED_ENUMS else {}
    return tuple(Choice(member.value, labels.get(member.value, member.value)) for member in enum_cls)


def form_fields(lang: Language) -> list[FormField]:
    """Return every field of the form in the standard's order, described in ``lang``."""
    texts = field_metadata(lang)
    fields: list[FormField] = []
    for spec in FIELDS:
        if spec.name in NOT_IN_FORM:
            continue
        sub_fields: tuple[SubField, ...] = ()
        if spec.kind is FieldKind.GROUPING:
            model = _row_model(spec.name)
            sub_fields = tuple(
                SubField(
                    name=sub,
                    kind=FieldKind.URL if sub == "link" else FieldKind.TEXT,
                    title=texts[f"{spec.name}.{sub}"].title,
                    help_text=texts[f"{spec.name}.{sub}"].help_text,
                    instructions=texts[f"{spec.name}.{sub}"].instructions,
                    required=model.model_fields[sub].is_required(),
                )
                for sub in GROUPING_SUB_FIELDS[spec.name]
            )
        meta = texts[spec.name]
        fields.append(
            FormField(
                name=spec.name,
                kind=spec.kind,
                title=meta.title,
                help_text=meta.help_text,
                instructions=meta.instructions,
                required=spec.required,
                max_length=spec.max_length,
                choices=_choices(spec.name, lang),
                sub_fields=sub_fields,
            )
        )
    return fields


def form_sections(lang: Language) -> list[FormSection]:
    """Return the form's fields grouped in the sections of the public page, titled in ``lang``.

    Every field of :func:`form_fields` appears exactly once.
    """
    by_name = {form_field.name: form_field for form_field in form_fields(lang)}
    titles = section_titles(lang)
    sections: list[FormSection] = []
    for key, names in SECTION_FIELDS:
        fields = tuple(by_name[name] for name in names if name in by_name)
        if fields:
            sections.append(FormSection(key, titles[key], fields))
    return sections


def _text(values: Sequence[str] | None) -> str:
    if not values:
        return ""
    return str(values[0]).replace("\r\n", "\n").strip()


def read_submission(form: FormInput) -> Submission:
    """Read a submitted form as a record dict (not validated) and count empty grouping rows."""
    record: dict[str, Any] = {}
    rows: dict[str, dict[int, dict[str, str]]] = {}
    for name, values in form.items():
        match = _ROW_INPUT.match(name)
        if (
            match
            and match["grouping"] in GROUPING_SUB_FIELDS
            and match["sub"] in GROUPING_SUB_FIELDS[match["grouping"]]
        ):
            index = int(match["row"])
            if index < MAX_ROWS:
                rows.setdefault(match["grouping"], {}).setdefault(index, {})[match["sub"]] = _text(values)
    empty_rows: dict[str, int] = {}
    for spec in FIELDS:
        if spec.name in NOT_IN_FORM:
            continue
        if spec.kind is FieldKind.ENUM_LIST:
            chosen = [str(value).strip() for value in form.get(spec.name, ()) if str(value).strip()]
            if chosen:
                record[spec.name] = list(dict.fromkeys(chosen))
        elif spec.kind is FieldKind.GROUPING:
            given = [rows.get(spec.name, {})[index] for index in sorted(rows.get(spec.name, {}))]
            filled = [{sub: value for sub, value in row.items() if value} for row in given]
            kept = [row for row in filled if row]
            empty_rows[spec.name] = len(given) - len(kept)
            if kept:
                record[spec.name] = kept
        else:
            value = _text(form.get(spec.name))
            if value:
                record[spec.name] = value
    return Submission(record, empty_rows)


def form_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """Return what the form shows for ``record``: text per field, lists of chosen values, rows.

    Scalar fields become text (``""`` when empty); enum lists become lists of values; groupings
    become lists of ``{sub-field: text}`` rows. Fields the form does not show are left out.
    """
    values: dict[str, Any] = {}
    for spec in FIELDS:
        if spec.name in NOT_IN_FORM:
            continue
        value = record.get(spec.name)
        if spec.kind is FieldKind.ENUM_LIST:
            items = value if isinstance(value, list) else [] if value is None else [value]
            values[spec.name] = [str(item) for item in items]
        elif spec.kind is FieldKind.GROUPING:
            rows = value if isinstance(value, list) else []
            values[spec.name] = [
                {
                    sub: "" if row.get(sub) is None else str(row.get(sub))
                    for sub in GROUPING_SUB_FIELDS[spec.name]
                }
                for row in rows
                if isinstance(row, Mapping)
            ]
        else:
            values[spec.name] = "" if value is None else str(value)
    return values


def control_id(slot: str) -> str:
    """Return the id of the form control for ``slot`` (see :class:`PlacedProblem`).

    A field shown as a group of choices (radio buttons, checkboxes) or as rows is reached through
    its first control.
    """
    if not slot:
        return ""
    parts = slot.split(".")
    spec = FIELDS_BY_NAME.get(parts[0])
    if spec is not None and len(parts) == 1:
        if spec.kind in (FieldKind.ENUM, FieldKind.ENUM_LIST):
            return f"field-{spec.name}-0"
        if spec.kind is FieldKind.GROUPING:
            return f"field-{spec.name}-0-{GROUPING_SUB_FIELDS[spec.name][0]}"
    return "field-" + "-".join(parts)


def _slot(path: str, reason: str) -> str:
    if not path:
        first_word = reason.split(" ", 1)[0].strip(".,;:'")
        spec = FIELDS_BY_NAME.get(first_word)
        return first_word if spec is not None and first_word not in NOT_IN_FORM else ""
    parts = path.split(".")
    spec = FIELDS_BY_NAME.get(parts[0])
    if spec is None or spec.name in NOT_IN_FORM:
        return ""
    if spec.kind is FieldKind.GROUPING and len(parts) > 1 and parts[1].isdigit():
        subs = GROUPING_SUB_FIELDS[spec.name]
        sub = parts[2] if len(parts) > 2 and parts[2] in subs else subs[0]
        return f"{spec.name}.{int(parts[1])}.{sub}"
    return spec.name


def place_problems(problems: Sequence[tuple[str, str]]) -> list[PlacedProblem]:
    """Return each ``(field path, reason)`` problem with the form control it belongs to, in order."""
    placed: list[PlacedProblem] = []
    for path, reason in problems:
        slot = _slot(path, reason)
        placed.append(PlacedProblem(slot, control_id(slot), reason))
    return placed
