"""The engine on our own sample definition, which uses every feature: visibility, entries of
repeatable groups, options from answers, the stop, progress per part, completeness, action points,
and a state that survives a trip through JSON. Expected values are worked out by hand from
src/algoreg/instruments/definitions/self-check.yaml."""

import copy
import json
from typing import Any

import pytest

from algoreg.errors import InvalidInput
from algoreg.instruments.questionnaire import (
    AssessmentState,
    Instrument,
    accepted_answers,
    action_points,
    answer_problems,
    check_answers,
    evaluate,
    is_complete,
    load_definition,
    options_of,
    progress,
    reached_stop,
    sample_definitions,
    visible_questions,
)
from algoreg.instruments.questionnaire.model import Stop
from algoreg.instruments.questionnaire.our_format import parse_definition
from algoreg.instruments.questionnaire.structure import placed_elements
from tests.instruments.questionnaire_support import Witness, element_path, fill

SELF_CHECK = load_definition(sample_definitions()["self-check"])

#: Answers that make the first part complete without a stop.
PURPOSE = {
    "name": "Parking permits",
    "purpose": "<p>Decides on permits faster.</p>",
    "decisions_per_year": 1200,
    "prohibited": False,
    "kind": "rules",
    "rules_source": "The parking by-law.",
}


def visible_ids(answers: dict[str, Any]) -> list[str]:
    return [str(path[-1]) for path in visible_questions(SELF_CHECK, answers)]


def test_with_no_answers_only_unconditional_questions_are_visible() -> None:
    # when
    state = evaluate(SELF_CHECK, {})
    # then
    assert visible_ids({}) == [
        "name",
        "purpose",
        "in_use_since",
        "decisions_per_year",
        "prohibited",
        "kind",
        "rules_source",  # shown unless the kind is "learning", so also while kind is open
        "data_kinds",
        "affected_groups",
        "report",
        "sign_off",
    ]
    assert [
        (p.part_id, p.questions, p.answered, p.required, p.required_answered) for p in state.progress
    ] == [
        ("purpose", 7, 0, 6, 0),
        ("people", 2, 0, 2, 0),
        ("closing", 2, 0, 1, 0),
    ]
    assert (state.status, state.complete, state.stop, state.problems) == ("in_progress", False, None, ())


@pytest.mark.parametrize(
    ("kind", "shown", "hidden"),
    [
        ("rules", ["rules_source"], ["training_data"]),
        ("learning", ["training_data"], ["rules_source"]),
        ("mixed", ["training_data", "rules_source"], []),
    ],
)
def test_questions_follow_the_kind_of_algorithm(kind: str, shown: list[str], hidden: list[str]) -> None:
    visible = visible_ids({"kind": kind})
    assert all(item in visible for item in shown)
    assert not any(item in visible for item in hidden)


def test_conditions_on_several_choices_and_on_counts() -> None:
    # given
    answers: dict[str, Any] = {"data_kinds": ["special", "origin"], "affected_groups": ["tenants"]}
    # when
    state = evaluate(SELF_CHECK, answers)
    more = visible_ids({**answers, "affected_groups": ["tenants", "visitors"]})
    # then
    assert ("origin_notice",) in state.visible  # contains
    assert "legal_basis" in visible_ids(answers)  # any of two contains
    assert "most_affected" not in visible_ids(answers)  # at_least 2 entries
    assert "most_affected" in more
    assert ("group_checks",) in state.visible  # all of: not empty, and not "none"
    assert ("group_checks",) not in evaluate(SELF_CHECK, {**answers, "data_kinds": ["none"]}).visible


def test_options_drawn_from_answers_given() -> None:
    # given
    answers = {"affected_groups": ["tenants", "visitors"], "most_affected": "residents"}
    # when
    problems = answer_problems(SELF_CHECK, answers)
    # then
    assert options_of(SELF_CHECK, "most_affected", answers) == ("tenants", "visitors")
    assert options_of(SELF_CHECK, "kind", {}) == ("rules", "learning", "mixed")
    assert [(p.field, p.reason) for p in problems] == [
        ("most_affected", '"residents" is not an option; allowed: one of "tenants", "visitors"')
    ]
    with pytest.raises(InvalidInput):
        options_of(SELF_CHECK, "name", {})


def test_each_entry_of_a_repeatable_group_has_its_own_visibility() -> None:
    # given
    answers = {
        "data_kinds": ["personal"],
        "affected_groups": ["tenants", "visitors"],
        "group_checks": [
            {"group_name": "tenants", "group_risk": "high"},
            {"group_name": "visitors", "group_risk": "low"},
        ],
    }
    # when
    state = evaluate(SELF_CHECK, answers)
    # then
    assert ("group_checks", 0, "group_mitigation") in state.visible
    assert ("group_checks", 1, "group_mitigation") not in state.visible
    people = next(item for item in state.progress if item.part_id == "people")
    # data_kinds, legal_basis, affected_groups, most_affected, and 3 + 2 fields of the two entries
    assert (people.questions, people.answered, people.required, people.required_answered) == (9, 6, 9, 6)


def test_the_stop_ends_the_assessment_and_hides_what_follows() -> None:
    # given
    answers = {**PURPOSE, "prohibited": True, "data_kinds": ["none"]}
    # when
    state = evaluate(SELF_CHECK, answers)
    # then
    assert state.status == "stopped"
    assert state.stop is not None
    assert (state.stop.stop_id, state.stop.part_id) == ("prohibited_stop", "purpose")
    assert state.stop.reason.startswith("A prohibited practice may not be used")
    assert ("prohibited_stop",) in state.visible
    assert visible_ids(answers) == ["name", "purpose", "in_use_since", "decisions_per_year", "prohibited"]
    assert [(p.part_id, p.visible, p.questions) for p in state.progress] == [
        ("purpose", True, 5),
        ("people", False, 0),
        ("closing", False, 0),
    ]
    # the answers after the stop are kept but ignored
    assert "data_kinds" not in accepted_answers(SELF_CHECK, answers)
    assert state.complete  # everything visible before the stop is answered
    assert reached_stop(SELF_CHECK, {"prohibited": False}) is None


def test_completeness_needs_every_visible_required_answer() -> None:
    # given
    answers = fill(SELF_CHECK, {**PURPOSE, "data_kinds": ["personal"], "affected_groups": ["tenants"]})
    incomplete = copy.deepcopy(answers)
    del incomplete["sign_off"]
    # when
    state = evaluate(SELF_CHECK, answers)
    # then
    assert state.status == "complete"
    assert is_complete(SELF_CHECK, answers)
    assert not is_complete(SELF_CHECK, incomplete)
    assert [(p.part_id, p.complete) for p in progress(SELF_CHECK, incomplete)] == [
        ("purpose", True),
        ("people", True),
        ("closing", False),
    ]
    assert [(p.field, p.reason) for p in answer_problems(SELF_CHECK, incomplete, require_complete=True)] == [
        (
            "sign_off",
            "an answer is required; allowed: an object with 'signed_by', 'signed_on' (YYYY-MM-DD) "
            "and optionally 'role'",
        )
    ]
    assert answer_problems(SELF_CHECK, incomplete) == ()


def test_an_invalid_answer_counts_as_not_given() -> None:
    # given
    answers = {**PURPOSE, "decisions_per_year": -5, "data_kinds": ["personal", "bogus"]}
    # when
    state = evaluate(SELF_CHECK, answers)
    # then
    assert [problem.field for problem in state.problems] == ["decisions_per_year", "data_kinds"]
    assert "legal_basis" not in visible_ids(answers)  # the condition does not see the invalid list
    purpose = state.progress[0]
    assert (purpose.required, purpose.required_answered, purpose.complete) == (6, 5, False)
    assert "decisions_per_year" not in accepted_answers(SELF_CHECK, answers)


def test_unknown_ids_and_wrong_shapes_are_problems() -> None:
    # given
    answers = {"nme": "typo", "actions": {"action": "not a list"}, "affected_groups": ["a"]}
    answers["group_checks"] = [{"group_name": "a", "risk": "high"}]
    answers["data_kinds"] = ["personal"]
    # when
    problems = [(p.field, p.reason) for p in answer_problems(SELF_CHECK, answers)]
    # then
    assert problems == [
        ("group_checks[0]/risk", "there is no question 'risk' in an entry of 'group_checks'"),
        ("actions", "expected a list of entries, each an object of answers by question id"),
        ("nme", "there is no question 'nme' here"),
    ]
    with pytest.raises(InvalidInput) as caught:
        check_answers(SELF_CHECK, answers)
    assert len(caught.value.problems) == 3
    assert "3 problem(s)" in caught.value.summary


def test_action_points_are_the_entries_of_the_marked_group() -> None:
    # given
    answers = {
        "actions": [
            {
                "action": "Ask the data protection officer",
                "action_owner": "Project lead",
                "action_due": "2025-01-31",
            },
            {"action": "Test for bias", "action_owner": "Data scientist"},
            {},
        ]
    }
    # when
    points = action_points(SELF_CHECK, answers)
    # then
    assert [(point.part_id, point.path, point.values) for point in points] == [
        (
            "closing",
            ("actions", 0),
            {
                "action": "Ask the data protection officer",
                "action_owner": "Project lead",
                "action_due": "2025-01-31",
            },
        ),
        ("closing", ("actions", 1), {"action": "Test for bias", "action_owner": "Data scientist"}),
    ]
    closing = evaluate(SELF_CHECK, answers).progress[2]
    # three entries of two required fields each, and sign_off
    assert (closing.required, closing.required_answered) == (7, 4)


def test_every_condition_of_the_sample_can_be_met() -> None:
    witness = Witness(SELF_CHECK)
    targets = [
        item.element.id for item in placed_elements(SELF_CHECK) if item.element.visible_when is not None
    ]
    targets += [item.element.id for item in placed_elements(SELF_CHECK) if isinstance(item.element, Stop)]
    assert len(targets) == 8  # seven conditional elements and one stop
    for target in targets:
        state = evaluate(SELF_CHECK, witness.showing(target))
        assert state.problems == ()
        assert element_path(SELF_CHECK, target) in state.visible, target


def test_the_state_is_json_and_the_engine_changes_nothing() -> None:
    # given
    answers = fill(SELF_CHECK, {"kind": "mixed", "data_kinds": ["origin"], "affected_groups": ["x", "y"]})
    before = copy.deepcopy(answers)
    # when
    state = evaluate(SELF_CHECK, answers)
    text = json.dumps(state.model_dump(mode="json"))
    # then
    assert AssessmentState.model_validate_json(text) == state
    assert answers == before
    assert evaluate(SELF_CHECK, answers) == state


def test_a_part_shown_only_under_a_condition() -> None:
    # given
    instrument: Instrument = parse_definition(
        {
            "id": "two-parts",
            "version": "1",
            "title": "Two parts",
            "parts": [
                {
                    "id": "screening",
                    "title": "Screening",
                    "items": [
                        {
                            "type": "single_choice",
                            "id": "ai",
                            "text": "AI?",
                            "options": [{"value": True}, {"value": False}],
                        }
                    ],
                },
                {
                    "id": "ai-part",
                    "title": "AI",
                    "visible_when": {"question": "ai", "equals": True},
                    "items": [{"type": "text", "id": "model", "text": "Which model?"}],
                },
            ],
        }
    )
    # when
    without = evaluate(instrument, {"ai": False})
    with_ai = evaluate(instrument, {"ai": True})
    # then
    assert [(p.part_id, p.visible, p.required) for p in without.progress] == [
        ("screening", True, 1),
        ("ai-part", False, 0),
    ]
    assert without.status == "complete"
    assert [(p.part_id, p.visible, p.required) for p in with_ai.progress] == [
        ("screening", True, 1),
        ("ai-part", True, 1),
    ]
    assert with_ai.status == "in_progress"
