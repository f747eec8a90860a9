"""Intervals, tests, false-discovery control, equivalence, power and verdicts for rates per group.

Every function takes plain numbers — successes and trials, or arrays of counts — so it applies to any
table of counts. Results are frozen dataclasses that carry the inputs they were computed from and the
method used, so a report can say exactly what was done.

Modules (each names the papers its methods come from):

* :mod:`.proportions` — one rate with its Wilson interval; a rate against a reference rate:
  difference, ratio and the test of equal rates (Fisher's exact or Pearson's chi-square).
* :mod:`.multiple` — Benjamini–Hochberg false-discovery control over many tests.
* :mod:`.equivalence` — the tolerance for a disparity and the two one-sided tests of equivalence.
* :mod:`.power` — the smallest detectable disparity and the cases needed to detect a disparity or to
  show equivalence.
* :mod:`.verdicts` — the settings for judging disparities and the verdict on one or many.
* :mod:`.auc` — the area under the ROC curve from binned scores, with a bootstrap interval.
* :mod:`.methods` — the names of the methods recorded in every result.

Every public name is importable from this package itself.
"""

from algoreg.bias.statistics.auc import MIN_BOOTSTRAP_RESAMPLES, AucInterval, bootstrap_auc_interval
from algoreg.bias.statistics.equivalence import (
    DEFAULT_TOLERANCE,
    EquivalenceTest,
    Scale,
    Tolerance,
    equivalence_test,
)
from algoreg.bias.statistics.methods import Method
from algoreg.bias.statistics.multiple import FalseDiscoveryControl, benjamini_hochberg
from algoreg.bias.statistics.power import (
    CasesForEquivalence,
    CasesToDetect,
    DetectableDisparity,
    cases_for_equivalence,
    cases_to_detect,
    detectable_disparity,
)
from algoreg.bias.statistics.proportions import (
    MIN_EXPECTED_FOR_CHI_SQUARE,
    ZERO_CELL_CORRECTION,
    Estimate,
    ProportionComparison,
    ProportionInterval,
    SignificanceTest,
    compare_proportions,
    wilson_interval,
)
from algoreg.bias.statistics.verdicts import (
    DEFAULT_SETTINGS,
    DisparityVerdict,
    JudgementSettings,
    Verdict,
    judge_disparities,
    judge_disparity,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "DEFAULT_TOLERANCE",
    "MIN_BOOTSTRAP_RESAMPLES",
    "MIN_EXPECTED_FOR_CHI_SQUARE",
    "ZERO_CELL_CORRECTION",
    "AucInterval",
    "CasesForEquivalence",
    "CasesToDetect",
    "DetectableDisparity",
    "DisparityVerdict",
    "EquivalenceTest",
    "Estimate",
    "FalseDiscoveryControl",
    "JudgementSettings",
    "Method",
    "ProportionComparison",
    "ProportionInterval",
    "Scale",
    "SignificanceTest",
    "Tolerance",
    "Verdict",
    "benjamini_hochberg",
    "bootstrap_auc_interval",
    "cases_for_equivalence",
    "cases_to_detect",
    "compare_proportions",
    "detectable_disparity",
    "equivalence_test",
    "judge_disparities",
    "judge_disparity",
    "wilson_interval",
]
