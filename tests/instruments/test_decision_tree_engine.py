"""Running the AI Act decision aid: concrete paths to the file's conclusions, going back, stored state."""

import json

import pytest
import yaml

from algoreg.errors import InvalidInput
from algoreg.instruments.decision_tree import engine
from algoreg.instruments.decision_tree.analysis import explore
from algoreg.instruments.decision_tree.model import DecisionTree, NodeKind, NodeRef, load_decision_tree
from algoreg.instruments.decision_tree.model import parse_decision_tree as parse
from algoreg.instruments.decision_tree.profile import HIGH_RISK
from tests.conftest import reference_file
from tests.instruments.test_decision_tree_model import SMALL_TREE

# The answers of question 1.2 (role) and the AI-system route, as the file spells them.
OWN_USE = "We ontwikkelen en gebruiken het zelf"
ONLY_DEVELOP = "We ontwikkelen enkel"
EXTERNAL_AS_IS = "We gebruiken een extern ontwikkelde toepassing zonder aanpassingen"
IMPORT = "We importeren van een leverancier buiten de EU"
DISTRIBUTE = "We kopen van een leverancier binnen de EU en verkopen het"
ORDERED = "We hebben opdracht gegeven om de toepassing te ontwikkelen"
AI_SYSTEM = "Ja, het is een AI-systeem"
GPAI_MODEL = "AI-model voor algemene doeleinden"


@pytest.fixture(scope="module")
def tree() -> DecisionTree:
    return load_decision_tree(reference_file("ai-verordening-beslishulp", "decision-tree.yaml"))


def _run(tree: DecisionTree, *answers: str) -> engine.SessionState:
    state = engine.start(tree)
    for given in answers:
        state = engine.answer(tree, state, given)
    return state


# Each path lists (question id, answer); the expected conclusion is the one the file's redirects name.
RISK_START = [("1.5", "Nee"), ("2.0", "Naar risicogroep bepaling"), ("2.1", "Nee")]
PATHS = [
    pytest.param([("1.1", "Nee")], "11.0", ["geen algoritme"], id="no-algorithm"),
    pytest.param([("1.1", "Ja"), ("1.2", "Geen van bovenstaande")], "11.3", [], id="no-role"),
    pytest.param(
        # in-house high-risk system: Annex III, no third-party assessment, profiling, no transparency duty
        [
            ("1.1", "Ja"),
            ("1.2", OWN_USE),
            ("1.3", "In gebruik"),
            ("1.4.1", AI_SYSTEM),
            *RISK_START,
            ("2.3", "Geen van beide"),
            ("2.4", "Ja"),
            ("2.7.2", "Nee"),
            ("2.5", "Ja"),
            ("2.9", "Nee"),
        ],
        "14.0.2",
        [
            "aanbieder",
            "gebruiksverantwoordelijke",
            "in gebruik",
            "AI-systeem",
            "niet van toepassing",
            HIGH_RISK,
            "geen transparantieverplichting",
        ],
        id="provider-and-deployer-high-risk",
    ),
    pytest.param(
        # a bought system, unsure whether it is AI: the three help questions say it is; then not high risk,
        # not open source, transparency obligations without exception
        [
            ("1.1", "Ja"),
            ("1.2", EXTERNAL_AS_IS),
            ("1.3", "In ontwikkeling"),
            ("1.4.1", "Ik weet het niet"),
            ("1.6.1", "Nee"),
            ("1.6.2", "Ja"),
            ("1.6.3", "Ja"),
            *RISK_START,
            ("2.3", "Geen van beide"),
            ("2.4", "Nee"),
            ("2.11", "Nee"),
            ("2.9", "Ja"),
            ("2.10", "Nee"),
        ],
        "13.0.3",
        [
            "gebruiksverantwoordelijke",
            "in ontwikkeling",
            "AI-systeem",
            "geen hoog-risico AI",
            "geen open-source",
            "transparantieverplichting",
        ],
        id="deployer-transparency",
    ),
    pytest.param(
        [
            ("1.1", "Ja"),
            ("1.2", ONLY_DEVELOP),
            ("1.3", "In gebruik"),
            ("1.4.1", "Nee, het is geen AI-systeem"),
            ("1.4.2", GPAI_MODEL),
            ("1.5", "Nee"),
            ("2.0", "Naar risicogroep bepaling"),
            ("2.8", "Ja"),
        ],
        "12.2.1",
        ["aanbieder", "in gebruik", GPAI_MODEL, "systeemrisico"],
        id="provider-gpai-model-systemic-risk",
    ),
    pytest.param(
        [
            ("1.1", "Ja"),
            ("1.2", IMPORT),
            ("1.3", "In gebruik"),
            ("1.4.1", "Nee, het is geen AI-systeem"),
            ("1.4.2", GPAI_MODEL),
        ],
        "15.2.1",
        ["importeur", "in gebruik", GPAI_MODEL],
        id="importer-gpai-model",
    ),
    pytest.param(
        # an open-source system that is neither high risk nor under transparency duties: exempted (2.11, 2.9)
        [
            ("1.1", "Ja"),
            ("1.2", ONLY_DEVELOP),
            ("1.3", "In gebruik"),
            ("1.4.1", AI_SYSTEM),
            *RISK_START,
            ("2.3", "Geen van beide"),
            ("2.4", "Nee"),
            ("2.11", "Ja"),
            ("2.9", "Nee"),
        ],
        "11.2",
        [
            "aanbieder",
            "in gebruik",
            "AI-systeem",
            "geen hoog-risico AI",
            "open-source",
            "geen transparantieverplichting",
        ],
        id="open-source-exemption",
    ),
    pytest.param(
        [
            ("1.1", "Ja"),
            ("1.2", DISTRIBUTE),
            ("1.3", "In gebruik"),
            ("1.4.1", AI_SYSTEM),
            ("1.5", "Nee"),
            ("2.0", "Naar risicogroep bepaling"),
            ("2.1", "Ja"),
            ("2.2", "Nee"),
        ],
        "16.0.0",
        ["distributeur", "in gebruik", "AI-systeem", "verboden AI"],
        id="distributor-prohibited",
    ),
    pytest.param(
        [
            ("1.1", "Ja"),
            ("1.2", OWN_USE),
            ("1.3", "In gebruik"),
            ("1.4.1", "Nee, het is geen AI-systeem"),
            ("1.4.2", "Geen van bovenstaande"),
        ],
        "11.1",
        ["aanbieder", "gebruiksverantwoordelijke", "in gebruik"],
        id="not-ai",
    ),
]


@pytest.mark.parametrize(("moves", "conclusion_id", "labels"), PATHS)
def test_concrete_paths_end_in_the_conclusion_the_file_gives(
    tree: DecisionTree, moves: list[tuple[str, str]], conclusion_id: str, labels: list[str]
) -> None:
    # when the answers are given one by one
    state = engine.start(tree)
    for question_id, given in moves:
        assert state.node == NodeRef(kind=NodeKind.QUESTION, id=question_id)
        state = engine.answer(tree, state, given)
    result = engine.outcome(tree, state)
    # then
    assert state.node == NodeRef(kind=NodeKind.CONCLUSION, id=conclusion_id)
    assert state.finished
    assert engine.current_question(tree, state) is None
    assert list(state.labels) == labels
    assert result.conclusion == tree.conclusions_by_id[conclusion_id]
    assert result.conclusion.obligation
    assert [(step.question_id, step.answer) for step in result.steps] == moves
    assert engine.replay(tree, moves) == state


def test_the_first_question_comes_first_and_answers_move_on(tree: DecisionTree) -> None:
    state = engine.start(tree)
    assert state.node == NodeRef(kind=NodeKind.QUESTION, id="1.1")
    assert (state.steps, state.labels) == ((), ())
    question = engine.current_question(tree, state)
    assert question is not None
    assert [option.answer_id for option in question.answers] == ["Ja", "Nee"]

    state = engine.answer(tree, state, "Ja")
    state = engine.answer(tree, state, OWN_USE)
    assert state.node.id == "1.3"
    assert state.labels == ("aanbieder", "gebruiksverantwoordelijke")
    assert state.steps[-1] == engine.Step(
        question_id="1.2", answer=OWN_USE, labels=("aanbieder", "gebruiksverantwoordelijke")
    )


def test_back_returns_to_the_last_question_without_its_labels(tree: DecisionTree) -> None:
    # given a session three answers in
    before = _run(tree, "Ja", OWN_USE)
    after = engine.answer(tree, before, "In gebruik")
    # when
    undone = engine.back(tree, after)
    # then it is exactly the state before that answer
    assert undone == before
    assert undone.node.id == "1.3"
    assert "in gebruik" not in undone.labels
    # and going back from a conclusion works the same way
    concluded = _run(tree, "Nee")
    assert engine.back(tree, concluded) == engine.start(tree)


def test_back_at_the_start_is_refused(tree: DecisionTree) -> None:
    with pytest.raises(InvalidInput) as raised:
        engine.back(tree, engine.start(tree))
    assert raised.value.problems[0].field == "state.steps"


def test_an_answer_that_the_question_does_not_have_is_refused_listing_the_allowed(tree: DecisionTree) -> None:
    with pytest.raises(InvalidInput) as raised:
        engine.answer(tree, engine.start(tree), "Misschien")
    [problem] = raised.value.problems
    assert problem.field == "answer"
    assert "'Misschien'" in problem.reason
    assert "['Ja', 'Nee']" in problem.reason


def test_a_finished_session_takes_no_more_answers_and_an_open_one_has_no_outcome(tree: DecisionTree) -> None:
    with pytest.raises(InvalidInput, match="finished"):
        engine.answer(tree, _run(tree, "Nee"), "Ja")
    with pytest.raises(InvalidInput, match="not finished"):
        engine.outcome(tree, _run(tree, "Ja"))


def test_the_outcome_carries_subresults_and_the_profile(tree: DecisionTree) -> None:
    # given a commissioned high-risk system (Annex I section B) with transparency duties
    state = _run(
        tree,
        *["Ja", ORDERED, "In ontwikkeling", AI_SYSTEM, "Nee", "Naar risicogroep bepaling", "Nee"],
        *["Ja Sectie B van Bijlage I", "Ja", "Nee"],
    )
    # when
    result = engine.outcome(tree, state)
    # then
    assert result.conclusion.conclusion_id == "12.0.1"
    ordered = tree.questions_by_id["1.2"].answer_named(ORDERED)
    assert ordered is not None
    assert result.subresults == (ordered.subresult,)
    assert result.profile.role == ("aanbieder",)
    assert result.profile.risk_group == (HIGH_RISK,)
    assert result.profile.has_transparency_obligation
    assert result.profile.ai_act_applies is True


def test_the_state_is_json_and_comes_back_checked(tree: DecisionTree) -> None:
    # given a state stored as JSON
    state = _run(tree, "Ja", OWN_USE, "In gebruik", AI_SYSTEM)
    stored = json.loads(state.model_dump_json())
    assert stored["node"] == {"kind": "question", "id": "1.5"}
    # when it is read back
    restored = engine.restore(tree, stored)
    # then it is the same state and the session goes on from it
    assert restored == state
    assert engine.answer(tree, restored, "Ja").node.id == "11.2"


def test_a_stored_state_that_does_not_follow_the_tree_is_refused(tree: DecisionTree) -> None:
    stored = json.loads(_run(tree, "Ja", OWN_USE).model_dump_json())

    wrong_node = {**stored, "node": {"kind": "question", "id": "2.1"}}
    with pytest.raises(InvalidInput, match="does not follow"):
        engine.restore(tree, wrong_node)

    wrong_labels = {
        **stored,
        "labels": ["aanbieder"],
        "steps": [stored["steps"][0], {**stored["steps"][1], "labels": ["aanbieder"]}],
    }
    with pytest.raises(InvalidInput, match="does not follow"):
        engine.restore(tree, wrong_labels)

    inconsistent = {**stored, "labels": ["importeur"]}
    with pytest.raises(InvalidInput, match="not valid") as raised:
        engine.restore(tree, inconsistent)
    assert "labels must be exactly" in raised.value.problems[0].reason

    other_version = {**stored, "tree_version": "0.9"}
    with pytest.raises(InvalidInput) as raised:
        engine.restore(tree, other_version)
    assert raised.value.problems[0].field == "state.tree_version"

    with pytest.raises(InvalidInput) as raised:
        engine.replay(tree, [("1.1", "Ja"), ("1.3", "In gebruik")])
    assert raised.value.problems[0].field == "answers[1]"


def test_an_answer_with_no_way_on_is_reported_not_guessed() -> None:
    # given our small tree with q2 "Yes" redirects that both miss a builder
    data = yaml.safe_load(SMALL_TREE)
    data["questions"][1]["answers"][0]["redirects"][0]["if"] = '"builder" in labels && !("risky" in labels)'
    tree = parse(data, "small.yaml")
    state = engine.answer(tree, engine.start(tree), "Yes")
    # when the builder answers "Yes" at q2
    with pytest.raises(InvalidInput) as raised:
        engine.answer(tree, state, "Yes")
    # then the engine names the gap instead of picking a node
    [problem] = raised.value.problems
    assert problem.field == "questions[q2].answers['Yes'].redirects"
    assert problem.reason == "no redirect condition holds for the labels ['builder', 'risky']"
    assert [dead.moves for dead in explore(tree).dead_ends] == [(("q1", "Yes"), ("q2", "Yes"))]


def test_the_engine_follows_every_path_of_the_analysis(tree: DecisionTree) -> None:
    # every path the analysis enumerates, replayed through the engine, ends where the analysis says
    for path in explore(tree).paths:
        state = engine.replay(tree, path.moves)
        assert state.node == NodeRef(kind=NodeKind.CONCLUSION, id=path.conclusion_id)
        assert state.labels == path.labels
