"""False-discovery control over many comparisons: Benjamini & Hochberg (1995), JRSS B 57:289."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from algoreg.bias.statistics._checks import _is_real, _open_unit_problem, _raise_if
from algoreg.bias.statistics.methods import Method
from algoreg.errors import FieldProblem


@dataclass(frozen=True)
class FalseDiscoveryControl:
    """Benjamini–Hochberg adjusted p-values, in input order, and which hypotheses are rejected at q."""

    p_values: tuple[float, ...]
    q: float
    adjusted: tuple[float, ...]
    rejected: tuple[bool, ...]
    method: Method = Method.BENJAMINI_HOCHBERG


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
