"""The publication standard itself through the API: field descriptions and the JSON Schema."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from algoreg.standard.enums import CURRENT_STANDARD_VERSION, Category, Lang, PublicationCategory, Status
from algoreg.standard.metadata import Language, enum_explanations, enum_labels, field_metadata
from algoreg.standard.richtext import ALLOWED_TAGS
from algoreg.standard.schema import json_schema
from algoreg.standard.v1_0 import FIELDS, FieldKind

router = APIRouter(prefix="/api/v1/standard", tags=["standard"])

_ENUM_OF_FIELD = {
    "category": Category,
    "status": Status,
    "publication_category": PublicationCategory,
    "lang": Lang,
}


class AllowedValue(BaseModel):
    """A value a choice field accepts, spelled as the standard spells it, with its label."""

    value: str
    label: str
    explanation: str | None = None


class FieldDescription(BaseModel):
    """What a field is, how to fill it, and the rules it must meet."""

    name: str
    kind: FieldKind
    required: bool
    max_length: int | None
    title: str | None
    help_text: str | None
    instructions: str | None
    example: Any
    allowed_values: list[AllowedValue] | None = None
    allowed_html_tags: list[str] | None = None


class StandardDescription(BaseModel):
    """The publication standard as this register implements it."""

    version: str
    language: Language
    fields: list[FieldDescription]


@router.get("")
def describe_standard(
    lang: Annotated[Language, Query(description="nl or en.")] = "nl",
) -> StandardDescription:
    """Every field of standard 1.0 with its title, help text, instructions, example and rules."""
    metadata = field_metadata(lang)
    fields: list[FieldDescription] = []
    for spec in FIELDS:
        meta = metadata.get(spec.name)
        enum_cls = _ENUM_OF_FIELD.get(spec.name)
        allowed = None
        if enum_cls is not None:
            labels, explanations = enum_labels(enum_cls, lang), enum_explanations(enum_cls, lang)
            allowed = [
                AllowedValue(value=v, label=labels[v], explanation=explanations.get(v)) for v in labels
            ]
        fields.append(
            FieldDescription(
                name=spec.name,
                kind=spec.kind,
                required=spec.required,
                max_length=spec.max_length,
                title=meta.title if meta else None,
                help_text=meta.help_text if meta else None,
                instructions=meta.instructions if meta else None,
                example=meta.example if meta else None,
                allowed_values=allowed,
                allowed_html_tags=sorted(ALLOWED_TAGS) if spec.kind is FieldKind.RICH_TEXT else None,
            )
        )
    return StandardDescription(version=CURRENT_STANDARD_VERSION.value, language=lang, fields=fields)


@router.get("/schema")
def standard_schema() -> dict[str, Any]:
    """The JSON Schema of a record in standard 1.0."""
    return json_schema()
