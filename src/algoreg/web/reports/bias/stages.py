"""The sections of a bias report on counts per group at each stage of a process (aggregate data)."""

from collections.abc import Callable

from algoreg.bias.document import AggregateAnalysis, GroupAtStageResult, StageComparison, StageResultModel
from algoreg.bias.messages import Message
from algoreg.bias.statistics import Verdict
from algoreg.web.reports.bias.charts import IntervalChart, IntervalPoint
from algoreg.web.reports.bias.parts import (
    VERDICT_ORDER,
    figure,
    findings_block,
    judgement_settings,
    settings_table,
    summary_section,
)
from algoreg.web.reports.bias.texts import ReportTexts
from algoreg.web.reports.bias.tree import Block, Paragraph, Section, Table


def aggregate_sections(texts: ReportTexts, analysis: AggregateAnalysis) -> list[Section]:
    """The sections of a report on counts per stage: summary, what was analysed, every stage."""
    _ = texts._
    summary = summary_section(
        texts,
        analysis.summary,
        _(
            "At every stage, the share of each group that passed on was compared with that of all other "
            "groups together, from the stage before and from the first stage."
        ),
    )
    counts = Table(
        id=texts.new_id("counts"),
        caption=_("Counts per group at each stage"),
        columns=(_("Group"), *analysis.stage_names),
        rows=(
            *(
                (group, *(texts.count(count) for count in row))
                for group, row in zip(analysis.groups, analysis.counts, strict=True)
            ),
            (_("All groups"), *(texts.count(sum(column)) for column in zip(*analysis.counts, strict=True))),
        ),
        numeric=(False, *(True for _stage in analysis.stage_names)),
    )
    data = Section(
        id=texts.new_id("data"),
        heading=_("What was analysed"),
        blocks=(
            Paragraph(
                _(
                    "Only counts per group were available, at %(stages)s stages in this order: %(names)s.",
                    stages=texts.count(len(analysis.stage_names)),
                    names=" → ".join(analysis.stage_names),
                )
            ),
            counts,
            settings_table(texts, judgement_settings(texts, analysis.settings)),
        ),
    )
    stages = Section(
        id=texts.new_id("stages"),
        heading=_("Results per stage"),
        blocks=(),
        sections=tuple(
            _stage_section(texts, analysis, stage, index) for index, stage in enumerate(analysis.stages)
        ),
    )
    return [summary, data, stages]


def _stage_section(
    texts: ReportTexts, analysis: AggregateAnalysis, stage: StageResultModel, index: int
) -> Section:
    _ = texts._
    first = analysis.stage_names[0]
    confidence = analysis.settings.confidence
    blocks: list[Block] = []
    if stage.goodness_of_fit is not None:
        blocks.append(Paragraph(texts.message(stage.goodness_of_fit.message)))
    panels: list[tuple[str, Callable[[GroupAtStageResult], StageComparison]]] = [
        (_("From '%(stage)s'", stage=stage.previous_stage), lambda found: found.from_previous)
    ]
    if index > 0:
        panels.append((_("From '%(stage)s'", stage=first), lambda found: found.from_population))
    points, rows = [], []
    for panel, pick in panels:
        for found in stage.groups:
            rate = pick(found).rate
            rows.append(
                (
                    found.group,
                    panel,
                    texts.percent(rate.value),
                    texts.interval(rate.lower, rate.upper),
                    f"{texts.count(rate.successes)} / {texts.count(rate.trials)}",
                )
            )
            if rate.value is not None and rate.lower is not None and rate.upper is not None:
                points.append(
                    IntervalPoint(
                        panel, found.group, rate.value, rate.lower, rate.upper, texts.percent(rate.value)
                    )
                )
    title = _(
        "Share of each group that reached '%(stage)s', with %(level)s intervals",
        stage=stage.stage,
        level=texts.percent(confidence),
    )
    if rows:
        chart = IntervalChart(
            title=title,
            description="; ".join(f"{row[0]}, {row[1]}: {row[2]} ({row[3]})" for row in rows),
            category_title=_("Group"),
            value_title=_("Share that passed"),
            points=tuple(points),
            lang=texts.lang,
        )
        table = Table(
            id=texts.new_id("stage-rates"),
            caption=title,
            columns=(
                _("Group"),
                _("Counted from"),
                _("Share"),
                _("%(level)s interval", level=texts.percent(confidence)),
                _("Cases (of the total)"),
            ),
            rows=tuple(rows),
            numeric=(False, False, True, True, True),
        )
        note = _(
            "Each dot is a group's share; the line through it is the interval. "
            "The figures are in the table below."
        )
        blocks.append(figure(texts, title=title, note=note, chart=chart, table=table))
    blocks.append(
        Table(
            id=texts.new_id("stage-mix"),
            caption=_(
                "Group mix at '%(stage)s' against the mix at '%(first)s'", stage=stage.stage, first=first
            ),
            columns=(_("Group"), _("Count"), _("Expected from the first stage"), _("Adjusted residual")),
            rows=tuple(
                (
                    found.group,
                    texts.count(found.count),
                    texts.decimal(found.expected, "#,##0.0"),
                    texts.decimal(found.adjusted_residual, "+0.00;-0.00"),
                )
                for found in stage.groups
            ),
            numeric=(False, True, True, True),
        )
    )
    items: list[tuple[Verdict, Message]] = []
    for found in stage.groups:
        items.append((found.from_previous.verdict, found.from_previous.message))
        if index > 0:
            items.append((found.from_population.verdict, found.from_population.message))
    items.sort(key=lambda item: VERDICT_ORDER.index(item[0]))
    findings = Section(
        id=texts.new_id("stage-findings"), heading=_("Findings"), blocks=(findings_block(texts, items),)
    )
    return Section(
        id=texts.new_id(stage.stage),
        heading=_(
            "Stage '%(stage)s' (after '%(previous)s')", stage=stage.stage, previous=stage.previous_stage
        ),
        blocks=tuple(blocks),
        sections=(findings,),
    )
