"""Every path through the official AI Act decision tree, walked with its labels and conditions."""

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from algoreg.instruments.decision_tree.analysis import DeadEnd, Exploration, count_paths, explore, unreachable
from algoreg.instruments.decision_tree.model import (
    DecisionTree,
    NodeKind,
    NodeRef,
    load_decision_tree,
    parse_decision_tree,
)
from algoreg.instruments.decision_tree.profile import NOT_APPLICABLE_PREFIX, LabelFamily, profile_from_labels
from tests.conftest import reference_file
from tests.instruments.test_decision_tree_model import SMALL_TREE


@pytest.fixture(scope="module")
def tree() -> DecisionTree:
    return load_decision_tree(reference_file("ai-verordening-beslishulp", "decision-tree.yaml"))


@pytest.fixture(scope="module")
def walked(tree: DecisionTree) -> Exploration:
    return explore(tree)


def test_every_node_is_reachable_from_the_start(tree: DecisionTree) -> None:
    assert unreachable(tree) == []


def test_every_path_ends_in_a_conclusion_of_the_tree(tree: DecisionTree, walked: Exploration) -> None:
    assert walked.dead_ends == ()
    assert walked.cycles == ()
    assert walked.repeated_questions == ()
    assert all(path.conclusion_id in tree.conclusions_by_id for path in walked.paths)
    assert walked.questions_asked == set(tree.questions_by_id)


def test_every_conclusion_is_reached(tree: DecisionTree, walked: Exploration) -> None:
    assert set(walked.paths_per_conclusion) == set(tree.conclusions_by_id)


def test_the_walk_and_the_memoised_count_agree(tree: DecisionTree, walked: Exploration) -> None:
    assert len(walked.paths) == count_paths(tree) == 3140
    assert len({path.moves for path in walked.paths}) == len(walked.paths)


@pytest.mark.parametrize(
    ("conclusion_id", "paths"),
    [
        ("11.0", 1),  # 1.1 "Nee"
        ("11.3", 1),  # 1.1 "Ja", 1.2 "Geen van bovenstaande"
        # 1.1, 1.2 (importer), 1.3 (2 answers), 1.4.1 "Nee", 1.4.2 model: 2 paths; the same for a distributor
        ("15.2.1", 2),
        ("16.2.1", 2),
        # two provider-only answers to 1.2 x two answers to 1.3, then the model route to systemic risk
        ("12.2.1", 4),
        # the same with the three answers to 1.2 that give both roles
        ("14.2.1", 6),
    ],
)
def test_hand_counted_conclusions(walked: Exploration, conclusion_id: str, paths: int) -> None:
    assert walked.paths_per_conclusion[conclusion_id] == paths


def test_the_redirects_never_taken_are_the_known_redundant_ones(
    tree: DecisionTree, walked: Exploration
) -> None:
    never = {
        (question.question_id, answer.answer_id, index)
        for question in tree.questions
        for answer in question.answers
        for index, _ in enumerate(answer.redirects or ())
        if (question.question_id, answer.answer_id, index) not in walked.ways_taken
    }
    expected = {
        # shadowed: the first redirect of 1.5 "Nee" already holds for every general-purpose AI model
        ("1.5", "Nee", 1),
        # a system that is not high risk always answers the open-source question 2.11 before the
        # transparency question 2.9, so 2.9 / 2.10 never send it on to 2.11, 2.11 "Ja" never meets a
        # transparency label yet, and 2.11 "Nee" always takes its first redirect (on to 2.9) for AI systems
        ("2.9", "Nee", 0),
        ("2.10", "Ja", 0),
        ("2.11", "Ja", 0),
        *(("2.11", "Nee", index) for index in (1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13)),
    }
    assert never == expected
    direct = {
        (question.question_id, answer.answer_id, None)
        for question in tree.questions
        for answer in question.answers
        if answer.redirects is None
    }
    assert direct <= walked.ways_taken


def test_each_path_gives_at_most_one_label_per_family_except_the_role(walked: Exploration) -> None:
    for path in walked.paths:
        profile = profile_from_labels(path.labels, path.conclusion_id)
        assert profile.other_labels == ()
        for family in LabelFamily:
            assert len(profile.family(family)) <= (2 if family is LabelFamily.ROLE else 1), path


def test_where_the_act_applies_the_path_names_a_role_and_a_kind_of_ai(walked: Exploration) -> None:
    for path in walked.paths:
        profile = profile_from_labels(path.labels, path.conclusion_id)
        if not path.conclusion_id.startswith(NOT_APPLICABLE_PREFIX):
            assert profile.ai_act_applies is True
            assert profile.role, path
            assert profile.system_type, path


def _small_tree(change: Callable[[dict[str, Any]], None]) -> DecisionTree:
    data = yaml.safe_load(SMALL_TREE)
    change(data)
    return parse_decision_tree(data, "small.yaml")


def test_the_analysis_finds_a_loop_that_would_never_end() -> None:
    # given q2 "No" leading back to q1, and q1 "Yes" giving no new label the second time
    def change(data: dict[str, Any]) -> None:
        loop = data["questions"][1]["answers"][1]
        del loop["nextConclusionId"]
        loop["nextQuestionId"] = "q1"

    tree = _small_tree(change)
    # then the walk stops at the repeated state and reports it, and the count refuses
    walked = explore(tree)
    assert walked.cycles == ((("q1", "Yes"), ("q2", "No"), ("q1", "Yes")),)
    with pytest.raises(ValueError, match="cycles through question q2"):
        count_paths(tree)


def test_the_analysis_finds_dead_ends_and_unreachable_nodes() -> None:
    # given redirects at q2 "Yes" that both miss the builder, and no way left to c0
    def change(data: dict[str, Any]) -> None:
        redirects = data["questions"][1]["answers"][0]["redirects"]
        redirects[0]["if"] = '"builder" in labels && "other" in labels'
        redirects[1]["nextConclusionId"] = "c1"
        data["questions"][1]["answers"][1]["labels"] = ["other"]
        data["questions"][0]["answers"][1]["nextConclusionId"] = "c2"

    tree = _small_tree(change)
    walked = explore(tree)
    assert walked.dead_ends == (DeadEnd((("q1", "Yes"), ("q2", "Yes")), ("builder", "risky")),)
    assert unreachable(tree) == [NodeRef(kind=NodeKind.CONCLUSION, id="c0")]
    # c1 can be pointed to, but no path with its labels gets there
    assert walked.paths_per_conclusion == {"c2": 2}
    assert count_paths(tree) == 2
