"""Our definition format: the shipped JSON Schema is the generated one, definitions (ours and the
imported official ones) go through YAML unchanged and meet the schema, and a faulty definition is
refused with every problem named by file and location."""

import datetime
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from algoreg.errors import InvalidInput
from algoreg.instruments.questionnaire import (
    Instrument,
    definition_json_schema,
    dump_definition,
    import_assessment_definition,
    import_task_registry,
    load_definition,
    parse_definition,
    sample_definitions,
)
from algoreg.instruments.questionnaire.model import QUESTION_TYPES
from algoreg.instruments.questionnaire.structure import placed_elements
from tests.conftest import reference_file

SCHEMA_FILE = (
    Path(__file__).resolve().parents[2] / "docs" / "instruments" / "questionnaire-definition.schema.json"
)


def json_ready(data: Any) -> Any:
    """YAML reads unquoted dates as dates; JSON holds them as text."""
    if isinstance(data, dict):
        return {key: json_ready(value) for key, value in data.items()}
    if isinstance(data, list):
        return [json_ready(value) for value in data]
    if isinstance(data, datetime.date):
        return data.isoformat()
    return data


def schema_errors(data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        definition_json_schema(), format_checker=jsonschema.FormatChecker()
    )
    return [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(json_ready(data))
    ]


def test_the_shipped_schema_is_the_generated_one() -> None:
    # given
    shipped = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # then
    assert shipped == definition_json_schema(), (
        "regenerate with: .venv/bin/python -c 'from algoreg.instruments.questionnaire.our_format import "
        'definition_json_schema_text as t; open("docs/instruments/questionnaire-definition.schema.json", "w")'
        ".write(t())'"
    )
    jsonschema.Draft202012Validator.check_schema(shipped)


@pytest.mark.parametrize("name", sorted(sample_definitions()))
def test_our_samples_load_meet_the_schema_and_survive_yaml(name: str) -> None:
    # given
    path = sample_definitions()[name]
    # when
    instrument = load_definition(path)
    again = parse_definition(yaml.safe_load(dump_definition(instrument)))
    # then
    assert schema_errors(yaml.safe_load(path.read_text(encoding="utf-8"))) == []
    assert again == instrument


def test_the_self_check_uses_every_feature() -> None:
    # given
    instrument = load_definition(sample_definitions()["self-check"])
    elements = [item.element for item in placed_elements(instrument)]
    dumped = dump_definition(instrument)
    # then
    assert {type(element) for element in elements} >= set(QUESTION_TYPES)
    kinds = {element.type for element in elements}
    assert {"group", "notice", "stop"} <= kinds
    for feature in (
        "visible_when:", "equals:", "in:", "contains:", "not_empty:", "at_least:", "all:", "any:", "not:",
        "repeatable: true", "action_points: true", "action_point_summary: true", "options_from:",
        "instances_from:", "prefill_from:", "instance_label:", "roles:", "links:", "urn: urn:nl:ak:ver:",
        "urn: urn:nl:ak:mtr:", "references:", "resources:", "lifecycle:", "introduction:",
    ):  # fmt: skip
        assert feature in dumped, feature


def imported_references() -> list[tuple[str, Any]]:
    return [
        ("task-registry", ("task-registry", "instruments", "iama.yaml")),
        ("task-registry", ("task-registry", "instruments", "aiia.yaml")),
        ("assessment-definition", ("par-dpia-form", "sources", "iama.yaml")),
        ("assessment-definition", ("par-dpia-form", "sources", "dpia.yaml")),
        ("assessment-definition", ("par-dpia-form", "sources", "prescan.yaml")),
    ]


@pytest.mark.parametrize(("kind", "parts"), imported_references())
def test_imported_instruments_meet_our_schema_and_survive_yaml(kind: str, parts: tuple[str, ...]) -> None:
    # given
    path = reference_file(*parts)
    importer = import_task_registry if kind == "task-registry" else import_assessment_definition
    instrument = importer(path).instrument
    # when
    text = dump_definition(instrument)
    # then
    assert schema_errors(yaml.safe_load(text)) == []
    assert parse_definition(yaml.safe_load(text)) == instrument


# --- faulty definitions --------------------------------------------------------------------------------


def minimal(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "t",
        "version": "1",
        "title": "T",
        "parts": [{"id": "p", "title": "P", "items": list(items)}],
    }


YES_NO = {
    "type": "single_choice",
    "id": "yes_no",
    "text": "Yes?",
    "options": [{"value": True}, {"value": False}],
}


def refused(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        parse_definition(data, source="t.yaml")
    assert caught.value.summary == "t.yaml is not a valid questionnaire definition."
    return [(problem.field, problem.reason) for problem in caught.value.problems]


def test_structural_errors_name_the_location_and_the_nearest_id() -> None:
    data = minimal(
        {"type": "essay", "id": "q1", "text": "?"},
        {"type": "text", "id": "q2"},
        {"type": "single_choice", "id": "q3", "text": "?", "options": [{"value": [1]}]},
    )
    problems = refused(data)
    assert problems[0][0] == "t.yaml: parts[0].items[0] ('q1')"
    assert "'text', 'rich_text', 'single_choice'" in problems[0][1]
    assert ("t.yaml: parts[0].items[1].text ('q2')", "Field required") in problems
    assert any(field.startswith("t.yaml: parts[0].items[2].options[0].value ('q3')") for field, _ in problems)


def text(element_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": "text", "id": element_id, "text": "?", **fields}


def group(element_id: str, *items: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"type": "group", "id": element_id, "items": list(items), **fields}


FIRST = "t.yaml: parts[0].items[0]"
SECOND = "t.yaml: parts[0].items[1]"


@pytest.mark.parametrize(
    ("items", "field", "reason"),
    [
        (
            [text("a", visible_when={"question": "b", "not_empty": True}), text("b")],
            f"{FIRST} (question 'a').visible_when",
            "'b' comes later; a condition can only use earlier answers",
        ),
        (
            [text("a", visible_when={"question": "zz", "equals": "x"})],
            f"{FIRST} (question 'a').visible_when",
            "'zz' is not a question of this instrument",
        ),
        (
            [YES_NO, text("a", visible_when={"question": "yes_no", "equals": "ja"})],
            f"{SECOND} (question 'a').visible_when",
            "\"ja\" is not an option of 'yes_no'; allowed: true, false",
        ),
        (
            [YES_NO, text("a", visible_when={"question": "yes_no", "contains": True})],
            f"{SECOND} (question 'a').visible_when",
            "'contains' needs a list answer, but 'yes_no' takes one value; use equals",
        ),
        (
            [YES_NO, text("yes_no")],
            f"{SECOND} (question 'yes_no')",
            "id 'yes_no' is used twice; ids must be unique",
        ),
        (
            [{"type": "single_choice", "id": "a", "text": "?"}],
            f"{FIRST} (question 'a').options",
            "a choice question needs options (or options_from)",
        ),
        (
            [{"type": "single_choice", "id": "a", "text": "?", "options": [{"value": 1}, {"value": 1.0}]}],
            f"{FIRST} (question 'a').options[1]",
            "option value 1.0 is used twice",
        ),
        (
            [
                YES_NO,
                group(
                    "g",
                    {
                        "type": "stop",
                        "id": "s",
                        "when": {"question": "yes_no", "equals": True},
                        "reason": "No.",
                    },
                    repeatable=True,
                ),
            ],
            "t.yaml: parts[0].items[1].items[0] (stop 's')",
            "a stop cannot be inside a repeatable group; place it outside",
        ),
        (
            [
                group("g", text("inner"), repeatable=True),
                text("a", visible_when={"question": "inner", "not_empty": True}),
            ],
            f"{SECOND} (question 'a').visible_when",
            "'inner' is inside repeatable group 'g'; a condition can only use answers of the same entry or "
            "outside repeatable groups",
        ),
        (
            [{"type": "number", "id": "a", "text": "?", "minimum": 5, "maximum": 1}],
            f"{FIRST} (question 'a').minimum",
            "minimum is greater than maximum",
        ),
        (
            [group("g", text("a"), required=True)],
            f"{FIRST} (group 'g').required",
            "only a repeatable group can be required (at least one entry)",
        ),
    ],
)
def test_inconsistent_definitions_are_refused_naming_the_element(
    items: list[dict[str, Any]], field: str, reason: str
) -> None:
    assert refused(minimal(*items)) == [(field, reason)]


def test_a_definition_file_that_is_not_yaml_names_the_line(tmp_path: Path) -> None:
    # given
    path = tmp_path / "broken.yaml"
    path.write_text("id: t\nparts: [\n", encoding="utf-8")
    # when
    with pytest.raises(InvalidInput) as caught:
        load_definition(path)
    # then
    assert caught.value.problems[0].field.startswith(f"{path}: line 3")


def test_a_definition_that_is_not_a_mapping_is_refused() -> None:
    assert refused(["not", "a", "mapping"]) == [
        ("t.yaml", "expected a mapping with id, version, title and parts")
    ]


def test_an_instrument_built_in_code_is_checked_too() -> None:
    with pytest.raises(InvalidInput) as caught:
        Instrument.model_validate(minimal(YES_NO, YES_NO))
    assert caught.value.problems[0].reason == "id 'yes_no' is used twice; ids must be unique"
