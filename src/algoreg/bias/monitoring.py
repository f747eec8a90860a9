"""Bias over time: the same analysis per period, the trend of every rate, and what changed last.

:func:`analyse_periods` adds the period (a month, a quarter, or the values of a column as they are)
to the keys of the one aggregation (:func:`~algoreg.bias.counts.count_table` — the period is
counted as one more attribute to group by), splits the small table of counts per period and runs
:func:`~algoreg.bias.analysis.analyse_counts` on each part. The reference group of every grouping
is fixed for all periods (the one given, or the largest over all periods together), so that the
periods are compared with the same group.

Per grouping × group × rate, a :class:`Trend` gives the rate with its interval per period and the
verdicts of that period, and asks whether the latest period differs from the earlier ones together:

* ``latest_change``: the group's rate in the latest period against its rate in the earlier periods
  together, judged like any disparity (test of equal rates, equivalence within the tolerance, cases
  needed), with one Benjamini–Hochberg family over all trends;
* ``gap_changes``: whether the group's ratio to its reference (or to the rest) changed — the ratio
  of the latest period over the ratio of the earlier periods together, with a Wald test on the log
  scale (Altman & Bland 2003, BMJ 326:219, "Interaction revisited"), adjusted by
  Benjamini–Hochberg over all trends as a second family.

Each period's own analysis has its own family, as if it were analysed alone.
"""

import math
from collections.abc import Mapping
from typing import Any, Literal

import narwhals as nw
import polars as pl
from pydantic import BaseModel
from scipy import stats
from sqlalchemy import Engine, Integer, cast, create_engine, extract, literal_column, select
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from algoreg.bias.analysis import analyse_counts
from algoreg.bias.counts import CountTable, count_table
from algoreg.bias.inputs import (
    MISSING_GROUP,
    RESERVED_NAMES,
    ColumnKind,
    ColumnRoles,
    DataSource,
    SqlQuery,
    kind_of_dtype,
    load_frame,
    sql_columns,
)
from algoreg.bias.messages import LEGAL_QUESTIONS, Message
from algoreg.bias.metrics import ConfusionCounts, rates_of
from algoreg.bias.results import (
    BiasAnalysis,
    Finding,
    GroupCounts,
    IntervalEstimate,
    Judgement,
    RateEstimate,
    VerdictSummary,
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
    frozen_model_config,
    settings_of,
)
from algoreg.bias.statistics import (
    Estimate,
    JudgementSettings,
    Verdict,
    benjamini_hochberg,
    compare_proportions,
    judge_disparities,
)
from algoreg.errors import FieldProblem, InvalidInput

PeriodUnit = Literal["month", "quarter", "values"]
"""How rows are put in periods: by calendar month or quarter of a date, or by a column's own values."""

RATIO_CHANGE_METHOD = "wald_log_ratio_of_ratios"

_SUMMARY = "The decision data cannot be analysed per period."
_KEY = "algoreg_period"
_ISO_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])"


class TrendComparison(BaseModel):
    """A period's verdict on the group's rate against its reference group or the rest."""

    model_config = frozen_model_config()

    against: Comparison
    ratio: float | None
    adjusted_p_value: float | None
    verdict: Verdict


class TrendPoint(BaseModel):
    """The group's rate in one period, with its Wilson interval and that period's verdicts."""

    model_config = frozen_model_config()

    period: str
    rate: RateEstimate
    comparisons: tuple[TrendComparison, ...]


class LatestChange(Judgement):
    """The group's rate in the latest period (``rate``) against the earlier periods together
    (``reference_rate``), judged as a disparity; with its sentence."""

    message: Message


class GapChange(BaseModel):
    """Whether the group's ratio to its reference (or to the rest) changed in the latest period.

    ``change`` is the latest ratio over the ratio of the earlier periods together, with a Wald
    interval on the log scale; ``p_value`` tests that it is 1, ``adjusted_p_value`` is
    Benjamini–Hochberg adjusted over every gap change of the analysis, and ``changed`` is true when
    that is at most ``q``. Without enough cases on every side (``enough_cases`` false) nothing is
    tested and the tests and message are None.
    """

    model_config = frozen_model_config()

    against: Comparison
    reference_group: tuple[str, ...] | None
    latest_ratio: IntervalEstimate | None
    earlier_ratio: IntervalEstimate | None
    change: IntervalEstimate | None
    p_value: float | None
    adjusted_p_value: float | None
    changed: bool
    enough_cases: bool
    message: Message | None


class Trend(BaseModel):
    """One group's rate over the periods, and whether the latest period differs from the earlier ones.

    ``latest_change`` and ``gap_changes`` are absent with fewer than two periods, or when no row of
    the latest period could be analysed.
    """

    model_config = frozen_model_config()

    grouping: tuple[str, ...]
    group: tuple[str, ...]
    rate_name: str
    points: tuple[TrendPoint, ...]
    latest_change: LatestChange | None
    gap_changes: tuple[GapChange, ...]


class PeriodResult(BaseModel):
    """One period: its rows, and its own analysis (None when every row of it was excluded)."""

    model_config = frozen_model_config()

    period: str
    rows: int
    rows_excluded: int
    analysis: BiasAnalysis | None


class MonitoringAnalysis(BaseModel):
    """The analysis per period and the trends; ``settings`` carry the reference groups used.

    ``rows_without_period`` rows had no (readable) period and are in no period. ``summary`` counts
    the verdicts of the latest changes.
    """

    model_config = frozen_model_config()

    settings: AnalysisSettings
    period_column: str
    period: PeriodUnit
    rows_without_period: int
    periods: tuple[PeriodResult, ...]
    latest_period: str
    trends: tuple[Trend, ...]
    summary: VerdictSummary
    legal_questions: tuple[Message, ...] = LEGAL_QUESTIONS


def analyse_periods(
    source: DataSource,
    settings: AnalysisSettings | Mapping[str, Any],
    period_column: str,
    period: PeriodUnit = "month",
) -> MonitoringAnalysis:
    """The bias analysis per period, and the trend of every group's rates, from one aggregation.

    ``period_column`` holds the period: for ``"month"`` and ``"quarter"`` a date or date-time
    column, or text starting with an ISO date (``2024-03``, ``2024-03-31``, ``2024-03-31T12:00``);
    for ``"values"`` any column, whose values are the periods (ordered as numbers when they all are
    numbers, else as text). Rows without a readable period are counted in ``rows_without_period``
    and left out. In a database, ``"month"`` and ``"quarter"`` use SQL's ``EXTRACT`` on a date or
    time column (SQLite: ISO text). Problems raise :class:`~algoreg.errors.InvalidInput`.
    """
    chosen = settings_of(settings)
    _check_period(chosen.roles, period_column, period)
    prepared, key, engine = _with_period_key(source, period_column, period)
    try:
        roles = ColumnRoles.model_validate(
            {**chosen.roles.model_dump(), "protected": [*chosen.roles.protected, key]}
        )
        table = count_table(prepared, roles, score_decimals=chosen.score.score_decimals)
    finally:
        if engine is not None:
            engine.dispose()
    return _monitor(table, chosen, key, period_column, period)


def _check_period(roles: ColumnRoles, period_column: str, period: str) -> None:
    problems = []
    if period not in ("month", "quarter", "values"):
        problems.append(FieldProblem("period", f"must be 'month', 'quarter' or 'values'; got {period!r}"))
    if not isinstance(period_column, str) or not period_column.strip():
        problems.append(FieldProblem("period_column", "name the column that holds the period"))
    elif period_column in roles.columns():
        problems.append(
            FieldProblem(
                "period_column",
                f"column '{period_column}' is already the {roles.columns()[period_column]} column",
            )
        )
    elif period == "values" and (period_column in RESERVED_NAMES or period_column.startswith("__algoreg")):
        problems.append(
            FieldProblem(
                "period_column",
                f"'{period_column}' is a name the table of counts uses itself; rename the column",
            )
        )
    if problems:
        raise InvalidInput(problems=problems, summary=_SUMMARY)


# --- the period key, in the data's own engine ---------------------------------------------------------


def _with_period_key(
    source: DataSource, period_column: str, period: str
) -> tuple[DataSource, str, Engine | None]:
    """The source with a period key to group by, the key's name, and an engine to dispose of."""
    if isinstance(source, SqlQuery):
        return _sql_with_period_key(source, period_column, period)
    frame = load_frame(source)
    schema = frame.collect_schema()
    if period_column not in schema:
        raise _no_column(period_column, list(schema))
    if period == "values":
        return frame, period_column, None
    key = _free_name(list(schema))
    dtype = schema[period_column]
    value = nw.col(period_column)
    if dtype in (nw.Date, nw.Datetime) or isinstance(dtype, nw.Datetime):
        year, month = value.dt.year().cast(nw.Int64), value.dt.month().cast(nw.Int64)
    elif kind_of_dtype(dtype) is ColumnKind.TEXT:
        text = nw.when(value.cast(nw.String).str.contains(_ISO_MONTH)).then(value.cast(nw.String))
        year, month = text.str.slice(0, 4).cast(nw.Int64), text.str.slice(5, 2).cast(nw.Int64)
    else:
        raise InvalidInput(
            problems=[
                FieldProblem(
                    "period_column",
                    f"column '{period_column}' holds {dtype} values; a {period} needs a date, a date-time "
                    "or ISO text (2024-03-31); use period='values' to take its values as they are",
                )
            ],
            summary=_SUMMARY,
        )
    return frame.with_columns(_period_number(year, month, period).alias(key)), key, None


def _period_number(year: Any, month: Any, period: str) -> Any:
    """A number per period that sorts in time: 202403 for March 2024, 20241 for its first quarter."""
    if period == "month":
        return year * 100 + month
    return year * 10 + (month - 1) // 3 + 1


def _sql_with_period_key(
    query: SqlQuery, period_column: str, period: str
) -> tuple[DataSource, str, Engine | None]:
    """The user's query with the period key as one more column, compiled for the database's dialect."""
    engine, owned = _engine(query.database)
    try:
        with engine.connect() as connection:
            columns = sql_columns(connection, query.query)
        if period_column not in columns.kinds:
            raise _no_column(period_column, list(columns.kinds))
    except DBAPIError as refused:
        if owned:
            engine.dispose()
        reason = str(refused.orig).strip().splitlines()[0] if str(refused.orig).strip() else "unknown error"
        raise InvalidInput(
            problems=[FieldProblem("database", f"could not connect: {reason}")],
            summary="The database could not be reached.",
        ) from None
    except InvalidInput:
        if owned:
            engine.dispose()
        raise
    if period == "values":
        return SqlQuery(engine, query.query), period_column, engine if owned else None
    key = _free_name(list(columns.kinds))
    value = columns.source.c[period_column]
    year = cast(extract("year", value), Integer)
    month = cast(extract("month", value), Integer)
    statement = select(literal_column("*"), _period_number(year, month, period).label(key)).select_from(
        columns.source
    )
    compiled = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    return SqlQuery(engine, compiled), key, engine if owned else None


def _engine(database: str | Engine) -> tuple[Engine, bool]:
    if isinstance(database, Engine):
        return database, False
    try:
        return create_engine(database), True
    except (ArgumentError, NoSuchModuleError, ValueError) as wrong:
        raise InvalidInput(
            problems=[FieldProblem("database", f"not a usable database URL: {wrong}")],
            summary="The database could not be reached.",
        ) from None


def _free_name(columns: list[str]) -> str:
    name = _KEY
    while name in columns:
        name += "_"
    return name


def _no_column(name: str, columns: list[str]) -> InvalidInput:
    return InvalidInput(
        problems=[
            FieldProblem(
                "period_column",
                f"column '{name}' is not in the data; the columns are: {', '.join(columns) or '(none)'}",
            )
        ],
        summary=_SUMMARY,
    )


# --- per period ------------------------------------------------------------------------------------


def _monitor(
    table: CountTable, settings: AnalysisSettings, key: str, period_column: str, period: PeriodUnit
) -> MonitoringAnalysis:
    counts, excluded = table.counts, table.excluded
    seen = set(counts[key].to_list()) | set(excluded[key].to_list())
    labels = _ordered(sorted(value for value in seen if value != MISSING_GROUP), period)
    without = int(counts.filter(pl.col(key) == MISSING_GROUP)["n"].sum()) + int(
        excluded.filter(pl.col(key) == MISSING_GROUP)["n"].sum()
    )
    if not labels:
        raise InvalidInput(
            problems=[FieldProblem("period_column", f"no row has a readable {period} in '{period_column}'")],
            summary=_SUMMARY,
        )
    resolved = _fixed_references(counts.filter(pl.col(key) != MISSING_GROUP), settings)
    results = []
    for raw, label in labels:
        part = CountTable(
            counts=counts.filter(pl.col(key) == raw).drop(key),
            excluded=excluded.filter(pl.col(key) == raw).drop(key),
            roles=settings.roles,
            score_decimals=table.score_decimals,
        )
        analysis = analyse_counts(part, resolved, require_reference=False) if part.counts.height else None
        results.append(
            PeriodResult(
                period=label,
                rows=part.rows + part.excluded_rows,
                rows_excluded=part.excluded_rows,
                analysis=analysis,
            )
        )
    trends = _trends(results, resolved)
    changes = [trend.latest_change for trend in trends if trend.latest_change is not None]
    tests = sum(1 for change in changes if change.adjusted_p_value is not None)
    return MonitoringAnalysis(
        settings=resolved,
        period_column=period_column,
        period=period,
        rows_without_period=without,
        periods=tuple(results),
        latest_period=results[-1].period,
        trends=trends,
        summary=verdict_summary(changes, tests),
    )


def _ordered(raw: list[str], period: str) -> list[tuple[str, str]]:
    """Each period's raw key with its label, in time order."""
    if period == "month":
        return [(value, f"{value[:-2]}-{value[-2:]}") for value in sorted(raw, key=int)]
    if period == "quarter":
        return [(value, f"{value[:-1]}-Q{value[-1]}") for value in sorted(raw, key=int)]
    try:
        ordered = sorted(raw, key=float)
    except ValueError:
        ordered = sorted(raw)
    return [(value, value) for value in ordered]


def _fixed_references(counts: pl.DataFrame, settings: AnalysisSettings) -> AnalysisSettings:
    """The settings with every grouping's reference fixed: as given, or the largest over all periods."""
    groupings = []
    for choice in settings.chosen_groupings():
        reference = choice.reference
        if reference is None:
            sizes = counts.group_by(*choice.attributes).agg(pl.col("n").sum()).sort(*choice.attributes)
            top = sizes.row(int(sizes["n"].arg_max() or 0), named=True)
            reference = tuple(str(top[name]) for name in choice.attributes)
        groupings.append(GroupingChoice(attributes=choice.attributes, reference=reference))
    return AnalysisSettings.model_validate(
        {**settings.model_dump(), "groupings": [grouping.model_dump() for grouping in groupings]}
    )


# --- trends ----------------------------------------------------------------------------------------


def _confusion(counts: GroupCounts) -> ConfusionCounts:
    return ConfusionCounts(
        n=counts.n,
        selected=counts.selected,
        positives=counts.positives,
        tp=counts.tp,
        fp=counts.fp,
        fn=counts.fn,
        tn=counts.tn,
    )


def _plus(first: ConfusionCounts, second: ConfusionCounts) -> ConfusionCounts:
    def add(one: int | None, other: int | None) -> int | None:
        return None if one is None or other is None else one + other

    return ConfusionCounts(
        n=first.n + second.n,
        selected=add(first.selected, second.selected),
        positives=add(first.positives, second.positives),
        tp=add(first.tp, second.tp),
        fp=add(first.fp, second.fp),
        fn=add(first.fn, second.fn),
        tn=add(first.tn, second.tn),
    )


def _parts(
    rate: str, group: ConfusionCounts, reference: ConfusionCounts | None, overall: ConfusionCounts
) -> dict[str, tuple[int, int]]:
    """Successes and trials of the group, its reference group and its rest, for one rate."""
    found = {}
    for name, counts in (("group", group), ("reference", reference), ("rest", overall.minus(group))):
        measured = None if counts is None else rates_of(counts).get(rate)
        found[name] = (0, 0) if measured is None else (measured.numerator, measured.denominator)
    return found


Counts = dict[tuple[str, ...], ConfusionCounts]
"""Confusion counts per group of one grouping."""


def _trends(results: list[PeriodResult], settings: AnalysisSettings) -> tuple[Trend, ...]:
    analysed = [(result.period, result.analysis) for result in results if result.analysis is not None]
    rates = settings.chosen_rates()
    choices = settings.chosen_groupings()
    latest_period = results[-1].period
    earlier = [label for label, _ in analysed if label != latest_period]
    comparable = bool(analysed) and bool(earlier) and analysed[-1][0] == latest_period
    keys: list[tuple[int, tuple[str, ...], str]] = []
    # per grouping: per period the counts of every group and of everyone
    tables: list[dict[str, tuple[Counts, ConfusionCounts]]] = []
    findings: dict[tuple[str, int, tuple[str, ...], str, str], Finding] = {}
    for index, choice in enumerate(choices):
        per_period: dict[str, tuple[Counts, ConfusionCounts]] = {}
        for label, analysis in analysed:
            grouping = analysis.groupings[index]
            per_period[label] = (
                {found.values: _confusion(found.counts) for found in grouping.groups},
                _confusion(grouping.overall),
            )
            for finding in analysis.findings:
                if finding.grouping == choice.attributes:
                    findings[(label, index, finding.group, finding.rate_name, finding.against)] = finding
        tables.append(per_period)
        groups = sorted({group for by_group, _ in per_period.values() for group in by_group})
        keys += [(index, group, rate) for group in groups for rate in rates]
    latest_parts: list[dict[str, tuple[int, int]]] = []
    earlier_parts: list[dict[str, tuple[int, int]]] = []
    if comparable:
        pooled = [(_pooled(table, [latest_period]), _pooled(table, earlier)) for table in tables]
        for index, group, rate in keys:
            reference = choices[index].reference
            for (by_group, overall), into in zip(pooled[index], (latest_parts, earlier_parts), strict=True):
                into.append(
                    _parts(
                        rate,
                        by_group.get(group, _zero_like(overall)),
                        None if reference is None else by_group.get(reference),
                        overall,
                    )
                )
    latest_changes = _latest_changes(keys, latest_parts, earlier_parts, settings, latest_period)
    gap_changes = _gap_changes(keys, latest_parts, earlier_parts, choices, settings, latest_period)
    trends = []
    for position, (index, group, rate) in enumerate(keys):
        points = []
        for label, _ in analysed:
            counts = tables[index][label][0].get(group)
            measured = None if counts is None else rates_of(counts).get(rate)
            successes, trials = (0, 0) if measured is None else (measured.numerator, measured.denominator)
            comparisons = tuple(
                TrendComparison(
                    against=against,
                    ratio=None if judged.ratio is None else judged.ratio.estimate,
                    adjusted_p_value=judged.adjusted_p_value,
                    verdict=judged.verdict,
                )
                for against in settings.compare_with
                if (judged := findings.get((label, index, group, rate, against))) is not None
            )
            points.append(
                TrendPoint(
                    period=label,
                    rate=rate_estimate(successes, trials, settings.confidence),
                    comparisons=comparisons,
                )
            )
        trends.append(
            Trend(
                grouping=choices[index].attributes,
                group=group,
                rate_name=rate,
                points=tuple(points),
                latest_change=latest_changes[position] if comparable else None,
                gap_changes=gap_changes[position] if comparable else (),
            )
        )
    return tuple(trends)


def _pooled(
    table: dict[str, tuple[Counts, ConfusionCounts]], labels: list[str]
) -> tuple[Counts, ConfusionCounts]:
    """The counts of several periods together."""
    groups: Counts = {}
    overall: ConfusionCounts | None = None
    for label in labels:
        by_group, total = table[label]
        overall = total if overall is None else _plus(overall, total)
        for group, counts in by_group.items():
            groups[group] = _plus(groups[group], counts) if group in groups else counts
    assert overall is not None
    return groups, overall


def _zero_like(overall: ConfusionCounts) -> ConfusionCounts:
    def zero(value: int | None) -> int | None:
        return None if value is None else 0

    return ConfusionCounts(
        n=0,
        selected=zero(overall.selected),
        positives=zero(overall.positives),
        tp=zero(overall.tp),
        fp=zero(overall.fp),
        fn=zero(overall.fn),
        tn=zero(overall.tn),
    )


def _latest_changes(
    keys: list[tuple[int, tuple[str, ...], str]],
    latest: list[dict[str, tuple[int, int]]],
    earlier: list[dict[str, tuple[int, int]]],
    settings: AnalysisSettings,
    latest_period: str,
) -> list[LatestChange]:
    if not latest:
        return []
    judgement: JudgementSettings = settings.judgement()
    verdicts = judge_disparities(
        [parts["group"][0] for parts in latest],
        [parts["group"][1] for parts in latest],
        [parts["group"][0] for parts in earlier],
        [parts["group"][1] for parts in earlier],
        settings=judgement,
    )
    tests = sum(1 for verdict in verdicts if verdict.adjusted_p_value is not None)
    changes = []
    for (_, group, rate), verdict in zip(keys, verdicts, strict=True):
        found = judgement_of(verdict)
        message = judgement_message(
            found,
            group=group_label(group),
            rate=Message(
                "bias.rate.in_period", {"rate": Message(f"bias.rate.{rate}"), "period": latest_period}
            ),
            reference=Message("bias.reference.earlier_periods"),
            tests=tests,
            tolerance=settings.tolerance,
            min_group_size=settings.min_group_size,
        )
        changes.append(LatestChange(**dict(found), message=message))
    return changes


def _ratio(
    successes: int, trials: int, other_successes: int, other_trials: int, confidence: float
) -> Estimate:
    """The ratio of two rates with its Katz interval (see :func:`compare_proportions`)."""
    return compare_proportions(successes, trials, other_successes, other_trials, confidence).ratio


def _gap_changes(
    keys: list[tuple[int, tuple[str, ...], str]],
    latest: list[dict[str, tuple[int, int]]],
    earlier: list[dict[str, tuple[int, int]]],
    choices: tuple[GroupingChoice, ...],
    settings: AnalysisSettings,
    latest_period: str,
) -> list[tuple[GapChange, ...]]:
    if not latest:
        return []
    z = float(stats.norm.ppf(0.5 + settings.confidence / 2.0))
    drafts: list[list[dict[str, Any]]] = []
    p_values: list[float] = []
    for (index, group, _rate), now, before in zip(keys, latest, earlier, strict=True):
        reference = choices[index].reference
        row = []
        for against in settings.compare_with:
            if against == "reference" and group == reference:
                continue
            other = "reference" if against == "reference" else "rest"
            sides = (now["group"], now[other], before["group"], before[other])
            draft: dict[str, Any] = {
                "against": against,
                "reference_group": reference if against == "reference" else None,
                "latest_ratio": None,
                "earlier_ratio": None,
                "change": None,
                "p_value": None,
                "enough_cases": min(trials for _, trials in sides) >= settings.min_group_size,
            }
            if all(trials > 0 for _, trials in sides):
                latest_ratio = _ratio(*now["group"], *now[other], settings.confidence)
                earlier_ratio = _ratio(*before["group"], *before[other], settings.confidence)
                draft["latest_ratio"] = _estimate(latest_ratio)
                draft["earlier_ratio"] = _estimate(earlier_ratio)
                if draft["enough_cases"]:
                    difference = math.log(latest_ratio.estimate) - math.log(earlier_ratio.estimate)
                    error = math.hypot(_log_error(latest_ratio, z), _log_error(earlier_ratio, z))
                    p_value = float(2.0 * stats.norm.sf(abs(difference) / error))
                    draft["change"] = IntervalEstimate(
                        estimate=math.exp(difference),
                        lower=math.exp(difference - z * error),
                        upper=math.exp(difference + z * error),
                        confidence=settings.confidence,
                        method=RATIO_CHANGE_METHOD,
                    )
                    draft["p_value"] = p_value
                    draft["position"] = len(p_values)
                    p_values.append(p_value)
            row.append(draft)
        drafts.append(row)
    adjusted = benjamini_hochberg(p_values, settings.q).adjusted if p_values else ()
    results = []
    for (_, group, rate), row in zip(keys, drafts, strict=True):
        changes = []
        for draft in row:
            position = draft.pop("position", None)
            adjusted_p = None if position is None else adjusted[position]
            reference_phrase = (
                Message("bias.reference.group", {"reference_group": group_label(draft["reference_group"])})
                if draft["against"] == "reference"
                else Message("bias.reference.rest")
            )
            message = (
                None
                if adjusted_p is None
                else Message(
                    "bias.monitoring.gap_change",
                    {
                        "group": group_label(group),
                        "reference": reference_phrase,
                        "rate": Message(f"bias.rate.{rate}"),
                        "latest_ratio": draft["latest_ratio"].estimate,
                        "period": latest_period,
                        "earlier_ratio": draft["earlier_ratio"].estimate,
                        "change": draft["change"].estimate,
                        "change_lower": draft["change"].lower,
                        "change_upper": draft["change"].upper,
                        "p": adjusted_p,
                    },
                )
            )
            changes.append(
                GapChange(
                    **draft,
                    adjusted_p_value=adjusted_p,
                    changed=adjusted_p is not None and adjusted_p <= settings.q,
                    message=message,
                )
            )
        results.append(tuple(changes))
    return results


def _estimate(ratio: Estimate) -> IntervalEstimate:
    return IntervalEstimate(
        estimate=ratio.estimate,
        lower=ratio.lower,
        upper=ratio.upper,
        confidence=ratio.confidence,
        method=str(ratio.method.value),
    )


def _log_error(ratio: Estimate, z: float) -> float:
    """The standard error of the log ratio, recovered from its Katz interval."""
    return (math.log(ratio.upper) - math.log(ratio.lower)) / (2.0 * z)
