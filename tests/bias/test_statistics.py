"""Statistics for rates per group, checked against SciPy, scikit-learn, published values, closed forms
computed by hand, and small simulations."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import roc_auc_score

from algoreg.bias.statistics import (
    JudgementSettings,
    Method,
    Scale,
    Tolerance,
    Verdict,
    benjamini_hochberg,
    bootstrap_auc_interval,
    cases_for_equivalence,
    cases_to_detect,
    compare_proportions,
    detectable_disparity,
    equivalence_test,
    judge_disparities,
    judge_disparity,
    wilson_interval,
)
from algoreg.errors import InvalidInput

Z95 = 1.959963984540054


def fields_of(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [problem.field for problem in error.value.problems]


# --- Wilson -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "trials", "confidence"),
    [(3, 10, 0.95), (0, 25, 0.95), (25, 25, 0.9), (1, 1, 0.99), (481, 1000, 0.95), (7, 2000, 0.8)],
)
def test_wilson_interval_equals_scipy(successes: int, trials: int, confidence: float) -> None:
    # when
    result = wilson_interval(successes, trials, confidence)

    # then
    reference = stats.binomtest(successes, trials).proportion_ci(confidence, method="wilson")
    assert result is not None
    assert result.estimate == successes / trials
    assert result.lower == pytest.approx(reference.low, abs=1e-12)
    assert result.upper == pytest.approx(reference.high, abs=1e-12)
    assert (result.successes, result.trials, result.confidence, result.method) == (
        successes,
        trials,
        confidence,
        Method.WILSON,
    )


def test_wilson_interval_by_hand() -> None:
    # 3 of 10: centre (0.3 + z²/20)/(1 + z²/10), half-width z·√(0.021 + z²/400)/(1 + z²/10)
    z2 = Z95**2
    centre = (0.3 + z2 / 20) / (1 + z2 / 10)
    half = Z95 * math.sqrt(0.3 * 0.7 / 10 + z2 / 400) / (1 + z2 / 10)
    result = wilson_interval(3, 10)
    assert result is not None
    assert (result.lower, result.upper) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert (round(result.lower, 4), round(result.upper, 4)) == (0.1078, 0.6032)


def test_wilson_interval_ends_exactly_at_zero_and_one() -> None:
    none, all_ = wilson_interval(0, 40), wilson_interval(40, 40)
    assert none is not None and all_ is not None
    assert none.lower == 0.0 and 0 < none.upper < 0.1
    assert all_.upper == 1.0 and 0.9 < all_.lower < 1


def test_wilson_interval_of_no_trials_is_none() -> None:
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ((11, 10), "successes"),
        ((-1, 10), "successes"),
        ((1, -10), "trials"),
        ((1.0, 10), "successes"),
        ((True, 10), "successes"),
        ((1, 10, 1.0), "confidence"),
        ((1, 10, 0), "confidence"),
        ((1, 10, float("nan")), "confidence"),
    ],
)
def test_wilson_interval_rejects_bad_input(arguments: tuple[object, ...], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        wilson_interval(*arguments)  # type: ignore[arg-type]
    assert fields_of(error) == [field]


# --- two proportions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "lower", "upper"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10.
        ((56, 70, 48, 80), 0.0524, 0.3339),
        ((9, 10, 3, 10), 0.1705, 0.8090),
        ((6, 7, 2, 7), 0.0582, 0.8062),
        ((5, 56, 0, 29), -0.0381, 0.1926),
        ((0, 10, 0, 20), -0.1611, 0.2775),
        ((10, 10, 0, 20), 0.6791, 1.0000),
    ],
)
def test_difference_interval_matches_newcombes_published_values(
    counts: tuple[int, int, int, int], lower: float, upper: float
) -> None:
    result = compare_proportions(*counts)
    assert result.difference.estimate == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert (round(result.difference.lower, 4), round(result.difference.upper, 4)) == (lower, upper)
    assert result.difference.method is Method.NEWCOMBE_HYBRID_SCORE


def test_difference_interval_is_built_from_wilson_limits() -> None:
    result = compare_proportions(30, 90, 50, 110, confidence=0.9)
    group, reference = wilson_interval(30, 90, 0.9), wilson_interval(50, 110, 0.9)
    assert group is not None and reference is not None
    d = 30 / 90 - 50 / 110
    assert result.difference.lower == pytest.approx(
        d - math.hypot(30 / 90 - group.lower, reference.upper - 50 / 110)
    )
    assert result.difference.upper == pytest.approx(
        d + math.hypot(group.upper - 30 / 90, 50 / 110 - reference.lower)
    )


def test_ratio_interval_is_katz_log_interval() -> None:
    # given 56/70 against 48/80: log-ratio variance 1/56 - 1/70 + 1/48 - 1/80
    se = math.sqrt(1 / 56 - 1 / 70 + 1 / 48 - 1 / 80)

    # when
    result = compare_proportions(56, 70, 48, 80)

    # then
    ratio = (56 / 70) / (48 / 80)
    assert result.ratio.estimate == pytest.approx(ratio)
    assert result.ratio.lower == pytest.approx(ratio * math.exp(-Z95 * se))
    assert result.ratio.upper == pytest.approx(ratio * math.exp(Z95 * se))
    assert (round(result.ratio.lower, 4), round(result.ratio.upper, 4)) == (1.0766, 1.6512)
    assert result.ratio_zero_correction == 0.0
    assert result.ratio.method is Method.KATZ_LOG


@pytest.mark.parametrize("counts", [(0, 40, 6, 50), (6, 40, 0, 50), (0, 40, 0, 50), (40, 40, 45, 50)])
def test_ratio_adds_a_half_to_every_cell_when_a_cell_is_zero(counts: tuple[int, int, int, int]) -> None:
    x1, n1, x0, n0 = counts
    result = compare_proportions(*counts)
    ratio = ((x1 + 0.5) / (n1 + 1)) / ((x0 + 0.5) / (n0 + 1))
    se = math.sqrt(1 / (x1 + 0.5) - 1 / (n1 + 1) + 1 / (x0 + 0.5) - 1 / (n0 + 1))
    assert result.ratio_zero_correction == 0.5
    assert result.ratio.estimate == pytest.approx(ratio)
    assert result.ratio.lower == pytest.approx(ratio * math.exp(-Z95 * se))
    assert result.ratio.upper == pytest.approx(ratio * math.exp(Z95 * se))
    # the rates and the difference use the counts as given
    assert result.rate == x1 / n1 and result.difference.estimate == pytest.approx(x1 / n1 - x0 / n0)


@pytest.mark.parametrize("counts", [(2, 20, 9, 30), (4, 10, 5, 10), (0, 100, 0, 200), (1, 1000, 6, 1000)])
def test_fisher_exact_test_when_an_expected_count_is_below_five(counts: tuple[int, int, int, int]) -> None:
    x1, n1, x0, n0 = counts
    table = np.array([[x1, n1 - x1], [x0, n0 - x0]])
    result = compare_proportions(*counts)
    assert result.test.method is Method.FISHER_EXACT
    assert result.test.min_expected_count < 5
    assert result.test.statistic is None
    assert result.test.p_value == pytest.approx(stats.fisher_exact(table).pvalue)


@pytest.mark.parametrize("counts", [(5, 10, 5, 10), (56, 70, 48, 80), (120, 1000, 160, 1000)])
def test_uncorrected_chi_square_test_otherwise(counts: tuple[int, int, int, int]) -> None:
    x1, n1, x0, n0 = counts
    table = np.array([[x1, n1 - x1], [x0, n0 - x0]])
    reference = stats.chi2_contingency(table, correction=False)
    result = compare_proportions(*counts)
    assert result.test.method is Method.PEARSON_CHI_SQUARE
    assert result.test.min_expected_count >= 5
    assert result.test.p_value == pytest.approx(reference.pvalue)
    assert result.test.statistic == pytest.approx(reference.statistic)
    # by hand: (ad - bc)² N / (row and column totals) for 56/70 against 48/80
    if counts == (56, 70, 48, 80):
        assert result.test.statistic == pytest.approx((56 * 32 - 14 * 48) ** 2 * 150 / (70 * 80 * 104 * 46))


@settings(max_examples=100, deadline=None)
@given(
    counts=st.tuples(st.integers(5, 10**7), st.integers(5, 10**7)).flatmap(
        lambda sizes: st.tuples(
            st.integers(0, sizes[0]), st.just(sizes[0]), st.integers(0, sizes[1]), st.just(sizes[1])
        )
    )
)
def test_chi_square_test_is_exactly_scipys(counts: tuple[int, int, int, int]) -> None:
    # given two rates, up to ten million cases each (the test does SciPy's arithmetic without its wrappers)
    x1, n1, x0, n0 = counts
    table = np.array([[x1, n1 - x1], [x0, n0 - x0]])
    # when
    result = compare_proportions(*counts)
    # then the statistic and p-value are bit for bit those of scipy.stats.chi2_contingency
    if result.test.method is Method.PEARSON_CHI_SQUARE:
        reference = stats.chi2_contingency(table, correction=False)
        assert (result.test.statistic, result.test.p_value) == (reference.statistic, reference.pvalue)


@st.composite
def two_rates(draw: st.DrawFn) -> tuple[int, int, int, int]:
    trials, reference_trials = draw(st.integers(1, 3000)), draw(st.integers(1, 3000))
    return (
        draw(st.integers(0, trials)),
        trials,
        draw(st.integers(0, reference_trials)),
        reference_trials,
    )


@settings(max_examples=150, deadline=None)
@given(counts=two_rates(), confidence=st.floats(0.5, 0.999))
def test_intervals_hold_their_estimates_and_stay_in_range(
    counts: tuple[int, int, int, int], confidence: float
) -> None:
    result = compare_proportions(*counts, confidence=confidence)
    assert -1.0 <= result.difference.lower <= result.difference.estimate <= result.difference.upper <= 1.0
    assert 0.0 < result.ratio.lower <= result.ratio.estimate <= result.ratio.upper
    assert 0.0 <= result.test.p_value <= 1.0
    wider = compare_proportions(*counts, confidence=min(0.9999, confidence + 0.0005))
    assert wider.difference.lower <= result.difference.lower and wider.ratio.upper >= result.ratio.upper


@pytest.mark.parametrize(
    ("counts", "field"),
    [
        ((1, 0, 1, 10), "trials"),
        ((1, 10, 0, 0), "reference_trials"),
        ((11, 10, 1, 10), "successes"),
        ((1, 10, 12, 10), "reference_successes"),
        ((1, 10, 1, 10.5), "reference_trials"),
    ],
)
def test_compare_proportions_rejects_bad_counts(counts: tuple[object, ...], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        compare_proportions(*counts)  # type: ignore[arg-type]
    assert field in fields_of(error)


# --- Benjamini–Hochberg -----------------------------------------------------------------------------


def step_up(p_values: list[float], q: float) -> list[bool]:
    """The Benjamini–Hochberg rule as in the 1995 paper: reject the k smallest, k the largest i with
    p_(i) <= i·q/m."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    k = max((rank for rank, i in enumerate(order, start=1) if p_values[i] <= rank * q / m), default=0)
    rejected = [False] * m
    for i in order[:k]:
        rejected[i] = True
    return rejected


@pytest.mark.parametrize("seed", range(6))
def test_benjamini_hochberg_equals_scipy_and_the_step_up_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p_values = np.concatenate([rng.uniform(0, 1, 15), rng.uniform(0, 0.01, 5)]).tolist()
    result = benjamini_hochberg(p_values, q=0.1)
    assert np.allclose(result.adjusted, stats.false_discovery_control(p_values, method="bh"))
    assert list(result.rejected) == step_up(p_values, 0.1)
    assert result.p_values == tuple(p_values)
    assert result.q == 0.1 and result.method is Method.BENJAMINI_HOCHBERG


def test_benjamini_hochberg_by_hand() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 → 4·p/rank = 0.02, 0.02, 0.04, 0.04; and 0.2 with m = 5
    result = benjamini_hochberg([0.01, 0.04, 0.03, 0.005, 0.2], q=0.05)
    assert result.adjusted == pytest.approx((0.025, 0.05, 0.05, 0.025, 0.2))
    assert result.rejected == (True, True, True, True, False)
    assert benjamini_hochberg([]).adjusted == ()


@pytest.mark.parametrize(
    ("p_values", "q", "field"),
    [([0.1, 1.5], 0.05, "p_values"), ([float("nan")], 0.05, "p_values"), ([0.1], 0.0, "q"), ([0.1], 1, "q")],
)
def test_benjamini_hochberg_rejects_bad_input(p_values: list[float], q: float, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        benjamini_hochberg(p_values, q)
    assert fields_of(error) == [field]


# --- equivalence ------------------------------------------------------------------------------------


def test_ratio_equivalence_p_values_by_hand() -> None:
    # given 480/1000 against 500/1000 and the tolerance 0.8–1.25
    log_ratio = math.log(0.96)
    se = math.sqrt(1 / 480 - 1 / 1000 + 1 / 500 - 1 / 1000)

    # when
    result = equivalence_test(480, 1000, 500, 1000)

    # then
    p_lower = 1 - stats.norm.cdf((log_ratio - math.log(0.8)) / se)
    p_upper = stats.norm.cdf((log_ratio - math.log(1.25)) / se)
    assert result.p_lower == pytest.approx(p_lower)
    assert result.p_upper == pytest.approx(p_upper)
    assert result.p_value == max(result.p_lower, result.p_upper)
    assert result.equivalent and result.method is Method.TOST_KATZ_LOG
    assert result.tolerance == Tolerance(Scale.RATIO, 0.8, 1.25)


def test_difference_p_values_invert_newcombes_interval() -> None:
    # the one-sided level that is the p-value puts the interval's limit exactly on the margin
    result = equivalence_test(130, 400, 150, 420, Tolerance.difference(0.06))
    at_lower = compare_proportions(130, 400, 150, 420, confidence=1 - 2 * result.p_lower)
    at_upper = compare_proportions(130, 400, 150, 420, confidence=1 - 2 * result.p_upper)
    assert at_lower.difference.lower == pytest.approx(-0.06, abs=1e-8)
    assert at_upper.difference.upper == pytest.approx(0.06, abs=1e-8)
    assert result.method is Method.TOST_NEWCOMBE


CASES = [
    (480, 1000, 500, 1000),
    (40, 100, 45, 100),
    (300, 1000, 500, 1000),
    (0, 200, 0, 300),
    (195, 200, 290, 300),
    (4900, 10000, 5000, 10000),
    (12, 60, 11, 55),
    (60, 60, 55, 55),
]


@pytest.mark.parametrize(
    "tolerance", [Tolerance.ratio(), Tolerance.ratio(0.9, 1.2), Tolerance.difference(0.05)]
)
@pytest.mark.parametrize("counts", CASES)
def test_equivalence_is_shown_exactly_when_the_one_minus_two_alpha_interval_is_inside(
    counts: tuple[int, int, int, int], tolerance: Tolerance
) -> None:
    result = equivalence_test(*counts, tolerance=tolerance, alpha=0.05)
    comparison = compare_proportions(*counts, confidence=0.9)
    interval = comparison.ratio if tolerance.scale is Scale.RATIO else comparison.difference
    assert (result.interval.lower, result.interval.upper) == pytest.approx((interval.lower, interval.upper))
    assert result.interval.confidence == pytest.approx(0.9)
    inside = tolerance.lower < interval.lower and interval.upper < tolerance.upper
    assert result.equivalent == inside
    assert result.p_value == max(result.p_lower, result.p_upper)


def test_an_estimate_outside_the_tolerance_gives_a_p_value_of_at_least_a_half() -> None:
    assert equivalence_test(300, 1000, 500, 1000).p_lower > 0.5
    assert equivalence_test(300, 1000, 500, 1000, Tolerance.difference(0.1)).p_lower > 0.5
    assert equivalence_test(700, 1000, 500, 1000, Tolerance.difference(0.1)).p_upper > 0.5


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Tolerance.ratio(1.1, 1.25), "lower"),
        (lambda: Tolerance.ratio(0.8, 0.95), "upper"),
        (lambda: Tolerance.ratio(0, 1.25), "lower"),
        (lambda: Tolerance.difference(0), "margin"),
        (lambda: Tolerance.difference(1.5), "margin"),
        (lambda: Tolerance(Scale.DIFFERENCE, 0.1, 0.2), "lower"),
        (lambda: Tolerance("odds", 0.8, 1.25), "scale"),  # type: ignore[arg-type]
        (lambda: equivalence_test(1, 50, 1, 50, alpha=0.5), "alpha"),
        (lambda: equivalence_test(1, 50, 1, 50, tolerance=(0.8, 1.25)), "tolerance"),  # type: ignore[arg-type]
    ],
)
def test_equivalence_rejects_bad_tolerances(make: object, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        make()  # type: ignore[operator]
    assert fields_of(error) == [field]


def test_a_scale_may_be_named_by_its_text() -> None:
    assert Tolerance("difference", -0.1, 0.1).scale is Scale.DIFFERENCE  # type: ignore[arg-type]


# --- power ------------------------------------------------------------------------------------------


def test_detectable_disparity_by_hand() -> None:
    # at p₀ = ½, sin²(π/4 ± h/2) = (1 ± sin h)/2, with h = (z₀.₉₇₅ + z₀.₈)·√(2/1000)
    h = (Z95 + 0.8416212335729143) * math.sqrt(2 / 1000)
    result = detectable_disparity(1000, 1000, 0.5)
    assert result.rate_above == pytest.approx((1 + math.sin(h)) / 2)
    assert result.rate_below == pytest.approx((1 - math.sin(h)) / 2)
    assert result.ratio_below == pytest.approx(1 - math.sin(h))
    assert result.difference_above == pytest.approx(math.sin(h) / 2)
    assert round(result.difference_above, 4) == 0.0625
    assert result.method is Method.ARCSINE_NORMAL


def test_detectable_disparity_can_be_out_of_reach() -> None:
    result = detectable_disparity(10, 10, 0.02)
    assert result.rate_below is None and result.ratio_below is None and result.difference_below is None
    assert result.rate_above is not None and result.rate_above > 0.3
    assert detectable_disparity(100, 100, 0.0).ratio_above is None


def test_cases_to_detect_by_hand() -> None:
    # h = 2·asin√0.5 - 2·asin√0.4 = 0.201358; n = 2·(2.801585/h)² = 387.2
    result = cases_to_detect(0.5, ratio=0.8)
    assert result.rate == pytest.approx(0.4)
    assert result.cases_per_group == 388
    # the plain normal approximation for two proportions, (z + z)²(p₀q₀ + p₁q₁)/d², gives 385
    assert cases_to_detect(0.5, difference=-0.1).cases_per_group == 388
    plain = (Z95 + 0.8416212335729143) ** 2 * (0.25 + 0.24) / 0.01
    assert abs(result.cases_per_group - plain) / plain < 0.02


def test_cases_for_equivalence_by_hand() -> None:
    # symmetric tolerance, equal rates: n ≈ (z₀.₉₅ + z₀.₉)² · 2(1-p)/p / log(1.25)² = 802.7
    z = stats.norm.ppf(0.95) + stats.norm.ppf(0.9)
    ratio = cases_for_equivalence(0.3)
    assert ratio.cases_per_group == math.ceil(z**2 * 2 * 0.7 / 0.3 / math.log(1.25) ** 2) == 803
    difference = cases_for_equivalence(0.3, Tolerance.difference(0.05))
    assert difference.cases_per_group == math.ceil(z**2 * 2 * 0.21 / 0.05**2) == 1439
    assert ratio.method is Method.NORMAL_TOST


def test_detection_power_holds_in_simulation() -> None:
    # given groups just large enough to detect 0.21 against 0.3
    n = cases_to_detect(0.3, ratio=0.7).cases_per_group
    rng = np.random.default_rng(1)
    group, reference = rng.binomial(n, 0.21, 800), rng.binomial(n, 0.3, 800)

    # when each simulated pair is tested
    rejected = [
        compare_proportions(int(a), n, int(b), n).test.p_value <= 0.05
        for a, b in zip(group, reference, strict=True)
    ]

    # then about 80% are detected (standard error about 1.4 points)
    assert 0.75 < np.mean(rejected) < 0.86


def test_detectable_disparity_holds_in_simulation_for_unequal_groups() -> None:
    detectable = detectable_disparity(200, 800, 0.2)
    assert detectable.rate_above is not None
    rng = np.random.default_rng(2)
    group, reference = rng.binomial(200, detectable.rate_above, 800), rng.binomial(800, 0.2, 800)
    rejected = [
        compare_proportions(int(a), 200, int(b), 800).test.p_value <= 0.05
        for a, b in zip(group, reference, strict=True)
    ]
    assert 0.75 < np.mean(rejected) < 0.86


@pytest.mark.parametrize("tolerance", [Tolerance.ratio(), Tolerance.difference(0.05)])
def test_equivalence_power_holds_in_simulation(tolerance: Tolerance) -> None:
    n = cases_for_equivalence(0.3, tolerance).cases_per_group
    rng = np.random.default_rng(3)
    group, reference = rng.binomial(n, 0.3, 600), rng.binomial(n, 0.3, 600)
    shown = [
        equivalence_test(int(a), n, int(b), n, tolerance).equivalent
        for a, b in zip(group, reference, strict=True)
    ]
    assert 0.74 < np.mean(shown) < 0.86


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: cases_to_detect(1.5, ratio=0.8), "reference_rate"),
        (lambda: cases_to_detect(0.5), "ratio"),
        (lambda: cases_to_detect(0.5, ratio=0.8, difference=0.1), "ratio"),
        (lambda: cases_to_detect(0.6, ratio=2.0), "ratio"),
        (lambda: cases_to_detect(0.6, difference=0.0), "difference"),
        (lambda: cases_to_detect(0.6, difference=0.1, power=1.0), "power"),
        (lambda: cases_for_equivalence(0.0), "rate"),
        (lambda: detectable_disparity(0, 100, 0.3), "trials"),
        (lambda: detectable_disparity(100, 100, 0.3, alpha=2), "alpha"),
    ],
)
def test_power_functions_reject_bad_input(call: object, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        call()  # type: ignore[operator]
    assert fields_of(error) == [field]


# --- verdicts ---------------------------------------------------------------------------------------


def test_too_few_cases_draws_no_conclusion() -> None:
    result = judge_disparity(2, 29, 300, 1000)
    assert result.verdict is Verdict.TOO_FEW_CASES
    assert result.settings.min_group_size == 30
    assert result.p_value is None and result.adjusted_p_value is None and result.equivalence is None
    assert result.comparison is not None  # estimates are still given
    assert result.cases_for_equivalence is not None and result.cases_for_equivalence.cases_per_group > 29
    assert judge_disparity(0, 0, 300, 1000).comparison is None


def test_a_significant_difference_is_a_disparity() -> None:
    result = judge_disparity(300, 1000, 500, 1000)
    assert result.verdict is Verdict.DISPARITY_FOUND
    assert result.adjusted_p_value == result.p_value
    assert result.p_value is not None and result.p_value < 1e-10


def test_equivalence_shown_is_no_disparity_beyond_the_tolerance() -> None:
    result = judge_disparity(4950, 10000, 5000, 10000)
    assert result.verdict is Verdict.NO_DISPARITY_BEYOND_TOLERANCE
    assert result.equivalence is not None and result.equivalence.equivalent
    assert result.cases_for_equivalence is None


def test_no_significant_difference_alone_is_inconclusive() -> None:
    # given a difference that is not significant, with groups too small to show equivalence
    result = judge_disparity(40, 100, 45, 100)

    # then absence of evidence is not taken for evidence of absence
    assert result.p_value is not None and result.p_value > 0.05
    assert result.equivalence is not None and not result.equivalence.equivalent
    assert result.verdict is Verdict.INCONCLUSIVE
    assert result.cases_for_equivalence == cases_for_equivalence(0.45)
    assert result.cases_to_detect is not None
    assert result.cases_to_detect.rate == pytest.approx(0.45 * 0.8)  # the tolerance's edge, on the side seen


def test_a_significant_but_small_disparity_is_found_and_shown_to_be_small() -> None:
    result = judge_disparity(49000, 100000, 50000, 100000)
    assert result.verdict is Verdict.DISPARITY_FOUND
    assert result.equivalence is not None and result.equivalence.equivalent


def test_verdicts_adjust_for_multiple_testing_and_leave_small_groups_out() -> None:
    # given five comparisons, one with too few cases
    successes, trials = [64, 50, 48, 55, 3], [200, 200, 200, 200, 10]
    reference_successes, reference_trials = [45, 50, 50, 50, 50], [200, 200, 200, 200, 200]

    # when
    verdicts = judge_disparities(successes, trials, reference_successes, reference_trials)

    # then the adjusted p-values are BH over the four tested comparisons
    raw = [
        compare_proportions(*row).test.p_value
        for row in zip(successes[:4], trials[:4], reference_successes[:4], [200] * 4, strict=True)
    ]
    assert [v.adjusted_p_value for v in verdicts[:4]] == pytest.approx(
        list(stats.false_discovery_control(raw, method="bh"))
    )
    assert verdicts[4].verdict is Verdict.TOO_FEW_CASES and verdicts[4].adjusted_p_value is None
    # 64/200 against 45/200 is significant alone (p ≈ 0.033) but not after adjustment
    assert verdicts[0].p_value is not None and verdicts[0].p_value < 0.05
    assert verdicts[0].verdict is Verdict.INCONCLUSIVE
    assert judge_disparity(64, 200, 45, 200).verdict is Verdict.DISPARITY_FOUND


def test_verdict_settings_are_validated() -> None:
    with pytest.raises(InvalidInput) as error:
        JudgementSettings(min_group_size=0, q=1.0)
    assert sorted(fields_of(error)) == ["min_group_size", "q"]
    with pytest.raises(InvalidInput) as error:
        judge_disparities([1, 2], [10], [1], [10])
    assert fields_of(error) == ["successes"]
    with pytest.raises(InvalidInput) as error:
        judge_disparities([1, 12], [10, 10], [1, 1], [10, 10])
    assert [(p.field, p.record) for p in error.value.problems] == [("successes", 1)]


# --- AUC --------------------------------------------------------------------------------------------


def expand(positive_counts: np.ndarray, negative_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    bins = np.arange(len(positive_counts))
    scores = np.concatenate([np.repeat(bins, positive_counts), np.repeat(bins, negative_counts)])
    labels = np.concatenate([np.ones(positive_counts.sum()), np.zeros(negative_counts.sum())])
    return labels, scores


@pytest.mark.parametrize("seed", range(5))
def test_auc_equals_scikit_learn_on_expanded_rows(seed: int) -> None:
    rng = np.random.default_rng(seed)
    positives, negatives = rng.integers(0, 30, 12), rng.integers(0, 30, 12)
    positives[0], negatives[-1] = 0, 0  # empty bins are allowed
    result = bootstrap_auc_interval(positives, negatives, n_boot=200)
    assert result.auc == pytest.approx(roc_auc_score(*expand(positives, negatives)))
    assert result.lower <= result.auc <= result.upper
    assert result.positive_counts == tuple(int(c) for c in positives)
    assert result.method is Method.BOOTSTRAP_PERCENTILE


def test_auc_by_hand() -> None:
    # positives at bins 1 and 2, negatives at 0 and 1: pairs (1,0) win, (1,1) tie, (2,0) and (2,1) win
    assert bootstrap_auc_interval([0, 1, 1], [1, 1, 0], n_boot=100).auc == pytest.approx(3.5 / 4)


def test_auc_interval_covers_the_true_auc_about_as_often_as_stated() -> None:
    # given score distributions over six bins with a known AUC
    positive_shares = np.array([0.05, 0.1, 0.15, 0.2, 0.25, 0.25])
    negative_shares = np.array([0.25, 0.25, 0.2, 0.15, 0.1, 0.05])
    below = np.cumsum(negative_shares) - negative_shares
    true_auc = float((positive_shares * (below + negative_shares / 2)).sum())
    rng = np.random.default_rng(7)

    # when 200 samples of 60 positives and 80 negatives each get a 90% interval
    covered = 0
    for replicate in range(200):
        positives = rng.multinomial(60, positive_shares)
        negatives = rng.multinomial(80, negative_shares)
        interval = bootstrap_auc_interval(positives, negatives, n_boot=400, confidence=0.9, seed=replicate)
        covered += interval.lower <= true_auc <= interval.upper

    # then about 90% cover it (standard error about 2 points)
    assert 0.84 <= covered / 200 <= 0.96


def test_auc_interval_is_reproducible_and_fast() -> None:
    rng = np.random.default_rng(0)
    positives, negatives = rng.integers(0, 1000, 500), rng.integers(0, 1000, 500)
    first = bootstrap_auc_interval(positives, negatives, seed=5)
    assert first == bootstrap_auc_interval(positives, negatives, seed=5)
    assert first != bootstrap_auc_interval(positives, negatives, seed=6)
    assert first.n_boot == 2000 and first.confidence == 0.95


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (([1.0, 2.0], [1, 2]), "positive_counts"),
        (([1, -2], [1, 2]), "positive_counts"),
        (([1, 2], [0, 0]), "negative_counts"),
        (([1, 2], [1, 2, 3]), "negative_counts"),
        (([[1, 2]], [1, 2]), "positive_counts"),
        (([1, 2], [1, 2], 10), "n_boot"),
        (([1, 2], [1, 2], 200, 1.5), "confidence"),
        (([1, 2], [1, 2], 200, 0.9, -1), "seed"),
    ],
)
def test_auc_interval_rejects_bad_input(arguments: tuple[object, ...], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        bootstrap_auc_interval(*arguments)  # type: ignore[arg-type]
    assert fields_of(error) == [field]
