"""The tolerance for a disparity, and whether a disparity is shown to lie within it.

Two one-sided tests for equivalence (Schuirmann 1987, J. Pharmacokinet. Biopharm. 15:657), on the
ratio scale with the Katz log standard error and on the difference scale by inverting Newcombe's
hybrid score interval (see :mod:`.proportions`).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from scipy import optimize

from algoreg.bias.statistics._checks import _check_two_proportions, _is_real, _open_unit_problem, _raise_if
from algoreg.bias.statistics._normal import _cdf, _sf, _upper_quantile
from algoreg.bias.statistics.methods import Method
from algoreg.bias.statistics.proportions import Estimate, _katz_terms, _newcombe_limits
from algoreg.errors import FieldProblem, InvalidInput


class Scale(StrEnum):
    """The scale on which two rates are compared."""

    RATIO = "ratio"
    DIFFERENCE = "difference"


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
            return _sf(largest_z)
        z = optimize.brentq(lambda zz: limits(zz)[0] - bound, 0.0, largest_z, xtol=1e-10)
        return _sf(z)
    if limits(largest_z)[1] < bound:
        return _cdf(largest_z)
    z = optimize.brentq(lambda zz: limits(zz)[1] - bound, 0.0, largest_z, xtol=1e-10)
    return _cdf(z)


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
    z = _upper_quantile(alpha)
    if tolerance.scale is Scale.RATIO:
        log_ratio, standard_error, _ = _katz_terms(x1, n1, x0, n0)
        estimate = math.exp(log_ratio)
        p_lower = _sf((log_ratio - math.log(tolerance.lower)) / standard_error)
        p_upper = _cdf((log_ratio - math.log(tolerance.upper)) / standard_error)
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
