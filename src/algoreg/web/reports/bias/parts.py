"""Parts of a bias report that every mode has: the summary, the settings, the figures with their
tables, the findings, the legal questions and how to read the report."""

from collections.abc import Iterable, Sequence

from algoreg.bias.document import JudgementSettingsResult
from algoreg.bias.messages import Message
from algoreg.bias.results import RateEstimate, VerdictSummary, tolerance_message
from algoreg.bias.settings import AnalysisSettings
from algoreg.bias.statistics import Verdict
from algoreg.web.reports.bias.charts import IntervalChart, TrendChart, chart_image
from algoreg.web.reports.bias.texts import ReportTexts, capital
from algoreg.web.reports.bias.tree import (
    Figure,
    FindingItem,
    Findings,
    Items,
    Pairs,
    Paragraph,
    Section,
    Table,
)

#: The order verdicts are listed in, most serious first.
VERDICT_ORDER = (
    Verdict.DISPARITY_FOUND,
    Verdict.INCONCLUSIVE,
    Verdict.NO_DISPARITY_BEYOND_TOLERANCE,
    Verdict.TOO_FEW_CASES,
)


def summary_section(texts: ReportTexts, summary: VerdictSummary, intro: str) -> Section:
    """The summary: ``intro``, the summary sentence, the verdicts counted, and the size of the BH family."""
    _ = texts._
    counts = {
        Verdict.DISPARITY_FOUND: summary.disparity_found,
        Verdict.NO_DISPARITY_BEYOND_TOLERANCE: summary.no_disparity_beyond_tolerance,
        Verdict.INCONCLUSIVE: summary.inconclusive,
        Verdict.TOO_FEW_CASES: summary.too_few_cases,
    }
    table = Table(
        id=texts.new_id("verdicts"),
        caption=_("Comparisons by verdict"),
        columns=(_("Verdict"), _("Comparisons")),
        rows=(
            *((texts.verdict(verdict), texts.count(counts[verdict])) for verdict in VERDICT_ORDER),
            (_("Total"), texts.count(summary.comparisons)),
        ),
        numeric=(False, True),
    )
    family = texts.ngettext(
        "%(count)s test was corrected for multiple testing together (Benjamini–Hochberg).",
        "%(count)s tests were corrected for multiple testing together (Benjamini–Hochberg).",
        summary.tests_in_family,
    )
    return Section(
        id=texts.new_id("summary"),
        heading=_("Summary"),
        blocks=(Paragraph(intro), Paragraph(texts.message(summary.message)), table, Paragraph(family)),
    )


def judgement_settings(
    texts: ReportTexts, settings: AnalysisSettings | JudgementSettingsResult
) -> list[tuple[str, str]]:
    """The settings every judgement rests on, as (setting, value) rows: tolerance, q, alpha, power …"""
    _ = texts._
    return [
        (
            _("Tolerance (the disparity the organisation accepts)"),
            texts.message(tolerance_message(settings.tolerance)),
        ),
        (_("False discovery rate over all tests (q, Benjamini–Hochberg)"), texts.number(settings.q)),
        (_("Level of each equivalence test (alpha)"), texts.number(settings.alpha)),
        (_("Power for the cases needed"), texts.percent(settings.power)),
        (_("Confidence level of every interval"), texts.percent(settings.confidence)),
        (_("Minimum group size (cases on each side of a comparison)"), texts.count(settings.min_group_size)),
    ]


def settings_table(texts: ReportTexts, rows: list[tuple[str, str]]) -> Table:
    """A table of (setting, value) rows."""
    _ = texts._
    return Table(
        id=texts.new_id("settings"),
        caption=_("Settings of the analysis"),
        columns=(_("Setting"), _("Value")),
        rows=tuple(rows),
        numeric=(False, False),
    )


def legal_section(texts: ReportTexts, questions: Sequence[Message]) -> Section:
    """The questions the organisation must answer itself: the introduction, then the numbered questions."""
    _ = texts._
    intro = [message for message in questions if message.id == "bias.legal.intro"]
    asked = [message for message in questions if message.id != "bias.legal.intro"]
    return Section(
        id=texts.new_id("legal"),
        heading=_("Questions the organisation must answer itself"),
        blocks=(
            *(Paragraph(texts.message(message)) for message in intro),
            Items(tuple(texts.message(message) for message in asked), ordered=True),
            Paragraph(
                _(
                    "Record the answers, with the reasons for them, beside this report. An analysis that "
                    "finds no disparity does not answer these questions either."
                )
            ),
        ),
    )


def method_section(texts: ReportTexts) -> Section:
    """What each verdict means, and how intervals, ratios and adjusted p-values are to be read."""
    _ = texts._
    return Section(
        id=texts.new_id("method"),
        heading=_("How to read this report"),
        blocks=(
            Pairs(
                (
                    (
                        texts.verdict(Verdict.DISPARITY_FOUND),
                        _(
                            "The rates differ, and the difference is unlikely to be chance, after "
                            "correction for the number of tests."
                        ),
                    ),
                    (
                        texts.verdict(Verdict.NO_DISPARITY_BEYOND_TOLERANCE),
                        _(
                            "The equivalence test shows that any difference lies within the tolerance "
                            "the organisation chose."
                        ),
                    ),
                    (
                        texts.verdict(Verdict.INCONCLUSIVE),
                        _(
                            "No disparity was found, but the data cannot show that the rates are close "
                            "enough either: more cases are needed. This is not a clean bill of health."
                        ),
                    ),
                    (
                        texts.verdict(Verdict.TOO_FEW_CASES),
                        _("A group is smaller than the minimum group size; no conclusion is drawn."),
                    ),
                )
            ),
            Paragraph(
                _(
                    "Each rate is given with its confidence interval (Wilson): the range of rates that fit "
                    "the data. A ratio is a group's rate divided by the rate it is compared with; 1 means "
                    "equal. All p-values of one analysis are adjusted together (Benjamini–Hochberg), so "
                    "that testing many groups and rates does not produce disparities by chance."
                )
            ),
        ),
    )


def rate_row(texts: ReportTexts, label: str, rate_name: str, rate: RateEstimate) -> tuple[str, ...]:
    """A table row of a rate: label, rate name, estimate, interval, and successes / trials."""
    return (
        label,
        capital(texts.rate(rate_name)),
        texts.percent(rate.value),
        texts.interval(rate.lower, rate.upper),
        f"{texts.count(rate.successes)} / {texts.count(rate.trials)}",
    )


def rate_columns(texts: ReportTexts, first: str, confidence: float) -> tuple[str, ...]:
    """The column headers of :func:`rate_row`, the first one being ``first``."""
    _ = texts._
    return (
        first,
        _("Rate"),
        _("Estimate"),
        _("%(level)s interval", level=texts.percent(confidence)),
        _("Cases (of the total)"),
    )


def figure(
    texts: ReportTexts,
    *,
    title: str,
    note: str,
    chart: IntervalChart | TrendChart,
    table: Table,
) -> Figure:
    """A chart drawn as SVG, with its text alternative and the table of its figures."""
    _ = texts._
    return Figure(
        id=texts.new_id("figure"),
        title=title,
        note=note,
        image=chart_image(chart),
        alt=_("Chart: %(title)s. The figures are in the table below it.", title=title),
        table=table,
    )


def findings_block(texts: ReportTexts, items: Iterable[tuple[Verdict, Message]]) -> Findings:
    """Findings in plain language, each with its verdict, in the order given."""
    return Findings(
        tuple(
            FindingItem(verdict=verdict.value, label=texts.verdict(verdict), text=texts.message(message))
            for verdict, message in items
        )
    )
