"""The whole bias analysis of decision data in one call: :func:`analyse`.

The data is folded once into a table of counts (:func:`~algoreg.bias.counts.count_table`, one
group-by where the data lives); everything else is computed from that small table:

* per grouping (each protected attribute alone and all of them together, by default) the groups
  with their sizes, counts and rates, AUC with a bootstrap interval and calibration when there is a
  score and a label, the four-fifths rule and the named fairness criteria of :mod:`.metrics`;
* per grouping × group × rate (× comparison with the reference group and/or the rest) a
  :class:`~algoreg.bias.results.Finding`: both rates with Wilson intervals, the difference and ratio
  with intervals, the test of equal rates, its Benjamini–Hochberg adjusted p-value — adjusted over
  *every* test of the analysis, as one family — the equivalence test against the tolerance, the
  disparity the group sizes can detect, the cases a conclusion would need, the verdict, and a
  plain-language :class:`~algoreg.bias.messages.Message`;
* optionally, flags for protected columns that hold origin-related personal data, by name and by
  the content of a sample drawn from the table of counts (no second pass over the data).

Proxy detection and unsupervised clustering are separate, heavier analyses (:mod:`.proxies`,
:mod:`.clustering`) and are not run here. Settings are in :mod:`.settings`, results in
:mod:`.results` (both re-exported here); :mod:`.document` turns a result into a versioned, hashed
JSON document.
"""

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from algoreg.bias.counts import CountTable, count_table
from algoreg.bias.inputs import MISSING_GROUP, DataSource
from algoreg.bias.messages import Message
from algoreg.bias.metrics import (
    Group,
    GroupingMetrics,
    GroupMetrics,
    Rate,
    fairness_criteria,
    four_fifths_rule,
    group_metrics,
    largest_group,
    rates_of,
)
from algoreg.bias.origin import check_column
from algoreg.bias.results import (
    AucResult,
    BiasAnalysis,
    CalibrationBinResult,
    CriterionResult,
    DataDescription,
    Finding,
    FourFifthsResult,
    GroupCounts,
    GroupingResult,
    GroupResult,
    ImpactRatioResult,
    Judgement,
    OriginCheck,
    OriginFlag,
    SpreadResult,
    group_label,
    judgement_message,
    judgement_of,
    rate_estimate,
    verdict_summary,
)
from algoreg.bias.settings import (
    AnalysisSettings,
    Comparison,
    GroupingChoice,
    OriginChoice,
    ScoreChoice,
    ToleranceChoice,
    settings_of,
)
from algoreg.bias.statistics import DisparityVerdict, bootstrap_auc_interval, judge_disparities
from algoreg.errors import FieldProblem, InvalidInput

__all__ = [
    "AnalysisSettings",
    "BiasAnalysis",
    "Finding",
    "GroupingChoice",
    "Judgement",
    "OriginChoice",
    "ScoreChoice",
    "ToleranceChoice",
    "analyse",
    "analyse_counts",
    "calibration_edges",
]

_SUMMARY = "The settings of the bias analysis are not valid."


def analyse(source: DataSource, settings: AnalysisSettings | Mapping[str, Any]) -> BiasAnalysis:
    """Analyse decision data for bias: one aggregation in the data's engine, then :func:`analyse_counts`.

    ``source`` is a file, a dataframe or a :class:`~algoreg.bias.inputs.SqlQuery`; ``settings`` an
    :class:`AnalysisSettings` or a mapping that validates as one. Bad settings or data raise
    :class:`~algoreg.errors.InvalidInput` naming the field or column.
    """
    chosen = settings_of(settings)
    table = count_table(source, chosen.roles, score_decimals=chosen.score.score_decimals)
    return analyse_counts(table, chosen)


def analyse_counts(
    table: CountTable, settings: AnalysisSettings | Mapping[str, Any], *, require_reference: bool = True
) -> BiasAnalysis:
    """The analysis of a table of counts already made, with the same column roles as the settings.

    Nothing here reads the data again. A chosen reference group that the table does not hold raises
    :class:`InvalidInput`; with ``require_reference=False`` (for a part of the data, such as one
    period, that may lack it) its comparisons get the verdict ``TOO_FEW_CASES`` instead.
    """
    settings = settings_of(settings)
    if table.roles != settings.roles:
        raise InvalidInput(
            problems=[FieldProblem("roles", "the table of counts was made with other column roles")],
            summary=_SUMMARY,
        )
    judgement = settings.judgement()
    rates = settings.chosen_rates()
    edges = calibration_edges(table, settings.score.calibration_bins)
    chosen = settings.chosen_groupings()
    metrics = [
        group_metrics(table, choice.attributes, calibration_edges=edges if edges else None)
        for choice in chosen
    ]
    references = [
        _reference(index, choice, found, require_reference)
        for index, (choice, found) in enumerate(zip(chosen, metrics, strict=True))
    ]
    specs: list[tuple[int, GroupMetrics, str, Comparison, Rate, Rate]] = []
    for index, (found, reference) in enumerate(zip(metrics, references, strict=True)):
        reference_metrics = _group_or_empty(found, reference)
        for group in found.groups:
            rest = rates_of(found.overall.counts.minus(group.counts))
            for rate in rates:
                mine = _rate(group, rate)
                for against in settings.compare_with:
                    if against == "reference":
                        if group.group == reference:
                            continue
                        other = _rate(reference_metrics, rate)
                    else:
                        other = _rate_or_empty(rest.get(rate))
                    specs.append((index, group, rate, against, mine, other))
    verdicts = judge_disparities(
        [spec[4].numerator for spec in specs],
        [spec[4].denominator for spec in specs],
        [spec[5].numerator for spec in specs],
        [spec[5].denominator for spec in specs],
        settings=judgement,
    )
    tests = sum(1 for verdict in verdicts if verdict.adjusted_p_value is not None)
    findings = tuple(
        _finding(spec, chosen, references, verdict, settings, tests)
        for spec, verdict in zip(specs, verdicts, strict=True)
    )
    aucs = [
        _auc_results(table, choice.attributes, found, settings)
        if settings.score.auc and table.roles.has_score and table.roles.has_label
        else {}
        for choice, found in zip(chosen, metrics, strict=True)
    ]
    groupings = tuple(
        _grouping_result(choice, found, reference, auc, settings)
        for choice, found, reference, auc in zip(chosen, metrics, references, aucs, strict=True)
    )
    return BiasAnalysis(
        settings=settings,
        rates=rates,
        data=_data_description(table),
        groupings=groupings,
        findings=findings,
        summary=verdict_summary(findings, tests),
        origin=_origin_check(table, settings) if settings.origin.check else None,
    )


def _reference(index: int, choice: GroupingChoice, metrics: GroupingMetrics, strict: bool) -> Group:
    if choice.reference is None:
        return largest_group(metrics)
    reference = tuple(choice.reference)
    if strict and reference not in {found.group for found in metrics.groups}:
        known = ", ".join(repr(group_label(found.group)) for found in metrics.groups[:20])
        raise InvalidInput(
            problems=[
                FieldProblem(
                    f"groupings.{index}.reference",
                    f"no group {group_label(reference)!r} in {list(choice.attributes)}; "
                    f"the groups are {known}",
                )
            ],
            summary=_SUMMARY,
        )
    return reference


def _group_or_empty(metrics: GroupingMetrics, values: Group) -> GroupMetrics | None:
    for found in metrics.groups:
        if found.group == values:
            return found
    return None


def _rate_or_empty(rate: Rate | None) -> Rate:
    return rate if rate is not None else Rate(0, 0)


def _rate(metrics: GroupMetrics | None, name: str) -> Rate:
    return Rate(0, 0) if metrics is None else _rate_or_empty(metrics.rates.get(name))


def _finding(
    spec: tuple[int, GroupMetrics, str, Comparison, Rate, Rate],
    chosen: tuple[GroupingChoice, ...],
    references: list[Group],
    verdict: DisparityVerdict,
    settings: AnalysisSettings,
    tests: int,
) -> Finding:
    index, group, rate, against, _, _ = spec
    judgement = judgement_of(verdict)
    reference = references[index] if against == "reference" else None
    reference_phrase = (
        Message("bias.reference.group", {"reference_group": group_label(reference)})
        if reference is not None
        else Message("bias.reference.rest")
    )
    message = judgement_message(
        judgement,
        group=group_label(group.group),
        rate=Message(f"bias.rate.{rate}"),
        reference=reference_phrase,
        tests=tests,
        tolerance=settings.tolerance,
        min_group_size=settings.min_group_size,
    )
    return Finding(
        **dict(judgement),
        grouping=chosen[index].attributes,
        group=group.group,
        rate_name=rate,
        against=against,
        reference_group=reference,
        message=message,
    )


def _data_description(table: CountTable) -> DataDescription:
    counted, excluded = table.rows, table.excluded_rows
    return DataDescription(
        rows=counted + excluded,
        rows_counted=counted,
        rows_excluded=excluded,
        excluded_for_missing=table.missing,
        score_decimals=table.score_decimals,
        message=Message(
            "bias.summary.data", {"rows": counted + excluded, "excluded": excluded, "counted": counted}
        ),
    )


def _counts(metrics: GroupMetrics) -> GroupCounts:
    counts = metrics.counts
    return GroupCounts(
        n=counts.n,
        excluded=metrics.excluded,
        selected=counts.selected,
        positives=counts.positives,
        tp=counts.tp,
        fp=counts.fp,
        fn=counts.fn,
        tn=counts.tn,
    )


def _grouping_result(
    choice: GroupingChoice,
    metrics: GroupingMetrics,
    reference: Group,
    aucs: dict[Group, AucResult],
    settings: AnalysisSettings,
) -> GroupingResult:
    confidence, minimum = settings.confidence, settings.min_group_size
    groups = tuple(
        GroupResult(
            values=found.group,
            label=group_label(found.group),
            counts=_counts(found),
            below_min_group_size=found.counts.n < minimum,
            rates={
                name: rate_estimate(rate.numerator, rate.denominator, confidence)
                for name in metrics.rate_names
                if (rate := found.rates.get(name)) is not None
            },
            auc=aucs.get(found.group),
            calibration=None
            if found.calibration is None
            else tuple(
                CalibrationBinResult(
                    lower=item.lower,
                    upper=item.upper,
                    n=item.n,
                    mean_score=item.mean_score if item.n >= minimum else None,
                    observed=rate_estimate(
                        item.observed_rate.numerator, item.observed_rate.denominator, confidence
                    ),
                )
                for item in found.calibration.bins
            ),
        )
        for found in metrics.groups
    )
    four_fifths = None
    if "selection_rate" in metrics.rate_names:
        rule = four_fifths_rule(metrics)
        four_fifths = FourFifthsResult(
            threshold=rule.threshold,
            highest=rule.highest,
            ratios=tuple(
                ImpactRatioResult(group=item.group, ratio=item.ratio, below_threshold=item.below_threshold)
                for item in rule.ratios
            ),
            flagged=rule.flagged,
        )
    criteria = tuple(
        CriterionResult(
            name=found.name,
            difference=found.difference,
            ratio=found.ratio,
            spreads=tuple(
                SpreadResult(
                    rate_name=item.rate,
                    highest=item.highest,
                    lowest=item.lowest,
                    difference=item.difference,
                    ratio=item.ratio,
                    left_out=item.left_out,
                )
                for item in found.spreads
            ),
        )
        for found in fairness_criteria(metrics)
    )
    return GroupingResult(
        attributes=choice.attributes,
        reference=reference,
        reference_chosen="largest" if choice.reference is None else "given",
        overall=_counts(metrics.overall),
        groups=groups,
        four_fifths=four_fifths,
        criteria=criteria,
    )


def calibration_edges(table: CountTable, bins: int) -> tuple[float, ...]:
    """Equal-width calibration edges on a fixed grid, never at a person's own score.

    Scores within 0–1 get ``0, 1/bins, …, 1``; other scores a range from a multiple of a round step
    (1, 2 or 5 times a power of ten) below the lowest score to one above the highest. Empty without
    a score and a label.
    """
    if not (table.roles.has_score and table.roles.has_label) or table.score_decimals is None:
        return ()
    low = table.score_of_bin(int(table.counts["score_bin"].min()))  # type: ignore[arg-type]
    high = table.score_of_bin(int(table.counts["score_bin"].max()))  # type: ignore[arg-type]
    if low >= 0.0 and high <= 1.0:
        return tuple(round(index / bins, 12) for index in range(bins + 1))
    span = max(high - low, 10.0**-table.score_decimals)
    raw_step = span / bins
    power = 10.0 ** math.floor(math.log10(raw_step))
    step = next(factor * power for factor in (1.0, 2.0, 5.0, 10.0) if factor * power >= raw_step)
    start = math.floor(low / step) * step
    count = max(1, math.ceil((high - start) / step))
    if start + count * step <= high:
        count += 1
    return tuple(round(start + index * step, 12) for index in range(count + 1))


def _auc_results(
    table: CountTable, attributes: tuple[str, ...], metrics: GroupingMetrics, settings: AnalysisSettings
) -> dict[Group, AucResult]:
    n, positive = pl.col("n"), pl.col("label") == 1
    bins = (
        table.counts.group_by(*attributes, "score_bin")
        .agg(n.filter(positive).sum().alias("positive"), n.filter(~positive).sum().alias("negative"))
        .sort(*attributes, "score_bin")
    )
    exact = {found.group: found.auc for found in metrics.groups}
    results: dict[Group, AucResult] = {}
    for key, part in bins.group_by(*attributes, maintain_order=True):
        group = tuple(str(value) for value in key)
        positives = part["positive"].to_numpy().astype(np.int64)
        negatives = part["negative"].to_numpy().astype(np.int64)
        if positives.sum() == 0 or negatives.sum() == 0:
            continue
        interval = bootstrap_auc_interval(
            positives,
            negatives,
            n_boot=settings.score.bootstrap_resamples,
            confidence=settings.confidence,
            seed=settings.score.seed,
        )
        bound = exact.get(group)
        results[group] = AucResult(
            value=interval.auc,
            lower=interval.lower,
            upper=interval.upper,
            confidence=interval.confidence,
            method=interval.method.value,
            resamples=interval.n_boot,
            seed=interval.seed,
            positives=int(positives.sum()),
            negatives=int(negatives.sum()),
            error_bound=0.0 if bound is None else bound.error_bound,
            enough_cases=min(int(positives.sum()), int(negatives.sum())) >= settings.min_group_size,
        )
    return results


def _origin_check(table: CountTable, settings: AnalysisSettings) -> OriginCheck:
    rng = np.random.default_rng(settings.origin.seed)
    limit = settings.origin.sample_rows
    flags = []
    read = 0
    for name in table.attributes:
        sizes = (
            pl.concat([table.counts.select(name, "n"), table.excluded.select(name, "n")])
            .group_by(name)
            .agg(pl.col("n").sum())
            .sort(name)
        )
        values = sizes[name].to_list()
        counts = sizes["n"].to_numpy().astype(np.int64)
        total = int(counts.sum())
        drawn = rng.multinomial(limit, counts / total) if total > limit else counts
        sample: list[str | None] = []
        for value, times in zip(values, drawn, strict=True):
            sample.extend([None if value == MISSING_GROUP else value] * int(times))
        read = len(sample)
        found = check_column(name, pl.Series(name, sample, dtype=pl.String))
        evidence = found.by_content
        flags.append(
            OriginFlag(
                column=name,
                flagged=found.flagged,
                categories=found.categories,
                name_patterns=tuple(match.pattern for match in found.by_name),
                content_share=None if evidence is None else evidence.share,
                content_threshold=None if evidence is None else evidence.threshold,
                content_flagged=None if evidence is None else evidence.flagged,
                reasons=found.reasons,
            )
        )
    return OriginCheck(sample_rows=read, seed=settings.origin.seed, columns=tuple(flags))
