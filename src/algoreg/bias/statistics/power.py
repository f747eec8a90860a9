"""Power: which disparities groups of given sizes detect, and how many cases a conclusion needs.

Power by the normal approximation on the arcsine scale, Cohen's h (Cohen 1988, ch. 6), for tests of
equal rates; the normal approximation of the two one-sided tests for equivalence.
"""

import math
from dataclasses import dataclass

from algoreg.bias.statistics._checks import (
    _count_problem,
    _is_real,
    _open_unit_problem,
    _raise_if,
    _rate_problem,
)
from algoreg.bias.statistics._normal import _cdf, _quantile, _upper_quantile, _z
from algoreg.bias.statistics.equivalence import DEFAULT_TOLERANCE, Scale, Tolerance
from algoreg.bias.statistics.methods import Method
from algoreg.errors import FieldProblem, InvalidInput


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
    half_h = (_z(1.0 - alpha) + _quantile(power)) * math.sqrt(1.0 / trials + 1.0 / reference_trials) / 2
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
    cases = math.ceil(2.0 * ((_z(1.0 - alpha) + _quantile(power)) / h) ** 2)
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
    chance = _cdf(upper / standard_error - z) - _cdf(lower / standard_error + z)
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
    z = _upper_quantile(alpha)
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
