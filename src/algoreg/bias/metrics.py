"""Rates per group and per intersection of groups, and the disparities between groups.

Everything here is a pure function of a :class:`~algoreg.bias.counts.CountTable`: sums over its
small table of counts, never a pass over the rows. Every rate is given with its numerator and
denominator (:class:`Rate`), so that intervals and tests can be put on it; a rate whose denominator
is 0 has the value ``None``, never NaN, so that an empty denominator stays visible.

Rates (identifiers as used throughout): ``selection_rate`` = selected / n; ``base_rate`` =
positives / n; ``true_positive_rate`` = tp / positives; ``false_positive_rate`` = fp / negatives;
``false_negative_rate`` = fn / positives; ``true_negative_rate`` = tn / negatives; ``precision`` =
tp / selected; ``false_discovery_rate`` = fp / selected; ``false_omission_rate`` = fn / not selected.
"Positive" is a label of 1, "selected" an outcome of 1 (or a score at or above the threshold).

**Metrics the data cannot give are omitted, named criteria are refused.** Without a label, the
label-based counts and rates of a group are ``None`` and no gap is computed for them; without a
score there is no AUC or calibration (``None``); without a selection there is no selection-based
rate. Asking for a named criterion the data cannot support (equal opportunity without a label,
demographic parity without a selection) raises :class:`~algoreg.errors.InvalidInput` naming the
missing column role; :func:`fairness_criteria` returns only the criteria the data supports.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product
from typing import Any, Literal

import numpy as np
import polars as pl

from algoreg.bias.counts import CountTable
from algoreg.errors import FieldProblem, InvalidInput

RATE_NAMES = (
    "selection_rate",
    "base_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "true_negative_rate",
    "precision",
    "false_discovery_rate",
    "false_omission_rate",
)
"""Every rate a group has, in the order reports show them."""

SELECTION_RATES = ("selection_rate",)
LABEL_RATES = ("base_rate",)
CONFUSION_RATES = RATE_NAMES[2:]

CALIBRATION_BINS = 10
FOUR_FIFTHS = 0.8

Group = tuple[str, ...]
"""The values of a group, one per attribute of its grouping; ``()`` is everyone."""


@dataclass(frozen=True)
class Rate:
    """A proportion with its parts; ``value`` is None when the denominator is 0."""

    numerator: int
    denominator: int
    value: float | None = field(init=False)

    def __post_init__(self) -> None:
        value = self.numerator / self.denominator if self.denominator else None
        object.__setattr__(self, "value", value)


@dataclass(frozen=True)
class ConfusionCounts:
    """Rows of a group: all, selected, positive (label 1), and the four cells of the confusion matrix.

    A count the data cannot give (``selected`` without a selection, the rest without a label) is
    None.
    """

    n: int
    selected: int | None
    positives: int | None
    tp: int | None
    fp: int | None
    fn: int | None
    tn: int | None

    def minus(self, other: "ConfusionCounts") -> "ConfusionCounts":
        """The counts of the rows in ``self`` but not in ``other`` (``other`` a part of ``self``)."""

        def less(mine: int | None, theirs: int | None) -> int | None:
            return None if mine is None or theirs is None else mine - theirs

        return ConfusionCounts(
            n=self.n - other.n,
            selected=less(self.selected, other.selected),
            positives=less(self.positives, other.positives),
            tp=less(self.tp, other.tp),
            fp=less(self.fp, other.fp),
            fn=less(self.fn, other.fn),
            tn=less(self.tn, other.tn),
        )


@dataclass(frozen=True)
class Rates:
    """Every rate of a group; a rate the data cannot give is None (see the module's notes)."""

    selection_rate: Rate | None
    base_rate: Rate | None
    true_positive_rate: Rate | None
    false_positive_rate: Rate | None
    false_negative_rate: Rate | None
    true_negative_rate: Rate | None
    precision: Rate | None
    false_discovery_rate: Rate | None
    false_omission_rate: Rate | None

    def get(self, name: str) -> Rate | None:
        """The rate of this name (one of :data:`RATE_NAMES`)."""
        if name not in RATE_NAMES:
            raise InvalidInput(
                problems=[
                    FieldProblem("rate", f"unknown rate '{name}'; the rates are {', '.join(RATE_NAMES)}")
                ],
                summary="Unknown rate.",
            )
        rate: Rate | None = getattr(self, name)
        return rate


def rates_of(counts: ConfusionCounts) -> Rates:
    """Every rate that the counts allow, each with its numerator and denominator."""
    selection = None if counts.selected is None else Rate(counts.selected, counts.n)
    base = None if counts.positives is None else Rate(counts.positives, counts.n)
    if counts.tp is None or counts.fp is None or counts.fn is None or counts.tn is None:
        return Rates(selection, base, None, None, None, None, None, None, None)
    tp, fp, fn, tn = counts.tp, counts.fp, counts.fn, counts.tn
    return Rates(
        selection_rate=selection,
        base_rate=base,
        true_positive_rate=Rate(tp, tp + fn),
        false_positive_rate=Rate(fp, fp + tn),
        false_negative_rate=Rate(fn, tp + fn),
        true_negative_rate=Rate(tn, fp + tn),
        precision=Rate(tp, tp + fp),
        false_discovery_rate=Rate(fp, tp + fp),
        false_omission_rate=Rate(fn, fn + tn),
    )


@dataclass(frozen=True)
class Auc:
    """Area under the ROC curve of a group: the chance that a positive scores above a negative.

    ``u_statistic`` (pairs ranked right, ties counting half: the Mann–Whitney U of the positives)
    over ``pairs`` (positives × negatives) is the ``value``; None without positives or negatives.
    ``error_bound`` is how far the value can be from the AUC of the unrounded scores: 0.0 when
    every score bin holds one distinct score (see :mod:`algoreg.bias.counts`).
    """

    value: float | None
    u_statistic: float
    pairs: int
    positives: int
    negatives: int
    error_bound: float


@dataclass(frozen=True)
class CalibrationBin:
    """Rows whose score lies in ``[lower, upper)`` (the last bin includes ``upper``).

    ``mean_score`` is the mean of their scores (None when the bin is empty); ``observed_rate`` is
    the share of them with label 1.
    """

    lower: float
    upper: float
    n: int
    mean_score: float | None
    observed_rate: Rate


@dataclass(frozen=True)
class Calibration:
    """Mean score against observed positive rate per score bin; ``outside``: rows beyond the edges."""

    bins: tuple[CalibrationBin, ...]
    outside: int


@dataclass(frozen=True)
class GroupMetrics:
    """Counts, rates, AUC and calibration of one group (or of everyone, when ``group`` is ``()``).

    ``excluded`` is the number of the group's rows left out for a missing outcome, label or score.
    """

    group: Group
    counts: ConfusionCounts
    rates: Rates
    excluded: int
    auc: Auc | None
    calibration: Calibration | None


@dataclass(frozen=True)
class GroupingMetrics:
    """The metrics of every group of one grouping (one attribute, or an intersection of several).

    ``rate_names`` lists the rates the data supports; ``overall`` covers every row counted.
    """

    attributes: tuple[str, ...]
    rate_names: tuple[str, ...]
    overall: GroupMetrics
    groups: tuple[GroupMetrics, ...]

    def group(self, *values: str) -> GroupMetrics:
        """The metrics of the group with these values (one per attribute)."""
        for metrics in self.groups:
            if metrics.group == values:
                return metrics
        raise InvalidInput(
            problems=[FieldProblem("group", f"no group {values!r} in {self.attributes!r}")],
            summary="Unknown group.",
        )


def default_groupings(table: CountTable) -> tuple[tuple[str, ...], ...]:
    """Each protected attribute alone, then all of them together (when there is more than one)."""
    alone = tuple((name,) for name in table.attributes)
    return alone + ((table.attributes,) if len(table.attributes) > 1 else ())


def group_metrics(
    table: CountTable,
    attributes: Sequence[str] | None = None,
    *,
    calibration_edges: Sequence[float] | None = None,
    all_combinations: bool = False,
) -> GroupingMetrics:
    """Counts and rates (and, with scores and labels, AUC and calibration) per group.

    ``attributes`` chooses the grouping: one attribute, or several for their intersection (default:
    all protected attributes together). Groups are those seen in the data, including groups whose
    every row was excluded (n = 0); with ``all_combinations`` also every combination of seen
    values that never occurs (n = 0). ``calibration_edges`` are the score bin edges, the same for
    every group (default: :func:`default_calibration_edges`).
    """
    names = _attributes(table, attributes)
    keys = _groups(table, names, all_combinations)
    edges = _edges(table, calibration_edges)
    overall = _metrics_by(table, (), edges)[()]
    by_group = _metrics_by(table, names, edges)
    excluded_by = _excluded_by(table, names)
    empty = _empty_metrics(table, edges)
    groups = tuple(
        _with_group(by_group.get(key, empty), key, excluded_by.get(key, 0)) for key in sorted(keys)
    )
    return GroupingMetrics(
        attributes=names,
        rate_names=available_rates(table),
        overall=_with_group(overall, (), table.excluded_rows),
        groups=groups,
    )


def metrics_by_grouping(
    table: CountTable,
    groupings: Iterable[Sequence[str]] | None = None,
    *,
    calibration_edges: Sequence[float] | None = None,
    all_combinations: bool = False,
) -> tuple[GroupingMetrics, ...]:
    """:func:`group_metrics` for several groupings (default: :func:`default_groupings`)."""
    chosen = default_groupings(table) if groupings is None else tuple(tuple(g) for g in groupings)
    return tuple(
        group_metrics(table, grouping, calibration_edges=calibration_edges, all_combinations=all_combinations)
        for grouping in chosen
    )


def available_rates(table: CountTable) -> tuple[str, ...]:
    """The rates the table's data supports (see the module's notes)."""
    roles = table.roles
    names: list[str] = []
    if roles.has_selection:
        names += SELECTION_RATES
    if roles.has_label:
        names += LABEL_RATES
    if roles.has_selection and roles.has_label:
        names += CONFUSION_RATES
    return tuple(name for name in RATE_NAMES if name in names)


def default_calibration_edges(table: CountTable, bins: int = CALIBRATION_BINS) -> tuple[float, ...]:
    """Equal-width bin edges from the lowest to the highest (rounded) score, on the score grid.

    The edges are put on the grid of the table's score bins, so every row falls in exactly one
    calibration bin; bins that would be narrower than a grid step are merged. Empty without scores.
    """
    if not table.roles.has_score or table.score_decimals is None or bins < 1:
        return ()
    low, high = table.counts["score_bin"].min(), table.counts["score_bin"].max()
    assert isinstance(low, int) and isinstance(high, int)
    steps = sorted({low + round((high - low) * index / bins) for index in range(bins + 1)})
    if len(steps) == 1:
        steps = [low, low]
    return tuple(table.score_of_bin(step) for step in steps)


def _attributes(table: CountTable, attributes: Sequence[str] | None) -> tuple[str, ...]:
    names = table.attributes if attributes is None else tuple(attributes)
    unknown = [name for name in names if name not in table.attributes]
    if unknown or not names or len(set(names)) != len(names):
        raise InvalidInput(
            problems=[
                FieldProblem(
                    "attributes",
                    f"choose one or more different protected attributes of {list(table.attributes)}; "
                    f"got {list(names)}",
                )
            ],
            summary="The grouping is not valid.",
        )
    return names


def _edges(table: CountTable, edges: Sequence[float] | None) -> tuple[float, ...]:
    if edges is None:
        return default_calibration_edges(table)
    chosen = tuple(float(edge) for edge in edges)
    if len(chosen) < 2 or any(not math.isfinite(e) for e in chosen) or list(chosen) != sorted(set(chosen)):
        raise InvalidInput(
            problems=[FieldProblem("calibration_edges", "give at least two finite, increasing edges")],
            summary="The calibration bins are not valid.",
        )
    return chosen


def _groups(table: CountTable, names: tuple[str, ...], all_combinations: bool) -> set[Group]:
    seen = pl.concat([table.counts.select(names), table.excluded.select(names)]).unique()
    keys = {tuple(row) for row in seen.iter_rows()}
    if all_combinations:
        values = [sorted(seen[name].unique().to_list()) for name in names]
        keys |= set(product(*values))
    return keys


def _key_of(row: dict[str, Any], names: tuple[str, ...]) -> Group:
    return tuple(row[name] for name in names)


def _summed(frame: pl.DataFrame, names: tuple[str, ...], *aggregations: pl.Expr) -> pl.DataFrame:
    if names:
        return frame.group_by(*names).agg(*aggregations)
    return frame.select(*aggregations)


def _excluded_by(table: CountTable, names: tuple[str, ...]) -> dict[Group, int]:
    summed = _summed(table.excluded, names, pl.col("n").sum())
    return {_key_of(row, names): int(row["n"]) for row in summed.iter_rows(named=True)}


def _metrics_by(
    table: CountTable, names: tuple[str, ...], edges: tuple[float, ...]
) -> dict[Group, GroupMetrics]:
    roles = table.roles
    n = pl.col("n")
    selected, positive = pl.col("selected") == 1, pl.col("label") == 1
    summed = _summed(
        table.counts,
        names,
        n.sum().alias("n"),
        n.filter(selected).sum().alias("selected"),
        n.filter(positive).sum().alias("positives"),
        n.filter(selected & positive).sum().alias("tp"),
        n.filter(selected & ~positive).sum().alias("fp"),
        n.filter(~selected & positive).sum().alias("fn"),
        n.filter(~selected & ~positive).sum().alias("tn"),
    )
    scored = roles.has_score and roles.has_label
    aucs = _aucs(table, names) if scored else {}
    calibrations = _calibrations(table, names, edges) if scored else {}
    no_calibration = _empty_calibration(table, edges)
    result: dict[Group, GroupMetrics] = {}
    for row in summed.iter_rows(named=True):
        key = _key_of(row, names)
        counts = _confusion(row, table)
        result[key] = GroupMetrics(
            group=key,
            counts=counts,
            rates=rates_of(counts),
            excluded=0,
            auc=aucs.get(key, _EMPTY_AUC) if scored else None,
            calibration=calibrations.get(key, no_calibration),
        )
    return result


def _confusion(row: dict[str, Any], table: CountTable) -> ConfusionCounts:
    roles = table.roles

    def count(name: str, needs_selection: bool, needs_label: bool) -> int | None:
        if (needs_selection and not roles.has_selection) or (needs_label and not roles.has_label):
            return None
        return int(row[name] or 0)

    return ConfusionCounts(
        n=int(row["n"] or 0),
        selected=count("selected", True, False),
        positives=count("positives", False, True),
        tp=count("tp", True, True),
        fp=count("fp", True, True),
        fn=count("fn", True, True),
        tn=count("tn", True, True),
    )


_EMPTY_AUC = Auc(value=None, u_statistic=0.0, pairs=0, positives=0, negatives=0, error_bound=0.0)


def _empty_calibration(table: CountTable, edges: tuple[float, ...]) -> Calibration | None:
    if not (table.roles.has_score and table.roles.has_label):
        return None
    return Calibration(bins=_calibration_bins(edges, {}), outside=0)


def _empty_metrics(table: CountTable, edges: tuple[float, ...]) -> GroupMetrics:
    row = {"n": 0, "selected": 0, "positives": 0, "tp": 0, "fp": 0, "fn": 0, "tn": 0}
    counts = _confusion(row, table)
    scored = table.roles.has_score and table.roles.has_label
    return GroupMetrics(
        group=(),
        counts=counts,
        rates=rates_of(counts),
        excluded=0,
        auc=_EMPTY_AUC if scored else None,
        calibration=_empty_calibration(table, edges),
    )


def _with_group(metrics: GroupMetrics, key: Group, excluded: int) -> GroupMetrics:
    return GroupMetrics(
        group=key,
        counts=metrics.counts,
        rates=metrics.rates,
        excluded=excluded,
        auc=metrics.auc,
        calibration=metrics.calibration,
    )


def _aucs(table: CountTable, names: tuple[str, ...]) -> dict[Group, Auc]:
    """AUC per group from the score bins: Σ over bins of positives × (negatives below + ½ negatives here)."""
    n, positive = pl.col("n"), pl.col("label") == 1
    keyed = table.counts.with_columns(pl.lit(0).alias("__everyone"))
    by = [*names] or ["__everyone"]
    bins = (
        keyed.group_by(*by, "score_bin")
        .agg(
            n.filter(positive).sum().cast(pl.Float64).alias("pos"),
            n.filter(~positive).sum().cast(pl.Float64).alias("neg"),
            pl.col("score_min").min().alias("low"),
            pl.col("score_max").max().alias("high"),
        )
        .sort(*by, "score_bin")
        .with_columns((pl.col("neg").cum_sum() - pl.col("neg")).over(by).alias("below"))
    )
    per_group = bins.group_by(*by).agg(
        (pl.col("pos") * (pl.col("below") + 0.5 * pl.col("neg"))).sum().alias("u"),
        pl.col("pos").sum().alias("positives"),
        pl.col("neg").sum().alias("negatives"),
        (pl.col("pos") * pl.col("neg")).filter(pl.col("low") < pl.col("high")).sum().alias("blurred"),
    )
    result: dict[Group, Auc] = {}
    for row in per_group.iter_rows(named=True):
        positives, negatives = int(row["positives"]), int(row["negatives"])
        pairs = positives * negatives
        result[_key_of(row, names)] = Auc(
            value=row["u"] / pairs if pairs else None,
            u_statistic=float(row["u"]),
            pairs=pairs,
            positives=positives,
            negatives=negatives,
            error_bound=0.5 * row["blurred"] / pairs if pairs else 0.0,
        )
    return result


def _calibrations(
    table: CountTable, names: tuple[str, ...], edges: tuple[float, ...]
) -> dict[Group, Calibration]:
    if len(edges) < 2:
        return {}
    scores = table.counts["score_bin"].to_numpy() / 10 ** (table.score_decimals or 0)
    index = np.searchsorted(np.asarray(edges), scores, side="right") - 1
    index[scores == edges[-1]] = len(edges) - 2
    index[(scores < edges[0]) | (scores > edges[-1])] = -1
    keyed = table.counts.with_columns(pl.Series("bin", index), pl.lit(0).alias("__everyone"))
    by = [*names] or ["__everyone"]
    summed = keyed.group_by(*by, "bin").agg(
        pl.col("n").sum().alias("n"),
        pl.col("n").filter(pl.col("label") == 1).sum().alias("positives"),
        pl.col("score_sum").sum().alias("score_sum"),
    )
    cells: dict[Group, dict[int, tuple[int, int, float]]] = {}
    for row in summed.iter_rows(named=True):
        cells.setdefault(_key_of(row, names), {})[int(row["bin"])] = (
            int(row["n"]),
            int(row["positives"]),
            float(row["score_sum"]),
        )
    return {
        key: Calibration(bins=_calibration_bins(edges, found), outside=found.get(-1, (0, 0, 0.0))[0])
        for key, found in cells.items()
    }


def _calibration_bins(
    edges: tuple[float, ...], found: dict[int, tuple[int, int, float]]
) -> tuple[CalibrationBin, ...]:
    bins = []
    for index in range(len(edges) - 1):
        n, positives, score_sum = found.get(index, (0, 0, 0.0))
        bins.append(
            CalibrationBin(
                lower=edges[index],
                upper=edges[index + 1],
                n=n,
                mean_score=score_sum / n if n else None,
                observed_rate=Rate(positives, n),
            )
        )
    return tuple(bins)


# --- disparities ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A group's rate against another's: ``difference`` = group − other, ``ratio`` = group / other.

    Either is None when a rate is undefined; the ratio is None when the other rate is 0.
    """

    rate: str
    group_rate: Rate | None
    other_rate: Rate | None
    difference: float | None
    ratio: float | None


@dataclass(frozen=True)
class GroupDisparity:
    """One group's gaps against the reference group and against the rest (every other row)."""

    group: Group
    against_reference: tuple[Gap, ...]
    against_rest: tuple[Gap, ...]

    def gap(self, rate: str, against: Literal["reference", "rest"] = "reference") -> Gap:
        """The gap of one rate (one of the grouping's ``rate_names``)."""
        gaps = self.against_reference if against == "reference" else self.against_rest
        for gap in gaps:
            if gap.rate == rate:
                return gap
        raise InvalidInput(
            problems=[FieldProblem("rate", f"no gap for '{rate}'; the data gives {[g.rate for g in gaps]}")],
            summary="Unknown rate.",
        )


@dataclass(frozen=True)
class Disparities:
    """Gaps of every group of a grouping, against ``reference`` and against the rest."""

    attributes: tuple[str, ...]
    reference: Group
    groups: tuple[GroupDisparity, ...]

    def group(self, *values: str) -> GroupDisparity:
        """The gaps of the group with these values."""
        for found in self.groups:
            if found.group == values:
                return found
        raise InvalidInput(
            problems=[FieldProblem("group", f"no group {values!r} in {self.attributes!r}")],
            summary="Unknown group.",
        )


def gap(rate: str, mine: Rate | None, other: Rate | None) -> Gap:
    """The difference and ratio of two rates (None where undefined, as :class:`Gap` says)."""
    if mine is None or other is None or mine.value is None or other.value is None:
        return Gap(rate, mine, other, None, None)
    ratio = mine.value / other.value if other.value else None
    return Gap(rate, mine, other, mine.value - other.value, ratio)


def largest_group(metrics: GroupingMetrics) -> Group:
    """The group with the most rows counted (the first in order among equals)."""
    if not metrics.groups:
        raise InvalidInput(problems=[FieldProblem("groups", "there are no groups")], summary="No groups.")
    return max(metrics.groups, key=lambda found: found.counts.n).group


def disparities(metrics: GroupingMetrics, reference: Sequence[str] | None = None) -> Disparities:
    """Every rate of every group against a reference group and against the rest of the rows.

    ``reference`` gives the values of the reference group (default: :func:`largest_group`). The rest
    of a group is every other row counted in the grouping (everyone minus the group).
    """
    chosen = largest_group(metrics) if reference is None else tuple(reference)
    reference_metrics = metrics.group(*chosen)
    result = []
    for found in metrics.groups:
        rest = rates_of(metrics.overall.counts.minus(found.counts))
        result.append(
            GroupDisparity(
                group=found.group,
                against_reference=tuple(
                    gap(name, found.rates.get(name), reference_metrics.rates.get(name))
                    for name in metrics.rate_names
                ),
                against_rest=tuple(
                    gap(name, found.rates.get(name), rest.get(name)) for name in metrics.rate_names
                ),
            )
        )
    return Disparities(attributes=metrics.attributes, reference=chosen, groups=tuple(result))


# --- named criteria ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """How far one rate lies apart between groups: highest − lowest, and lowest / highest.

    Groups whose rate is undefined (empty denominator) are left out and listed in ``left_out``; the
    ratio is None when the highest rate is 0, both are None with fewer than one defined rate.
    """

    rate: str
    highest: Group | None
    lowest: Group | None
    difference: float | None
    ratio: float | None
    left_out: tuple[Group, ...]


@dataclass(frozen=True)
class Criterion:
    """A named fairness criterion on one grouping: its spreads, the largest difference, smallest ratio.

    ``difference`` is 0 and ``ratio`` 1 when the criterion holds exactly.
    """

    name: str
    attributes: tuple[str, ...]
    spreads: tuple[Spread, ...]
    difference: float | None
    ratio: float | None


CRITERIA = {
    "demographic_parity": ("selection_rate",),
    "equal_opportunity": ("true_positive_rate",),
    "equalised_odds": ("true_positive_rate", "false_positive_rate"),
    "predictive_parity": ("precision",),
}
"""The named criteria and the rates each compares between groups."""


def spread(metrics: GroupingMetrics, rate: str) -> Spread:
    """The spread of one rate between the groups of a grouping."""
    defined = [(found.rates.get(rate), found.group) for found in metrics.groups]
    valued = [(r.value, group) for r, group in defined if r is not None and r.value is not None]
    left_out = tuple(group for r, group in defined if r is None or r.value is None)
    if not valued:
        return Spread(rate, None, None, None, None, left_out)
    high_value, high = max(valued, key=lambda item: item[0])
    low_value, low = min(valued, key=lambda item: item[0])
    ratio = low_value / high_value if high_value else None
    return Spread(rate, high, low, high_value - low_value, ratio, left_out)


def criterion(metrics: GroupingMetrics, name: str) -> Criterion:
    """One named criterion (a key of :data:`CRITERIA`); refused when the data lacks what it needs.

    Equalised odds takes the larger of the true- and false-positive-rate differences and the
    smaller of their ratios.
    """
    if name not in CRITERIA:
        raise InvalidInput(
            problems=[FieldProblem("criterion", f"unknown criterion '{name}'; known: {', '.join(CRITERIA)}")],
            summary="Unknown criterion.",
        )
    missing = [rate for rate in CRITERIA[name] if rate not in metrics.rate_names]
    if missing:
        lacking = []
        if "selection_rate" not in metrics.rate_names:
            lacking.append(("outcome", "an outcome (or a score with a threshold)"))
        if "base_rate" not in metrics.rate_names:
            lacking.append(("label", "the true outcome (a label)"))
        compares = ", ".join(CRITERIA[name])
        raise InvalidInput(
            problems=[
                FieldProblem(role, f"{name.replace('_', ' ')} compares {compares}, which need {what}")
                for role, what in lacking
            ],
            summary="The data cannot support this criterion.",
        )
    spreads = tuple(spread(metrics, rate) for rate in CRITERIA[name])
    differences = [s.difference for s in spreads]
    ratios = [s.ratio for s in spreads]
    return Criterion(
        name=name,
        attributes=metrics.attributes,
        spreads=spreads,
        difference=None if None in differences else max(d for d in differences if d is not None),
        ratio=None if None in ratios else min(r for r in ratios if r is not None),
    )


def demographic_parity(metrics: GroupingMetrics) -> Criterion:
    """Demographic (statistical) parity: the spread of selection rates between groups."""
    return criterion(metrics, "demographic_parity")


def equal_opportunity(metrics: GroupingMetrics) -> Criterion:
    """Equal opportunity (Hardt, Price & Srebro 2016): the spread of true positive rates."""
    return criterion(metrics, "equal_opportunity")


def equalised_odds(metrics: GroupingMetrics) -> Criterion:
    """Equalised odds (Hardt, Price & Srebro 2016): the larger spread of true and false positive rates."""
    return criterion(metrics, "equalised_odds")


def predictive_parity(metrics: GroupingMetrics) -> Criterion:
    """Predictive parity (Chouldechova 2017): the spread of precision between groups."""
    return criterion(metrics, "predictive_parity")


def fairness_criteria(metrics: GroupingMetrics) -> tuple[Criterion, ...]:
    """Every named criterion the data supports (the others are left out)."""
    return tuple(
        criterion(metrics, name)
        for name, rates in CRITERIA.items()
        if all(rate in metrics.rate_names for rate in rates)
    )


@dataclass(frozen=True)
class ImpactRatio:
    """A group's selection rate over the highest group's; ``below_threshold`` flags adverse impact."""

    group: Group
    selection_rate: Rate
    ratio: float | None
    below_threshold: bool


@dataclass(frozen=True)
class FourFifthsRule:
    """The four-fifths rule (US EEOC Uniform Guidelines, 29 CFR 1607.4(D)) on one grouping.

    Every group's selection rate is divided by the highest group's; a ratio under ``threshold`` is
    flagged. Ratios are None for groups without rows, and for all when no group was selected.
    """

    attributes: tuple[str, ...]
    threshold: float
    highest: Group | None
    ratios: tuple[ImpactRatio, ...]

    @property
    def flagged(self) -> tuple[Group, ...]:
        """The groups whose ratio is under the threshold."""
        return tuple(found.group for found in self.ratios if found.below_threshold)


def four_fifths_rule(metrics: GroupingMetrics, threshold: float = FOUR_FIFTHS) -> FourFifthsRule:
    """Selection-rate ratios against the group with the highest selection rate, flagged below 0.8.

    The comparison with the threshold is exact (on fractions), so a ratio of exactly 4/5 is not
    flagged. Refused when the data has no selection.
    """
    if "selection_rate" not in metrics.rate_names:
        raise InvalidInput(
            problems=[
                FieldProblem("outcome", "the four-fifths rule compares selection rates: it needs an outcome")
            ],
            summary="The data cannot support this criterion.",
        )
    if not 0 < threshold <= 1:
        raise InvalidInput(
            problems=[FieldProblem("threshold", "the threshold is a ratio above 0 and at most 1")],
            summary="The threshold is not valid.",
        )
    selection = [(found.group, found.rates.selection_rate) for found in metrics.groups]
    defined = [(group, rate) for group, rate in selection if rate is not None and rate.value is not None]
    top = max(defined, key=lambda item: item[1].value or 0.0, default=None)
    limit = Fraction(str(threshold))
    ratios = []
    for group, rate in selection:
        assert rate is not None
        if top is None or rate.value is None or not top[1].numerator:
            ratios.append(ImpactRatio(group, rate, None, False))
            continue
        exact = Fraction(rate.numerator * top[1].denominator, rate.denominator * top[1].numerator)
        ratios.append(ImpactRatio(group, rate, float(exact), exact < limit))
    return FourFifthsRule(
        attributes=metrics.attributes,
        threshold=threshold,
        highest=None if top is None else top[0],
        ratios=tuple(ratios),
    )
