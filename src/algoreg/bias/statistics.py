"""Intervals, tests, false-discovery control, equivalence, power and verdicts for rates per group.

Every function takes plain numbers — successes and trials, or arrays of counts — so it applies to any
table of counts. Results are frozen dataclasses that carry the inputs they were computed from and the
method used, so a report can say exactly what was done.

Methods and the papers they come from:

* Wilson score interval for one proportion (Wilson 1927, JASA 22:209).
* Newcombe's hybrid score interval for a difference of proportions, method 10 of Newcombe (1998),
  Statistics in Medicine 17:873.
* Katz log interval for a ratio of proportions (Katz, Baptista, Azen & Pike 1978, Biometrics 34:469),
  with 0.5 added to every cell of the 2×2 table when any cell is zero (Haldane 1956; Anscombe 1956).
* Fisher's exact test when any expected cell count is below 5, otherwise Pearson's chi-square test
  *without* Yates's continuity correction: with all expected counts at least 5 the uncorrected test
  keeps its nominal size, while the correction makes it needlessly conservative (Campbell 2007,
  Statistics in Medicine 26:3661).
* Benjamini & Hochberg (1995), JRSS B 57:289, for the false discovery rate over many comparisons.
* Two one-sided tests for equivalence (Schuirmann 1987, J. Pharmacokinet. Biopharm. 15:657).
* Power by the normal approximation on the arcsine scale, Cohen's h (Cohen 1988, ch. 6).
* The area under the ROC curve as P(S+ > S−) + ½ P(S+ = S−) (Hanley & McNeil 1982, Radiology
  143:29), with a stratified bootstrap percentile interval (Efron & Tibshirani 1993).
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self, TypeGuard

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

from algoreg.errors import FieldProblem, InvalidInput

# Fisher's exact test is used below this expected cell count, Pearson's chi-square test at or above it.
MIN_EXPECTED_FOR_CHI_SQUARE = 5.0
# Added to every cell of the 2×2 table for the ratio when any cell is zero.
ZERO_CELL_CORRECTION = 0.5
# The bootstrap needs enough resamples for the tails of a percentile interval.
MIN_BOOTSTRAP_RESAMPLES = 100


class Method(StrEnum):
    """The statistical method behind a result, recorded so a report can name it."""

    WILSON = "wilson_score"
    NEWCOMBE_HYBRID_SCORE = "newcombe_hybrid_score"
    KATZ_LOG = "katz_log"
    FISHER_EXACT = "fisher_exact_two_sided"
    PEARSON_CHI_SQUARE = "pearson_chi_square_without_continuity_correction"
    PEARSON_GOODNESS_OF_FIT = "pearson_chi_square_goodness_of_fit"
    BENJAMINI_HOCHBERG = "benjamini_hochberg"
    TOST_KATZ_LOG = "two_one_sided_tests_katz_log_ratio"
    TOST_NEWCOMBE = "two_one_sided_tests_newcombe_difference"
    ARCSINE_NORMAL = "normal_approximation_arcsine"
    NORMAL_TOST = "normal_approximation_two_one_sided_tests"
    BOOTSTRAP_PERCENTILE = "stratified_multinomial_bootstrap_percentile"


class Scale(StrEnum):
    """The scale on which two rates are compared."""

    RATIO = "ratio"
    DIFFERENCE = "difference"


class Verdict(StrEnum):
    """What may be concluded about one disparity.

    Absence of evidence is not evidence of absence: a test that finds no significant difference
    gives ``INCONCLUSIVE``, unless equivalence within the tolerance is shown as well.
    """

    DISPARITY_FOUND = "disparity_found"
    NO_DISPARITY_BEYOND_TOLERANCE = "no_disparity_beyond_tolerance"
    INCONCLUSIVE = "inconclusive"
    TOO_FEW_CASES = "too_few_cases"


# --- validation -------------------------------------------------------------------------------------


def _is_integer(value: object) -> TypeGuard[int | np.integer[Any]]:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _is_real(value: object) -> TypeGuard[float | np.integer[Any] | np.floating[Any]]:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool | np.bool_)
        and math.isfinite(float(value))
    )


def _count_problem(field: str, value: object) -> FieldProblem | None:
    if not _is_integer(value):
        return FieldProblem(field, f"must be a whole number of cases, not {value!r}")
    if int(value) < 0:
        return FieldProblem(field, f"must not be negative; got {value}")
    return None


def _open_unit_problem(field: str, value: object, upper: float = 1.0) -> FieldProblem | None:
    if not _is_real(value) or not 0.0 < float(value) < upper:
        return FieldProblem(field, f"must be a number strictly between 0 and {upper:g}; got {value!r}")
    return None


def _raise_if(problems: Sequence[FieldProblem | None], summary: str) -> None:
    found = [problem for problem in problems if problem is not None]
    if found:
        raise InvalidInput(problems=found, summary=summary)


def _check_proportion(successes: object, trials: object, prefix: str = "") -> list[FieldProblem | None]:
    problems = [
        _count_problem(f"{prefix}successes", successes),
        _count_problem(f"{prefix}trials", trials),
    ]
    if _is_integer(successes) and _is_integer(trials) and 0 <= trials < successes:
        problems.append(
            FieldProblem(
                f"{prefix}successes",
                f"must not exceed {prefix}trials; got {successes} successes in {trials} trials",
            )
        )
    return problems


def _check_two_proportions(
    successes: object, trials: object, reference_successes: object, reference_trials: object
) -> list[FieldProblem | None]:
    problems = _check_proportion(successes, trials) + _check_proportion(
        reference_successes, reference_trials, "reference_"
    )
    for name, value in (("trials", trials), ("reference_trials", reference_trials)):
        if _is_integer(value) and int(value) == 0:
            problems.append(FieldProblem(name, "must be at least 1 to compare two rates"))
    return problems


def _z(confidence: float) -> float:
    """The two-sided standard normal quantile for a confidence level."""
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


# --- results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval, the confidence level and the interval's method."""

    estimate: float
    lower: float
    upper: float
    confidence: float
    method: Method


@dataclass(frozen=True)
class ProportionInterval:
    """A rate ``successes / trials`` with its Wilson score interval."""

    successes: int
    trials: int
    confidence: float
    estimate: float
    lower: float
    upper: float
    method: Method = Method.WILSON


@dataclass(frozen=True)
class SignificanceTest:
    """A two-sided test of equal rates: which test, its p-value, and the smallest expected cell count.

    ``statistic`` is the chi-square statistic (one degree of freedom); it is ``None`` for Fisher's
    exact test, whose p-value comes from the hypergeometric distribution directly.
    """

    method: Method
    p_value: float
    statistic: float | None
    min_expected_count: float


@dataclass(frozen=True)
class ProportionComparison:
    """A group's rate against a reference rate: difference, ratio and a test of equal rates.

    ``ratio_zero_correction`` is 0.5 when a cell of the 2×2 table was zero and 0.5 was added to every
    cell for the ratio's estimate and interval, and 0 otherwise.
    """

    successes: int
    trials: int
    reference_successes: int
    reference_trials: int
    confidence: float
    rate: float
    reference_rate: float
    difference: Estimate
    ratio: Estimate
    ratio_zero_correction: float
    test: SignificanceTest


@dataclass(frozen=True)
class FalseDiscoveryControl:
    """Benjamini–Hochberg adjusted p-values, in input order, and which hypotheses are rejected at q."""

    p_values: tuple[float, ...]
    q: float
    adjusted: tuple[float, ...]
    rejected: tuple[bool, ...]
    method: Method = Method.BENJAMINI_HOCHBERG


@dataclass(frozen=True)
class Tolerance:
    """The range of disparities deemed acceptable, on the ratio or the difference scale.

    On the ratio scale ``0 < lower < 1 < upper`` (for example 0.8 to 1.25, symmetric on the log
    scale); on the difference scale ``-1 < lower < 0 < upper < 1``.
    """

    scale: Scale
    lower: float
    upper: float

    def __post_init__(self) -> None:
        problems: list[FieldProblem | None] = []
        if isinstance(self.scale, str) and self.scale in {s.value for s in Scale}:
            object.__setattr__(self, "scale", Scale(self.scale))  # a plain string names the scale too
        else:
            problems.append(FieldProblem("scale", f"must be one of {[s.value for s in Scale]}"))
        for name in ("lower", "upper"):
            if not _is_real(getattr(self, name)):
                problems.append(FieldProblem(name, f"must be a finite number; got {getattr(self, name)!r}"))
        if not problems:
            if self.scale is Scale.RATIO and not 0.0 < self.lower < 1.0 < self.upper:
                problems.append(
                    FieldProblem(
                        "lower" if not 0.0 < self.lower < 1.0 else "upper",
                        f"a ratio tolerance needs 0 < lower < 1 < upper; got {self.lower}–{self.upper}",
                    )
                )
            if self.scale is Scale.DIFFERENCE and not -1.0 < self.lower < 0.0 < self.upper < 1.0:
                problems.append(
                    FieldProblem(
                        "lower" if not -1.0 < self.lower < 0.0 else "upper",
                        f"a difference tolerance needs -1 < lower < 0 < upper < 1; "
                        f"got {self.lower} to {self.upper}",
                    )
                )
        _raise_if(problems, "The tolerance is not valid.")

    @classmethod
    def ratio(cls, lower: float = 0.8, upper: float = 1.25) -> Self:
        """A tolerance on the ratio of two rates; the default 0.8–1.25 is symmetric on the log scale."""
        return cls(Scale.RATIO, lower, upper)

    @classmethod
    def difference(cls, margin: float) -> Self:
        """A symmetric tolerance ``-margin`` to ``+margin`` on the difference of two rates."""
        if not _is_real(margin) or not 0.0 < margin < 1.0:
            raise InvalidInput(
                problems=[FieldProblem("margin", f"must be strictly between 0 and 1; got {margin!r}")],
                summary="The tolerance is not valid.",
            )
        return cls(Scale.DIFFERENCE, -float(margin), float(margin))


DEFAULT_TOLERANCE = Tolerance.ratio()


@dataclass(frozen=True)
class EquivalenceTest:
    """Two one-sided tests of whether a disparity lies within a tolerance.

    ``p_lower`` tests "the disparity is at or below the tolerance's lower bound", ``p_upper`` "at or
    above its upper bound"; ``p_value`` is the larger of the two, and ``equivalent`` is true when it is
    below ``alpha``. That happens exactly when ``interval`` — the ``1 - 2·alpha`` interval of the same
    method — lies strictly inside the tolerance.
    """

    successes: int
    trials: int
    reference_successes: int
    reference_trials: int
    tolerance: Tolerance
    alpha: float
    estimate: float
    interval: Estimate
    p_lower: float
    p_upper: float
    p_value: float
    equivalent: bool
    method: Method


@dataclass(frozen=True)
class DetectableDisparity:
    """The smallest disparities that groups of these sizes detect with the stated power.

    ``rate_below`` is the highest group rate under the reference rate, and ``rate_above`` the lowest
    over it, that a two-sided test at ``alpha`` detects with probability ``power``; the ratios and
    differences follow from them. ``None`` means no rate on that side is detectable (or, for a ratio,
    that the reference rate is 0).
    """

    trials: int
    reference_trials: int
    reference_rate: float
    alpha: float
    power: float
    method: Method
    rate_below: float | None
    rate_above: float | None
    ratio_below: float | None
    ratio_above: float | None
    difference_below: float | None
    difference_above: float | None


@dataclass(frozen=True)
class CasesToDetect:
    """Cases needed in each of two equal groups to detect ``rate`` against ``reference_rate``."""

    reference_rate: float
    rate: float
    alpha: float
    power: float
    method: Method
    cases_per_group: int


@dataclass(frozen=True)
class CasesForEquivalence:
    """Cases needed in each of two equal groups to show equivalence when both true rates are ``rate``."""

    rate: float
    tolerance: Tolerance
    alpha: float
    power: float
    method: Method
    cases_per_group: int


@dataclass(frozen=True)
class AucInterval:
    """The area under the ROC curve from binned scores, with a bootstrap percentile interval."""

    positive_counts: tuple[int, ...]
    negative_counts: tuple[int, ...]
    n_boot: int
    confidence: float
    seed: int
    auc: float
    lower: float
    upper: float
    method: Method = Method.BOOTSTRAP_PERCENTILE


# --- one proportion ---------------------------------------------------------------------------------


def _wilson_bounds(successes: float, trials: float, z: float) -> tuple[float, float]:
    rate = successes / trials
    z2n = z * z / trials
    centre = (rate + z2n / 2.0) / (1.0 + z2n)
    half = z * math.sqrt(rate * (1.0 - rate) / trials + z2n / (4.0 * trials)) / (1.0 + z2n)
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == trials else min(1.0, centre + half)
    return lower, upper


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> ProportionInterval | None:
    """The rate ``successes / trials`` with its Wilson score interval at ``confidence``.

    Returns ``None`` when ``trials`` is 0: a rate of no cases is undefined, and no interval is given
    rather than the uninformative 0–1. The interval stays within 0–1 and is exactly 0 (or 1) at its
    lower (upper) end when there are no successes (failures).
    """
    _raise_if(
        [*_check_proportion(successes, trials), _open_unit_problem("confidence", confidence)],
        "The rate cannot be computed.",
    )
    if trials == 0:
        return None
    lower, upper = _wilson_bounds(successes, trials, _z(confidence))
    return ProportionInterval(
        successes=int(successes),
        trials=int(trials),
        confidence=float(confidence),
        estimate=successes / trials,
        lower=lower,
        upper=upper,
    )


# --- two proportions --------------------------------------------------------------------------------


def _newcombe_limits(x1: int, n1: int, x0: int, n0: int, z: float) -> tuple[float, float]:
    """Newcombe's (1998) method 10 limits for ``x1/n1 - x0/n0`` at standard normal quantile ``z``."""
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = _wilson_bounds(x1, n1, z)
    l0, u0 = _wilson_bounds(x0, n0, z)
    difference = p1 - p0
    lower = difference - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    upper = difference + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return lower, upper


def _katz_terms(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float, float]:
    """The log ratio, its standard error, and the zero-cell correction applied."""
    correction = ZERO_CELL_CORRECTION if 0 in (x1, n1 - x1, x0, n0 - x0) else 0.0
    a, m1 = x1 + correction, n1 + 2.0 * correction
    b, m0 = x0 + correction, n0 + 2.0 * correction
    log_ratio = math.log(a / m1) - math.log(b / m0)
    standard_error = math.sqrt(1.0 / a - 1.0 / m1 + 1.0 / b - 1.0 / m0)
    return log_ratio, standard_error, correction


def _equal_rates_test(x1: int, n1: int, x0: int, n0: int) -> SignificanceTest:
    table = np.array([[x1, n1 - x1], [x0, n0 - x0]], dtype=np.int64)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    min_expected = float(expected.min())
    if min_expected < MIN_EXPECTED_FOR_CHI_SQUARE:
        fisher = stats.fisher_exact(table)
        return SignificanceTest(Method.FISHER_EXACT, float(fisher.pvalue), None, min_expected)
    chi2 = stats.chi2_contingency(table, correction=False)
    return SignificanceTest(
        Method.PEARSON_CHI_SQUARE, float(chi2.pvalue), float(chi2.statistic), min_expected
    )


def compare_proportions(
    successes: int,
    trials: int,
    reference_successes: int,
    reference_trials: int,
    confidence: float = 0.95,
) -> ProportionComparison:
    """Compare a group's rate with a reference rate.

    Gives the difference (group minus reference) with Newcombe's hybrid score interval, the ratio
    (group over reference) with the Katz log interval, and a two-sided test of equal rates: Fisher's
    exact test when any expected cell count of the 2×2 table is below 5, Pearson's chi-square test
    without continuity correction otherwise. When any cell of the table is zero, 0.5 is added to every
    cell for the ratio's estimate and interval (recorded in ``ratio_zero_correction``); the rates, the
    difference and the test always use the counts as given. Both groups need at least one trial.
    """
    _raise_if(
        [
            *_check_two_proportions(successes, trials, reference_successes, reference_trials),
            _open_unit_problem("confidence", confidence),
        ],
        "The two rates cannot be compared.",
    )
    x1, n1, x0, n0 = int(successes), int(trials), int(reference_successes), int(reference_trials)
    z = _z(confidence)
    diff_lower, diff_upper = _newcombe_limits(x1, n1, x0, n0, z)
    log_ratio, standard_error, correction = _katz_terms(x1, n1, x0, n0)
    return ProportionComparison(
        successes=x1,
        trials=n1,
        reference_successes=x0,
        reference_trials=n0,
        confidence=float(confidence),
        rate=x1 / n1,
        reference_rate=x0 / n0,
        difference=Estimate(
            x1 / n1 - x0 / n0, diff_lower, diff_upper, float(confidence), Method.NEWCOMBE_HYBRID_SCORE
        ),
        ratio=Estimate(
            math.exp(log_ratio),
            math.exp(log_ratio - z * standard_error),
            math.exp(log_ratio + z * standard_error),
            float(confidence),
            Method.KATZ_LOG,
        ),
        ratio_zero_correction=correction,
        test=_equal_rates_test(x1, n1, x0, n0),
    )


# --- multiple testing -------------------------------------------------------------------------------


def benjamini_hochberg(p_values: Sequence[float] | ArrayLike, q: float = 0.05) -> FalseDiscoveryControl:
    """Benjamini–Hochberg adjusted p-values and the hypotheses rejected at false discovery rate ``q``.

    The adjusted values equal ``scipy.stats.false_discovery_control(p_values, method="bh")``; a
    hypothesis is rejected when its adjusted p-value is at most ``q``, which is the BH step-up rule.
    An empty list gives empty results.
    """
    values = np.asarray(p_values, dtype=object).ravel()
    problems: list[FieldProblem | None] = [_open_unit_problem("q", q)]
    for index, value in enumerate(values):
        if not _is_real(value) or not 0.0 <= float(value) <= 1.0:
            problems.append(FieldProblem("p_values", f"item {index} must be between 0 and 1; got {value!r}"))
    _raise_if(problems, "The false discovery rate cannot be controlled.")
    ps = values.astype(np.float64)
    adjusted = stats.false_discovery_control(ps, method="bh") if ps.size else np.empty(0)
    return FalseDiscoveryControl(
        p_values=tuple(float(p) for p in ps),
        q=float(q),
        adjusted=tuple(float(p) for p in adjusted),
        rejected=tuple(bool(p <= q) for p in adjusted),
    )


# --- equivalence ------------------------------------------------------------------------------------


def _p_above(estimate: float, limits: Callable[[float], tuple[float, float]], bound: float) -> float:
    """One-sided p-value of "the parameter is at most ``bound``" by inverting a family of intervals.

    ``limits(z)`` gives the interval at standard normal quantile ``z``; the p-value is the tail area
    beyond the ``z`` at which the nearer limit meets ``bound``.
    """
    if estimate == bound:
        return 0.5
    largest_z = 40.0
    if estimate > bound:
        if limits(largest_z)[0] > bound:
            return float(stats.norm.sf(largest_z))
        z = optimize.brentq(lambda zz: limits(zz)[0] - bound, 0.0, largest_z, xtol=1e-10)
        return float(stats.norm.sf(z))
    if limits(largest_z)[1] < bound:
        return float(stats.norm.cdf(largest_z))
    z = optimize.brentq(lambda zz: limits(zz)[1] - bound, 0.0, largest_z, xtol=1e-10)
    return float(stats.norm.cdf(z))


def equivalence_test(
    successes: int,
    trials: int,
    reference_successes: int,
    reference_trials: int,
    tolerance: Tolerance = DEFAULT_TOLERANCE,
    alpha: float = 0.05,
) -> EquivalenceTest:
    """Two one-sided tests (TOST) of whether the group's rate is within ``tolerance`` of the reference.

    On the ratio scale the tests are Wald tests of the log ratio with the Katz standard error (and the
    same zero-cell correction as :func:`compare_proportions`). On the difference scale the p-values
    come from inverting Newcombe's hybrid score interval: each is the one-sided level at which the
    interval's limit reaches the tolerance bound. Either way, equivalence is shown (``p_value <
    alpha``) exactly when the ``1 - 2·alpha`` interval of the same method lies inside the tolerance.
    ``alpha`` must be below 0.5. Each call is one test; when many groups are tested, showing that *all*
    are equivalent needs no adjustment (the intersection–union principle, Berger 1982).
    """
    _raise_if(
        [
            *_check_two_proportions(successes, trials, reference_successes, reference_trials),
            _open_unit_problem("alpha", alpha, upper=0.5),
            None if isinstance(tolerance, Tolerance) else FieldProblem("tolerance", "must be a Tolerance"),
        ],
        "The equivalence test cannot be run.",
    )
    x1, n1, x0, n0 = int(successes), int(trials), int(reference_successes), int(reference_trials)
    z = float(stats.norm.isf(alpha))
    if tolerance.scale is Scale.RATIO:
        log_ratio, standard_error, _ = _katz_terms(x1, n1, x0, n0)
        estimate = math.exp(log_ratio)
        p_lower = float(stats.norm.sf((log_ratio - math.log(tolerance.lower)) / standard_error))
        p_upper = float(stats.norm.cdf((log_ratio - math.log(tolerance.upper)) / standard_error))
        interval = Estimate(
            estimate,
            math.exp(log_ratio - z * standard_error),
            math.exp(log_ratio + z * standard_error),
            1.0 - 2.0 * alpha,
            Method.KATZ_LOG,
        )
        method = Method.TOST_KATZ_LOG
    else:
        estimate = x1 / n1 - x0 / n0

        def limits(zz: float) -> tuple[float, float]:
            return _newcombe_limits(x1, n1, x0, n0, zz)

        p_lower = _p_above(estimate, limits, tolerance.lower)
        p_upper = 1.0 - _p_above(estimate, limits, tolerance.upper)
        lower, upper = limits(z)
        interval = Estimate(estimate, lower, upper, 1.0 - 2.0 * alpha, Method.NEWCOMBE_HYBRID_SCORE)
        method = Method.TOST_NEWCOMBE
    p_value = max(p_lower, p_upper)
    return EquivalenceTest(
        successes=x1,
        trials=n1,
        reference_successes=x0,
        reference_trials=n0,
        tolerance=tolerance,
        alpha=float(alpha),
        estimate=estimate,
        interval=interval,
        p_lower=p_lower,
        p_upper=p_upper,
        p_value=p_value,
        equivalent=p_value < alpha,
        method=method,
    )


# --- power ------------------------------------------------------------------------------------------


def _rate_problem(field: str, value: object, *, open_interval: bool = False) -> FieldProblem | None:
    if not _is_real(value):
        return FieldProblem(field, f"must be a rate between 0 and 1; got {value!r}")
    rate = float(value)
    if open_interval and not 0.0 < rate < 1.0:
        return FieldProblem(field, f"must be strictly between 0 and 1; got {value!r}")
    if not 0.0 <= rate <= 1.0:
        return FieldProblem(field, f"must be between 0 and 1; got {value!r}")
    return None


def _arcsine(rate: float) -> float:
    return math.asin(math.sqrt(rate))


def detectable_disparity(
    trials: int,
    reference_trials: int,
    reference_rate: float,
    alpha: float = 0.05,
    power: float = 0.8,
) -> DetectableDisparity:
    """The smallest disparities, below and above the reference rate, that these group sizes detect.

    Normal approximation on the arcsine scale: ``2·asin(√p̂)`` has variance about ``1/n``, so a
    two-sided test at ``alpha`` detects the group rate ``p`` with probability ``power`` when Cohen's
    ``h = 2·asin(√p) - 2·asin(√p₀)`` reaches ``(z₁₋α/₂ + z_power)·√(1/n + 1/n₀)`` in size (the
    far tail's tiny contribution is ignored). This is closed-form in both directions and close to the
    power of the chi-square test; for small groups Fisher's exact test is somewhat less powerful.
    """
    _raise_if(
        [
            _count_problem("trials", trials),
            _count_problem("reference_trials", reference_trials),
            _rate_problem("reference_rate", reference_rate),
            _open_unit_problem("alpha", alpha),
            _open_unit_problem("power", power),
        ],
        "The detectable disparity cannot be computed.",
    )
    for name, value in (("trials", trials), ("reference_trials", reference_trials)):
        if int(value) == 0:
            raise InvalidInput([FieldProblem(name, "must be at least 1")], "No disparity can be detected.")
    p0 = float(reference_rate)
    half_h = (
        (_z(1.0 - alpha) + float(stats.norm.ppf(power)))
        * math.sqrt(1.0 / trials + 1.0 / reference_trials)
        / 2
    )
    angle = _arcsine(p0)
    below = math.sin(angle - half_h) ** 2 if angle - half_h >= 0.0 else None
    above = math.sin(angle + half_h) ** 2 if angle + half_h <= math.pi / 2 else None
    return DetectableDisparity(
        trials=int(trials),
        reference_trials=int(reference_trials),
        reference_rate=p0,
        alpha=float(alpha),
        power=float(power),
        method=Method.ARCSINE_NORMAL,
        rate_below=below,
        rate_above=above,
        ratio_below=below / p0 if below is not None and p0 > 0 else None,
        ratio_above=above / p0 if above is not None and p0 > 0 else None,
        difference_below=below - p0 if below is not None else None,
        difference_above=above - p0 if above is not None else None,
    )


def cases_to_detect(
    reference_rate: float,
    *,
    ratio: float | None = None,
    difference: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> CasesToDetect:
    """Cases needed in each of two equal groups to detect a disparity with a two-sided test.

    Give the disparity as exactly one of ``ratio`` (group rate over ``reference_rate``) or
    ``difference`` (group rate minus it); the implied group rate must lie in 0–1 and differ from the
    reference rate. Same arcsine approximation as :func:`detectable_disparity`:
    ``n = 2·((z₁₋α/₂ + z_power) / h)²``, rounded up.
    """
    problems: list[FieldProblem | None] = [
        _rate_problem("reference_rate", reference_rate),
        _open_unit_problem("alpha", alpha),
        _open_unit_problem("power", power),
    ]
    if (ratio is None) == (difference is None):
        problems.append(FieldProblem("ratio", "give exactly one of ratio and difference"))
    elif ratio is not None and (not _is_real(ratio) or ratio < 0):
        problems.append(FieldProblem("ratio", f"must be a non-negative number; got {ratio!r}"))
    elif difference is not None and not _is_real(difference):
        problems.append(FieldProblem("difference", f"must be a number; got {difference!r}"))
    _raise_if(problems, "The number of cases cannot be computed.")
    p0 = float(reference_rate)
    if ratio is not None:
        rate, field = p0 * float(ratio), "ratio"
    else:
        rate, field = p0 + float(difference or 0.0), "difference"
    if not 0.0 <= rate <= 1.0 or rate == p0:
        raise InvalidInput(
            [
                FieldProblem(
                    field, f"implies a group rate of {rate:g}; it must lie in 0–1 and differ from {p0:g}"
                )
            ],
            "The number of cases cannot be computed.",
        )
    h = abs(2.0 * _arcsine(rate) - 2.0 * _arcsine(p0))
    cases = math.ceil(2.0 * ((_z(1.0 - alpha) + float(stats.norm.ppf(power))) / h) ** 2)
    return CasesToDetect(
        reference_rate=p0,
        rate=rate,
        alpha=float(alpha),
        power=float(power),
        method=Method.ARCSINE_NORMAL,
        cases_per_group=cases,
    )


def _equivalence_power(cases: int, rate: float, tolerance: Tolerance, z: float) -> float:
    if tolerance.scale is Scale.RATIO:
        standard_error = math.sqrt(2.0 * (1.0 - rate) / (cases * rate))
        lower, upper = math.log(tolerance.lower), math.log(tolerance.upper)
    else:
        standard_error = math.sqrt(2.0 * rate * (1.0 - rate) / cases)
        lower, upper = tolerance.lower, tolerance.upper
    chance = stats.norm.cdf(upper / standard_error - z) - stats.norm.cdf(lower / standard_error + z)
    return max(0.0, float(chance))


def cases_for_equivalence(
    rate: float,
    tolerance: Tolerance = DEFAULT_TOLERANCE,
    alpha: float = 0.05,
    power: float = 0.8,
) -> CasesForEquivalence:
    """Cases needed in each of two equal groups to show equivalence when both true rates are ``rate``.

    Normal approximation of the two one-sided tests on the tolerance's own scale, with the delta-method
    variance of the estimate when the rates are equal: ``2(1-p)/(n·p)`` for the log ratio and
    ``2p(1-p)/n`` for the difference. The chance that the ``1 - 2·alpha`` interval falls inside the
    tolerance is ``Φ(U/se - z₁₋α) - Φ(L/se + z₁₋α)`` (L, U the tolerance bounds on that scale); the
    result is the smallest whole ``n`` at which it reaches ``power``. ``rate`` must be strictly between
    0 and 1, where the approximation holds.
    """
    _raise_if(
        [
            _rate_problem("rate", rate, open_interval=True),
            None if isinstance(tolerance, Tolerance) else FieldProblem("tolerance", "must be a Tolerance"),
            _open_unit_problem("alpha", alpha, upper=0.5),
            _open_unit_problem("power", power),
        ],
        "The number of cases cannot be computed.",
    )
    z = float(stats.norm.isf(alpha))
    p = float(rate)
    high = 1
    while _equivalence_power(high, p, tolerance, z) < power:
        high *= 2
    low = high // 2  # power(low) < power, or low == 0
    while high - low > 1:
        middle = (low + high) // 2
        if _equivalence_power(middle, p, tolerance, z) >= power:
            high = middle
        else:
            low = middle
    return CasesForEquivalence(
        rate=p,
        tolerance=tolerance,
        alpha=float(alpha),
        power=float(power),
        method=Method.NORMAL_TOST,
        cases_per_group=high,
    )


# --- verdicts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgementSettings:
    """How disparities are judged.

    ``q`` is the false discovery rate for the Benjamini–Hochberg adjusted tests of equal rates;
    ``alpha`` the level of each one-sided test of equivalence; ``power`` the power for the numbers of
    cases needed; ``confidence`` the level of the reported intervals; and ``min_group_size`` the
    number of trials each of the two groups needs before any conclusion is drawn.
    """

    tolerance: Tolerance = DEFAULT_TOLERANCE
    q: float = 0.05
    alpha: float = 0.05
    power: float = 0.8
    confidence: float = 0.95
    min_group_size: int = 30

    def __post_init__(self) -> None:
        problems: list[FieldProblem | None] = [
            None
            if isinstance(self.tolerance, Tolerance)
            else FieldProblem("tolerance", "must be a Tolerance"),
            _open_unit_problem("q", self.q),
            _open_unit_problem("alpha", self.alpha, upper=0.5),
            _open_unit_problem("power", self.power),
            _open_unit_problem("confidence", self.confidence),
        ]
        if not _is_integer(self.min_group_size) or self.min_group_size < 1:
            problems.append(
                FieldProblem(
                    "min_group_size", f"must be a whole number of at least 1; got {self.min_group_size!r}"
                )
            )
        _raise_if(problems, "The settings for judging disparities are not valid.")


DEFAULT_SETTINGS = JudgementSettings()


@dataclass(frozen=True)
class DisparityVerdict:
    """The verdict on one group's rate against a reference rate, with everything it rests on.

    * ``TOO_FEW_CASES``: either group has fewer than ``settings.min_group_size`` trials; no test is
      counted and no conclusion drawn (estimates are still given when both groups have cases).
    * ``DISPARITY_FOUND``: the test of equal rates is significant after Benjamini–Hochberg
      adjustment (``adjusted_p_value <= settings.q``). ``equivalence`` may still show the disparity to
      be within the tolerance: significant, yet small.
    * ``NO_DISPARITY_BEYOND_TOLERANCE``: not significant, and equivalence within the tolerance shown.
    * ``INCONCLUSIVE``: neither. ``cases_for_equivalence`` says how many cases per group would show
      equivalence if the rates were equal at the reference rate, and ``cases_to_detect`` how many
      would detect a disparity at the edge of the tolerance, on the side the estimate lies.

    ``detectable`` (the smallest disparities these group sizes detect) and ``cases_to_detect`` take
    ``settings.q`` as the two-sided level of a single test; with many tests in a Benjamini–Hochberg
    family the effective level is lower, so they are optimistic there.
    """

    successes: int
    trials: int
    reference_successes: int
    reference_trials: int
    settings: JudgementSettings
    verdict: Verdict
    p_value: float | None
    adjusted_p_value: float | None
    comparison: ProportionComparison | None
    equivalence: EquivalenceTest | None
    detectable: DetectableDisparity | None
    cases_for_equivalence: CasesForEquivalence | None
    cases_to_detect: CasesToDetect | None


def _enough_cases(trials: int, reference_trials: int, settings: JudgementSettings) -> bool:
    return min(trials, reference_trials) >= settings.min_group_size


def _cases_needed(
    comparison: ProportionComparison | None, reference_rate: float | None, settings: JudgementSettings
) -> tuple[CasesForEquivalence | None, CasesToDetect | None]:
    if reference_rate is None or not 0.0 < reference_rate < 1.0:
        return None, None
    tolerance = settings.tolerance
    for_equivalence = cases_for_equivalence(reference_rate, tolerance, settings.alpha, settings.power)
    below = comparison is None or comparison.rate <= comparison.reference_rate
    bound = tolerance.lower if below else tolerance.upper
    edge_rate = reference_rate * bound if tolerance.scale is Scale.RATIO else reference_rate + bound
    if not 0.0 <= edge_rate <= 1.0:
        return for_equivalence, None
    to_detect = cases_to_detect(
        reference_rate, difference=edge_rate - reference_rate, alpha=settings.q, power=settings.power
    )
    return for_equivalence, to_detect


def judge_disparity(
    successes: int,
    trials: int,
    reference_successes: int,
    reference_trials: int,
    *,
    adjusted_p_value: float | None = None,
    settings: JudgementSettings = DEFAULT_SETTINGS,
) -> DisparityVerdict:
    """The verdict on one group's rate against a reference rate (see :class:`DisparityVerdict`).

    ``adjusted_p_value`` is this comparison's Benjamini–Hochberg adjusted p-value within its family
    of tests; when it is not given, the comparison is taken to be the only test and its own p-value
    is used. To judge many comparisons at once, use :func:`judge_disparities`.
    """
    _raise_if(
        [
            *_check_proportion(successes, trials),
            *_check_proportion(reference_successes, reference_trials, "reference_"),
            None
            if adjusted_p_value is None or (_is_real(adjusted_p_value) and 0.0 <= adjusted_p_value <= 1.0)
            else FieldProblem("adjusted_p_value", f"must be between 0 and 1; got {adjusted_p_value!r}"),
            None if isinstance(settings, JudgementSettings) else FieldProblem("settings", "must be settings"),
        ],
        "The disparity cannot be judged.",
    )
    x1, n1, x0, n0 = int(successes), int(trials), int(reference_successes), int(reference_trials)
    comparison = compare_proportions(x1, n1, x0, n0, settings.confidence) if min(n1, n0) >= 1 else None
    detectable = (
        detectable_disparity(n1, n0, x0 / n0, alpha=settings.q, power=settings.power)
        if comparison is not None
        else None
    )
    reference_rate = x0 / n0 if n0 else None
    p_value: float | None = None
    adjusted: float | None = None
    equivalence: EquivalenceTest | None = None
    needed: tuple[CasesForEquivalence | None, CasesToDetect | None] = (None, None)
    if comparison is None or not _enough_cases(n1, n0, settings):
        verdict = Verdict.TOO_FEW_CASES
        needed = _cases_needed(comparison, reference_rate, settings)
    else:
        p_value = comparison.test.p_value
        adjusted = p_value if adjusted_p_value is None else float(adjusted_p_value)
        equivalence = equivalence_test(x1, n1, x0, n0, settings.tolerance, settings.alpha)
        if adjusted <= settings.q:
            verdict = Verdict.DISPARITY_FOUND
        elif equivalence.equivalent:
            verdict = Verdict.NO_DISPARITY_BEYOND_TOLERANCE
        else:
            verdict = Verdict.INCONCLUSIVE
            needed = _cases_needed(comparison, reference_rate, settings)
    return DisparityVerdict(
        successes=x1,
        trials=n1,
        reference_successes=x0,
        reference_trials=n0,
        settings=settings,
        verdict=verdict,
        p_value=p_value,
        adjusted_p_value=adjusted,
        comparison=comparison,
        equivalence=equivalence,
        detectable=detectable,
        cases_for_equivalence=needed[0],
        cases_to_detect=needed[1],
    )


def judge_disparities(
    successes: Sequence[int],
    trials: Sequence[int],
    reference_successes: Sequence[int],
    reference_trials: Sequence[int],
    *,
    settings: JudgementSettings = DEFAULT_SETTINGS,
) -> tuple[DisparityVerdict, ...]:
    """Verdicts on many comparisons, the i-th from the i-th item of each sequence.

    The tests of equal rates of all comparisons with enough cases form one family, adjusted together
    by Benjamini–Hochberg; comparisons with too few cases are left out of the family.
    """
    if not isinstance(settings, JudgementSettings):
        raise InvalidInput(
            [FieldProblem("settings", "must be JudgementSettings")], "The disparities cannot be judged."
        )
    lengths = {len(successes), len(trials), len(reference_successes), len(reference_trials)}
    if len(lengths) != 1:
        raise InvalidInput(
            [FieldProblem("successes", "successes, trials and the reference counts must be equally long")],
            "The disparities cannot be judged.",
        )
    rows = list(zip(successes, trials, reference_successes, reference_trials, strict=True))
    for index, (x1, n1, x0, n0) in enumerate(rows):
        try:
            _raise_if(
                [*_check_proportion(x1, n1), *_check_proportion(x0, n0, "reference_")],
                "The disparities cannot be judged.",
            )
        except InvalidInput as error:
            raise InvalidInput(
                [FieldProblem(p.field, p.reason, record=index) for p in error.problems], error.summary
            ) from None
    tested = [
        index
        for index, (_, n1, _, n0) in enumerate(rows)
        if min(int(n1), int(n0)) >= 1 and _enough_cases(int(n1), int(n0), settings)
    ]
    p_values = [compare_proportions(*rows[i], confidence=settings.confidence).test.p_value for i in tested]
    adjusted = dict(zip(tested, benjamini_hochberg(p_values, settings.q).adjusted, strict=True))
    return tuple(
        judge_disparity(*row, adjusted_p_value=adjusted.get(index), settings=settings)
        for index, row in enumerate(rows)
    )


# --- AUC from binned scores -------------------------------------------------------------------------


def _auc_of(positives: NDArray[np.float64], negatives: NDArray[np.float64]) -> NDArray[np.float64]:
    """AUC per row of bin counts: each positive beats the negatives in lower bins and ties its own."""
    negatives_below = np.cumsum(negatives, axis=-1) - negatives
    wins = (positives * (negatives_below + 0.5 * negatives)).sum(axis=-1)
    result: NDArray[np.float64] = wins / (positives.sum(axis=-1) * negatives.sum(axis=-1))
    return result


def _bin_counts(field: str, values: ArrayLike) -> tuple[NDArray[np.int64] | None, FieldProblem | None]:
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        return None, FieldProblem(field, "must be a non-empty one-dimensional array of counts per score bin")
    if array.dtype.kind not in "iu":
        return None, FieldProblem(field, f"must hold whole numbers; got values of type {array.dtype}")
    if (array < 0).any():
        return None, FieldProblem(field, f"must not be negative; bin {int(np.argmax(array < 0))} is")
    if array.sum() == 0:
        return None, FieldProblem(field, "must count at least one case")
    return array.astype(np.int64), None


def bootstrap_auc_interval(
    positive_counts: ArrayLike,
    negative_counts: ArrayLike,
    n_boot: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> AucInterval:
    """The AUC of binned scores with a bootstrap percentile interval.

    ``positive_counts[i]`` and ``negative_counts[i]`` are how many positives and negatives have a
    score in bin ``i``, bins in ascending order of score. The AUC is ``P(S+ > S−) + ½·P(S+ = S−)``:
    cases in the same bin tie. Each resample draws the positives and the negatives separately from
    their own observed bin frequencies (multinomial, keeping both totals: a stratified bootstrap), and
    the interval is the ``(1 ± confidence)/2`` percentiles of ``n_boot`` (at least 100) resampled AUCs.
    The same ``seed`` gives the same interval.
    """
    positives, positive_problem = _bin_counts("positive_counts", positive_counts)
    negatives, negative_problem = _bin_counts("negative_counts", negative_counts)
    problems: list[FieldProblem | None] = [
        positive_problem,
        negative_problem,
        _open_unit_problem("confidence", confidence),
    ]
    if positives is not None and negatives is not None and positives.size != negatives.size:
        problems.append(
            FieldProblem("negative_counts", f"must have as many bins as positive_counts ({positives.size})")
        )
    if not _is_integer(n_boot) or n_boot < MIN_BOOTSTRAP_RESAMPLES:
        problems.append(
            FieldProblem(
                "n_boot", f"must be a whole number of at least {MIN_BOOTSTRAP_RESAMPLES}; got {n_boot!r}"
            )
        )
    if not _is_integer(seed) or seed < 0:
        problems.append(FieldProblem("seed", f"must be a non-negative whole number; got {seed!r}"))
    _raise_if(problems, "The AUC interval cannot be computed.")
    assert positives is not None and negatives is not None
    rng = np.random.default_rng(int(seed))
    n_positive, n_negative = int(positives.sum()), int(negatives.sum())
    positive_shares, negative_shares = positives / n_positive, negatives / n_negative
    resampled = np.empty(int(n_boot))
    chunk = max(1, 1_000_000 // positives.size)  # bounds memory for many bins
    for start in range(0, int(n_boot), chunk):
        size = min(chunk, int(n_boot) - start)
        drawn_positive = rng.multinomial(n_positive, positive_shares, size=size).astype(np.float64)
        drawn_negative = rng.multinomial(n_negative, negative_shares, size=size).astype(np.float64)
        resampled[start : start + size] = _auc_of(drawn_positive, drawn_negative)
    tail = (1.0 - float(confidence)) / 2.0
    lower, upper = np.quantile(resampled, [tail, 1.0 - tail])
    return AucInterval(
        positive_counts=tuple(int(c) for c in positives),
        negative_counts=tuple(int(c) for c in negatives),
        n_boot=int(n_boot),
        confidence=float(confidence),
        seed=int(seed),
        auc=float(_auc_of(positives.astype(np.float64), negatives.astype(np.float64))),
        lower=float(lower),
        upper=float(upper),
    )
