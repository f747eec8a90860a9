"""``algoreg bias …``: test decision data for bias and write the report as JSON, HTML or PDF.

Every command reads its input, runs one analysis of :mod:`algoreg.bias`, prints the verdicts on
screen and, with ``--out``, writes the result. Bad input ends the command with exit code 1 and one
line per problem, naming the option or column; nothing is written then, and a file is only replaced
once the whole result is ready.
"""

import json
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from algoreg.cli.context import console, errors
from algoreg.errors import AlgoregError, FieldProblem, InvalidInput

# The analyses need polars, SciPy and scikit-learn, the reports WeasyPrint: each command imports
# what it uses when it runs, so that the rest of the command line starts without them.
if TYPE_CHECKING:
    import polars as pl

    from algoreg.bias.clustering import BiasClusteringResult
    from algoreg.bias.document import AggregateAnalysis, AnyAnalysis
    from algoreg.bias.inputs import DataSource
    from algoreg.bias.monitoring import MonitoringAnalysis
    from algoreg.bias.results import BiasAnalysis, IntervalEstimate, VerdictSummary
    from algoreg.bias.statistics import JudgementSettings, Verdict

app = typer.Typer(
    help="Test decision data for bias (group metrics with statistics, proxies, clusters, origin data) "
    "and write reports as JSON, HTML or PDF.",
    no_args_is_help=True,
)


class Lang(StrEnum):
    """The languages of a report."""

    nl = "nl"
    en = "en"


class Period(StrEnum):
    """How rows are put in periods."""

    month = "month"
    quarter = "quarter"
    values = "values"


class ToleranceScale(StrEnum):
    """The scale of the tolerance."""

    ratio = "ratio"
    difference = "difference"


REPORT_SUFFIXES = (".json", ".html", ".pdf")
RENDER_SUFFIXES = (".html", ".pdf")

#: Which option sets a field of the domain's errors (the first that matches, whole or as a prefix).
_OPTION_OF_FIELD = (
    ("roles.protected", "--protected"),
    ("protected", "--protected"),
    ("roles.outcome", "--outcome"),
    ("outcome", "--outcome"),
    ("roles.label", "--label"),
    ("label", "--label"),
    ("roles.score", "--score"),
    ("roles.threshold", "--threshold"),
    ("threshold", "--threshold"),
    ("tolerance", "--tolerance"),
    ("q", "--q"),
    ("min_group_size", "--min-group"),
    ("groupings", "--reference"),
    ("rates", "--rate"),
    ("compare_with", "--compare-with"),
    ("period_column", "--period-column"),
    ("period", "--period"),
    ("source", "DATA"),
    ("query", "--sql"),
    ("database", "--database"),
    ("settings", "--settings"),
    ("out", "--out"),
    ("document", "DOCUMENT"),
)

# --- errors, input and output -----------------------------------------------------------------------------


def option_of(field: str) -> str | None:
    """The command-line option (or argument) that a field named in an error comes from, if known."""
    if field == "score":
        return "--score"
    for prefix, option in _OPTION_OF_FIELD:
        if field == prefix or field.startswith(prefix + "."):
            return option
    return None


def _invalid(field: str, reason: str, summary: str = "The command cannot run.") -> InvalidInput:
    return InvalidInput(problems=[FieldProblem(field, reason)], summary=summary)


@contextmanager
def _reported(columns: Mapping[str, str] | None = None) -> Iterator[None]:
    """End the command with exit code 1 and a line per problem when the input is wrong.

    ``columns`` maps column names given in options to those options, for errors that name a column.
    """
    import polars as pl

    try:
        yield
    except InvalidInput as invalid:
        errors.print(f"[red]{invalid.message}[/red]", soft_wrap=True)
        for problem in invalid.problems:
            column_option = (columns or {}).get(problem.field)
            option = option_of(problem.field)
            if column_option is not None:
                where = f"{column_option} (column '{problem.field}')"
            else:
                where = f"{option} ({problem.field})" if option else problem.field
            errors.print(f"  {where}: {problem.reason}", soft_wrap=True, markup=False)
        raise typer.Exit(1) from None
    except AlgoregError as error:
        errors.print(f"[red]{error.message}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    except (pl.exceptions.PolarsError, OSError) as failed:
        errors.print("[red]The data could not be read.[/red]")
        errors.print(f"  DATA: {str(failed).strip().splitlines()[0]}", soft_wrap=True, markup=False)
        raise typer.Exit(1) from None


def _source(data: Path | None, sql: str | None, database: str | None) -> "DataSource":
    from algoreg.bias.inputs import SqlQuery

    problems = []
    if data is None and sql is None:
        problems.append(
            FieldProblem("source", "give a data file (CSV, Parquet, XLSX) or --sql with --database")
        )
    if data is not None and sql is not None:
        problems.append(FieldProblem("query", "give either a data file or --sql, not both"))
    if sql is not None and not database:
        problems.append(FieldProblem("database", "--sql needs --database URL (a SQLAlchemy URL)"))
    if database and sql is None:
        problems.append(FieldProblem("query", "--database needs --sql QUERY (a SELECT statement or table)"))
    if problems:
        raise InvalidInput(problems=problems, summary="The decision data is not given.")
    if sql is not None and database:
        return SqlQuery(database, sql)
    assert data is not None
    return str(data)


def _frame(data: Path) -> "pl.DataFrame":
    """Read a whole data file as a polars DataFrame."""
    import polars as pl

    from algoreg.bias.inputs import load_frame

    frame = load_frame(str(data)).collect().to_native()
    assert isinstance(frame, pl.DataFrame)
    return frame


def _check_out(out: Path | None, suffixes: Sequence[str]) -> None:
    if out is None:
        return
    if out.suffix.lower() not in suffixes:
        raise _invalid(
            "out", f"'{out.name}' must end in {', '.join(suffixes)}; the ending chooses the format"
        )
    if not out.parent.is_dir():
        raise _invalid("out", f"there is no folder {out.parent}")


def _write(out: Path, content: bytes) -> None:
    """Write the file whole or not at all: into a temporary file beside it, then renamed."""
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(content)
        os.replace(temporary, out)
    finally:
        temporary.unlink(missing_ok=True)
    console.print(f"Wrote {out}.")


def _report_bytes(document: Mapping[str, Any], suffix: str, lang: Lang, title: str | None) -> bytes:
    if suffix == ".json":
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    from algoreg.web.reports.bias import render_html, render_pdf

    if suffix == ".html":
        return render_html(document, lang.value, title=title).encode("utf-8")
    return render_pdf(document, lang.value, title=title)


def _write_report(out: Path | None, analysis: "AnyAnalysis", lang: Lang, title: str | None) -> None:
    """With ``--out``, write the analysis: its document (.json) or its report (.html, .pdf)."""
    if out is None:
        return
    from algoreg.bias.document import to_document

    _write(out, _report_bytes(to_document(analysis), out.suffix.lower(), lang, title))


def _json_safe(value: Any) -> Any:
    """Dataclasses, tuples and non-finite numbers turned into plain JSON values."""
    if is_dataclass(value) and not isinstance(value, type):
        return _json_safe(asdict(value))
    if isinstance(value, Mapping):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _write_json(out: Path, value: Any) -> None:
    _write(out, (json.dumps(_json_safe(value), ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


# --- settings from options ----------------------------------------------------------------------------------


def _settings_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as failed:
        raise _invalid("settings", f"cannot read {path}: {failed}") from None
    except json.JSONDecodeError as wrong:
        raise _invalid("settings", f"{path} is not JSON: {wrong}") from None
    if not isinstance(loaded, dict):
        raise _invalid("settings", f"{path} must hold a JSON object of settings")
    return loaded


def _tolerance(text: str, scale: ToleranceScale | None) -> dict[str, Any]:
    low, sep, high = text.partition(":")
    try:
        lower, upper = float(low), float(high)
    except ValueError:
        lower = upper = math.nan
    if not sep or not (math.isfinite(lower) and math.isfinite(upper)):
        raise _invalid("tolerance", f"give LOWER:UPPER, such as 0.8:1.25 (ratio) or -0.05:0.05; got {text!r}")
    chosen = scale.value if scale is not None else ("difference" if lower < 0 else "ratio")
    return {"scale": chosen, "lower": lower, "upper": upper}


def _groupings(protected: Sequence[str], references: Sequence[str]) -> list[dict[str, Any]] | None:
    """Each protected attribute alone and all together, with the reference groups given."""
    if not references:
        return None
    chosen: dict[str, str] = {}
    for reference in references:
        column, sep, value = reference.partition("=")
        if not sep:
            if len(protected) != 1:
                raise _invalid(
                    "groupings",
                    f"with several protected attributes, give --reference COLUMN=VALUE; got {reference!r}",
                )
            column, value = protected[0], reference
        if column not in protected:
            raise _invalid(
                "groupings", f"'{column}' is not a protected attribute; choose from {', '.join(protected)}"
            )
        chosen[column] = value
    groupings: list[dict[str, Any]] = [
        {"attributes": [name], **({"reference": [chosen[name]]} if name in chosen else {})}
        for name in protected
    ]
    if len(protected) > 1:
        together: dict[str, Any] = {"attributes": list(protected)}
        if all(name in chosen for name in protected):
            together["reference"] = [chosen[name] for name in protected]
        groupings.append(together)
    return groupings


def analysis_settings(
    *,
    settings: Path | None = None,
    protected: Sequence[str] = (),
    outcome: str | None = None,
    label: str | None = None,
    score: str | None = None,
    threshold: float | None = None,
    references: Sequence[str] = (),
    tolerance: str | None = None,
    tolerance_scale: ToleranceScale | None = None,
    q: float | None = None,
    min_group: int | None = None,
    rates: Sequence[str] = (),
    compare_with: Sequence[str] = (),
    origin: bool | None = None,
) -> dict[str, Any]:
    """The settings of an analysis: those of the ``--settings`` file, with the options given on top.

    The result is a mapping for :class:`~algoreg.bias.settings.AnalysisSettings` (which validates it);
    by default protected columns are checked for origin-related data.
    """
    chosen = _settings_file(settings)
    roles = dict(chosen.get("roles") or {})
    given = {"outcome": outcome, "label": label, "score": score, "threshold": threshold}
    roles.update({name: value for name, value in given.items() if value is not None})
    if protected:
        roles["protected"] = list(protected)
    if not roles.get("protected"):
        raise _invalid("protected", "name at least one protected attribute with --protected COLUMN")
    chosen["roles"] = roles
    names = roles["protected"]
    groupings = _groupings([names] if isinstance(names, str) else list(names), references)
    if groupings is not None:
        chosen["groupings"] = groupings
    if tolerance is not None:
        chosen["tolerance"] = _tolerance(tolerance, tolerance_scale)
    elif tolerance_scale is not None:
        raise _invalid("tolerance", "--tolerance-scale needs --tolerance LOWER:UPPER")
    for key, value in (("q", q), ("min_group_size", min_group)):
        if value is not None:
            chosen[key] = value
    if rates:
        chosen["rates"] = list(rates)
    if compare_with:
        chosen["compare_with"] = list(compare_with)
    origin_choice = dict(chosen.get("origin") or {})
    if origin is not None or "check" not in origin_choice:
        origin_choice["check"] = True if origin is None else origin
    chosen["origin"] = origin_choice
    return chosen


def judgement_settings(
    *,
    settings: Path | None = None,
    tolerance: str | None = None,
    tolerance_scale: ToleranceScale | None = None,
    q: float | None = None,
    min_group: int | None = None,
) -> "JudgementSettings":
    """The settings for judging the stages: the ``--settings`` file's, with the options given on top."""
    from algoreg.bias.statistics import JudgementSettings, Scale, Tolerance

    chosen = _settings_file(settings)
    unknown = sorted(set(chosen) - {"tolerance", "q", "alpha", "power", "confidence", "min_group_size"})
    if unknown:
        raise _invalid(
            "settings",
            f"unknown settings {', '.join(unknown)}; an analysis of stages takes tolerance, q, alpha, power, "
            "confidence and min_group_size",
        )
    if tolerance is not None:
        chosen["tolerance"] = _tolerance(tolerance, tolerance_scale)
    for key, value in (("q", q), ("min_group_size", min_group)):
        if value is not None:
            chosen[key] = value
    given = dict(chosen.get("tolerance") or {"scale": "ratio", "lower": 0.8, "upper": 1.25})
    try:
        scale = Scale(given.get("scale", "ratio"))
    except ValueError:
        raise _invalid("tolerance.scale", "must be 'ratio' or 'difference'") from None
    try:
        limits = Tolerance(scale, given.get("lower", 0.8), given.get("upper", 1.25))
    except InvalidInput as invalid:
        raise InvalidInput(
            problems=[
                FieldProblem(f"tolerance.{problem.field}", problem.reason) for problem in invalid.problems
            ],
            summary=invalid.summary,
        ) from None
    others = {key: value for key, value in chosen.items() if key != "tolerance"}
    return JudgementSettings(tolerance=limits, **others)


# --- on screen ---------------------------------------------------------------------------------------------


def _verdict(verdict: "Verdict") -> str:
    from algoreg.bias.statistics import Verdict

    style = {
        Verdict.DISPARITY_FOUND: "bold red",
        Verdict.INCONCLUSIVE: "yellow",
        Verdict.NO_DISPARITY_BEYOND_TOLERANCE: "green",
        Verdict.TOO_FEW_CASES: "dim",
    }[Verdict(verdict)]
    return f"[{style}]{Verdict(verdict).value.replace('_', ' ')}[/{style}]"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    return "< 0.0001" if value < 0.0001 else f"{value:.2g}"


def _with_interval(value: float | None, lower: float | None, upper: float | None) -> str:
    return f"{_percent(value)} [{_percent(lower)}, {_percent(upper)}]"


def _ratio_interval(ratio: "IntervalEstimate | None") -> str:
    if ratio is None:
        return "-"
    return f"{_ratio(ratio.estimate)} [{_ratio(ratio.lower)}, {_ratio(ratio.upper)}]"


def _print_summary(summary: "VerdictSummary") -> None:
    from algoreg.bias.statistics import Verdict

    table = Table("verdict", "comparisons", title="Verdicts", title_justify="left")
    for verdict, count in (
        (Verdict.DISPARITY_FOUND, summary.disparity_found),
        (Verdict.INCONCLUSIVE, summary.inconclusive),
        (Verdict.NO_DISPARITY_BEYOND_TOLERANCE, summary.no_disparity_beyond_tolerance),
        (Verdict.TOO_FEW_CASES, summary.too_few_cases),
    ):
        table.add_row(_verdict(verdict), str(count))
    table.add_row("total", str(summary.comparisons))
    console.print(table)
    console.print(f"{summary.tests_in_family} tests were corrected together (Benjamini-Hochberg).")


def _print_analysis(analysis: "BiasAnalysis") -> None:
    from algoreg.bias.messages import render
    from algoreg.bias.results import group_label

    console.print(render(analysis.data.message), soft_wrap=True)
    table = Table(
        "grouping",
        "group",
        "rate",
        "against",
        "rate [interval]",
        "ratio [interval]",
        "adj. p",
        "verdict",
        title="Findings",
        title_justify="left",
    )
    for finding in analysis.findings:
        against = "rest" if finding.against == "rest" else escape(group_label(finding.reference_group or ()))
        ratio = finding.ratio
        table.add_row(
            escape(" × ".join(finding.grouping)),
            escape(group_label(finding.group)),
            finding.rate_name.replace("_", " "),
            against,
            _with_interval(finding.rate.value, finding.rate.lower, finding.rate.upper),
            _ratio_interval(ratio),
            _p(finding.adjusted_p_value),
            _verdict(finding.verdict),
        )
    console.print(table)
    _print_summary(analysis.summary)
    if analysis.origin is not None:
        for column in analysis.origin.columns:
            if column.flagged:
                console.print(
                    f"[yellow]Column '{escape(column.column)}' holds origin-related data:[/yellow] "
                    + escape("; ".join(column.reasons)),
                    soft_wrap=True,
                )


def _print_monitoring(analysis: "MonitoringAnalysis") -> None:
    from algoreg.bias.results import group_label

    periods = escape(", ".join(f"{period.period} ({period.rows})" for period in analysis.periods))
    console.print(f"Periods (rows): {periods}.", soft_wrap=True)
    table = Table(
        "grouping",
        "group",
        "rate",
        "latest",
        "earlier",
        "ratio [interval]",
        "adj. p",
        "verdict",
        title=f"The latest period ({escape(analysis.latest_period)}) against the earlier ones",
        title_justify="left",
    )
    for trend in analysis.trends:
        change = trend.latest_change
        if change is None:
            continue
        ratio = change.ratio
        table.add_row(
            escape(" × ".join(trend.grouping)),
            escape(group_label(trend.group)),
            trend.rate_name.replace("_", " "),
            _percent(change.rate.value),
            _percent(change.reference_rate.value),
            _ratio_interval(ratio),
            _p(change.adjusted_p_value),
            _verdict(change.verdict),
        )
    console.print(table)
    _print_summary(analysis.summary)


def _print_stages(analysis: "AggregateAnalysis") -> None:
    table = Table(
        "stage",
        "group",
        "passed from",
        "share [interval]",
        "others",
        "ratio [interval]",
        "adj. p",
        "verdict",
        title="Findings",
        title_justify="left",
    )
    for index, stage in enumerate(analysis.stages):
        for found in stage.groups:
            comparisons = [(stage.previous_stage, found.from_previous)]
            if index > 0:
                comparisons.append((analysis.stage_names[0], found.from_population))
            for start, judged in comparisons:
                ratio = judged.ratio
                table.add_row(
                    escape(stage.stage),
                    escape(found.group),
                    escape(start),
                    _with_interval(judged.rate.value, judged.rate.lower, judged.rate.upper),
                    _percent(judged.reference_rate.value),
                    _ratio_interval(ratio),
                    _p(judged.adjusted_p_value),
                    _verdict(judged.verdict),
                )
    console.print(table)
    _print_summary(analysis.summary)


# --- commands ---------------------------------------------------------------------------------------------

DataArgument = Annotated[
    Path | None,
    typer.Argument(help="Decision data: a CSV, Parquet or XLSX file (or use --sql).", show_default=False),
]
ProtectedOption = Annotated[
    list[str] | None, typer.Option("--protected", help="A protected (or proxy) attribute; may be repeated.")
]
OutcomeOption = Annotated[str | None, typer.Option(help="Column of the decision or selection (0/1).")]
LabelOption = Annotated[str | None, typer.Option(help="Column of the true outcome (0/1).")]
ScoreOption = Annotated[str | None, typer.Option(help="Column of the score.")]
ThresholdOption = Annotated[
    float | None, typer.Option(help="Selected when the score is at least this (instead of --outcome).")
]
ReferenceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--reference",
        help="Reference group: a value (one protected attribute) or COLUMN=VALUE; may be repeated. "
        "Default: the largest group.",
    ),
]
ToleranceOption = Annotated[
    str | None, typer.Option(help="Accepted range of disparities, LOWER:UPPER (default 0.8:1.25, a ratio).")
]
ToleranceScaleOption = Annotated[
    ToleranceScale | None,
    typer.Option(help="Scale of --tolerance (default: ratio; difference when LOWER < 0)."),
]
QOption = Annotated[
    float | None, typer.Option("--q", help="False discovery rate over all tests (default 0.05).")
]
MinGroupOption = Annotated[
    int | None, typer.Option("--min-group", help="Fewest cases on each side of a comparison (default 30).")
]
RateOption = Annotated[
    list[str] | None, typer.Option("--rate", help="A rate to test (such as selection_rate); may be repeated.")
]
CompareOption = Annotated[
    list[str] | None,
    typer.Option("--compare-with", help="reference and/or rest (every other row); may be repeated."),
]
OriginOption = Annotated[
    bool | None,
    typer.Option("--origin/--no-origin", help="Flag protected columns with origin data (default on)."),
]
SettingsOption = Annotated[
    Path | None,
    typer.Option(help="A JSON file of settings (as AnalysisSettings); options given override it."),
]
SqlOption = Annotated[
    str | None, typer.Option("--sql", help="A SELECT statement or table name (with --database).")
]
DatabaseOption = Annotated[str | None, typer.Option(help="SQLAlchemy URL of the database that --sql reads.")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write the result here: .json, .html or .pdf.")]
LangOption = Annotated[Lang, typer.Option(help="Language of an HTML or PDF report.")]
TitleOption = Annotated[str | None, typer.Option(help="Title of an HTML or PDF report.")]


@app.command("analyse")
def analyse_command(
    data: DataArgument = None,
    protected: ProtectedOption = None,
    outcome: OutcomeOption = None,
    label: LabelOption = None,
    score: ScoreOption = None,
    threshold: ThresholdOption = None,
    reference: ReferenceOption = None,
    tolerance: ToleranceOption = None,
    tolerance_scale: ToleranceScaleOption = None,
    q: QOption = None,
    min_group: MinGroupOption = None,
    rate: RateOption = None,
    compare_with: CompareOption = None,
    origin: OriginOption = None,
    settings: SettingsOption = None,
    sql: SqlOption = None,
    database: DatabaseOption = None,
    out: OutOption = None,
    lang: LangOption = Lang.nl,
    title: TitleOption = None,
) -> None:
    """Analyse decision data for bias: rates per group with intervals, tests, verdicts.

    Each protected attribute is a grouping of its own, and all of them together (their
    intersection). The data is counted once where it lives (the file's engine, or the database).
    """
    from algoreg.bias.analysis import analyse

    with _reported():
        _check_out(out, REPORT_SUFFIXES)
        source = _source(data, sql, database)
        chosen = analysis_settings(
            settings=settings,
            protected=protected or (),
            outcome=outcome,
            label=label,
            score=score,
            threshold=threshold,
            references=reference or (),
            tolerance=tolerance,
            tolerance_scale=tolerance_scale,
            q=q,
            min_group=min_group,
            rates=rate or (),
            compare_with=compare_with or (),
            origin=origin,
        )
        with console.status("Analysing …"):
            analysis = analyse(source, chosen)
        _print_analysis(analysis)
        _write_report(out, analysis, lang, title)


@app.command("monitor")
def monitor_command(
    data: DataArgument = None,
    period_column: Annotated[
        str | None, typer.Option(help="Column of the period: a date, or ISO text such as 2024-03-31.")
    ] = None,
    period: Annotated[
        Period, typer.Option(help="month or quarter of a date, or the column's own values.")
    ] = Period.month,
    protected: ProtectedOption = None,
    outcome: OutcomeOption = None,
    label: LabelOption = None,
    score: ScoreOption = None,
    threshold: ThresholdOption = None,
    reference: ReferenceOption = None,
    tolerance: ToleranceOption = None,
    tolerance_scale: ToleranceScaleOption = None,
    q: QOption = None,
    min_group: MinGroupOption = None,
    rate: RateOption = None,
    compare_with: CompareOption = None,
    settings: SettingsOption = None,
    sql: SqlOption = None,
    database: DatabaseOption = None,
    out: OutOption = None,
    lang: LangOption = Lang.nl,
    title: TitleOption = None,
) -> None:
    """Analyse decision data per period: each period on its own, the trend, and what changed last."""
    from algoreg.bias.monitoring import analyse_periods

    with _reported():
        _check_out(out, REPORT_SUFFIXES)
        if not period_column:
            raise _invalid("period_column", "name the column that holds the period with --period-column")
        source = _source(data, sql, database)
        chosen = analysis_settings(
            settings=settings,
            protected=protected or (),
            outcome=outcome,
            label=label,
            score=score,
            threshold=threshold,
            references=reference or (),
            tolerance=tolerance,
            tolerance_scale=tolerance_scale,
            q=q,
            min_group=min_group,
            rates=rate or (),
            compare_with=compare_with or (),
            origin=False,
        )
        with console.status("Analysing per period …"):
            analysis = analyse_periods(source, chosen, period_column, period.value)
        _print_monitoring(analysis)
        _write_report(out, analysis, lang, title)


@app.command("stages")
def stages_command(
    counts: Annotated[Path, typer.Argument(help="Counts per group and stage: a CSV, Parquet or XLSX file.")],
    group: Annotated[str, typer.Option(help="Column that names the group.")],
    wide: Annotated[
        bool,
        typer.Option(
            "--wide/--long",
            help="--wide: one row per group, one column per stage (default). "
            "--long: one row per group and stage, with --stage-column and --count-column.",
        ),
    ] = True,
    stage: Annotated[
        list[str] | None,
        typer.Option(
            "--stage", help="A stage, in process order; may be repeated (default: all, as in the file)."
        ),
    ] = None,
    stage_column: Annotated[str, typer.Option(help="--long: column that names the stage.")] = "stage",
    count_column: Annotated[str, typer.Option(help="--long: column of the count.")] = "count",
    tolerance: ToleranceOption = None,
    tolerance_scale: ToleranceScaleOption = None,
    q: QOption = None,
    min_group: MinGroupOption = None,
    settings: Annotated[
        Path | None,
        typer.Option(help="A JSON file with tolerance, q, alpha, power, confidence and min_group_size."),
    ] = None,
    out: OutOption = None,
    lang: LangOption = Lang.nl,
    title: TitleOption = None,
) -> None:
    """Analyse counts per group at each stage of a process, when no data per case exists."""
    from algoreg.bias.aggregate import StageCounts, analyse_stages
    from algoreg.bias.document import aggregate_analysis

    columns = {group: "--group"} | (
        {} if wide else {stage_column: "--stage-column", count_column: "--count-column"}
    )
    with _reported(columns):
        _check_out(out, REPORT_SUFFIXES)
        judgement = judgement_settings(
            settings=settings, tolerance=tolerance, tolerance_scale=tolerance_scale, q=q, min_group=min_group
        )
        frame = _frame(counts)
        if wide:
            table = StageCounts.from_wide(frame, group=group, stages=stage or None)
        else:
            table = StageCounts.from_long(
                frame, group=group, stage=stage_column, count=count_column, stages=stage or None
            )
        analysis = aggregate_analysis(analyse_stages(table, settings=judgement))
        _print_stages(analysis)
        _write_report(out, analysis, lang, title)


@app.command("render")
def render_command(
    document: Annotated[Path, typer.Argument(help="A bias analysis document (JSON) made by Algoreg.")],
    out: Annotated[Path, typer.Option("--out", help="The report to write: .html or .pdf.")],
    lang: LangOption = Lang.nl,
    title: TitleOption = None,
) -> None:
    """Write the report of an analysis document as HTML or PDF (the document is checked first)."""
    from algoreg.bias.document import from_document

    with _reported():
        _check_out(out, RENDER_SUFFIXES)
        try:
            loaded = json.loads(document.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as failed:
            raise _invalid("document", f"cannot read {document}: {failed}") from None
        except json.JSONDecodeError as wrong:
            raise _invalid("document", f"{document} is not JSON: {wrong}") from None
        if not isinstance(loaded, dict):
            raise _invalid("document", f"{document} must hold a JSON object")
        analysis: AnyAnalysis = from_document(loaded)
        _print_summary(analysis.summary)
        _write(out, _report_bytes(loaded, out.suffix.lower(), lang, title))


@app.command("proxies")
def proxies_command(
    data: Annotated[Path, typer.Argument(help="A CSV, Parquet or XLSX file, one row per case.")],
    protected: Annotated[str, typer.Option(help="The protected attribute that features may stand in for.")],
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude", help="A column that is no feature (outcome, label, score, id); may be repeated."
        ),
    ] = None,
    feature: Annotated[
        list[str] | None, typer.Option("--feature", help="Only this feature; may be repeated (default: all).")
    ] = None,
    model: Annotated[
        bool, typer.Option(help="Also predict the attribute from all features together (slower).")
    ] = True,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the sample and the cross-validation.")] = 0,
    out: Annotated[Path | None, typer.Option("--out", help="Write the result as JSON.")] = None,
) -> None:
    """Find features that stand in for a protected attribute, alone (association) and together (a model)."""
    from algoreg.bias.proxies import ProxyReport, detect_proxies, feature_associations

    with _reported():
        _check_out(out, (".json",))
        frame = _frame(data)
        with console.status("Measuring associations …"):
            if model:
                report: Any = detect_proxies(
                    frame, protected, feature or None, exclude=exclude or (), seed=seed
                )
                associations = report.associations
            else:
                associations = feature_associations(
                    frame, protected, feature or None, exclude=exclude or (), seed=seed
                )
                report = associations
        table = Table(
            "feature",
            "kind",
            "Cramér's V",
            "uncertainty coefficient",
            "correlation ratio",
            "strength",
            title=f"Features associated with '{escape(protected)}' ({associations.sample.rows_used} rows)",
            title_justify="left",
        )
        for item in associations.associations:
            table.add_row(
                escape(item.feature),
                item.kind,
                f"{item.cramers_v:.3f}",
                f"{item.uncertainty_coefficient:.3f}",
                "-" if item.correlation_ratio is None else f"{item.correlation_ratio:.3f}",
                item.strength,
            )
        console.print(table)
        if isinstance(report, ProxyReport):
            fitted = report.model
            console.print(
                f"All features together predict '{protected}' with ROC AUC {fitted.roc_auc:.3f} "
                f"(± {fitted.roc_auc_std:.3f} over {fitted.folds} folds, {fitted.averaging}): "
                f"{fitted.strength}.",
                soft_wrap=True,
            )
            top = escape(
                ", ".join(f"{item.feature} ({item.auc_drop:.3f})" for item in fitted.importances[:5])
            )
            console.print(
                f"Features the model relies on most (drop in AUC when shuffled): {top}.", soft_wrap=True
            )
        if out is not None:
            _write_json(out, report)


@app.command("clusters")
def clusters_command(
    data: Annotated[Path, typer.Argument(help="A CSV, Parquet or XLSX file, one row per case.")],
    metric: Annotated[
        str, typer.Option(help="Numeric column to compare: an error, a selection (0/1), a score.")
    ],
    higher_is_worse: Annotated[
        bool,
        typer.Option(
            "--higher-is-worse/--lower-is-worse",
            help="Which direction of the metric harms people.",
            show_default=False,
        ),
    ],
    feature: Annotated[
        list[str] | None,
        typer.Option("--feature", help="A feature to cluster on; may be repeated (default: all)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="A column that is no feature (such as an id); may be repeated."),
    ] = None,
    min_cluster_size: Annotated[
        str, typer.Option(help="Smallest cluster: a number of rows (50) or a share of them (0.02).")
    ] = "0.02",
    iterations: Annotated[int, typer.Option(min=1, help="Most split attempts.")] = 20,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the held-out split and the clustering.")] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the result as JSON (no row-level labels).")
    ] = None,
) -> None:
    """Find the rows the metric is worst for, without protected data, and test them on held-out rows."""
    from algoreg.bias.clustering import ClusteringSettings, bias_aware_clustering

    with _reported():
        _check_out(out, (".json",))
        try:
            size: int | float = float(min_cluster_size) if "." in min_cluster_size else int(min_cluster_size)
        except ValueError:
            raise _invalid(
                "min_cluster_size", f"give a number of rows or a share; got {min_cluster_size!r}"
            ) from None
        frame = _frame(data)
        features = feature or [
            name for name in frame.columns if name != metric and name not in (exclude or ())
        ]
        with console.status("Clustering …"):
            result = bias_aware_clustering(
                frame,
                metric,
                higher_is_worse=higher_is_worse,
                features=features,
                settings=ClusteringSettings(max_iterations=iterations, min_cluster_size=size, seed=seed),
            )
        _print_clusters(result)
        if out is not None:
            summary = {
                key: value for key, value in asdict(result).items() if key not in ("labels", "held_out")
            }
            _write_json(out, summary)


def _print_clusters(result: "BiasClusteringResult") -> None:
    table = Table(
        "cluster",
        "rows (fitting)",
        "rows (held out)",
        f"mean {result.metric}",
        "held-out mean",
        "bias",
        title=f"Clusters ({result.method}, {result.iterations} split attempts)",
        title_justify="left",
    )
    for cluster in result.clusters:
        name = f"{cluster.label} (top)" if cluster.label == result.top_cluster else str(cluster.label)
        table.add_row(
            name,
            str(cluster.fit_rows),
            str(cluster.held_out_rows),
            f"{cluster.fit_mean:.4g}",
            "-" if cluster.held_out_mean is None else f"{cluster.held_out_mean:.4g}",
            f"{cluster.bias:+.4g}",
        )
    console.print(table)
    console.print(escape(result.description), soft_wrap=True)


@app.command("origin")
def origin_command(
    data: Annotated[Path, typer.Argument(help="A CSV, Parquet or XLSX file.")],
    max_rows: Annotated[
        int, typer.Option(min=1, help="Read the content of at most this many rows.")
    ] = 100_000,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the sample of rows.")] = 0,
    out: Annotated[Path | None, typer.Option("--out", help="Write the result as JSON.")] = None,
) -> None:
    """Flag columns that hold origin-related personal data (nationality, country of birth …), with why."""
    from algoreg.bias.origin import scan_frame

    with _reported():
        _check_out(out, (".json",))
        scan = scan_frame(_frame(data), max_rows=max_rows, seed=seed)
        table = Table(
            "column",
            "flagged",
            "kind of data",
            "why",
            title=f"Columns checked for origin-related data ({scan.rows_read} of {scan.rows_total} rows)",
            title_justify="left",
        )
        for column in scan.columns:
            table.add_row(
                escape(column.column),
                "[bold yellow]yes[/bold yellow]" if column.flagged else "no",
                ", ".join(column.categories) or "-",
                escape("; ".join(column.reasons)) or "-",
            )
        console.print(table)
        flagged = [column.column for column in scan.flagged]
        console.print(
            f"{len(flagged)} of {len(scan.columns)} columns hold origin-related data"
            + (f": {escape(', '.join(flagged))}." if flagged else "."),
            soft_wrap=True,
        )
        if out is not None:
            _write_json(out, {**asdict(scan), "flagged_columns": flagged})
