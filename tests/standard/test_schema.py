"""The JSON Schema of a standard 1.0 record."""

import json
from pathlib import Path
from typing import Any

import pytest

from algoreg.standard.schema import SCHEMA_DIALECT, json_schema

jsonschema = pytest.importorskip("jsonschema", reason="the jsonschema package is a development dependency")

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
OPENAPI = REFERENCE / "algoritmeregister" / "aanlever-api-v1_0.openapi.json"

SAMPLE: dict[str, Any] = {
    "name": "Tegemoetkoming berekenen voor café-eigenaren",
    "description_short": "Berekent de tegemoetkoming in euro's (€) voor ondernemers in Oïsterwijk-Noord.",
    "organization": "Gemeente Noorderhaaks",
    "category": ["Economie", "Overheidsfinanciën"],
    "status": "In gebruik",
    "begin_date": "2023-01",
    "end_date": "",
    "contact_email": "algoritmes@noorderhaaks.example.nl",
    "publication_category": "Impactvolle algoritmes",
    "goal": "<p>Snellere afhandeling.</p>",
    "lawful_basis_grouping": [
        {"title": "Wet op de tegemoetkoming", "link": "https://wetten.example.nl/BWBR1"}
    ],
    "impacttoetsen_grouping": [{"title": "DPIA", "link": None}],
    "lang": "nld",
    "standard_version": "1.0",
    "website": None,
}


def reference_example() -> dict[str, Any]:
    """The example values of ``AlgorithmIn`` in the official delivery API description."""
    if not OPENAPI.exists():
        pytest.skip(f"reference specification not found at {OPENAPI}")
    properties = json.loads(OPENAPI.read_text(encoding="utf-8"))["components"]["schemas"]["AlgorithmIn"]
    return {name: spec["example"] for name, spec in properties["properties"].items() if "example" in spec}


def errors_of(record: object) -> list[str]:
    """All error messages, including those of the branches of ``anyOf``."""
    validator = jsonschema.Draft202012Validator(json_schema())
    messages: list[str] = []
    pending = list(validator.iter_errors(record))
    while pending:
        error = pending.pop(0)
        messages.append(error.message)
        pending.extend(error.context or [])
    return messages


def test_schema_is_a_valid_draft_2020_12_schema_with_identity() -> None:
    # given
    schema = json_schema()

    # when
    jsonschema.Draft202012Validator.check_schema(schema)

    # then
    assert schema["$schema"] == SCHEMA_DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]
    assert "1.0" in schema["title"]
    assert schema["description"]
    assert schema["additionalProperties"] is False


def test_schema_accepts_a_valid_record() -> None:
    # given
    record = SAMPLE

    # when
    errors = errors_of(record)

    # then
    assert errors == []


def test_schema_accepts_the_reference_example() -> None:
    # given
    record = reference_example()

    # when
    errors = errors_of(record)

    # then
    assert errors == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({"status": "Actief"}, "'Actief' is not one of", id="enum"),
        pytest.param({"category": ["Sport"]}, "'Sport' is not one of", id="enum-list"),
        pytest.param({"kleur": "rood"}, "'kleur' was unexpected", id="unknown-field"),
        pytest.param({"name": "n" * 101}, "is too long", id="too-long"),
        pytest.param({"begin_date": "2023-13"}, "2023-13", id="month"),
        pytest.param({"website": "javascript:alert(1)"}, "javascript", id="url"),
        pytest.param({"standard_version": "0.4"}, "'1.0' was expected", id="version"),
        pytest.param(
            {"lawful_basis_grouping": [{"title": "Wet"}]}, "'link' is a required property", id="grouping"
        ),
    ],
)
def test_schema_refuses_an_invalid_record(change: dict[str, Any], expected: str) -> None:
    # given
    record = {**SAMPLE, **change}

    # when
    errors = errors_of(record)

    # then
    assert any(expected in error for error in errors), errors


def test_schema_refuses_a_record_without_required_fields() -> None:
    # given
    record = {key: value for key, value in SAMPLE.items() if key != "organization"}

    # when
    errors = errors_of(record)

    # then
    assert errors == ["'organization' is a required property"]


def test_plain_text_limits_are_max_length() -> None:
    # given
    properties = json_schema()["properties"]

    # when
    name_limit = properties["name"]["maxLength"]
    website_limits = [branch.get("maxLength") for branch in properties["website"]["anyOf"]]

    # then
    assert name_limit == 100
    assert properties["description_short"]["maxLength"] == 400
    assert website_limits == [500, None]


def test_rich_text_limits_count_text_without_markup() -> None:
    # given
    properties = json_schema()["properties"]

    # when
    goal = properties["goal"]

    # then
    assert goal["x-max-length-without-html"] == 2500
    assert properties["methods_and_models"]["x-max-length-without-html"] == 5000
    assert "maxLength" not in json.dumps(goal)
    assert "not counting the markup" in goal["description"]


def test_rich_text_with_markup_longer_than_the_limit_is_accepted() -> None:
    # given: 2500 characters of text, more with its markup
    record = {**SAMPLE, "goal": "<p>" + "a" * 2500 + "</p>"}

    # when
    errors = errors_of(record)

    # then
    assert errors == []


def test_each_call_returns_a_fresh_schema() -> None:
    # given
    first = json_schema()
    first["properties"].clear()

    # when
    second = json_schema()

    # then
    assert "name" in second["properties"]
