"""Bad answers are refused, each with a clear error naming the question, and nothing is stored."""

from typing import Any

import pytest

from algoreg.db.session import transaction
from algoreg.errors import InvalidInput
from algoreg.instruments import assessments
from tests.instruments.assessment_support import (
    Factory,
    People,
    make_algorithm,
    people,
    store_test_instrument,
)

__all__ = ["people"]


@pytest.fixture
def assessment(factory: Factory, people: People) -> tuple[str, int]:
    public_id = make_algorithm(factory)
    instrument_id = store_test_instrument(factory)
    with transaction(factory) as session:
        return public_id, assessments.start_assessment(session, people.eva, public_id, instrument_id).id


def refused(
    factory: Factory, people: People, assessment: tuple[str, int], given: dict[str, Any]
) -> dict[str, str]:
    public_id, assessment_id = assessment
    with pytest.raises(InvalidInput) as caught, transaction(factory) as session:
        assessments.record_answers(session, people.eva, public_id, assessment_id, given)
    with transaction(factory) as session:
        view = assessments.get_assessment(session, people.eva, public_id, assessment_id)
    assert view.answers == {}, "nothing is stored when an answer is refused"
    return {problem.field: problem.reason for problem in caught.value.problems}


@pytest.mark.parametrize(
    ("given", "field", "reason"),
    [
        ({"colour": "blauw"}, "colour", "there is no question 'colour' in 'test-impact' 1.0"),
        ({"learning": "ja"}, "learning", '"ja" is not an option; allowed: one of true, false'),
        ({"purpose": 12}, "purpose", "int given; allowed: text"),
        ({"per_year": 2.5}, "per_year", "2.5 is not whole; allowed: a whole number, at least 0"),
        ({"per_year": -1}, "per_year", "-1 is out of range; allowed: a whole number, at least 0"),
        (
            {"signature": {"signed_by": "Jan"}},
            "signature",
            "not a signature; allowed: an object with 'signed_by', 'signed_on' (YYYY-MM-DD) "
            "and optionally 'role'",
        ),
        (
            {"action": "Iets doen"},
            "action",
            "sits in the repeatable group 'actions'; answer 'actions' with its list of entries, "
            "each an object of answers by question id",
        ),
        (
            {"closing_notice": "gelezen"},
            "closing_notice",
            "is a notice (text to read), not a question to answer",
        ),
        ({"basics": "x"}, "basics", "is a part, not a question to answer"),
        (
            {"actions": {"action": "x"}},
            "actions",
            "expected a list of entries, each an object of answers by question id",
        ),
        ({"actions": [{"action": 3}]}, "actions[0]/action", "int given; allowed: text"),
        (
            {"actions": [{"wie": "x"}]},
            "actions[0]/wie",
            "there is no question 'wie' in an entry of 'actions'",
        ),
    ],
)
def test_a_bad_answer_names_the_question_and_what_is_allowed(
    factory: Factory,
    people: People,
    assessment: tuple[str, int],
    given: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    assert refused(factory, people, assessment, given) == {field: reason}


def test_a_question_that_does_not_apply_now_is_refused_naming_what_it_depends_on(
    factory: Factory, people: People, assessment: tuple[str, int]
) -> None:
    # when: training data for an algorithm said not to learn
    problems = refused(factory, people, assessment, {"learning": False, "training": "Besluiten"})
    # then
    assert problems == {
        "training": "is not asked now: it is asked only for certain answers to 'learning'; change those first"
    }


def test_a_question_after_a_stop_is_refused_naming_the_stop(
    factory: Factory, people: People, assessment: tuple[str, int]
) -> None:
    problems = refused(factory, people, assessment, {"prohibited": True, "per_year": 10})
    assert problems == {
        "per_year": "is not asked now: the answers reached the stop 'prohibited_stop' before it "
        "(Een verboden praktijk mag niet worden gebruikt.)"
    }


def test_every_bad_answer_of_a_batch_is_named_and_none_is_stored(
    factory: Factory, people: People, assessment: tuple[str, int]
) -> None:
    problems = refused(factory, people, assessment, {"purpose": "Goed", "learning": 1, "per_year": "veel"})
    assert set(problems) == {"learning", "per_year"}


def test_an_empty_batch_is_refused(factory: Factory, people: People, assessment: tuple[str, int]) -> None:
    assert refused(factory, people, assessment, {}) == {
        "answers": "is empty; give at least one answer by question id"
    }


def test_answers_in_one_batch_may_depend_on_each_other_and_clearing_is_kept_in_history(
    factory: Factory, people: People, assessment: tuple[str, int]
) -> None:
    # given
    public_id, assessment_id = assessment
    with transaction(factory) as session:
        # when: the branch and the question it opens in one batch, then the branch cleared
        assessments.record_answers(
            session, people.eva, public_id, assessment_id, {"training": "Besluiten", "learning": True}
        )
        assessments.record_answers(session, people.eva, public_id, assessment_id, {"learning": None})
        view = assessments.get_assessment(session, people.eva, public_id, assessment_id)
        history = assessments.answer_history(session, people.eva, public_id, assessment_id, "learning")
    # then: the training answer is kept, but no longer counts
    assert set(view.answers) == {"training"}
    assert view.parts[0].answered == 0
    assert [item.value for item in history] == [True, None]


def test_repeatable_group_entries_are_answered_as_a_list(
    factory: Factory, people: People, assessment: tuple[str, int]
) -> None:
    # given
    public_id, assessment_id = assessment
    entries = [{"action": "Uitleg schrijven"}, {"action": "Bezwaarprocedure aanpassen"}]
    with transaction(factory) as session:
        # when
        assessments.record_answers(session, people.eva, public_id, assessment_id, {"actions": entries})
        view = assessments.get_assessment(session, people.eva, public_id, assessment_id)
    # then
    assert view.answers["actions"].value == entries
    assert view.parts[1].answered == 2  # both entries' questions
