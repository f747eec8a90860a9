"""Analysis of counts per group per process stage, checked against SciPy and hand computations."""

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

from algoreg.bias.aggregate import StageCounts, analyse_stages
from algoreg.bias.statistics import JudgementSettings, Method, Verdict, compare_proportions
from algoreg.errors import InvalidInput

STAGES = ("population", "selected", "checked")


def two_groups() -> StageCounts:
    return StageCounts(stages=STAGES, groups=("A", "B"), counts=((600, 50, 30), (400, 50, 20)))


def problems_of(error: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(problem.field, problem.reason) for problem in error.value.problems]


# --- the input model --------------------------------------------------------------------------------


def test_stage_counts_keep_their_order_and_accept_lists() -> None:
    counts = StageCounts(stages=list(STAGES), groups=["A", "B"], counts=[[600, 50, 30], [400, 50, 20]])  # type: ignore[arg-type]
    assert counts == two_groups()
    assert counts.count("B", "selected") == 50
    assert counts.matrix.tolist() == [[600, 50, 30], [400, 50, 20]]
    assert counts.matrix.dtype == np.int64


def test_a_stage_larger_than_the_one_before_names_the_group_and_stages() -> None:
    with pytest.raises(InvalidInput) as error:
        StageCounts(stages=STAGES, groups=("A", "B"), counts=((600, 50, 30), (400, 50, 51)))
    [(field, reason)] = problems_of(error)
    assert field == "counts"
    assert "'B'" in reason and "'checked' (51)" in reason and "'selected' (50)" in reason


@pytest.mark.parametrize(
    ("stages", "groups", "counts", "expected"),
    [
        (STAGES, ("A", "B"), ((600, 50, 30), (400, -1, 0)), "negative"),
        (STAGES, ("A", "B"), ((600, 50.0, 30), (400, 50, 20)), "not a whole number"),
        (STAGES, ("A", "B"), ((600, True, 0), (400, 50, 20)), "not a whole number"),
        (STAGES, ("A", "B"), ((600, "50", 30), (400, 50, 20)), "not a whole number"),
        (STAGES, ("A",), ((600, 50, 30),), "at least two groups"),
        (("population",), ("A", "B"), ((600,), (400,)), "at least two stages"),
        (STAGES, ("A", "A"), ((600, 50, 30), (400, 50, 20)), "unique"),
        (STAGES, ("A", ""), ((600, 50, 30), (400, 50, 20)), "non-empty"),
        (STAGES, ("A", "B"), ((600, 50, 30), (400, 50)), "one count per stage"),
        (STAGES, ("A", "B"), ((600, 50, 30),), "one row per group"),
    ],
)
def test_stage_counts_reject_bad_input(
    stages: tuple[str, ...], groups: tuple[str, ...], counts: tuple[tuple[object, ...], ...], expected: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        StageCounts(stages=stages, groups=groups, counts=counts)  # type: ignore[arg-type]
    assert any(expected in reason for _, reason in problems_of(error))


def test_stage_counts_from_a_long_frame() -> None:
    # given rows in any order; the stages are listed explicitly
    frame = pl.DataFrame(
        {
            "groep": ["B", "A", "A", "B", "A", "B"],
            "fase": ["checked", "population", "selected", "population", "checked", "selected"],
            "aantal": [20, 600, 50, 400, 30, 50],
        }
    )

    # when
    counts = StageCounts.from_long(frame, group="groep", stage="fase", count="aantal", stages=STAGES)

    # then
    assert counts.stages == STAGES and counts.groups == ("B", "A")
    assert counts.count("A", "checked") == 30 and counts.count("B", "population") == 400


def test_a_long_frame_gives_stages_in_order_of_appearance() -> None:
    frame = pl.DataFrame(
        {"group": ["A", "A", "B", "B"], "stage": ["all", "hit", "all", "hit"], "count": [9, 3, 8, 2]}
    )
    assert StageCounts.from_long(frame).stages == ("all", "hit")


def test_stage_counts_from_a_wide_frame() -> None:
    frame = pl.DataFrame(
        {"group": ["A", "B"], "population": [600, 400], "selected": [50, 50], "checked": [30, 20]}
    )
    assert StageCounts.from_wide(frame) == two_groups()
    assert StageCounts.from_wide(frame, stages=["population", "checked"]).stages == ("population", "checked")


@pytest.mark.parametrize(
    ("frame", "field", "expected"),
    [
        (pl.DataFrame({"group": ["A", "B"], "stage": ["s", "s"], "count": [1.0, 2.0]}), "count", "integer"),
        (pl.DataFrame({"group": ["A", "B"], "stage": ["s", "s"], "count": ["1", "2"]}), "count", "integer"),
        (pl.DataFrame({"group": ["A", "B"], "stage": ["s", "s"], "count": [1, None]}), "count", "empty"),
        (pl.DataFrame({"group": ["A", "B"], "stage": ["s", "s"]}), "count", "not a column"),
        (pl.DataFrame({"group": ["A", "A"], "stage": ["s", "s"], "count": [1, 2]}), "stage", "more than one"),
        (
            pl.DataFrame({"group": ["A", "A", "B"], "stage": ["s", "t", "s"], "count": [2, 1, 2]}),
            "count",
            "'B' at 't'",
        ),
    ],
)
def test_a_bad_long_frame_names_the_column(frame: pl.DataFrame, field: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as error:
        StageCounts.from_long(frame)
    [(problem_field, reason)] = problems_of(error)
    assert problem_field == field and expected in reason


def test_a_bad_wide_frame_names_the_column() -> None:
    frame = pl.DataFrame({"group": ["A", "B"], "population": [600, 400], "selected": [50.5, 50.0]})
    with pytest.raises(InvalidInput) as error:
        StageCounts.from_wide(frame)
    assert problems_of(error)[0][0] == "selected"
    with pytest.raises(InvalidInput) as error:
        StageCounts.from_wide({"group": ["A"]})  # type: ignore[arg-type]
    assert problems_of(error)[0][0] == "frame"


# --- the analysis -----------------------------------------------------------------------------------


def test_goodness_of_fit_and_residuals_by_hand() -> None:
    # given 60% A and 40% B in the population, but half and half among the selected
    analysis = analyse_stages(two_groups())
    selected = analysis.stages[0]

    # then the expected counts are 60 and 40 and the statistic 100/60 + 100/40
    fit = selected.goodness_of_fit
    assert fit is not None
    assert fit.expected == pytest.approx((60.0, 40.0))
    assert fit.statistic == pytest.approx(100 / 60 + 100 / 40)
    assert fit.p_value == pytest.approx(stats.chi2.sf(100 / 60 + 100 / 40, 1))
    reference = stats.chisquare([50, 50], [60, 40])
    assert (fit.statistic, fit.p_value) == pytest.approx((reference.statistic, reference.pvalue))
    assert fit.degrees_of_freedom == 1 and fit.method is Method.PEARSON_GOODNESS_OF_FIT
    # and the adjusted residuals are ∓10/√(60·0.4); with two groups their square is the statistic
    a, b = selected.groups
    assert a.adjusted_residual == pytest.approx(-10 / math.sqrt(24))
    assert b.adjusted_residual == pytest.approx(10 / math.sqrt(24))
    assert a.expected == pytest.approx(60.0)
    assert b.adjusted_residual**2 == pytest.approx(fit.statistic)
    # at the next stage the mix is the population's again
    checked = analysis.stages[1]
    assert checked.goodness_of_fit is not None and checked.goodness_of_fit.statistic == pytest.approx(0.0)
    assert (checked.stage, checked.previous_stage, checked.total) == ("checked", "selected", 50)


def test_selection_rate_ratios_by_hand() -> None:
    analysis = analyse_stages(two_groups())
    b_selected = analysis.stages[0].groups[1]

    # B: 50 of 400 selected, against 50 of 600 of all others: ratio 1.5, Katz interval
    comparison = b_selected.from_population.comparison
    assert comparison is not None
    se = math.sqrt(1 / 50 - 1 / 400 + 1 / 50 - 1 / 600)
    assert comparison.ratio.estimate == pytest.approx(1.5)
    assert comparison.ratio.lower == pytest.approx(1.5 * math.exp(-1.959963984540054 * se))
    assert comparison.ratio.upper == pytest.approx(1.5 * math.exp(1.959963984540054 * se))
    reference = stats.chi2_contingency(np.array([[50, 350], [50, 550]]), correction=False)
    assert comparison.test.p_value == pytest.approx(reference.pvalue)
    # at the second stage, from the previous stage is from the population
    assert b_selected.from_previous is b_selected.from_population

    # at 'checked', A passed 30 of 50 on from 'selected' against 20 of 50, but 30 of 600 from the
    # population against 20 of 400: the same rate
    a_checked = analysis.stages[1].groups[0]
    assert a_checked.from_previous.comparison is not None and a_checked.from_population.comparison is not None
    assert a_checked.from_previous.comparison.ratio.estimate == pytest.approx(1.5)
    assert a_checked.from_population.comparison.ratio.estimate == pytest.approx(1.0)
    assert a_checked.from_previous.comparison == compare_proportions(30, 50, 20, 50)


def test_benjamini_hochberg_runs_over_all_group_and_stage_tests() -> None:
    analysis = analyse_stages(two_groups())
    verdicts = [analysis.stages[0].groups[0].from_previous, analysis.stages[0].groups[1].from_previous]
    for group in analysis.stages[1].groups:
        verdicts += [group.from_previous, group.from_population]
    raw = [v.p_value for v in verdicts]
    assert analysis.tests_in_family == 6
    assert [v.adjusted_p_value for v in verdicts] == pytest.approx(
        list(stats.false_discovery_control(raw, method="bh"))
    )
    # B's selection (p ≈ 0.04 alone) is not significant among six tests
    assert verdicts[1].p_value is not None and verdicts[1].p_value < 0.05
    assert verdicts[1].verdict is Verdict.INCONCLUSIVE


def test_a_group_with_nobody_at_a_stage() -> None:
    # given group C of 100 of whom none is selected
    counts = StageCounts(
        stages=STAGES, groups=("A", "B", "C"), counts=((1000, 100, 40), (800, 80, 30), (100, 0, 0))
    )

    # when
    analysis = analyse_stages(counts)

    # then C's residual is -E/√(E(1-π)) with E = 100/1900·180 and π = 100/1900
    c_selected = analysis.stages[0].groups[2]
    expected = 100 / 1900 * 180
    assert c_selected.expected == pytest.approx(expected)
    assert c_selected.adjusted_residual == pytest.approx(-expected / math.sqrt(expected * (1 - 100 / 1900)))
    fit = analysis.stages[0].goodness_of_fit
    assert fit is not None
    assert fit.statistic == pytest.approx(
        stats.chisquare([100, 80, 0], np.array([1000, 800, 100]) / 1900 * 180)[0]
    )
    # its ratio needs the zero-cell correction, and zero is significantly low
    comparison = c_selected.from_population.comparison
    assert comparison is not None and comparison.ratio_zero_correction == 0.5
    assert comparison.ratio.estimate == pytest.approx((0.5 / 101) / (180.5 / 1801))
    assert comparison.test.method is Method.PEARSON_CHI_SQUARE
    assert c_selected.from_population.verdict is Verdict.DISPARITY_FOUND
    # and with nobody selected, nobody can pass on to 'checked': no conclusion from there
    c_checked = analysis.stages[1].groups[2]
    assert c_checked.from_previous.verdict is Verdict.TOO_FEW_CASES
    assert c_checked.from_previous.comparison is None
    assert c_checked.from_population.comparison is not None
    assert c_checked.from_population.comparison.trials == 100


def test_small_groups_and_absent_groups_draw_no_conclusion() -> None:
    counts = StageCounts(
        stages=("population", "selected"),
        groups=("A", "B", "small", "absent"),
        counts=((1000, 150), (900, 60), (20, 10), (0, 0)),
    )
    analysis = analyse_stages(counts, settings=JudgementSettings(min_group_size=25))
    a, b, small, absent = analysis.stages[0].groups
    assert small.from_previous.verdict is Verdict.TOO_FEW_CASES
    assert small.from_previous.settings.min_group_size == 25
    assert absent.from_previous.verdict is Verdict.TOO_FEW_CASES
    assert absent.expected is None and absent.adjusted_residual is None
    assert analysis.tests_in_family == 2
    fit = analysis.stages[0].goodness_of_fit
    assert fit is not None and fit.groups == ("A", "B", "small")
    assert (
        a.from_previous.verdict is Verdict.DISPARITY_FOUND
        and b.from_previous.verdict is Verdict.DISPARITY_FOUND
    )


def test_an_empty_stage_has_no_goodness_of_fit() -> None:
    counts = StageCounts(stages=("population", "found"), groups=("A", "B"), counts=((100, 0), (100, 0)))
    stage = analyse_stages(counts).stages[0]
    assert stage.goodness_of_fit is None
    assert stage.groups[0].expected == 0.0 and stage.groups[0].adjusted_residual is None


def test_analyse_stages_rejects_wrong_types() -> None:
    with pytest.raises(InvalidInput) as error:
        analyse_stages({"A": [1, 2]})  # type: ignore[arg-type]
    assert problems_of(error)[0][0] == "counts"
    with pytest.raises(InvalidInput) as error:
        analyse_stages(two_groups(), settings={"q": 0.1})  # type: ignore[arg-type]
    assert problems_of(error)[0][0] == "settings"
