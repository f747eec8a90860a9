"""One answer checked against its question: every type, with problems naming the question id and
saying what is allowed."""

from typing import Any

import pytest
from pydantic import TypeAdapter

from algoreg.instruments.questionnaire import validate_answer
from algoreg.instruments.questionnaire.model import Element, Question

ELEMENT: TypeAdapter[Element] = TypeAdapter(Element)


def question(**fields: Any) -> Question:
    element = ELEMENT.validate_python({"id": "q1", "text": "Question?", **fields})
    assert not isinstance(element, dict)
    return element  # type: ignore[return-value]


def problems(target: Question, value: Any, **options: Any) -> list[tuple[str, str]]:
    return [(problem.field, problem.reason) for problem in validate_answer(target, value, **options)]


CHOICE = {"type": "single_choice", "options": [{"value": "low"}, {"value": "high"}]}
SEVERAL = {
    "type": "multiple_choice",
    "options": [{"value": "a"}, {"value": "b"}, {"value": "c"}],
    "max_selected": 2,
}


@pytest.mark.parametrize(
    ("fields", "value"),
    [
        ({"type": "text"}, "One line"),
        ({"type": "text", "multiline": True}, "Two\nlines"),
        ({"type": "rich_text"}, "<p>Text</p>"),
        (CHOICE, "high"),
        (SEVERAL, ["a", "c"]),
        ({"type": "date", "earliest": "2020-01-01"}, "2024-02-29"),
        ({"type": "number", "integer": True, "minimum": 0}, 12),
        ({"type": "number", "maximum": 1}, 0.5),
        ({"type": "upload", "accept": ["image/*"]}, {"reference": "d/1", "media_type": "image/png"}),
        ({"type": "statement"}, {"signed_by": "J. Jansen", "signed_on": "2024-05-01"}),
        ({"type": "text", "repeatable": True}, ["one", "two"]),
        ({"type": "text", "required": False}, None),
    ],
)
def test_acceptable_answers_have_no_problem(fields: dict[str, Any], value: Any) -> None:
    assert problems(question(**fields), value) == []


@pytest.mark.parametrize(
    ("fields", "value", "reason"),
    [
        ({"type": "text"}, None, "an answer is required; allowed: text"),
        (
            {"type": "text", "max_length": 3},
            "four",
            "4 characters given; allowed: text of at most 3 characters",
        ),
        ({"type": "text"}, "a\nb", "a line break was given; allowed: one line of text"),
        ({"type": "text"}, 5, "int given; allowed: text"),
        (CHOICE, "medium", '"medium" is not an option; allowed: one of "low", "high"'),
        (
            SEVERAL,
            ["a", "d"],
            '"d" is not an option; allowed: a list of distinct values out of "a", "b", "c"',
        ),
        (SEVERAL, ["a", "a"], '"a" is chosen twice; allowed: each option at most once'),
        (SEVERAL, ["a", "b", "c"], "3 chosen; allowed: at most 2"),
        (SEVERAL, "a", 'str given; allowed: a list of distinct values out of "a", "b", "c"'),
        ({"type": "date"}, "1-2-2024", '"1-2-2024" is not a date; allowed: a date written YYYY-MM-DD'),
        (
            {"type": "date", "earliest": "2020-01-01"},
            "2019-12-31",
            "2019-12-31 is out of range; allowed: a date written YYYY-MM-DD, not before 2020-01-01",
        ),
        ({"type": "number"}, "12", '"12" is not a number; allowed: a number'),
        ({"type": "number"}, True, "true is not a number; allowed: a number"),
        ({"type": "number", "integer": True}, 1.5, "1.5 is not whole; allowed: a whole number"),
        (
            {"type": "number", "minimum": 0, "maximum": 10},
            11,
            "11 is out of range; allowed: a number, at least 0 and at most 10",
        ),
        (
            {"type": "upload"},
            "file.pdf",
            "not an upload reference; allowed: an object with 'reference' "
            "(and optionally 'name', 'media_type')",
        ),
        (
            {"type": "upload", "accept": ["application/pdf"]},
            {"reference": "d/1", "media_type": "image/png"},
            'media type "image/png" is not accepted; allowed: "application/pdf"',
        ),
        (
            {"type": "statement"},
            {"signed_by": "J. Jansen"},
            "not a signature; allowed: an object with 'signed_by', 'signed_on' (YYYY-MM-DD) "
            "and optionally 'role'",
        ),
    ],
)
def test_problems_name_the_question_and_what_is_allowed(
    fields: dict[str, Any], value: Any, reason: str
) -> None:
    assert problems(question(**fields), value) == [("q1", reason)]


def test_entries_of_a_repeatable_question_are_named_by_index() -> None:
    # given
    target = question(type="date", repeatable=True)
    # then
    assert problems(target, ["2024-01-01", "", "soon"], field="plan[0]/q1") == [
        ("plan[0]/q1[1]", "an entry is empty; allowed: a date written YYYY-MM-DD"),
        ("plan[0]/q1[2]", '"soon" is not a date; allowed: a date written YYYY-MM-DD'),
    ]
    assert problems(target, "2024-01-01") == [
        ("q1", "expected a list of entries; for each entry, allowed: a date written YYYY-MM-DD")
    ]


def test_options_drawn_from_other_answers() -> None:
    # given
    target = question(type="single_choice", options_from="groups")
    # then
    assert problems(target, "pupils", options=["pupils", "parents"]) == []
    assert problems(target, "teachers", options=["pupils", "parents"]) == [
        ("q1", '"teachers" is not an option; allowed: one of "pupils", "parents"')
    ]


def test_a_long_list_of_options_is_shortened_with_a_count() -> None:
    # given
    target = question(type="single_choice", options=[{"value": f"right {number}"} for number in range(30)])
    # when
    [(_, reason)] = problems(target, "right 99")
    # then
    assert reason.endswith('"right 8", "right 9" and 20 more')
