"""Standard normal quantiles and tail areas used by the intervals, tests and power calculations.

SciPy's ``ndtr`` and ``ndtri`` are what ``scipy.stats.norm`` itself evaluates, so the values are the
same; calling them directly skips the generic distribution machinery, which costs far more than
the arithmetic when an analysis computes thousands of intervals.
"""

from functools import lru_cache

from scipy import special


@lru_cache(maxsize=256)
def _z(confidence: float) -> float:
    """The two-sided standard normal quantile for a confidence level."""
    return float(special.ndtri(0.5 + confidence / 2.0))


def _cdf(x: float) -> float:
    """P(Z ≤ x) for a standard normal Z (as ``scipy.stats.norm.cdf``)."""
    return float(special.ndtr(x))


def _sf(x: float) -> float:
    """P(Z > x) for a standard normal Z (as ``scipy.stats.norm.sf``)."""
    return float(special.ndtr(-x))


@lru_cache(maxsize=256)
def _quantile(probability: float) -> float:
    """The x with P(Z ≤ x) = ``probability`` (as ``scipy.stats.norm.ppf``)."""
    return float(special.ndtri(probability))


@lru_cache(maxsize=256)
def _upper_quantile(probability: float) -> float:
    """The x with P(Z > x) = ``probability`` (as ``scipy.stats.norm.isf``)."""
    return float(-special.ndtri(probability))
