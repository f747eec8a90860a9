"""The task-registry importer on the real files (IAMA 1.0, AIIA, conformity declaration, technical
documentation): every file loads, the numbers counted in the files match, and what cannot be
translated fails naming the file and the location."""

import copy
import functools
import itertools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from algoreg.errors import InvalidInput
from algoreg.instruments.questionnaire import (
    ImportResult,
    evaluate,
    import_task_registry,
    visible_questions,
)
from algoreg.instruments.questionnaire.conditions import NotEmpty
from algoreg.instruments.questionnaire.import_task_registry import convert_task_registry
from algoreg.instruments.questionnaire.model import Link, StatementQuestion, TextQuestion, UploadQuestion
from algoreg.instruments.questionnaire.structure import questions_by_id
from tests.conftest import reference_file
from tests.instruments.questionnaire_support import fill

FILES = ("iama", "aiia", "conformity_assessment_eu_ai_act", "technical_docs_for_high_risk_ai")


def source(name: str) -> Path:
    return reference_file("task-registry", "instruments", f"{name}.yaml")


@functools.cache
def raw(name: str) -> dict[str, Any]:
    """The parsed reference file, read once (tests change only copies of it)."""
    data: dict[str, Any] = yaml.safe_load(source(name).read_text(encoding="utf-8"))
    return data


@functools.cache
def imported(name: str) -> ImportResult:
    return import_task_registry(source(name))


def topic(task: dict[str, Any]) -> str:
    return next(label["value"] for label in task["labels"] if label["key"] == "topic")


@pytest.mark.parametrize("name", FILES)
def test_every_file_validates_against_the_official_schema_and_imports(name: str) -> None:
    # given
    schema = json.loads(reference_file("task-registry", "schemas", "schema_instruments.json").read_text())
    data = raw(name)
    # when
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(data))
    instrument = imported(name).instrument
    # then
    assert errors == []
    assert f"{instrument.id}:{instrument.version}" == data["urn"]
    assert instrument.title == data["name"]
    tasks = data["tasks"]
    assert [part.title for part in instrument.parts] == [
        key for key, _ in itertools.groupby(map(topic, tasks))
    ]
    questions = questions_by_id(instrument)
    for task in tasks:
        question = questions[task["urn"]]
        assert question.text == task["question"]
        assert question.number == task["urn"].rsplit(":", 1)[-1]
        assert list(question.roles) == task["suggested_roles"]
        assert list(question.lifecycle) == task["lifecycle"]
        assert list(question.links) == [Link(**link) for link in task["links"] if link]


def test_iama_1_has_57_open_questions_in_27_parts() -> None:
    # given
    tasks = raw("iama")["tasks"]
    instrument = imported("iama").instrument
    questions = questions_by_id(instrument)
    # then
    assert len(tasks) == 57
    assert len(questions) == 57
    assert all(isinstance(question, TextQuestion) and question.multiline for question in questions.values())
    assert all(question.required for question in questions.values())
    assert len(instrument.parts) == 27
    assert imported("iama").notes == ()
    links = questions["urn:nl:aivt:tr:iama:1.0:1.1.1"].links
    assert Link(urn="urn:nl:aivt:tr:aiia:1.0:1.1") in links


def test_iama_1_is_complete_once_every_question_is_answered() -> None:
    # given
    instrument = imported("iama").instrument
    # when
    empty = evaluate(instrument, {})
    full = evaluate(instrument, fill(instrument))
    # then
    assert len(empty.fields) == 57
    assert sum(item.required for item in empty.progress) == 57
    assert sum(item.required_answered for item in empty.progress) == 0
    assert empty.status == "in_progress"
    assert full.status == "complete"
    assert all(item.complete for item in full.progress)


def test_aiia_uploads_optional_questions_and_the_closed_question_without_options() -> None:
    # given
    tasks = raw("aiia")["tasks"]
    result = imported("aiia")
    questions = questions_by_id(result.instrument)
    with_upload = [task for task in tasks if "upload_document" in task["type"]]
    optional = [task for task in tasks if task.get("required_status") is False]
    # then
    assert len(tasks) == 110
    assert len(with_upload) == 3
    assert len(questions) == 110 + 3
    for task in with_upload:
        upload = questions[f"{task['urn']}:upload"]
        assert isinstance(upload, UploadQuestion)
        assert upload.text == task["question"]
    # an upload beside a question is as required as the question
    expected_optional = {task["urn"] for task in optional}
    expected_optional |= {f"{task['urn']}:upload" for task in optional if task in with_upload}
    assert {urn for urn, question in questions.items() if not question.required} == expected_optional
    assert len(optional) == 84  # "required_status: No" 84 times in the file, "Yes" 24 times, 2 without
    assert [(note.location, note.message) for note in result.notes] == [
        (
            "tasks[3] ('urn:nl:aivt:tr:aiia:1.0:1.4').type",
            "a closed question without options in this format: imported as a text question",
        )
    ]
    repeated = [part.id for part in result.instrument.parts if part.id.startswith("accuraatheid")]
    assert repeated == ["accuraatheid", "accuraatheid-2"]


def test_statements_and_signatures_become_statements_to_sign() -> None:
    # given
    declaration = questions_by_id(imported("conformity_assessment_eu_ai_act").instrument)
    documentation = questions_by_id(imported("technical_docs_for_high_risk_ai").instrument)
    kinds = {
        name: [tuple(task["type"]) for task in raw(name)["tasks"]]
        for name in ("conformity_assessment_eu_ai_act", "technical_docs_for_high_risk_ai")
    }
    # then
    statements = [question for question in declaration.values() if isinstance(question, StatementQuestion)]
    assert len(statements) == sum(
        1 for kind in kinds["conformity_assessment_eu_ai_act"] if kind[0] in ("statement", "sign_task")
    )
    assert len(statements) == 4
    signed = [question for question in documentation.values() if isinstance(question, StatementQuestion)]
    assert len(signed) == 1
    assert isinstance(documentation[f"{signed[0].id}:upload"], UploadQuestion)
    uploads_first = [
        task
        for task in raw("technical_docs_for_high_risk_ai")["tasks"]
        if task["type"][0] == "upload_document"
    ]
    assert len(uploads_first) == 1
    assert isinstance(documentation[uploads_first[0]["urn"]], TextQuestion)


# --- what cannot be translated ------------------------------------------------------------------------


def edited(name: str, change: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw(name))
    change(data)
    return data


def test_depends_on_becomes_a_condition_on_the_earlier_answer() -> None:
    # given
    def change(data: dict[str, Any]) -> None:
        data["tasks"][2]["depends_on"] = [{"urn": data["tasks"][0]["urn"], "text": "first"}]

    instrument = convert_task_registry(edited("iama", change)).instrument
    first, third = raw("iama")["tasks"][0]["urn"], raw("iama")["tasks"][2]["urn"]
    # when
    before = visible_questions(instrument, {})
    after = visible_questions(instrument, {first: "Because."})
    # then
    assert questions_by_id(instrument)[third].visible_when == NotEmpty(question=first, not_empty=True)
    assert (third,) not in before
    assert (third,) in after


def test_a_dependency_on_free_text_fails_naming_the_location() -> None:
    # given
    def change(data: dict[str, Any]) -> None:
        data["tasks"][2]["depends_on"] = [{"text": "after the DPIA"}]

    # when
    with pytest.raises(InvalidInput) as caught:
        convert_task_registry(edited("iama", change), source="iama.yaml")
    # then
    assert [(problem.field, problem.reason) for problem in caught.value.problems] == [
        (
            "iama.yaml: tasks[2] ('urn:nl:aivt:tr:iama:1.0:1.3.1').depends_on[0]",
            "a dependency without a task urn cannot be turned into a condition",
        )
    ]


def test_a_framework_type_fails_naming_the_location() -> None:
    # given
    def change(data: dict[str, Any]) -> None:
        data["tasks"][4]["type"] = ["measure"]

    # when
    with pytest.raises(InvalidInput) as caught:
        convert_task_registry(edited("iama", change), source="iama.yaml")
    # then
    problem = caught.value.problems[0]
    assert problem.field == "iama.yaml: tasks[4] ('urn:nl:aivt:tr:iama:1.0:1.4.1').type"
    assert "type 'measure'" in problem.reason


def test_a_file_not_following_the_format_fails_naming_the_location_and_task() -> None:
    # given
    def change(data: dict[str, Any]) -> None:
        data["tasks"][1]["urn"] = "urn:nl:iama:1.2.1"
        data["tasks"][3]["type"] = ["essay"]
        del data["tasks"][5]["labels"]

    # when
    with pytest.raises(InvalidInput) as caught:
        convert_task_registry(edited("iama", change), source="iama.yaml")
    # then
    fields = [problem.field for problem in caught.value.problems]
    assert fields == [
        "iama.yaml: tasks[1].urn ('urn:nl:iama:1.2.1')",
        "iama.yaml: tasks[3].type[0] ('urn:nl:aivt:tr:iama:1.0:1.3.2')",
        "iama.yaml: tasks[5].labels ('urn:nl:aivt:tr:iama:1.0:1.5.1')",
    ]
    assert "open_question" in caught.value.problems[1].reason


def test_yaml_that_does_not_parse_fails_naming_the_line(tmp_path: Path) -> None:
    # given
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\ntasks:\n  - question: [unclosed\n", encoding="utf-8")
    # when
    with pytest.raises(InvalidInput) as caught:
        import_task_registry(broken)
    # then
    assert caught.value.problems[0].field.startswith(f"{broken}: line ")
