"""Standard normal quantiles used by the intervals and the power calculations."""

from scipy import stats


def _z(confidence: float) -> float:
    """The two-sided standard normal quantile for a confidence level."""
    return float(stats.norm.ppf(0.5 + confidence / 2.0))
