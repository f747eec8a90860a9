"""One rate with its interval, and a group's rate compared with a reference rate.

* Wilson score interval for one proportion (Wilson 1927, JASA 22:209).
* Newcombe's hybrid score interval for a difference of proportions, method 10 of Newcombe (1998),
  Statistics in Medicine 17:873.
* Katz log interval for a ratio of proportions (Katz, Baptista, Azen & Pike 1978, Biometrics 34:469),
  with 0.5 added to every cell of the 2×2 table when any cell is zero (Haldane 1956; Anscombe 1956).
* Fisher's exact test when any expected cell count is below 5, otherwise Pearson's chi-square test
  *without* Yates's continuity correction: with all expected counts at least 5 the uncorrected test
  keeps its nominal size, while the correction makes it needlessly conservative (Campbell 2007,
  Statistics in Medicine 26:3661).
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from algoreg.bias.statistics._checks import (
    _check_proportion,
    _check_two_proportions,
    _open_unit_problem,
    _raise_if,
)
from algoreg.bias.statistics._normal import _z
from algoreg.bias.statistics.methods import Method

# Fisher's exact test is used below this expected cell count, Pearson's chi-square test at or above it.
MIN_EXPECTED_FOR_CHI_SQUARE = 5.0


# Added to every cell of the 2×2 table for the ratio when any cell is zero.
ZERO_CELL_CORRECTION = 0.5


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
    observed = table.astype(np.float64)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    min_expected = float(expected.min())
    if min_expected < MIN_EXPECTED_FOR_CHI_SQUARE:
        fisher = stats.fisher_exact(table)
        return SignificanceTest(Method.FISHER_EXACT, float(fisher.pvalue), None, min_expected)
    # The same arithmetic as scipy.stats.chi2_contingency(table, correction=False), whose generic
    # wrappers cost a millisecond per 2×2 table: Σ (observed − expected)² / expected, 1 degree of
    # freedom, the p-value from SciPy's chi-square survival function.
    statistic = float((((observed - expected) ** 2) / expected).sum())
    return SignificanceTest(
        Method.PEARSON_CHI_SQUARE, float(special.chdtrc(1.0, statistic)), statistic, min_expected
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
