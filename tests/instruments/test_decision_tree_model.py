"""Reading decision trees: the official AI Act tree loads, and broken trees are refused with locations."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from algoreg.errors import InvalidInput
from algoreg.instruments.decision_tree.conditions import labels_named, parse_condition
from algoreg.instruments.decision_tree.model import (
    DecisionTree,
    NodeKind,
    NodeRef,
    load_decision_tree,
    parse_decision_tree,
)
from tests.conftest import reference_file

BESLISHULP = "ai-verordening-beslishulp"

#: A small tree of our own: two questions, a conditional redirect, three conclusions.
SMALL_TREE = """
name: Small tree
version: "0.1"
questions:
  - questionId: "q1"
    question: "Do you build it?"
    explanation: ""
    category: scope
    subcategory: role
    answers:
      - answer: "Yes"
        labels: ["builder"]
        nextQuestionId: "q2"
      - answer: "No"
        nextConclusionId: "c0"
  - questionId: "q2"
    question: "Is it risky?"
    explanation: ""
    category: risk
    subcategory: risk
    sources:
    answers:
      - answer: "Yes"
        labels: ["risky"]
        redirects:
          - nextConclusionId: "c1"
            if: '"builder" in labels && "risky" in labels'
          - nextConclusionId: "c0"
            if: '!("builder" in labels)'
      - answer: "No"
        nextConclusionId: "c2"
conclusions:
  - conclusionId: "c0"
    conclusion: "Nothing to do."
    obligation: "None."
  - conclusionId: "c1"
    conclusion: "A risky build."
    obligation: "Assess it."
    sources:
      - source: "Our guide"
  - conclusionId: "c2"
    conclusion: "A calm build."
    obligation: "Document it."
"""


@pytest.fixture(scope="module")
def official() -> DecisionTree:
    return load_decision_tree(reference_file(BESLISHULP, "decision-tree.yaml"))


def _small() -> dict[str, object]:
    data = yaml.safe_load(SMALL_TREE)
    assert isinstance(data, dict)
    return data


def test_the_official_tree_loads_with_its_questions_and_conclusions(official: DecisionTree) -> None:
    assert official.name == "Beslishulp AI-verordening"
    assert official.version == "1.0.0"
    assert len(official.questions) == 22
    assert len(official.conclusions) == 50
    assert official.start.question_id == "1.1"
    # the answer to 1.2 for in-house development and own use gives both roles
    question = official.questions_by_id["1.2"]
    own_use = question.answer_named("We ontwikkelen en gebruiken het zelf")
    assert own_use is not None
    assert own_use.labels == ("aanbieder", "gebruiksverantwoordelijke")
    assert own_use.targets == (NodeRef(kind=NodeKind.QUESTION, id="1.3"),)


def test_the_official_file_is_valid_against_its_own_schema() -> None:
    data = yaml.safe_load(reference_file(BESLISHULP, "decision-tree.yaml").read_text(encoding="utf-8"))
    schema = json.loads(reference_file(BESLISHULP, "schemas", "schema_decision_tree.json").read_text())
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []


def test_the_model_writes_the_official_format_back(official: DecisionTree) -> None:
    # given the tree as JSON in the file's own field names
    written = json.loads(official.model_dump_json(by_alias=True, exclude_none=True))
    schema = json.loads(reference_file(BESLISHULP, "schemas", "schema_decision_tree.json").read_text())
    # then it is valid against the official schema and reads back to the same tree
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(written)) == []
    assert DecisionTree.model_validate(written) == official


def test_every_condition_of_the_official_tree_parses_and_names_known_labels(official: DecisionTree) -> None:
    conditions = [
        redirect.condition
        for question in official.questions
        for answer in question.answers
        for redirect in answer.redirects or ()
    ]
    assert len(conditions) == 111
    named = set().union(*(labels_named(parse_condition(condition)) for condition in conditions))
    assert named <= official.labels_given
    assert len(official.labels_given) == 22


def test_our_small_tree_loads_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_TREE, encoding="utf-8")
    tree = load_decision_tree(path)
    assert [question.question_id for question in tree.questions] == ["q1", "q2"]
    assert tree.questions_by_id["q2"].sources == ()
    assert tree.conclusions_by_id["c1"].sources[0].url is None


def _problems(data: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as raised:
        parse_decision_tree(data, "small.yaml")
    assert "small.yaml" in raised.value.summary
    return [(problem.field, problem.reason) for problem in raised.value.problems]


def test_a_redirect_to_a_missing_node_is_named_with_its_location() -> None:
    data = _small()
    data["questions"][1]["answers"][0]["redirects"][1]["nextConclusionId"] = "c9"  # type: ignore[index]
    assert _problems(data) == [
        (
            "small.yaml: questions[1].answers[0].redirects[1].nextConclusionId (question q2)",
            "no conclusion has id 'c9'",
        )
    ]


def test_a_misspelt_label_in_a_condition_is_refused() -> None:
    data = _small()
    data["questions"][1]["answers"][0]["redirects"][0]["if"] = '"bulder" in labels'  # type: ignore[index]
    [(field, reason)] = _problems(data)
    assert field == "small.yaml: questions[1].answers[0].redirects[0].if (question q2)"
    assert "bulder" in reason


def test_an_unsupported_condition_is_refused_naming_the_expression() -> None:
    data = _small()
    data["questions"][1]["answers"][0]["redirects"][0]["if"] = "labels.length > 1"  # type: ignore[index]
    (field, reason), *_ = _problems(data)
    assert field == "small.yaml: questions[1].answers[0].redirects[0].if (question q2)"
    assert "'labels.length > 1'" in reason
    assert "'.' is not supported" in reason


def test_ids_must_be_unique() -> None:
    data = _small()
    data["questions"][1]["questionId"] = "q1"  # type: ignore[index]
    data["conclusions"][2]["conclusionId"] = "c1"  # type: ignore[index]
    problems = _problems(data)
    assert ("small.yaml: questions", "questionId 'q1' is used more than once") in problems
    assert ("small.yaml: conclusions", "conclusionId 'c1' is used more than once") in problems


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        (
            lambda data: data["questions"][0]["answers"][1].update(nextQuestionId="q2"),
            "questions[0].answers[1] (question q1)",
            "exactly one of",
        ),
        (
            lambda data: data["questions"][0]["answers"][1].pop("nextConclusionId"),
            "questions[0].answers[1] (question q1)",
            "exactly one of",
        ),
        (
            lambda data: data["questions"][1]["answers"][0]["redirects"].pop(),
            "questions[1].answers[0].redirects (question q2)",
            "at least 2",
        ),
        (
            lambda data: data["questions"][0]["answers"][0].update(nextQuestionID="q2"),
            "questions[0].answers[0].nextQuestionID (question q1)",
            "Extra inputs",
        ),
        (
            lambda data: data["questions"][0]["answers"][1].update(answer="Yes"),
            "questions[0].answers (question q1)",
            "distinct texts",
        ),
        (lambda data: data["questions"][0].update(questionId=2.0), "questions[0].questionId", "string"),
        (lambda data: data.pop("version"), "version", "required"),
    ],
)
def test_structural_problems_name_their_place(change: object, where: str, words: str) -> None:
    data = _small()
    assert callable(change)
    change(data)
    problems = _problems(data)
    assert any(field == f"small.yaml: {where}" and words in reason for field, reason in problems), problems


def test_a_file_that_is_not_a_tree_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("questions: [unclosed", encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        load_decision_tree(broken)
    assert raised.value.problems[0].field == str(broken)
    assert "YAML" in raised.value.problems[0].reason

    with pytest.raises(InvalidInput) as raised:
        load_decision_tree(tmp_path / "absent.yaml")
    assert "cannot be read" in raised.value.problems[0].reason

    listing = tmp_path / "list.yaml"
    listing.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        load_decision_tree(listing)
    assert raised.value.problems[0].field == f"{listing}: (top level)"
