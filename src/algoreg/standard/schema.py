"""The JSON Schema (draft 2020-12) of one publication standard 1.0 record.

The schema is generated from :class:`~algoreg.standard.v1_0.AlgorithmRecord` and then enriched
with what the standard says of each field: length limits, the month and web-address formats,
and a short description per kind of field. Plain-text limits become ``maxLength``. Rich-text
fields may hold a little HTML and their limit counts only the text without markup, which JSON
Schema cannot express; for them the limit is given in the custom key
``x-max-length-without-html`` and in the description, and is enforced by the model itself.

Some rules remain the model's alone: markup sanitising, whitespace trimming, and that the end
month does not precede the begin month.
"""

import copy
from functools import cache
from typing import Any

from algoreg.standard.richtext import ALLOWED_TAGS
from algoreg.standard.v1_0 import FIELDS, AlgorithmRecord, FieldKind, FieldSpec

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:algoreg:schema:algoritmeregister-publication-standard:1.0"

#: Patterns as the model checks them; optional fields also accept "" (read as absent).
_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
_URL_PATTERN = r'^[hH][tT][tT][pP][sS]?://[^\s<>"]+$'
_EMAIL_PATTERN = r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$"
_LINK_LIMIT = 500


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of a standard 1.0 record as a new dict (safe to change).

    A record the model accepts is accepted by the schema, except for values the model trims
    or cleans first; the schema refuses unknown fields, missing required fields, values outside
    the enumerations and plain text over its length limit.
    """
    return copy.deepcopy(_build())


@cache
def _build() -> dict[str, Any]:
    generated = AlgorithmRecord.model_json_schema(mode="validation")
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "Algorithm record, Algoritmeregister publication standard 1.0",
        "description": (
            "One algorithm description as delivered to the Dutch algorithm register under publication "
            "standard 1.0. Keys are the standard's field names; optional fields may be left out, be null, "
            "or be an empty string."
        ),
    }
    schema.update({key: value for key, value in generated.items() if key not in ("title", "description")})
    properties: dict[str, Any] = schema["properties"]
    for spec in FIELDS:
        if spec.name in properties:
            _enrich(properties[spec.name], spec)
    defs: dict[str, Any] = schema.get("$defs", {})
    for definition in defs.values():
        link = definition.get("properties", {}).get("link")
        if link is not None:
            required = "link" in definition.get("required", [])
            _limit_string(link, _LINK_LIMIT, _URL_PATTERN, optional=not required)
            link["description"] = "An absolute web address starting with https:// or http://."
    return schema


def _enrich(prop: dict[str, Any], spec: FieldSpec) -> None:
    """Add the standard's limits, formats and a description to one field's schema."""
    optional = not spec.required
    kind = spec.kind
    prop["x-field-kind"] = kind.value
    if kind is FieldKind.RICH_TEXT:
        tags = ", ".join(sorted(ALLOWED_TAGS))
        prop["x-max-length-without-html"] = spec.max_length
        prop["description"] = (
            f"Text that may use the HTML tags {tags}; at most {spec.max_length} characters of text, "
            "not counting the markup. Other markup is removed."
        )
    elif kind is FieldKind.MONTH:
        _limit_string(prop, spec.max_length, _MONTH_PATTERN, optional)
        prop["description"] = "A month written as YYYY-MM, such as 2023-01."
    elif kind is FieldKind.URL:
        _limit_string(prop, spec.max_length, _URL_PATTERN, optional)
        prop["description"] = "An absolute web address starting with https:// or http://."
    elif kind is FieldKind.EMAIL:
        _limit_string(prop, spec.max_length, _EMAIL_PATTERN, optional)
        prop["description"] = "An e-mail address for questions about this algorithm."
    elif kind is FieldKind.TEXT:
        _limit_string(prop, spec.max_length, None, optional)
        if spec.max_length is not None:
            prop["description"] = f"Plain text of at most {spec.max_length} characters."
    elif kind is FieldKind.ENUM_LIST:
        prop["description"] = "A list of policy areas, each one of the standard's values."
    elif kind is FieldKind.GROUPING:
        prop["description"] = "A list of entries, each an object with a title and a link."
    elif kind is FieldKind.SYSTEM:
        prop["description"] = "Filled in by the register; leave it out when delivering."
    if spec.show_always:
        prop["x-show-always"] = True


def _limit_string(prop: dict[str, Any], limit: int | None, pattern: str | None, optional: bool) -> None:
    """Put a length limit and a pattern on the string branch of ``prop``.

    For an optional field the pattern also allows "", which the model reads as absent.
    """
    for branch in _string_branches(prop):
        if limit is not None:
            branch["maxLength"] = limit
        if pattern is not None:
            branch["pattern"] = f"^(?:{pattern[1:-1]})?$" if optional else pattern


def _string_branches(prop: dict[str, Any]) -> list[dict[str, Any]]:
    if prop.get("type") == "string":
        return [prop]
    return [branch for branch in prop.get("anyOf", []) if branch.get("type") == "string"]
