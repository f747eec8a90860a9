"""The sections of a bias report on periods: the trend of every rate per group, what changed in the
latest period, and the latest period's own analysis."""

from algoreg.bias.monitoring import GapChange, MonitoringAnalysis, Trend
from algoreg.bias.results import group_label
from algoreg.web.reports.bias.charts import TrendChart, TrendPoint
from algoreg.web.reports.bias.decisions import grouping_section
from algoreg.web.reports.bias.parts import (
    VERDICT_ORDER,
    figure,
    findings_block,
    judgement_settings,
    settings_table,
    summary_section,
)
from algoreg.web.reports.bias.texts import ReportTexts, capital
from algoreg.web.reports.bias.tree import Block, Items, Paragraph, Section, Table


def monitoring_sections(texts: ReportTexts, analysis: MonitoringAnalysis) -> list[Section]:
    """The sections of a report on periods: summary, what was analysed, the trends, the latest period."""
    _ = texts._
    summary = summary_section(
        texts,
        analysis.summary,
        _(
            "For every group and rate, the latest period (%(period)s) was compared with the earlier periods "
            "together.",
            period=analysis.latest_period,
        ),
    )
    settings, roles = analysis.settings, analysis.settings.roles
    units = {"month": _("month"), "quarter": _("quarter"), "values": _("the column's own values")}
    periods = Table(
        id=texts.new_id("periods"),
        caption=_("Rows per period"),
        columns=(_("Period"), _("Rows"), _("Rows left out"), _("Analysed")),
        rows=tuple(
            (
                period.period,
                texts.count(period.rows),
                texts.count(period.rows_excluded),
                texts.yes_no(period.analysis is not None),
            )
            for period in analysis.periods
        ),
        numeric=(False, True, True, False),
    )
    references = tuple(
        (texts.grouping(choice.attributes), group_label(choice.reference or ()))
        for choice in settings.chosen_groupings()
    )
    column_rows = [(_("Protected attributes"), ", ".join(roles.protected))]
    for role, name in (("outcome", _("Outcome")), ("score", _("Score")), ("label", _("Label"))):
        if getattr(roles, role) is not None:
            column_rows.append((name, str(getattr(roles, role))))
    column_rows.append(
        (
            _("Period"),
            _("%(column)s, per %(unit)s", column=analysis.period_column, unit=units[analysis.period]),
        )
    )
    blocks: list[Block] = [
        Paragraph(
            texts.ngettext(
                "%(count)s period was analysed, each on its own; the latest is %(latest)s.",
                "%(count)s periods were analysed, each on its own; the latest is %(latest)s.",
                len(analysis.periods),
                latest=analysis.latest_period,
            )
        ),
        periods,
    ]
    if analysis.rows_without_period:
        blocks.append(
            Paragraph(
                texts.ngettext(
                    "%(count)s row had no readable period and is in no period.",
                    "%(count)s rows had no readable period and are in no period.",
                    analysis.rows_without_period,
                )
            )
        )
    blocks += [
        Table(
            id=texts.new_id("columns"),
            caption=_("Columns used"),
            columns=(_("Role"), _("Column")),
            rows=tuple(column_rows),
            numeric=(False, False),
        ),
        Table(
            id=texts.new_id("references"),
            caption=_("Reference group of each grouping, the same in every period"),
            columns=(_("Grouping"), _("Reference group")),
            rows=references,
            numeric=(False, False),
        ),
        settings_table(
            texts,
            [
                (_("Rates tested"), ", ".join(texts.rate(name) for name in settings.chosen_rates()) or "–"),
                *judgement_settings(texts, settings),
            ],
        ),
    ]
    data = Section(id=texts.new_id("data"), heading=_("What was analysed"), blocks=tuple(blocks))
    groupings: dict[tuple[str, ...], list[Trend]] = {}
    for trend in analysis.trends:
        groupings.setdefault(trend.grouping, []).append(trend)
    trend_sections = tuple(
        _trend_section(
            texts, analysis, attributes, rate, [trend for trend in trends if trend.rate_name == rate]
        )
        for attributes, trends in groupings.items()
        for rate in dict.fromkeys(trend.rate_name for trend in trends)
    )
    sections = [
        summary,
        data,
        Section(
            id=texts.new_id("trends"),
            heading=_("Trends"),
            blocks=(
                Paragraph(
                    _(
                        "Per grouping and rate: each group's rate in every period with its interval, and "
                        "whether the latest period differs from the earlier ones."
                    )
                ),
            ),
            sections=trend_sections,
        ),
    ]
    latest = analysis.periods[-1]
    if latest.analysis is not None:
        sections.append(
            Section(
                id=texts.new_id("latest"),
                heading=_("The latest period on its own: %(period)s", period=latest.period),
                blocks=(
                    Paragraph(
                        _(
                            "The analysis of the latest period alone, as if it were the only one (its own "
                            "correction for multiple testing)."
                        )
                    ),
                    Paragraph(texts.message(latest.analysis.summary.message)),
                ),
                sections=tuple(
                    grouping_section(texts, latest.analysis, grouping, within=latest.period)
                    for grouping in latest.analysis.groupings
                ),
            )
        )
    return sections


def _trend_section(
    texts: ReportTexts,
    analysis: MonitoringAnalysis,
    attributes: tuple[str, ...],
    rate: str,
    trends: list[Trend],
) -> Section:
    _ = texts._
    confidence = analysis.settings.confidence
    name = texts.grouping(attributes)
    rate_text = texts.rate(rate)
    title = _(
        "%(rate)s per period, by %(grouping)s, with %(level)s intervals",
        rate=capital(rate_text),
        grouping=name,
        level=texts.percent(confidence),
    )
    periods = tuple(period.period for period in analysis.periods if period.analysis is not None)
    references = {choice.attributes: choice.reference for choice in analysis.settings.chosen_groupings()}
    points, rows = [], []
    for trend in trends:
        label = group_label(trend.group)
        if trend.group == references.get(attributes):
            label = _("%(group)s (reference)", group=label)
        for point in trend.points:
            estimate = point.rate
            verdicts = "; ".join(texts.verdict(comparison.verdict) for comparison in point.comparisons) or "–"
            rows.append(
                (
                    label,
                    point.period,
                    texts.percent(estimate.value),
                    texts.interval(estimate.lower, estimate.upper),
                    f"{texts.count(estimate.successes)} / {texts.count(estimate.trials)}",
                    verdicts,
                )
            )
            if estimate.value is not None and estimate.lower is not None and estimate.upper is not None:
                points.append(
                    TrendPoint(
                        label,
                        point.period,
                        estimate.value,
                        estimate.lower,
                        estimate.upper,
                        texts.percent(estimate.value),
                    )
                )
    blocks: list[Block] = []
    if rows:
        chart = TrendChart(
            title=title,
            description="; ".join(f"{row[0]}, {row[1]}: {row[2]} ({row[3]})" for row in rows),
            period_title=_("Period"),
            value_title=capital(rate_text),
            points=tuple(points),
            periods=periods,
            lang=texts.lang,
        )
        table = Table(
            id=texts.new_id("trend"),
            caption=title,
            columns=(
                _("Group"),
                _("Period"),
                _("Estimate"),
                _("%(level)s interval", level=texts.percent(confidence)),
                _("Cases (of the total)"),
                _("Verdict in that period"),
            ),
            rows=tuple(rows),
            numeric=(False, False, True, True, True, False),
            row_headers=2,
        )
        note = _(
            "One panel per group: the line is the rate per period, the band its interval. "
            "The figures are in the table below."
        )
        blocks.append(figure(texts, title=title, note=note, chart=chart, table=table))
    changes = [
        (trend.latest_change.verdict, trend.latest_change.message)
        for trend in trends
        if trend.latest_change is not None
    ]
    if changes:
        changes.sort(key=lambda item: VERDICT_ORDER.index(item[0]))
        blocks.append(Paragraph(_("The latest period against the earlier periods together:")))
        blocks.append(findings_block(texts, changes))
    gaps = [_gap_text(texts, trend, gap) for trend in trends for gap in trend.gap_changes]
    if gaps:
        blocks.append(Paragraph(_("Whether the gap to the reference changed in the latest period:")))
        blocks.append(Items(tuple(gaps)))
    return Section(
        id=texts.new_id(f"{name}-{rate}"),
        heading=_("%(grouping)s: %(rate)s", grouping=name, rate=rate_text),
        blocks=tuple(blocks),
    )


def _gap_text(texts: ReportTexts, trend: Trend, gap: GapChange) -> str:
    _ = texts._
    if gap.message is None:
        return _(
            "Group '%(group)s' against %(against)s: too few cases to test whether the gap changed.",
            group=group_label(trend.group),
            against=texts.against(gap.against, gap.reference_group),
        )
    changed = _("The gap changed.") if gap.changed else _("No change of the gap was found.")
    return f"{texts.message(gap.message)} {changed}"
