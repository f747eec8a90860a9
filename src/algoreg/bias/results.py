"""The results of a bias analysis: every figure a report needs, and nothing about a single person.

All results are frozen Pydantic models of aggregates — counts per group, rates with intervals,
tests, verdicts — and :class:`~algoreg.bias.messages.Message` sentences, so that they serialise to
JSON as they are and validate back (see :mod:`.document`). :class:`Judgement` — a rate against a
reference rate, with everything its verdict rests on — is shared by the analysis of decision data
(:class:`Finding`), of counts per process stage and of periods.
"""

from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from algoreg.bias.messages import LEGAL_QUESTIONS, Message
from algoreg.bias.settings import AnalysisSettings, Comparison, ToleranceChoice, frozen_model_config
from algoreg.bias.statistics import DisparityVerdict, Estimate, Verdict, wilson_interval


class RateEstimate(BaseModel):
    """A rate ``successes / trials`` with its Wilson interval (all None when ``trials`` is 0)."""

    model_config = frozen_model_config()

    successes: int
    trials: int
    value: float | None
    lower: float | None
    upper: float | None
    confidence: float
    method: str = "wilson_score"


class IntervalEstimate(BaseModel):
    """A point estimate with its interval, at ``confidence``, by ``method``."""

    model_config = frozen_model_config()

    estimate: float
    lower: float
    upper: float
    confidence: float
    method: str


class EqualRatesTest(BaseModel):
    """The two-sided test of equal rates: Fisher's exact test or Pearson's chi-square (see statistics)."""

    model_config = frozen_model_config()

    method: str
    p_value: float
    statistic: float | None
    min_expected_count: float


class EquivalenceResult(BaseModel):
    """The two one-sided tests against the tolerance; ``equivalent`` when ``p_value < alpha``."""

    model_config = frozen_model_config()

    method: str
    alpha: float
    p_lower: float
    p_upper: float
    p_value: float
    equivalent: bool
    interval: IntervalEstimate


class DetectableResult(BaseModel):
    """The smallest disparities (as ratios and differences) these group sizes detect with ``power``."""

    model_config = frozen_model_config()

    method: str
    alpha: float
    power: float
    ratio_below: float | None
    ratio_above: float | None
    difference_below: float | None
    difference_above: float | None


class CasesNeeded(BaseModel):
    """Cases per side needed to show equivalence (rates equal) and to detect an edge-of-tolerance gap."""

    model_config = frozen_model_config()

    for_equivalence: int | None
    to_detect: int | None
    power: float


class Judgement(BaseModel):
    """A rate against a reference rate: estimates, tests, what could be detected, and the verdict.

    ``p_value`` is the raw p-value of the test of equal rates and ``adjusted_p_value`` its
    Benjamini–Hochberg adjusted value within the analysis' family; both are None for
    ``TOO_FEW_CASES`` (the comparison is then not part of the family). ``cases_needed`` is given
    for ``INCONCLUSIVE`` and ``TOO_FEW_CASES``.
    """

    model_config = frozen_model_config()

    rate: RateEstimate
    reference_rate: RateEstimate
    difference: IntervalEstimate | None
    ratio: IntervalEstimate | None
    ratio_zero_correction: float | None
    test: EqualRatesTest | None
    p_value: float | None
    adjusted_p_value: float | None
    equivalence: EquivalenceResult | None
    detectable: DetectableResult | None
    cases_needed: CasesNeeded | None
    verdict: Verdict


class Finding(Judgement):
    """The judgement on one group's rate in one grouping, and its plain-language message.

    ``against`` is ``"reference"`` (``reference_group`` holds its values) or ``"rest"`` (every other
    row of the data; ``reference_group`` is None).
    """

    grouping: tuple[str, ...]
    group: tuple[str, ...]
    rate_name: str
    against: Comparison
    reference_group: tuple[str, ...] | None
    message: Message


class GroupCounts(BaseModel):
    """Rows of a group counted, and the cells of its confusion matrix (None where the data lacks them)."""

    model_config = frozen_model_config()

    n: int
    excluded: int
    selected: int | None
    positives: int | None
    tp: int | None
    fp: int | None
    fn: int | None
    tn: int | None


class AucResult(BaseModel):
    """AUC of a group with a bootstrap percentile interval.

    ``error_bound`` is how far the AUC of the score bins can be from that of the unrounded scores
    (see :mod:`.counts`); ``enough_cases`` whether positives and negatives both reach the minimum
    group size.
    """

    model_config = frozen_model_config()

    value: float
    lower: float
    upper: float
    confidence: float
    method: str
    resamples: int
    seed: int
    positives: int
    negatives: int
    error_bound: float
    enough_cases: bool


class CalibrationBinResult(BaseModel):
    """Rows whose score lies in ``[lower, upper)`` (the last bin includes ``upper``).

    ``mean_score`` is withheld (None) for bins with fewer rows than the minimum group size: the
    mean of a few scores comes close to — and of one score is — a person's own score.
    """

    model_config = frozen_model_config()

    lower: float
    upper: float
    n: int
    mean_score: float | None
    observed: RateEstimate


class GroupResult(BaseModel):
    """One group: its values, counts, every rate the data gives, and the score-based parts."""

    model_config = frozen_model_config()

    values: tuple[str, ...]
    label: str
    counts: GroupCounts
    below_min_group_size: bool
    rates: dict[str, RateEstimate]
    auc: AucResult | None
    calibration: tuple[CalibrationBinResult, ...] | None


class ImpactRatioResult(BaseModel):
    """A group's selection rate over the highest group's, flagged below the four-fifths threshold."""

    model_config = frozen_model_config()

    group: tuple[str, ...]
    ratio: float | None
    below_threshold: bool


class FourFifthsResult(BaseModel):
    """The four-fifths rule on a grouping (see :func:`~algoreg.bias.metrics.four_fifths_rule`)."""

    model_config = frozen_model_config()

    threshold: float
    highest: tuple[str, ...] | None
    ratios: tuple[ImpactRatioResult, ...]
    flagged: tuple[tuple[str, ...], ...]


class SpreadResult(BaseModel):
    """How far one rate lies apart between the groups: highest − lowest, and lowest / highest."""

    model_config = frozen_model_config()

    rate_name: str
    highest: tuple[str, ...] | None
    lowest: tuple[str, ...] | None
    difference: float | None
    ratio: float | None
    left_out: tuple[tuple[str, ...], ...]


class CriterionResult(BaseModel):
    """A named fairness criterion: its spreads, the largest difference and the smallest ratio."""

    model_config = frozen_model_config()

    name: str
    difference: float | None
    ratio: float | None
    spreads: tuple[SpreadResult, ...]


class GroupingResult(BaseModel):
    """One grouping: its groups, the reference group used, and the descriptive criteria."""

    model_config = frozen_model_config()

    attributes: tuple[str, ...]
    reference: tuple[str, ...]
    reference_chosen: Literal["given", "largest"]
    overall: GroupCounts
    groups: tuple[GroupResult, ...]
    four_fifths: FourFifthsResult | None
    criteria: tuple[CriterionResult, ...]


class VerdictSummary(BaseModel):
    """How many findings reached each verdict, and how many tests formed the BH family."""

    model_config = frozen_model_config()

    comparisons: int
    tests_in_family: int
    disparity_found: int
    no_disparity_beyond_tolerance: int
    inconclusive: int
    too_few_cases: int
    message: Message


class DataDescription(BaseModel):
    """The data itself: rows read, counted and left out, and why (a row may lack several values)."""

    model_config = frozen_model_config()

    rows: int
    rows_counted: int
    rows_excluded: int
    excluded_for_missing: dict[str, int]
    score_decimals: int | None
    message: Message


class OriginFlag(BaseModel):
    """Whether a protected column holds origin-related data, by its name or by its content."""

    model_config = frozen_model_config()

    column: str
    flagged: bool
    categories: tuple[str, ...]
    name_patterns: tuple[str, ...]
    content_share: float | None
    content_threshold: float | None
    content_flagged: bool | None
    reasons: tuple[str, ...]


class OriginCheck(BaseModel):
    """Origin flags of the protected columns; content was read from a sample of ``sample_rows``."""

    model_config = frozen_model_config()

    sample_rows: int
    seed: int
    columns: tuple[OriginFlag, ...]


class BiasAnalysis(BaseModel):
    """The whole analysis: settings, the data, every grouping, every finding, and the summary.

    ``rates`` are the rates tested; ``legal_questions`` the messages the organisation must answer
    itself (see :mod:`.messages`). Holds aggregates only — never a row about a person.
    """

    model_config = frozen_model_config()

    settings: AnalysisSettings
    rates: tuple[str, ...]
    data: DataDescription
    groupings: tuple[GroupingResult, ...]
    findings: tuple[Finding, ...]
    summary: VerdictSummary
    origin: OriginCheck | None
    legal_questions: tuple[Message, ...] = LEGAL_QUESTIONS


# --- building results ------------------------------------------------------------------------------


def group_label(values: Sequence[str]) -> str:
    """How a group is named in sentences: its value, or its values joined by " × " for an intersection."""
    return " × ".join(values)


def rate_estimate(successes: int, trials: int, confidence: float) -> RateEstimate:
    """A rate with its Wilson interval at ``confidence`` (value and bounds None without trials)."""
    interval = wilson_interval(successes, trials, confidence)
    return RateEstimate(
        successes=successes,
        trials=trials,
        value=None if interval is None else interval.estimate,
        lower=None if interval is None else interval.lower,
        upper=None if interval is None else interval.upper,
        confidence=confidence,
    )


def judgement_of(verdict: DisparityVerdict) -> Judgement:
    """The serialisable form of a verdict from :func:`~algoreg.bias.statistics.judge_disparities`."""
    confidence = verdict.settings.confidence
    comparison = verdict.comparison
    equivalence = verdict.equivalence
    detectable = verdict.detectable
    needed = (
        CasesNeeded(
            for_equivalence=None
            if verdict.cases_for_equivalence is None
            else verdict.cases_for_equivalence.cases_per_group,
            to_detect=None if verdict.cases_to_detect is None else verdict.cases_to_detect.cases_per_group,
            power=verdict.settings.power,
        )
        if verdict.verdict in (Verdict.INCONCLUSIVE, Verdict.TOO_FEW_CASES)
        else None
    )
    return Judgement(
        rate=rate_estimate(verdict.successes, verdict.trials, confidence),
        reference_rate=rate_estimate(verdict.reference_successes, verdict.reference_trials, confidence),
        difference=None if comparison is None else _interval(comparison.difference),
        ratio=None if comparison is None else _interval(comparison.ratio),
        ratio_zero_correction=None if comparison is None else comparison.ratio_zero_correction,
        test=None
        if comparison is None or verdict.p_value is None
        else EqualRatesTest(
            method=comparison.test.method.value,
            p_value=comparison.test.p_value,
            statistic=comparison.test.statistic,
            min_expected_count=comparison.test.min_expected_count,
        ),
        p_value=verdict.p_value,
        adjusted_p_value=verdict.adjusted_p_value,
        equivalence=None
        if equivalence is None
        else EquivalenceResult(
            method=equivalence.method.value,
            alpha=equivalence.alpha,
            p_lower=equivalence.p_lower,
            p_upper=equivalence.p_upper,
            p_value=equivalence.p_value,
            equivalent=equivalence.equivalent,
            interval=_interval(equivalence.interval),
        ),
        detectable=None
        if detectable is None
        else DetectableResult(
            method=detectable.method.value,
            alpha=detectable.alpha,
            power=detectable.power,
            ratio_below=detectable.ratio_below,
            ratio_above=detectable.ratio_above,
            difference_below=detectable.difference_below,
            difference_above=detectable.difference_above,
        ),
        cases_needed=needed,
        verdict=verdict.verdict,
    )


def _interval(estimate: Estimate) -> IntervalEstimate:
    return IntervalEstimate(
        estimate=estimate.estimate,
        lower=estimate.lower,
        upper=estimate.upper,
        confidence=estimate.confidence,
        method=str(estimate.method.value),
    )


def tolerance_message(tolerance: ToleranceChoice) -> Message:
    """The tolerance as a phrase: "ratio 0.8 to 1.25" or "difference -5 to +5 percentage points"."""
    if tolerance.scale == "ratio":
        return Message(
            "bias.tolerance.ratio", {"ratio_lower": tolerance.lower, "ratio_upper": tolerance.upper}
        )
    return Message(
        "bias.tolerance.difference", {"points_lower": tolerance.lower, "points_upper": tolerance.upper}
    )


def judgement_message(
    judgement: Judgement,
    *,
    group: str,
    rate: Message,
    reference: Message,
    tests: int,
    tolerance: ToleranceChoice,
    min_group_size: int,
) -> Message:
    """The plain-language sentence for a judgement, as a message id with its parameters.

    ``rate`` names the rate compared (``bias.rate.*``), ``reference`` what it is compared with
    (``bias.reference.*``); ``tests`` is the size of the Benjamini–Hochberg family; ``tolerance``
    and ``min_group_size`` are the settings the judgement was made with.
    """
    verdict = judgement.verdict
    if verdict is Verdict.TOO_FEW_CASES or judgement.ratio is None:
        return Message(
            "bias.finding.too_few_cases",
            {
                "group": group,
                "rate": rate,
                "reference": reference,
                "group_cases": Message("bias.count.cases", {"count": judgement.rate.trials}),
                "reference_cases": Message("bias.count.cases", {"count": judgement.reference_rate.trials}),
                "min_cases": min_group_size,
            },
        )
    params: dict[str, Any] = {
        "group": group,
        "rate": rate,
        "value": judgement.rate.value,
        "value_lower": judgement.rate.lower,
        "value_upper": judgement.rate.upper,
        "n": judgement.rate.trials,
        "ratio": judgement.ratio.estimate,
        "reference": reference,
        "reference_value": judgement.reference_rate.value,
        "reference_lower": judgement.reference_rate.lower,
        "reference_upper": judgement.reference_rate.upper,
        "reference_n": judgement.reference_rate.trials,
        "p": judgement.adjusted_p_value,
        "tolerance": tolerance_message(tolerance),
    }
    equivalence_p = None if judgement.equivalence is None else judgement.equivalence.p_value
    if verdict is Verdict.DISPARITY_FOUND:
        params["tests"] = Message("bias.count.tests", {"count": tests})
        if judgement.equivalence is not None and judgement.equivalence.equivalent:
            params["p_equivalence"] = equivalence_p
            return Message("bias.finding.disparity_within_tolerance", params)
        return Message("bias.finding.disparity_found", params)
    if verdict is Verdict.NO_DISPARITY_BEYOND_TOLERANCE:
        params["p_equivalence"] = equivalence_p
        return Message("bias.finding.no_disparity_beyond_tolerance", params)
    needed = judgement.cases_needed
    if needed is None or needed.for_equivalence is None:
        return Message("bias.finding.inconclusive_no_cases", params)
    params["cases_equivalence"] = needed.for_equivalence
    if needed.to_detect is None:
        return Message("bias.finding.inconclusive_equivalence_only", params)
    params["cases_detect"] = needed.to_detect
    return Message("bias.finding.inconclusive", params)


def verdict_summary(findings: Sequence[Judgement], tests: int) -> VerdictSummary:
    """How many judgements reached each verdict, with the summary sentence."""
    counted = Counter(finding.verdict for finding in findings)
    found, equivalent = counted[Verdict.DISPARITY_FOUND], counted[Verdict.NO_DISPARITY_BEYOND_TOLERANCE]
    inconclusive, too_few = counted[Verdict.INCONCLUSIVE], counted[Verdict.TOO_FEW_CASES]
    return VerdictSummary(
        comparisons=len(findings),
        tests_in_family=tests,
        disparity_found=found,
        no_disparity_beyond_tolerance=equivalent,
        inconclusive=inconclusive,
        too_few_cases=too_few,
        message=Message(
            "bias.summary.verdicts",
            {
                "comparisons": Message("bias.count.comparisons", {"count": len(findings)}),
                "disparity_found": found,
                "no_disparity": equivalent,
                "inconclusive": inconclusive,
                "too_few_cases": too_few,
            },
        ),
    )
