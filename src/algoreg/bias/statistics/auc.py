"""The area under the ROC curve from scores binned per class, with a bootstrap interval.

The AUC is P(S+ > S−) + ½ P(S+ = S−) (Hanley & McNeil 1982, Radiology 143:29), with a stratified
bootstrap percentile interval (Efron & Tibshirani 1993).
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from algoreg.bias.statistics._checks import _is_integer, _open_unit_problem, _raise_if
from algoreg.bias.statistics.methods import Method
from algoreg.errors import FieldProblem

# The bootstrap needs enough resamples for the tails of a percentile interval.
MIN_BOOTSTRAP_RESAMPLES = 100


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
