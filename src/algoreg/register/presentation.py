"""Turning a stored record into sections of labelled values that people can read.

Pure functions: no database, no web. They promise that every one of the 31 fields of standard 1.0
appears exactly once in :func:`record_sections`, in a fixed grouping, with its title in the
requested language, and that enum values are shown with their display label in that language
(the value itself in Dutch). Rich text is passed on as stored: it was sanitised when stored.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from babel.dates import format_date

from algoreg.register.diff import ChangeKind, FieldChange, Segment
from algoreg.standard.enums import Category, Lang, PublicationCategory, Status
from algoreg.standard.metadata import Language, enum_labels, field_metadata
from algoreg.standard.v1_0 import FIELD_NAMES, FIELDS_BY_NAME, FieldKind


class ValueKind(StrEnum):
    """How a display value is written in a page; the shape of ``DisplayField.value`` follows it.

    ``empty``: ``None``. ``text``: a plain string. ``rich_text``: sanitised HTML (a string).
    ``url``: an absolute http(s) address. ``email``: an e-mail address. ``labels``: a list of
    strings (categories). ``links``: a list of :class:`DisplayLink`.
    """

    EMPTY = "empty"
    TEXT = "text"
    RICH_TEXT = "rich_text"
    URL = "url"
    EMAIL = "email"
    LABELS = "labels"
    LINKS = "links"


@dataclass(frozen=True)
class DisplayLink:
    """An item of a grouping: a title and, when given, an absolute http(s) link."""

    title: str
    url: str | None


@dataclass(frozen=True)
class DisplayField:
    """One field ready for display.

    ``value_lang`` is the language of the value's text when it comes from the record (Dutch),
    or ``None`` when the value is a label in the reader's language.
    """

    name: str
    title: str
    kind: ValueKind
    value: Any
    value_lang: str | None


@dataclass(frozen=True)
class DisplaySection:
    """A group of fields under one heading; ``key`` is stable and usable in element ids."""

    key: str
    title: str
    fields: list[DisplayField]


#: The sections of a record page and their fields; together they hold every field exactly once.
SECTION_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "description",
        (
            "name",
            "description_short",
            "organization",
            "category",
            "status",
            "publication_category",
            "begin_date",
            "end_date",
            "goal",
        ),
    ),
    (
        "accountability",
        (
            "proportionality",
            "human_intervention",
            "risks",
            "lawful_basis",
            "lawful_basis_grouping",
            "process_index_url",
            "impacttoetsen",
            "impacttoetsen_grouping",
        ),
    ),
    (
        "data",
        ("source_data", "source_data_grouping", "methods_and_models", "provider", "publiccode"),
    ),
    (
        "contact",
        (
            "contact_email",
            "website",
            "url",
            "tags",
            "source_id",
            "lars",
            "publication_dt",
            "lang",
            "standard_version",
        ),
    ),
)

_SECTION_TITLES: dict[Language, dict[str, str]] = {
    "nl": {
        "description": "Beschrijving",
        "accountability": "Verantwoording",
        "data": "Gegevens en werking",
        "contact": "Contact en metadata",
    },
    "en": {
        "description": "Description",
        "accountability": "Accountability",
        "data": "Data and how it works",
        "contact": "Contact and metadata",
    },
}

_ENUMS: dict[str, type[StrEnum]] = {
    "category": Category,
    "status": Status,
    "publication_category": PublicationCategory,
    "lang": Lang,
}

#: The language of the record's own text (standard 1.0 records are Dutch).
RECORD_LANGUAGE = "nl"


def section_titles(lang: Language) -> dict[str, str]:
    """Return the heading of every section key in ``lang``."""
    return dict(_SECTION_TITLES[lang])


def format_month(value: str, lang: Language) -> str:
    """Return a ``YYYY-MM`` month as words ("maart 2024", "March 2024"); other text unchanged."""
    try:
        year, month = (int(part) for part in value.split("-", 1))
        return format_date(date(year, month, 1), "MMMM y", locale=lang)
    except ValueError:
        return value


def format_day(moment: datetime | date | str, lang: Language) -> str:
    """Return the day of a moment in words ("12 maart 2024"); unreadable text is returned as is."""
    if isinstance(moment, str):
        try:
            return format_date(datetime.fromisoformat(moment), "long", locale=lang)
        except ValueError:
            return moment
    return format_date(moment, "long", locale=lang)


def _links(value: Any) -> list[DisplayLink]:
    links: list[DisplayLink] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and item.get("title"):
            link = item.get("link")
            links.append(DisplayLink(str(item["title"]), str(link) if link else None))
    return links


def display_value(name: str, value: Any, lang: Language) -> tuple[ValueKind, Any, str | None]:
    """Return how ``value`` of field ``name`` is shown: its kind, display value and text language.

    Empty values (``None``, empty text, empty lists) are :attr:`ValueKind.EMPTY`.
    """
    if value is None or value == "" or value == []:
        return ValueKind.EMPTY, None, None
    kind = FIELDS_BY_NAME[name].kind
    if name in _ENUMS:
        labels = enum_labels(_ENUMS[name], lang)
        if kind is FieldKind.ENUM_LIST:
            items = value if isinstance(value, list) else [value]
            return ValueKind.LABELS, [labels.get(str(item), str(item)) for item in items], None
        return ValueKind.TEXT, labels.get(str(value), str(value)), None
    if kind is FieldKind.RICH_TEXT:
        return ValueKind.RICH_TEXT, str(value), RECORD_LANGUAGE
    if kind is FieldKind.URL:
        return ValueKind.URL, str(value), None
    if kind is FieldKind.EMAIL:
        return ValueKind.EMAIL, str(value), None
    if kind is FieldKind.MONTH:
        return ValueKind.TEXT, format_month(str(value), lang), None
    if kind is FieldKind.GROUPING:
        links = _links(value)
        return (ValueKind.LINKS, links, RECORD_LANGUAGE) if links else (ValueKind.EMPTY, None, None)
    if name == "publication_dt":
        return ValueKind.TEXT, format_day(str(value), lang), None
    if name in ("lars", "standard_version", "source_id"):
        return ValueKind.TEXT, str(value), None
    return ValueKind.TEXT, str(value), RECORD_LANGUAGE


def record_sections(record: dict[str, Any], lang: Language) -> list[DisplaySection]:
    """Return every field of ``record`` grouped in sections, titled in ``lang``.

    Every field of standard 1.0 appears once, filled or not (an unfilled one has kind ``empty``).
    """
    titles = field_metadata(lang)
    headings = _SECTION_TITLES[lang]
    sections: list[DisplaySection] = []
    for key, names in SECTION_FIELDS:
        fields = []
        for name in names:
            kind, value, value_lang = display_value(name, record.get(name), lang)
            fields.append(DisplayField(name, titles[name].title, kind, value, value_lang))
        sections.append(DisplaySection(key, headings[key], fields))
    return sections


@dataclass(frozen=True)
class DisplayChange:
    """A changed field ready for display.

    Text fields carry word-level ``segments``; other fields carry ``before`` and ``after`` as
    display fields (of kind ``empty`` when the field was not filled in on that side).
    """

    name: str
    title: str
    kind: ChangeKind
    segments: list[Segment]
    before: DisplayField
    after: DisplayField
    value_lang: str | None


_WORDED_KINDS = frozenset({FieldKind.TEXT, FieldKind.RICH_TEXT})


def change_rows(changes: Sequence[FieldChange | DisplayChange], lang: Language) -> list[DisplayChange]:
    """Return ``changes`` with field titles and display values in ``lang``, in the same order.

    Only free-text fields keep their word-level segments; enum values, dates, links and
    groupings are shown as whole values before and after, with labels in ``lang``. Rows that are
    already prepared are passed on unchanged.
    """
    titles = field_metadata(lang)
    rows: list[DisplayChange] = []
    for change in changes:
        if isinstance(change, DisplayChange):
            rows.append(change)
            continue
        title = titles[change.field].title if change.field in titles else change.field
        worded = FIELDS_BY_NAME[change.field].kind in _WORDED_KINDS and change.field not in _ENUMS
        sides = [
            DisplayField(change.field, title, *display_value(change.field, value, lang))
            for value in (change.before, change.after)
        ]
        rows.append(
            DisplayChange(
                name=change.field,
                title=title,
                kind=change.kind,
                segments=list(change.segments) if worded else [],
                before=sides[0],
                after=sides[1],
                value_lang=RECORD_LANGUAGE if worded else None,
            )
        )
    return rows


def covers_every_field() -> bool:
    """Tell whether the sections hold every field of the standard exactly once."""
    listed = [name for _, names in SECTION_FIELDS for name in names]
    return sorted(listed) == sorted(FIELD_NAMES)
