"""The assessment-definition importer on the real files (IAMA 2.0, DPIA, DPIA pre-scan): every file
loads, the numbers of IAMA 2.0 counted in the file match the imported model, every condition can be
met and the stop reached, and constructs without translation fail naming their location."""

import copy
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from algoreg.errors import InvalidInput
from algoreg.instruments.questionnaire import (
    ImportResult,
    Instrument,
    answer_problems,
    evaluate,
    import_assessment_definition,
    reached_stop,
    visible_questions,
)
from algoreg.instruments.questionnaire.conditions import Contains, Equals, Not
from algoreg.instruments.questionnaire.import_assessment_definition import convert_assessment_definition
from algoreg.instruments.questionnaire.model import (
    Group,
    MultipleChoiceQuestion,
    SingleChoiceQuestion,
    Stop,
    TextQuestion,
    UploadQuestion,
)
from algoreg.instruments.questionnaire.structure import is_question, placed_elements, questions_by_id
from tests.conftest import reference_file
from tests.instruments.questionnaire_support import Witness, element_path, fill

FORM = "par-dpia-form"
SOURCES = ("iama", "dpia", "prescan")


def source(name: str) -> Path:
    return reference_file(FORM, "sources", f"{name}.yaml")


@functools.cache
def raw(name: str) -> dict[str, Any]:
    """The parsed reference file, read once (tests change only copies of it)."""
    data: dict[str, Any] = yaml.safe_load(source(name).read_text(encoding="utf-8"))
    return data


_IMPORTED: dict[str, ImportResult] = {}


def imported(name: str) -> ImportResult:
    """The import of one reference file, once per test session (the importer is pure)."""
    if name not in _IMPORTED:
        _IMPORTED[name] = import_assessment_definition(source(name))
    return _IMPORTED[name]


def raw_tasks(tasks: list[dict[str, Any]], in_points: bool = False) -> list[tuple[dict[str, Any], bool]]:
    """Every task of a raw file, depth first, with whether it sits in a group of action points."""
    found = []
    for task in tasks:
        found.append((task, in_points))
        found.extend(raw_tasks(task.get("tasks", []), in_points or bool(task.get("action_point_group"))))
    return found


def answerable(task: dict[str, Any]) -> bool:
    return not set(task["type"]) & {"task_group", "informational"}


# --- every file loads ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SOURCES)
def test_every_reference_file_validates_against_the_official_schema_and_imports(name: str) -> None:
    # given
    schema = json.loads(reference_file(FORM, "schemas", "assessment-definition.v2.schema.json").read_text())
    data = raw(name)
    # when
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    result = imported(name)
    # then
    assert errors == []
    assert result.source_format == "assessment-definition"
    assert result.instrument.id == data["urn"]
    assert result.instrument.version == data["version"]
    raw_ids = [task["id"] for task, _ in raw_tasks(data["tasks"])]
    our_ids = [item.element.id for item in placed_elements(result.instrument)]
    our_ids += [notice.id for notice in result.instrument.introduction]
    our_ids += [part.id for part in result.instrument.parts if part.id not in our_ids]
    assert sorted(our_ids) == sorted(raw_ids)


@pytest.mark.parametrize("name", SOURCES)
def test_every_answerable_task_becomes_a_question_with_the_same_id(name: str) -> None:
    # given
    data = raw(name)
    questions = questions_by_id(imported(name).instrument)
    # then
    expected = {task["id"] for task, _ in raw_tasks(data["tasks"]) if answerable(task)}
    assert set(questions) == expected
    for task, _ in raw_tasks(data["tasks"]):
        if answerable(task) and task.get("options"):
            question = questions[task["id"]]
            assert isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion)
            values = [
                option["value"] if option["value"] is not None else "null" for option in task["options"]
            ]
            assert [option.value for option in question.options] == values


# --- IAMA 2.0: the numbers, counted in the file -------------------------------------------------------


def test_iama_2_has_five_parts_counted_in_the_file() -> None:
    # given
    data = raw("iama")
    parts_in_file = [task for task in data["tasks"] if "informational" not in task["type"]]
    # when
    instrument = imported("iama").instrument
    # then
    assert len(parts_in_file) == 5
    assert [part.id for part in instrument.parts] == [task["id"] for task in parts_in_file]
    assert [part.title for part in instrument.parts] == [task["task"] for task in parts_in_file]
    assert instrument.introduction[0].id == data["tasks"][0]["id"]


def test_iama_2_has_83_answerable_fields_and_four_lists_of_action_points() -> None:
    # given
    tasks = raw_tasks(raw("iama")["tasks"])
    in_file = [task for task, in_points in tasks if answerable(task) and not in_points]
    points_in_file = [task for task, in_points in tasks if answerable(task) and in_points]
    # when
    placed = [item for item in placed_elements(imported("iama").instrument) if is_question(item.element)]
    ours = [item.element for item in placed if not item.element.repeatable]
    points = [item.element for item in placed if item.element.repeatable]
    # then
    assert len(in_file) == 83
    assert len(ours) == 83
    assert {question.id for question in ours} == {task["id"] for task in in_file}
    assert len(points_in_file) == 4
    assert len(points) == 4
    assert all(isinstance(question, TextQuestion) and not question.required for question in points)
    groups = [
        item.element
        for item in placed_elements(imported("iama").instrument)
        if isinstance(item.element, Group)
    ]
    assert sorted(group.id for group in groups if group.action_points) == [
        f"{number}.actiepunten" for number in (1, 2, 3, 4)
    ]
    assert [part.action_point_summary for part in imported("iama").instrument.parts] == [False] * 4 + [True]


def test_iama_2_lists_of_rights_have_30_options_as_in_the_file() -> None:
    # given
    in_file = {
        task["id"]: [option["value"] for option in task["options"]]
        for task, _ in raw_tasks(raw("iama")["tasks"])
        if len(task.get("options") or []) > 2
    }
    questions = questions_by_id(imported("iama").instrument)
    # then
    assert set(in_file) == {"4.1.1.1", "4.1.2.2"}
    for question_id, values in in_file.items():
        question = questions[question_id]
        assert isinstance(question, MultipleChoiceQuestion)
        assert len(values) == len(set(values)) == 30
        assert [option.value for option in question.options] == values


def test_iama_2_branches_on_self_learning_and_stops_on_prohibited_ai() -> None:
    # given
    instrument = imported("iama").instrument
    elements = {item.element.id: item.element for item in placed_elements(instrument)}
    branch = questions_by_id(instrument)["2.1.1.1"]
    # then
    assert isinstance(branch, SingleChoiceQuestion)
    self_learning, not_self_learning = (option.value for option in branch.options)
    assert elements["2.2B"].visible_when == Equals(question="2.1.1.1", equals=self_learning)
    assert elements["2.2A"].visible_when == Equals(question="2.1.1.1", equals=not_self_learning)
    stop = elements["1.3.3"]
    assert isinstance(stop, Stop)
    assert stop.when == Equals(question="1.3.1", equals=True)
    assert [item.element.id for item in placed_elements(instrument) if isinstance(item.element, Stop)] == [
        "1.3.3"
    ]
    assert imported("iama").notes == ()


# --- every branch reachable ---------------------------------------------------------------------------


def conditional_elements(instrument: Instrument) -> list[str]:
    return [
        item.element.id
        for item in placed_elements(instrument)
        if item.element.visible_when is not None or isinstance(item.element, Stop)
    ]


@pytest.mark.parametrize("name", SOURCES)
def test_every_condition_can_be_met(name: str) -> None:
    """For each conditional element, answers that meet its conditions (and those of the questions
    they read) make it visible, and make a stop reached; the answers themselves have no problem."""
    # given
    instrument = imported(name).instrument
    witness = Witness(instrument)
    targets = conditional_elements(instrument)
    assert targets
    for target in targets:
        # when
        answers = witness.showing(target)
        state = evaluate(instrument, answers)
        # then
        assert state.problems == (), (target, state.problems)
        assert element_path(instrument, target) in state.visible, (target, answers)
        if isinstance(witness.chains[target].element, Stop):
            assert state.stop is not None
            assert state.stop.stop_id == target
            assert state.status == "stopped"


def test_iama_2_walk_covers_each_side_of_each_branch() -> None:
    # given
    instrument = imported("iama").instrument
    witness = Witness(instrument)
    # when
    seen_with: dict[str, set[str]] = {}
    for target in conditional_elements(instrument):
        visible = {path[-1] for path in evaluate(instrument, witness.showing(target)).visible}
        seen_with[target] = {str(item) for item in visible}
    # then: the two sides of the self-learning branch exclude each other
    assert "2.2B.1" in seen_with["2.2B"] and "2.2A.1" not in seen_with["2.2B"]
    assert "2.2A.1" in seen_with["2.2A"] and "2.2B.1" not in seen_with["2.2A"]
    assert set(seen_with) == {"1.3.3", "1.3.2", "1.3.4", "2.2A", "2.2B"}


def test_iama_2_stop_on_prohibited_ai_ends_the_assessment() -> None:
    # given
    instrument = imported("iama").instrument
    stop_text = next(task["task"] for task, _ in raw_tasks(raw("iama")["tasks"]) if task["id"] == "1.3.3")
    answers = fill(instrument, {"1.3.1": True})
    # when
    state = evaluate(instrument, answers)
    # then
    assert state.status == "stopped"
    assert state.stop is not None
    assert (state.stop.stop_id, state.stop.part_id, state.stop.reason) == ("1.3.3", "1.0", stop_text)
    assert state.complete
    assert [(item.part_id, item.questions) for item in state.progress][1:] == [
        ("2", 0),
        ("3", 0),
        ("4", 0),
        ("5", 0),
    ]
    visible = {path[-1] for path in visible_questions(instrument, answers)}
    assert "1.3.2" not in visible and "2.1.2" not in visible
    assert reached_stop(instrument, {"1.3.1": False}) is None


def test_iama_2_can_be_completed_on_either_branch() -> None:
    # given
    instrument = imported("iama").instrument
    for kind, shown, hidden in (("zelflerend", "2.2B.1", "2.2A.1"), ("niet-zelflerend", "2.2A.1", "2.2B.1")):
        # when
        answers = fill(instrument, {"1.3.1": False, "1.3.2": True, "2.1.1.1": kind})
        state = evaluate(instrument, answers)
        # then
        assert state.status == "complete", state.progress
        visible = {path[-1] for path in state.visible}
        assert shown in visible and hidden not in visible
        required = sum(item.required for item in state.progress)
        # 83 fields, less the 3 or 4 of the branch not taken and none hidden otherwise
        assert required == 83 - (4 if kind == "niet-zelflerend" else 3)


def test_iama_2_answers_to_the_branch_not_taken_are_kept_but_ignored() -> None:
    # given
    instrument = imported("iama").instrument
    answers = fill(instrument, {"1.3.1": False, "1.3.2": True, "2.1.1.1": "zelflerend"})
    answers["2.2A.1"] = 12  # wrong type, but on the hidden branch
    # when
    state = evaluate(instrument, answers)
    # then
    assert state.status == "complete"
    assert answer_problems(instrument, answers) == ()


def test_iama_2_problems_name_the_question_and_what_is_allowed() -> None:
    # given
    instrument = imported("iama").instrument
    answers = {"1.3.1": "ja", "2.1.1.1": "lerend", "4.1.1.1": ["Recht op leven"]}
    # when
    problems = {problem.field: problem.reason for problem in answer_problems(instrument, answers)}
    # then
    assert set(problems) == {"1.3.1", "2.1.1.1", "4.1.1.1"}
    assert problems["1.3.1"] == '"ja" is not an option; allowed: one of true, false'
    assert problems["2.1.1.1"] == '"lerend" is not an option; allowed: one of "zelflerend", "niet-zelflerend"'
    assert problems["4.1.1.1"].startswith(
        '"Recht op leven" is not an option; allowed: a list of distinct values'
    )
    assert problems["4.1.1.1"].endswith("and 20 more")


# --- the DPIA and the pre-scan -------------------------------------------------------------------------


def test_dpia_repeatable_groups_sources_of_options_and_entries() -> None:
    # given
    instrument = imported("dpia").instrument
    elements = {item.element.id: item for item in placed_elements(instrument)}
    # then: 2.1 is a repeatable group whose 2.1.7 depends on 2.1.6 of the same entry
    assert isinstance(elements["2.1"].element, Group) and elements["2.1"].element.repeatable
    assert elements["2.1.7"].repeat_scope == ("2.1",)
    assert elements["2.1.7"].element.visible_when == Equals(question="2.1.6", equals=True)
    # options drawn from answers, and entries following another question's answers
    assert elements["3.1.3"].element.options_from == "2.1.1"  # type: ignore[union-attr]
    assert elements["5.1"].element.instances_from == "3.1.1"  # type: ignore[union-attr]
    assert elements["10.1.1.1"].element.prefill_from == "5.1.1"  # type: ignore[union-attr]
    image = elements["1.2.1"].element
    assert isinstance(image, UploadQuestion) and image.accept == ("image/*",)
    assert imported("dpia").notes == ()


def test_dpia_options_from_answers_in_entries() -> None:
    # given
    instrument = imported("dpia").instrument
    answers = {"2.1": [{"2.1.1": "naam"}, {"2.1.1": "adres"}], "3.1": [{"3.1.3": ["adres", "bsn"]}]}
    # when
    problems = answer_problems(instrument, answers)
    # then
    assert [(problem.field, problem.reason) for problem in problems] == [
        ("3.1[0]/3.1.3", '"bsn" is not an option; allowed: a list of distinct values out of "naam", "adres"')
    ]


def test_prescan_quoted_values_conditions_on_two_answers_and_notes_for_scores() -> None:
    # given
    result = imported("prescan")
    elements = {item.element.id: item.element for item in placed_elements(result.instrument)}
    # then: a value written with quotes is the option itself
    assert elements["1.1.3"].visible_when == Contains(
        question="1.1.2", contains="Categorie gewone persoonsgegevens: Overige"
    )
    # two dependencies must both hold
    shown = visible_questions(result.instrument, {"6.1.1": True, "6.1.2": False})
    hidden = visible_questions(result.instrument, {"6.1.1": True, "6.1.2": True})
    assert ("6.1.3",) in shown and ("6.1.3",) not in hidden
    # scores and advice rules are not dropped silently
    data = raw("prescan")
    scores = [task for task, _ in raw_tasks(data["tasks"]) if "calculation" in task]
    levels = [level for assessment in data["assessments"] for level in assessment["levels"]]
    in_dependencies = [
        task
        for task, _ in raw_tasks(data["tasks"])
        for dependency in task.get("dependencies", [])
        if "calculation" in dependency
    ]
    assert len(result.notes) == len(scores) + len(levels) + len(in_dependencies)
    assert result.notes[0].location == "tasks[1] ('1').tasks[0] ('1.1').tasks[1] ('1.1.2').calculation"
    assert any("DPIA verplicht" in note.message for note in result.notes)


# --- constructs without translation -------------------------------------------------------------------


def edited(name: str, change: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw(name))
    change(data)
    return data


def test_an_unknown_operator_fails_naming_the_location() -> None:
    # given
    def change(data: dict[str, Any]) -> None:
        data["tasks"][2]["tasks"][3]["dependencies"][0]["condition"]["operator"] = "any"

    data = edited("iama", change)
    # when
    with pytest.raises(InvalidInput) as caught:
        convert_assessment_definition(data, source="iama.yaml")
    # then
    problem = caught.value.problems[0]
    assert problem.field == "iama.yaml: tasks[2] ('2').tasks[3] ('2.2B').dependencies[0].condition.operator"
    assert "operator 'any'" in problem.reason and "allowed: equals, contains" in problem.reason


def test_a_mapping_we_cannot_express_fails_naming_the_location() -> None:
    # given
    def change(data: dict[str, Any]) -> None:
        data["tasks"][5]["tasks"][0]["dependencies"][0]["mapping_type"] = "many_to_one"

    data = edited("dpia", change)
    # when
    with pytest.raises(InvalidInput) as caught:
        convert_assessment_definition(data, source="dpia.yaml")
    # then
    assert (
        caught.value.problems[0].field
        == "dpia.yaml: tasks[5] ('5').tasks[0] ('5.1').dependencies[0].mapping_type"
    )
    assert "allowed: one_to_one" in caught.value.problems[0].reason


def test_an_unknown_key_fails_naming_the_file_location_and_id() -> None:
    # given
    def change(data: dict[str, Any]) -> None:
        data["tasks"][1]["tasks"][3]["tasks"][0]["score"] = 3

    data = edited("iama", change)
    # when
    with pytest.raises(InvalidInput) as caught:
        convert_assessment_definition(data, source="iama.yaml")
    # then
    assert [(problem.field, problem.reason) for problem in caught.value.problems] == [
        ("iama.yaml: tasks[1].tasks[3].tasks[0].score ('1.3.1')", "Extra inputs are not permitted")
    ]


def test_a_condition_on_a_later_or_missing_question_fails_naming_the_question() -> None:
    # given
    def change(data: dict[str, Any]) -> None:
        data["tasks"][1]["tasks"][3]["tasks"][2]["dependencies"][0]["condition"]["id"] = "1.3.4"

    data = edited("iama", change)
    # when
    with pytest.raises(InvalidInput) as caught:
        convert_assessment_definition(data, source="iama.yaml")
    # then
    reasons = [problem.reason for problem in caught.value.problems]
    assert reasons == ["'1.3.4' comes later; a condition can only use earlier answers"]
    assert "question '1.3.2'" in caught.value.problems[0].field


def test_a_condition_on_a_value_that_is_not_an_option_fails() -> None:
    # given
    def change(data: dict[str, Any]) -> None:
        data["tasks"][2]["tasks"][3]["dependencies"][0]["condition"]["value"] = "deels-zelflerend"

    data = edited("iama", change)
    # when
    with pytest.raises(InvalidInput) as caught:
        convert_assessment_definition(data, source="iama.yaml")
    # then
    assert caught.value.problems[0].reason.startswith("\"deels-zelflerend\" is not an option of '2.1.1.1'")


def test_hide_becomes_not() -> None:
    # given
    def change(data: dict[str, Any]) -> None:
        data["tasks"][1]["tasks"][3]["tasks"][3]["dependencies"][0]["action"] = "hide"

    # when
    instrument = convert_assessment_definition(edited("iama", change)).instrument
    # then
    element = {item.element.id: item.element for item in placed_elements(instrument)}["1.3.4"]
    assert element.visible_when == Not(condition=Equals(question="1.3.2", equals=True))


def test_an_id_our_format_cannot_hold_fails_naming_the_location() -> None:
    # given: their pattern is not anchored at the end, so "2.1 x" passes their schema
    def change(data: dict[str, Any]) -> None:
        data["tasks"][2]["tasks"][0]["tasks"][0]["id"] = "2.1.1 a"

    # when
    with pytest.raises(InvalidInput) as caught:
        convert_assessment_definition(edited("dpia", change), source="dpia.yaml")
    # then
    problem = caught.value.problems[0]
    assert problem.field == "dpia.yaml: tasks[2] ('2').tasks[0] ('2.1').tasks[0] ('2.1.1 a')"
    assert problem.reason.startswith("cannot be expressed in our format: id: String should match pattern")
