"""The workflow state machine."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from algoreg.errors import Conflict
from algoreg.register.workflow import RULES, Action, State, allowed_actions, next_state, steps_to_publish


def test_the_happy_path_leads_from_concept_to_published() -> None:
    # given a new concept
    state = State.CONCEPT
    # when it is submitted, approved and published
    for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH):
        state = next_state(state, action)
    # then it is published
    assert state is State.PUBLISHED


def test_publishing_a_concept_directly_is_refused_with_the_allowed_steps() -> None:
    # when a concept is published without review
    with pytest.raises(Conflict) as refused:
        next_state(State.CONCEPT, Action.PUBLISH)
    # then the message names what is possible
    assert "possible now: edit, submit, retract, archive" in refused.value.message


def test_unarchive_returns_to_the_state_before_archiving() -> None:
    # given an algorithm archived while in review
    archived = next_state(State.IN_REVIEW, Action.ARCHIVE)
    # when it is unarchived
    restored = next_state(archived, Action.UNARCHIVE, State.IN_REVIEW)
    # then it is in review again
    assert (archived, restored) == (State.ARCHIVED, State.IN_REVIEW)


def test_an_archived_algorithm_cannot_be_edited() -> None:
    with pytest.raises(Conflict):
        next_state(State.ARCHIVED, Action.EDIT)


@given(st.lists(st.sampled_from(list(Action)), max_size=30))
def test_any_sequence_of_actions_stays_within_the_rules(actions: list[Action]) -> None:
    # given any sequence of attempted actions
    state, before_archive = State.CONCEPT, None
    for action in actions:
        # when each is attempted
        if action in allowed_actions(state):
            new = next_state(state, action, before_archive)
            # then an allowed action leads where the rule says
            expected = RULES[action].to or (before_archive or State.CONCEPT)
            assert new is expected
            before_archive = state if action is Action.ARCHIVE else before_archive
            state = new
        else:
            # and a forbidden one is refused and changes nothing
            with pytest.raises(Conflict):
                next_state(state, action, before_archive)


@pytest.mark.parametrize("state", list(State))
def test_the_steps_to_publish_are_allowed_in_turn_and_end_published(state: State) -> None:
    steps = steps_to_publish(state)
    current = state
    for action in steps:
        current = next_state(current, action)
    if state in (State.PUBLISHED, State.ARCHIVED):
        assert steps == []
    else:
        assert current is State.PUBLISHED
        # review is never skipped: the steps are the tail of the whole review path
        assert steps == [Action.SUBMIT, Action.APPROVE, Action.PUBLISH][-len(steps) :]
