"""Validation of standard 1.0 records: every problem found, each with a reason a person can act on."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from algoreg.standard.validation import Problem, describe_error, problems_of, validate_records

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
OPENAPI = REFERENCE / "algoritmeregister" / "aanlever-api-v1_0.openapi.json"

SAMPLE: dict[str, Any] = {
    "name": "Tegemoetkoming berekenen voor café-eigenaren",
    "description_short": "Berekent de tegemoetkoming in euro's (€) voor ondernemers in Oïsterwijk-Noord.",
    "organization": "Gemeente Noorderhaaks",
    "category": ["Economie", "Overheidsfinanciën"],
    "status": "In gebruik",
    "begin_date": "2023-01",
    "contact_email": "algoritmes@noorderhaaks.example.nl",
    "publication_category": "Impactvolle algoritmes",
    "goal": "<p>Snellere afhandeling, zonder coördinatie per loket.</p>",
    "lawful_basis_grouping": [
        {"title": "Wet op de tegemoetkoming", "link": "https://wetten.example.nl/BWBR1"}
    ],
    "impacttoetsen_grouping": [{"title": "DPIA", "link": None}],
    "source_data_grouping": [{"title": "Handelsregister", "link": "https://data.example.nl/kvk"}],
    "lang": "nld",
    "standard_version": "1.0",
    "source_id": "NH-042",
}

STATUSES = ("'In ontwikkeling'", "'In gebruik'", "'Buiten gebruik'")


def reference_example() -> dict[str, Any]:
    """The example values of ``AlgorithmIn`` in the official delivery API description."""
    if not OPENAPI.exists():
        pytest.skip(f"reference specification not found at {OPENAPI}")
    properties = json.loads(OPENAPI.read_text(encoding="utf-8"))["components"]["schemas"]["AlgorithmIn"]
    return {name: spec["example"] for name, spec in properties["properties"].items() if "example" in spec}


def changed(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(SAMPLE)
    record.update(changes)
    return record


def without(*names: str) -> dict[str, Any]:
    record = copy.deepcopy(SAMPLE)
    for name in names:
        del record[name]
    return record


def test_sample_record_has_no_problems() -> None:
    # given
    record = SAMPLE

    # when
    problems = problems_of(record)

    # then
    assert problems == []


def test_reference_example_has_no_problems() -> None:
    # given
    record = reference_example()

    # when
    report = validate_records([record])

    # then
    assert report.problems == []
    assert report.is_valid
    assert [valid.name for valid in report.records] == [record["name"]]


@pytest.mark.parametrize(
    ("record", "field", "expected"),
    [
        pytest.param(changed(status="Actief"), "status", ["'Actief'", *STATUSES], id="status-enum"),
        pytest.param(
            changed(category=["Verkeer", "Sport"]),
            "category.1",
            ["'Sport'", "'Overheidsfinanciën'", "'Zorg en gezondheid'", "'Organisatie en bedrijfsvoering'"],
            id="category-enum",
        ),
        pytest.param(
            changed(publication_category="Hoog risico"),
            "publication_category",
            ["'Hoog risico'", "'Hoog-risico AI-systeem'", "'Impactvolle algoritmes'", "'Overige algoritmes'"],
            id="publication-category-enum",
        ),
        pytest.param(changed(lang="nl"), "lang", ["'nl'", "only allowed value is 'nld'"], id="lang-enum"),
        pytest.param(changed(standard_version="0.4"), "standard_version", ["'0.4'", "'1.0'"], id="version"),
        pytest.param(
            changed(naam="x"), "naam", ["'naam'", "not a field of publication standard 1.0"], id="unknown"
        ),
        pytest.param(
            changed(descripton_short="x"),
            "descripton_short",
            ["not a field of publication standard 1.0", "Did you mean 'description_short'?"],
            id="unknown-typo",
        ),
        pytest.param(without("organization"), "organization", ["required", "missing"], id="missing"),
        pytest.param(changed(name=""), "name", ["may not be empty"], id="empty-required"),
        pytest.param(changed(contact_email=None), "contact_email", ["may not be empty"], id="null-required"),
        pytest.param(changed(name="n" * 101), "name", ["101 characters", "at most 100"], id="too-long"),
        pytest.param(
            changed(goal="<p>" + "a" * 2501 + "</p>"),
            "goal",
            ["2501 characters of text", "markup not counted", "at most 2500"],
            id="rich-text-too-long",
        ),
        pytest.param(changed(begin_date="01-2023"), "begin_date", ["YYYY-MM", "2023-01"], id="month"),
        pytest.param(changed(contact_email="geen adres"), "contact_email", ["e-mail address"], id="email"),
        pytest.param(changed(website="javascript:alert(1)"), "website", ["https://"], id="url"),
        pytest.param(changed(provider=12), "provider", ["must be text", "a number"], id="not-text"),
        pytest.param(
            changed(category="Verkeer"),
            "category",
            ["must be a list", "'Verkeer'", "text was given"],
            id="no-list",
        ),
        pytest.param(
            changed(lawful_basis_grouping=[{"title": "Wet", "link": "ftp://wetten.example.nl"}]),
            "lawful_basis_grouping.0.link",
            ["https://"],
            id="grouping-link",
        ),
        pytest.param(
            changed(lawful_basis_grouping=[{"title": "Wet"}]),
            "lawful_basis_grouping.0.link",
            ["required", "missing"],
            id="grouping-missing-key",
        ),
        pytest.param(
            changed(source_data_grouping=[{"title": "KvK", "link": "https://kvk.example.nl", "note": "x"}]),
            "source_data_grouping.0.note",
            ["'note'", "not part of", "Allowed keys: title, link"],
            id="grouping-unknown-key",
        ),
        pytest.param(
            changed(source_data_grouping="Handelsregister"),
            "source_data_grouping",
            ["a list of objects, each with the keys title, link", "text was given"],
            id="grouping-not-list",
        ),
        pytest.param(
            changed(impacttoetsen_grouping=["DPIA"]),
            "impacttoetsen_grouping.0",
            ["an object with the keys title, link", "text was given"],
            id="grouping-entry-not-object",
        ),
        pytest.param(
            changed(begin_date="2024-05", end_date="2023-01"),
            "",
            ["end_date", "begin_date"],
            id="dates-order",
        ),
    ],
)
def test_bad_input_gets_a_reason_naming_field_and_what_is_allowed(
    record: dict[str, Any], field: str, expected: list[str]
) -> None:
    # given: a record with one mistake

    # when
    problems = problems_of(record, record=7)

    # then
    assert [problem.field for problem in problems] == [field]
    problem = problems[0]
    assert problem.record == 7
    assert problem.record_label == (record.get("name") or record["source_id"])
    for text in expected:
        assert text in problem.reason
    assert "Input should" not in problem.reason
    assert "pydantic" not in problem.reason


def test_every_problem_of_a_record_is_reported() -> None:
    # given
    record = changed(status="Actief", lang="en", website="www.example.nl", extra="x")
    del record["organization"]

    # when
    problems = problems_of(record)

    # then
    assert sorted(problem.field for problem in problems) == [
        "extra",
        "lang",
        "organization",
        "status",
        "website",
    ]


@pytest.mark.parametrize("data", ["a text", None, 12, ["a", "list"]])
def test_a_record_that_is_no_object_is_one_problem_of_the_whole_record(data: object) -> None:
    # given: data that is not an object

    # when
    problems = problems_of(data, record=3)

    # then
    assert problems == [Problem(record=3, record_label=None, field="", reason=problems[0].reason)]
    assert "must be an object" in problems[0].reason


def test_batch_reports_problems_of_every_record_with_position_and_label() -> None:
    # given
    unnamed = changed(status="Actief")
    del unnamed["name"]
    rows = [SAMPLE, changed(name="Tweede", lang="en", status="Actief"), unnamed, SAMPLE]

    # when
    report = validate_records(rows)

    # then
    assert report.total == 4
    assert len(report.records) == 2
    assert not report.is_valid
    assert report.invalid_records == 2
    found = [(problem.record, problem.record_label, problem.field) for problem in report.problems]
    assert found == [
        (2, "Tweede", "status"),
        (2, "Tweede", "lang"),
        (3, "NH-042", "name"),
        (3, "NH-042", "status"),
    ]


def test_empty_batch_is_valid() -> None:
    # given
    rows: list[dict[str, Any]] = []

    # when
    report = validate_records(rows)

    # then
    assert report.is_valid
    assert report.total == 0


def test_describe_error_rewords_any_pydantic_message() -> None:
    # given: an error type the mapping has no special wording for
    error = {"type": "int_parsing", "loc": ("x",), "msg": "Input should be a valid integer", "input": "abc"}

    # when
    reason = describe_error(error)

    # then
    assert reason == "This value must be a valid integer; 'abc' was given."


def test_long_given_values_are_shortened_in_reasons() -> None:
    # given
    record = changed(status="X" * 500)

    # when
    [problem] = problems_of(record)

    # then
    assert len(problem.reason) < 250
    assert "…" in problem.reason


def test_describe_error_understands_locations_given_by_a_web_framework() -> None:
    # given
    enum_error = {"type": "enum", "loc": ("body", "status"), "msg": "Input should be ...", "input": "Actief"}
    extra_error = {
        "type": "extra_forbidden",
        "loc": ("body", 0, "kleur"),
        "msg": "Extra inputs",
        "input": "rood",
    }

    # when
    enum_reason = describe_error(enum_error)
    extra_reason = describe_error(extra_error)

    # then
    assert all(status in enum_reason for status in STATUSES)
    assert extra_reason.startswith("'kleur' is not a field of publication standard 1.0")


def test_describe_error_lists_the_values_the_validator_expected_outside_records() -> None:
    # given: a query parameter that happens to share a name with a record field
    error = {
        "type": "enum",
        "loc": ("query", "lang"),
        "msg": "Input should be 'nl' or 'en'",
        "input": "de",
        "ctx": {"expected": "'nl' or 'en'"},
    }

    # when
    reason = describe_error(error)

    # then
    assert reason == "'de' is not one of the allowed values; use one of: 'nl', 'en'."
