"""Plain-language messages: templates with parameters, numbers for the locale, translation hooks, and no
claim that a system is lawful."""

import re

import pytest

from algoreg.bias.messages import (
    LEGAL_QUESTION_IDS,
    LEGAL_QUESTIONS,
    PARAM_KINDS,
    TEMPLATES,
    Message,
    render,
)
from algoreg.errors import InvalidInput

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_placeholder_of_every_template_has_a_known_kind() -> None:
    for message_id, template in TEMPLATES.items():
        names = set(PLACEHOLDER.findall(template.text)) | set(PLACEHOLDER.findall(template.plural or ""))
        assert names <= set(PARAM_KINDS), (message_id, names - set(PARAM_KINDS))
        # no stray percent signs: every % starts a placeholder
        assert template.text.count("%") == len(PLACEHOLDER.findall(template.text)), message_id


def test_numbers_are_formatted_by_kind_and_locale() -> None:
    message = Message(
        "bias.monitoring.gap_change",
        {
            "rate": Message("bias.rate.selection_rate"),
            "group": "B",
            "reference": Message("bias.reference.group", {"reference_group": "A"}),
            "latest_ratio": 0.5,
            "period": "2024-03",
            "earlier_ratio": 1.0,
            "change": 0.5,
            "change_lower": 0.4321,
            "change_upper": 0.61,
            "p": 0.000312,
        },
    )
    assert render(message) == (
        "For the selection rate, the ratio of group 'B' to the reference group 'A' was 0.5 in period 2024-03 "
        "against 1.0 in the earlier periods together: a change by a factor of 0.5 (0.43–0.61; "
        "adjusted p = 0.00031)."
    )
    dutch = render(message, locale="nl")
    assert "0,5 in period" in dutch and "(0,43–0,61; adjusted p = 0,00031)" in dutch


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"rows": 1234567, "excluded": 0, "counted": 1234567}, "1,234,567 rows were read; 0 were"),
        ({"rows": 3, "excluded": 1, "counted": 2}, "3 rows were read; 1 were"),
    ],
)
def test_counts_have_digit_grouping(params: dict[str, int], expected: str) -> None:
    assert render(Message("bias.summary.data", params)).startswith(expected)


def test_small_p_values_are_bounded_counts_take_plurals_and_points_have_a_sign() -> None:
    fit = Message("bias.stage.goodness_of_fit", {"stage": "s", "first_stage": "f", "p": 1e-9})
    assert "chi-square p < 0.0001 (" in render(fit)
    assert "chi-square p < 0,0001 (" in render(fit, locale="nl")
    group = Message("bias.reference.group", {"reference_group": "A"})
    few = Message(
        "bias.finding.too_few_cases",
        {
            "group": "B",
            "rate": Message("bias.rate.selection_rate"),
            "reference": group,
            "group_cases": Message("bias.count.cases", {"count": 1}),
            "reference_cases": Message("bias.count.cases", {"count": 2500}),
            "min_cases": 30,
        },
    )
    assert render(few).startswith(
        "Group 'B' has 1 case for its selection rate and the reference group 'A' has 2,500"
    )
    points = Message("bias.tolerance.difference", {"points_lower": -0.05, "points_upper": 0.025})
    assert render(points) == "difference -5 to +2.5 percentage points"
    tolerance = Message("bias.tolerance.ratio", {"ratio_lower": 0.8, "ratio_upper": 1.25})
    assert render(tolerance) == "ratio 0.8 to 1.25"
    assert render(tolerance, locale="nl") == "ratio 0,8 to 1,25"


def test_plurals_follow_the_count() -> None:
    assert render(Message("bias.count.tests", {"count": 1})) == "1 test"
    assert render(Message("bias.count.tests", {"count": 24})) == "24 tests"
    assert render(Message("bias.count.cases", {"count": 0})) == "0 cases"


def shout(text: str) -> str:
    """The text in capitals, its placeholders left as they are."""
    parts = re.split(r"(%\(\w+\)s)", text)
    return "".join(part if PLACEHOLDER.fullmatch(part) else part.upper() for part in parts)


class Shouting:
    """A translation catalogue that writes every text in capitals, to see what goes through it."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def gettext(self, message: str) -> str:
        self.asked.append(message)
        return shout(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        self.asked.append(singular)
        return shout(singular if n == 1 else plural)


def test_translations_are_asked_for_the_template_and_every_nested_message() -> None:
    # given
    catalogue = Shouting()
    message = Message(
        "bias.summary.verdicts",
        {
            "comparisons": Message("bias.count.comparisons", {"count": 2}),
            "disparity_found": 1,
            "no_disparity": 1,
            "inconclusive": 0,
            "too_few_cases": 0,
        },
    )

    # when
    text = render(message, translations=catalogue)

    # then
    assert catalogue.asked == [
        TEMPLATES["bias.count.comparisons"].text,
        TEMPLATES["bias.summary.verdicts"].text,
    ]
    assert text.startswith("OF 2 COMPARISONS: DISPARITY FOUND 1;")


def test_an_unknown_id_or_a_missing_parameter_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        render(Message("bias.nonsense"))
    assert error.value.problems[0].field == "id"
    with pytest.raises(InvalidInput) as error:
        render(Message("bias.reference.group"))
    assert "reference_group" in error.value.problems[0].reason


def test_the_legal_questions_are_fixed_and_no_message_says_a_system_is_lawful() -> None:
    assert [message.id for message in LEGAL_QUESTIONS] == ["bias.legal.intro", *LEGAL_QUESTION_IDS]
    assert LEGAL_QUESTION_IDS == (
        "bias.legal.direct_or_indirect",
        "bias.legal.legitimate_aim",
        "bias.legal.suitability",
        "bias.legal.necessity",
        "bias.legal.proportionality",
    )
    for message in LEGAL_QUESTIONS:
        assert render(message)
    claims = re.compile(
        r"\b(is|are|was|were)\s+(not\s+)?(lawful|legal|justified|non-discriminatory|fair)\b", re.I
    )
    for message_id, template in TEMPLATES.items():
        assert not claims.search(template.text), message_id
