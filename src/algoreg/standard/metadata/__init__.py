"""Help texts of publication standard 1.0, per field and per enum value, in Dutch and in English.

The texts are data: ``nl.yaml`` and ``en.yaml`` beside this module, shipped inside the package.
They are written by the Algoreg authors (not copied from the official specification) and give,
per field of :data:`algoreg.standard.v1_0.FIELDS` and per sub-field of its three groupings
(``"lawful_basis_grouping.title"`` and so on), a title, a one-sentence help text, instructions
and an example value. Enum values are never translated; only their display labels are.

Each file is read and checked once per process; a file that misses a field, a text or an enum
value raises :class:`MetadataError` naming what is missing.
"""

import copy
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, Literal, TypeAlias, get_args

import yaml

from algoreg.standard.enums import Category, Lang, PublicationCategory, Status
from algoreg.standard.v1_0 import FIELD_NAMES

__all__ = [
    "DESCRIBED_ENUMS",
    "GROUPING_SUB_FIELDS",
    "LANGUAGES",
    "METADATA_KEYS",
    "Example",
    "FieldMetadata",
    "Language",
    "MetadataError",
    "enum_explanations",
    "enum_labels",
    "field_metadata",
    "recommended_impact_assessments",
]

Language: TypeAlias = Literal["nl", "en"]
#: The languages in which help texts exist, the default first.
LANGUAGES: tuple[Language, ...] = get_args(Language)

#: An example value, typed as the field's value: text, a list of enum values, or grouping rows.
Example: TypeAlias = str | list[str] | list[dict[str, str]]

#: The sub-fields of each grouping, described under the key ``"<grouping>.<sub-field>"``.
GROUPING_SUB_FIELDS: dict[str, tuple[str, ...]] = {
    "lawful_basis_grouping": ("title", "link"),
    "impacttoetsen_grouping": ("title", "link"),
    "source_data_grouping": ("title", "link"),
}

#: Every key the metadata files describe: the 31 field names in the standard's order, then the
#: dotted grouping sub-fields.
METADATA_KEYS: tuple[str, ...] = FIELD_NAMES + tuple(
    f"{grouping}.{sub_field}"
    for grouping, sub_fields in GROUPING_SUB_FIELDS.items()
    for sub_field in sub_fields
)

#: The enums whose values have display labels (and explanations) in the metadata files.
DESCRIBED_ENUMS: tuple[type[StrEnum], ...] = (Category, Status, PublicationCategory, Lang)

_TEXT_ITEMS = ("title", "help_text", "instructions")


class MetadataError(ValueError):
    """A metadata file is missing, malformed or incomplete; the message says what and where."""


@dataclass(frozen=True)
class FieldMetadata:
    """What the UI and API show for one field (or grouping sub-field) in one language."""

    name: str
    title: str
    help_text: str
    instructions: str
    example: Example


@dataclass(frozen=True)
class _EnumText:
    label: str
    explanation: str | None


@dataclass(frozen=True)
class _Catalogue:
    fields: dict[str, FieldMetadata]
    enums: dict[str, dict[str, _EnumText]]
    recommended_impact_assessments: tuple[str, ...]


def field_metadata(lang: Language = "nl") -> dict[str, FieldMetadata]:
    """Return the help texts of every field and grouping sub-field in ``lang``.

    Keys are the names of :data:`METADATA_KEYS`, in that order: the 31 field names of standard 1.0
    followed by dotted sub-field names such as ``"source_data_grouping.link"``. Every item is a
    non-empty text. The dict and the examples are fresh copies; changing them changes nothing
    for later callers. Raises :class:`ValueError` for an unknown language and
    :class:`MetadataError` when the language's file is incomplete.
    """
    fields = _catalogue(_checked_language(lang)).fields
    return {name: replace(meta, example=copy.deepcopy(meta.example)) for name, meta in fields.items()}


def enum_labels(enum_cls: type[StrEnum], lang: Language = "nl") -> dict[str, str]:
    """Return the display label in ``lang`` of every value of ``enum_cls``, keyed by value.

    Values come in the enum's order and are spelled exactly as the standard spells them; in Dutch
    the label is the value itself. Raises :class:`MetadataError` for an enum that the metadata
    files do not describe (see :data:`DESCRIBED_ENUMS`).
    """
    texts = _enum_texts(enum_cls, _checked_language(lang))
    return {member.value: texts[member.value].label for member in enum_cls}


def enum_explanations(enum_cls: type[StrEnum], lang: Language = "nl") -> dict[str, str]:
    """Return the one-line explanation in ``lang`` of the values of ``enum_cls`` that have one.

    Keys are enum values in the enum's order; values without an explanation are left out. Every
    value of :class:`Status` and :class:`PublicationCategory` has one. Raises
    :class:`MetadataError` for an enum that the metadata files do not describe.
    """
    texts = _enum_texts(enum_cls, _checked_language(lang))
    return {
        member.value: explanation
        for member in enum_cls
        if (explanation := texts[member.value].explanation) is not None
    }


def recommended_impact_assessments() -> list[str]:
    """Return the names of well-known impact assessments, to suggest as titles of assessments done.

    The names are the instruments' own names (such as "Data Protection Impact Assessment (DPIA)")
    and are the same in every language. The list is a fresh copy, most common names first.
    """
    return list(_catalogue("nl").recommended_impact_assessments)


def _checked_language(lang: str) -> Language:
    for known in LANGUAGES:
        if lang == known:
            return known
    raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")


def _enum_texts(enum_cls: type[StrEnum], lang: Language) -> dict[str, _EnumText]:
    texts = _catalogue(lang).enums.get(enum_cls.__name__)
    if texts is None:
        described = ", ".join(cls.__name__ for cls in DESCRIBED_ENUMS)
        raise MetadataError(f"enum {enum_cls.__name__} has no labels; described enums are {described}")
    return texts


@cache
def _catalogue(lang: Language) -> _Catalogue:
    source = f"algoreg/standard/metadata/{lang}.yaml"
    try:
        text = resources.files(__name__).joinpath(f"{lang}.yaml").read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise MetadataError(f"{source} is missing from the package") from error
    return _parse_catalogue(text, source, with_recommended=lang == "nl")


def _parse_catalogue(text: str, source: str, *, with_recommended: bool) -> _Catalogue:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise MetadataError(f"{source} is not valid YAML: {error}") from error
    document = _mapping(data, source)
    fields = _parse_fields(_mapping(document.get("fields"), f"{source}: fields"), source)
    enums = _parse_enums(_mapping(document.get("enums"), f"{source}: enums"), source)
    recommended: tuple[str, ...] = ()
    if with_recommended:
        recommended = _parse_recommended(document.get("recommended_impact_assessments"), source)
    return _Catalogue(fields=fields, enums=enums, recommended_impact_assessments=recommended)


def _parse_fields(raw: dict[str, Any], source: str) -> dict[str, FieldMetadata]:
    missing = [key for key in METADATA_KEYS if key not in raw]
    if missing:
        raise MetadataError(f"{source} misses the field(s) {', '.join(missing)}")
    unknown = sorted(set(raw) - set(METADATA_KEYS))
    if unknown:
        raise MetadataError(f"{source} describes unknown field(s) {', '.join(unknown)}")
    fields: dict[str, FieldMetadata] = {}
    for key in METADATA_KEYS:
        where = f"{source}: fields.{key}"
        entry = _mapping(raw[key], where)
        texts = {item: _text(entry.get(item), f"{where}.{item}") for item in _TEXT_ITEMS}
        fields[key] = FieldMetadata(
            name=key,
            title=texts["title"],
            help_text=texts["help_text"],
            instructions=texts["instructions"],
            example=_example(entry.get("example"), f"{where}.example"),
        )
    return fields


def _parse_enums(raw: dict[str, Any], source: str) -> dict[str, dict[str, _EnumText]]:
    enums: dict[str, dict[str, _EnumText]] = {}
    for enum_cls in DESCRIBED_ENUMS:
        where = f"{source}: enums.{enum_cls.__name__}"
        values = _mapping(raw.get(enum_cls.__name__), where)
        missing = [member.value for member in enum_cls if member.value not in values]
        if missing:
            raise MetadataError(f"{where} misses the value(s) {', '.join(missing)}")
        unknown = sorted(set(values) - {member.value for member in enum_cls})
        if unknown:
            raise MetadataError(f"{where} describes unknown value(s) {', '.join(unknown)}")
        texts: dict[str, _EnumText] = {}
        for member in enum_cls:
            entry = _mapping(values[member.value], f"{where}.{member.value}")
            explanation = entry.get("explanation")
            texts[member.value] = _EnumText(
                label=_text(entry.get("label"), f"{where}.{member.value}.label"),
                explanation=None
                if explanation is None
                else _text(explanation, f"{where}.{member.value}.explanation"),
            )
        enums[enum_cls.__name__] = texts
    return enums


def _parse_recommended(raw: Any, source: str) -> tuple[str, ...]:
    where = f"{source}: recommended_impact_assessments"
    if not isinstance(raw, list) or not raw:
        raise MetadataError(f"{where} must be a non-empty list of names")
    return tuple(_text(name, f"{where}[{index}]") for index, name in enumerate(raw))


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise MetadataError(f"{where} must be a mapping with text keys")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MetadataError(f"{where} is missing or empty; it must be a non-empty text")
    return value.strip()


def _example(value: Any, where: str) -> Example:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, list) and value:
        if all(isinstance(item, str) and item.strip() for item in value):
            return [item.strip() for item in value]
        if all(_is_row(item) for item in value):
            return [{key: text.strip() for key, text in item.items()} for item in value]
    raise MetadataError(
        f"{where} is missing or empty; it must be a text, a list of texts or a list of rows of texts"
    )


def _is_row(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(
            isinstance(key, str) and isinstance(text, str) and text.strip() for key, text in value.items()
        )
    )
