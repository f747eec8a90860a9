"""Publication standard 1.0 as a typed model: the 31 fields of the delivery API's ``AlgorithmIn``.

Field names, required fields, enum values and length limits follow the official specification.
Validation promises:

* unknown fields are refused;
* optional text fields given as an empty string are stored as ``None``;
* rich-text fields are sanitised to the standard's HTML subset, and their length limit counts
  the text without markup; plain-text limits count every character;
* links must be absolute ``http``/``https`` URLs (so no ``javascript:`` link can reach a page);
* dates are a month, written ``YYYY-MM``, and an end date does not precede the begin date.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from algoreg.standard.enums import Category, Lang, PublicationCategory, StandardVersion, Status
from algoreg.standard.richtext import sanitise, text_length


class FieldKind(StrEnum):
    """How a field's value is written and checked."""

    TEXT = "text"
    RICH_TEXT = "rich_text"
    URL = "url"
    EMAIL = "email"
    MONTH = "month"
    ENUM = "enum"
    ENUM_LIST = "enum_list"
    GROUPING = "grouping"
    SYSTEM = "system"


@dataclass(frozen=True)
class FieldSpec:
    """What the standard says of one field: its kind, whether it is required, its length limit."""

    name: str
    kind: FieldKind
    required: bool = False
    max_length: int | None = None
    show_always: bool = False


#: The 31 fields of standard 1.0, in the order of the specification.
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", FieldKind.TEXT, True, 100, True),
    FieldSpec("description_short", FieldKind.TEXT, True, 400, True),
    FieldSpec("organization", FieldKind.TEXT, True, 100, True),
    FieldSpec("category", FieldKind.ENUM_LIST, False, None, True),
    FieldSpec("status", FieldKind.ENUM, True, None, True),
    FieldSpec("begin_date", FieldKind.MONTH, False, 7, True),
    FieldSpec("end_date", FieldKind.MONTH, False, 7),
    FieldSpec("contact_email", FieldKind.EMAIL, True, 500, True),
    FieldSpec("website", FieldKind.URL, False, 500),
    FieldSpec("publication_category", FieldKind.ENUM, True, None, True),
    FieldSpec("url", FieldKind.URL, False, 500),
    FieldSpec("goal", FieldKind.RICH_TEXT, False, 2500, True),
    FieldSpec("proportionality", FieldKind.RICH_TEXT, False, 2500, True),
    FieldSpec("human_intervention", FieldKind.RICH_TEXT, False, 2500, True),
    FieldSpec("risks", FieldKind.RICH_TEXT, False, 2500, True),
    FieldSpec("lawful_basis", FieldKind.RICH_TEXT, False, 2500),
    FieldSpec("lawful_basis_grouping", FieldKind.GROUPING),
    FieldSpec("process_index_url", FieldKind.URL, False, 500),
    FieldSpec("impacttoetsen_grouping", FieldKind.GROUPING),
    FieldSpec("impacttoetsen", FieldKind.RICH_TEXT, False, 2500),
    FieldSpec("source_data", FieldKind.RICH_TEXT, False, 2500, True),
    FieldSpec("source_data_grouping", FieldKind.GROUPING),
    FieldSpec("methods_and_models", FieldKind.RICH_TEXT, False, 5000),
    FieldSpec("provider", FieldKind.TEXT, False, 200),
    FieldSpec("publiccode", FieldKind.URL, False, 500),
    FieldSpec("lang", FieldKind.ENUM, True),
    FieldSpec("standard_version", FieldKind.ENUM),
    FieldSpec("source_id", FieldKind.TEXT, False, 100),
    FieldSpec("tags", FieldKind.RICH_TEXT, False, 2500),
    FieldSpec("lars", FieldKind.SYSTEM),
    FieldSpec("publication_dt", FieldKind.SYSTEM),
)

FIELDS_BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}
FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in FIELDS)
REQUIRED_FIELDS: tuple[str, ...] = tuple(spec.name for spec in FIELDS if spec.required)

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)

#: Grouping titles are limited to 100 (lawful basis) or 500 characters, links to 500.
_GROUPING_LIMITS = {"title": 500, "link": 500}


def check_length(field: str, value: str) -> str:
    """Refuse ``value`` when it is longer than the standard allows for ``field``."""
    spec = FIELDS_BY_NAME[field]
    if spec.max_length is None:
        return value
    length = text_length(value) if spec.kind is FieldKind.RICH_TEXT else len(value)
    if length > spec.max_length:
        unit = "characters of text (markup not counted)" if spec.kind is FieldKind.RICH_TEXT else "characters"
        raise ValueError(f"is {length} {unit} long; at most {spec.max_length} are allowed")
    return value


def check_url(value: str, limit: int = 500) -> str:
    """Refuse anything but an absolute http(s) URL of at most ``limit`` characters."""
    if len(value) > limit:
        raise ValueError(f"is {len(value)} characters long; at most {limit} are allowed")
    if not _URL.match(value):
        raise ValueError("must be an absolute web address starting with https:// or http://")
    return value


class LawfulBasis(BaseModel):
    """A reference to a legal basis: its title and a link to it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Annotated[str, Field(min_length=1, max_length=100)]
    link: str

    @field_validator("link")
    @classmethod
    def _link(cls, value: str) -> str:
        return check_url(value)


class ImpactAssessment(BaseModel):
    """An impact assessment carried out (such as an IAMA or DPIA), with an optional link."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Annotated[str, Field(min_length=1, max_length=500)]
    link: str | None = None

    @field_validator("link")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        return check_url(value) if value else None


class SourceData(BaseModel):
    """A data source the algorithm uses: its title and a link to a description."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Annotated[str, Field(min_length=1, max_length=500)]
    link: str

    @field_validator("link")
    @classmethod
    def _link(cls, value: str) -> str:
        return check_url(value)


class AlgorithmRecord(BaseModel):
    """One algorithm description in publication standard 1.0 (the delivery API's ``AlgorithmIn``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=False)

    name: Annotated[str, Field(min_length=1)]
    description_short: Annotated[str, Field(min_length=1)]
    organization: Annotated[str, Field(min_length=1)]
    category: list[Category] | None = None
    status: Status
    begin_date: str | None = None
    end_date: str | None = None
    contact_email: str
    website: str | None = None
    publication_category: PublicationCategory
    url: str | None = None
    goal: str | None = None
    proportionality: str | None = None
    human_intervention: str | None = None
    risks: str | None = None
    lawful_basis: str | None = None
    lawful_basis_grouping: list[LawfulBasis] | None = None
    process_index_url: str | None = None
    impacttoetsen_grouping: list[ImpactAssessment] | None = None
    impacttoetsen: str | None = None
    source_data: str | None = None
    source_data_grouping: list[SourceData] | None = None
    methods_and_models: str | None = None
    provider: str | None = None
    publiccode: str | None = None
    lang: Lang
    standard_version: Literal[StandardVersion.V1_0] | None = StandardVersion.V1_0
    source_id: str | None = None
    tags: str | None = None
    lars: str | None = None
    publication_dt: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty_strings_are_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {
                key: (
                    None if isinstance(value, str) and not value.strip() and not _is_required(key) else value
                )
                for key, value in data.items()
            }
        return data

    @field_validator("name", "description_short", "organization", "provider", "source_id")
    @classmethod
    def _plain_text(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else check_length(info.field_name, value)

    @field_validator(
        "goal",
        "proportionality",
        "human_intervention",
        "risks",
        "lawful_basis",
        "impacttoetsen",
        "source_data",
        "methods_and_models",
        "tags",
    )
    @classmethod
    def _rich_text(cls, value: str | None, info: Any) -> str | None:
        if value is None:
            return None
        return check_length(info.field_name, sanitise(value)) or None

    @field_validator("website", "url", "process_index_url", "publiccode")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str) -> str:
        check_length("contact_email", value)
        if not _EMAIL.match(value):
            raise ValueError("must be an e-mail address such as algoritmes@organisatie.nl")
        return value

    @field_validator("begin_date", "end_date")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None and not _MONTH.match(value):
            raise ValueError("must be a month written as YYYY-MM, such as 2023-01")
        return value

    @field_validator("standard_version")
    @classmethod
    def _version_is_1_0(cls, value: StandardVersion | None) -> StandardVersion:
        # null says no more than an absent field: a record of this model is of version 1.0, and
        # exports (which leave out empty fields) read back the same
        return StandardVersion.V1_0 if value is None else value

    @field_validator("lawful_basis_grouping", "impacttoetsen_grouping", "source_data_grouping")
    @classmethod
    def _empty_grouping_is_absent(cls, value: list[Any] | None) -> list[Any] | None:
        # as with categories: an empty list says no more than an absent field (exports leave both out)
        return value or None

    @field_validator("category")
    @classmethod
    def _distinct_categories(cls, value: list[Category] | None) -> list[Category] | None:
        if value is None:
            return None
        return list(dict.fromkeys(value)) or None

    @model_validator(mode="after")
    def _dates_in_order(self) -> "AlgorithmRecord":
        if self.begin_date and self.end_date and self.end_date < self.begin_date:
            raise ValueError(
                "end_date lies before begin_date; the end month must be on or after the begin month"
            )
        return self

    def to_json(self) -> dict[str, Any]:
        """Return the record as JSON-ready data with every field of the standard, in its order."""
        return self.model_dump(mode="json")


def _is_required(name: str) -> bool:
    spec = FIELDS_BY_NAME.get(name)
    return spec is not None and spec.required
