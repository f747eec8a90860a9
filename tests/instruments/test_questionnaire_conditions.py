"""The condition language: read from YAML-like mappings, evaluated without eval, strict on types."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from algoreg.instruments.questionnaire.conditions import (
    AllOf,
    AnyOf,
    Condition,
    Contains,
    Equals,
    Not,
    NotEmpty,
    OneOf,
    Within,
    holds,
    is_answered,
    leaves,
    same_value,
)

CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


def parse(data: Any) -> Condition:
    return CONDITION.validate_python(data)


def test_every_form_is_read_from_its_key() -> None:
    # when
    read = parse(
        {
            "all": [
                {"question": "a", "equals": True},
                {"question": "b", "in": ["x", "y"]},
                {"any": [{"question": "c", "contains": "z"}, {"question": "d", "not_empty": True}]},
                {"not": {"question": "e", "at_least": 2, "at_most": 5}},
            ]
        }
    )
    # then
    assert read == AllOf(
        conditions=(
            Equals(question="a", equals=True),
            OneOf(question="b", values=("x", "y")),
            AnyOf(conditions=(Contains(question="c", contains="z"), NotEmpty(question="d", not_empty=True))),
            Not(condition=Within(question="e", at_least=2, at_most=5)),
        )
    )
    assert [leaf.question for leaf in leaves(read)] == ["a", "b", "c", "d", "e"]
    assert CONDITION.dump_python(read, by_alias=True, exclude_none=True)["all"][1] == {
        "question": "b",
        "in": ("x", "y"),
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"question": "a"}, "not a condition; allowed: {question, equals | in | contains"),
        ({"question": "a", "equals": 1, "extra": 2}, "Extra inputs are not permitted"),
        ({"question": "a", "at_least": 3, "at_most": 1}, "at_least is greater than at_most"),
        ({"all": []}, "at least 1 item"),
        ({"question": "a", "not_empty": False}, "Input should be True"),
        ({"question": "has space", "equals": 1}, "String should match pattern"),
        ({"question": "a", "equals": [1]}, "Input should be a valid"),
    ],
)
def test_malformed_conditions_are_refused(data: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(data)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ({"question": "a", "equals": True}, {"a": True}, True),
        ({"question": "a", "equals": True}, {"a": 1}, False),  # a boolean is not a number
        ({"question": "a", "equals": 1}, {"a": 1.0}, True),
        ({"question": "a", "equals": "1"}, {"a": 1}, False),
        ({"question": "a", "equals": False}, {}, False),  # an unanswered question equals nothing
        ({"question": "a", "in": ["x", "y"]}, {"a": "y"}, True),
        ({"question": "a", "in": ["x", "y"]}, {"a": "z"}, False),
        ({"question": "a", "contains": "x"}, {"a": ["w", "x"]}, True),
        ({"question": "a", "contains": "x"}, {"a": "x"}, False),  # only lists contain
        ({"question": "a", "not_empty": True}, {"a": "  "}, False),
        ({"question": "a", "not_empty": True}, {"a": []}, False),
        ({"question": "a", "not_empty": True}, {"a": False}, True),  # "no" is an answer
        ({"question": "a", "at_least": 2}, {"a": ["x", "y"]}, True),
        ({"question": "a", "at_least": 2}, {"a": ["x"]}, False),
        ({"question": "a", "at_most": 10}, {"a": 10}, True),
        ({"question": "a", "at_least": 1}, {"a": True}, False),
        ({"all": [{"question": "a", "equals": 1}, {"question": "b", "equals": 2}]}, {"a": 1, "b": 3}, False),
        ({"any": [{"question": "a", "equals": 1}, {"question": "b", "equals": 2}]}, {"a": 1, "b": 3}, True),
        ({"not": {"question": "a", "equals": 1}}, {}, True),
    ],
)
def test_holds(condition: Any, answers: dict[str, Any], expected: bool) -> None:
    assert holds(parse(condition), answers.get) is expected


def test_same_value_keeps_booleans_apart_from_numbers() -> None:
    assert same_value(True, True)
    assert not same_value(True, 1)
    assert not same_value(0, False)
    assert same_value(2, 2.0)
    assert not same_value("a", ["a"])
    assert is_answered(0)
    assert not is_answered(None)


ANSWER = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["x", "y", ""]))
LEAF = st.builds(
    lambda question, value: {"question": question, "equals": value},
    st.sampled_from(["a", "b"]),
    st.one_of(st.booleans(), st.integers(-3, 3), st.sampled_from(["x", "y"])),
)


@given(leaf=LEAF, other=LEAF, a=ANSWER, b=ANSWER)
def test_combinations_follow_boolean_logic(leaf: Any, other: Any, a: Any, b: Any) -> None:
    # given
    answers = {"a": a, "b": b}
    first, second = holds(parse(leaf), answers.get), holds(parse(other), answers.get)
    # then
    assert holds(parse({"not": leaf}), answers.get) is (not first)
    assert holds(parse({"all": [leaf, other]}), answers.get) is (first and second)
    assert holds(parse({"any": [leaf, other]}), answers.get) is (first or second)
