"""The sections of a bias report on decision data: what was analysed, and per grouping the rates
with their intervals, the findings, the four-fifths rule, the fairness criteria, AUC, calibration,
and the flags for origin-related data."""

from collections.abc import Sequence

from algoreg.bias.results import BiasAnalysis, Finding, GroupingResult, OriginCheck, group_label
from algoreg.bias.statistics import Verdict
from algoreg.web.reports.bias.charts import IntervalChart, IntervalPoint
from algoreg.web.reports.bias.parts import (
    VERDICT_ORDER,
    figure,
    findings_block,
    judgement_settings,
    rate_columns,
    rate_row,
    settings_table,
    summary_section,
)
from algoreg.web.reports.bias.texts import ReportTexts, capital
from algoreg.web.reports.bias.tree import Block, Figure, Items, Paragraph, Section, Table


def decision_sections(texts: ReportTexts, analysis: BiasAnalysis) -> list[Section]:
    """The sections of a report on decision data: summary, what was analysed, every grouping, origin data."""
    _ = texts._
    summary = summary_section(
        texts,
        analysis.summary,
        _(
            "Every group's rates were compared with those of its reference group or of the other groups; "
            "each comparison got one of four verdicts."
        ),
    )
    found = [finding for finding in analysis.findings if finding.verdict is Verdict.DISPARITY_FOUND]
    if found:
        summary = Section(
            id=summary.id,
            heading=summary.heading,
            blocks=(
                *summary.blocks,
                Paragraph(_("Disparities found:")),
                Items(tuple(_found_line(texts, finding) for finding in found)),
            ),
        )
    sections = [summary, _data_section(texts, analysis)]
    sections.append(
        Section(
            id=texts.new_id("groupings"),
            heading=_("Results per grouping"),
            blocks=(
                Paragraph(
                    _(
                        "A grouping is one protected attribute, or several together (their intersection). "
                        "For each: the rates per group with their intervals, the verdict of every "
                        "comparison, and the descriptive criteria."
                    )
                ),
            ),
            sections=tuple(grouping_section(texts, analysis, grouping) for grouping in analysis.groupings),
        )
    )
    if analysis.origin is not None:
        sections.append(_origin_section(texts, analysis.origin))
    return sections


def _found_line(texts: ReportTexts, finding: Finding) -> str:
    _ = texts._
    ratio = finding.ratio
    return _(
        "%(grouping)s, group '%(group)s', %(rate)s against %(against)s: "
        "ratio %(ratio)s (%(lower)s – %(upper)s)",
        grouping=texts.grouping(finding.grouping),
        group=group_label(finding.group),
        rate=texts.rate(finding.rate_name),
        against=texts.against(finding.against, finding.reference_group),
        ratio=texts.ratio(None if ratio is None else ratio.estimate),
        lower=texts.ratio(None if ratio is None else ratio.lower),
        upper=texts.ratio(None if ratio is None else ratio.upper),
    )


def _data_section(texts: ReportTexts, analysis: BiasAnalysis) -> Section:
    _ = texts._
    data, settings, roles = analysis.data, analysis.settings, analysis.settings.roles
    role_names = {"outcome": _("outcome"), "label": _("label"), "score": _("score")}
    blocks: list[Block] = [Paragraph(texts.message(data.message))]
    if data.rows_excluded:
        blocks.append(
            Table(
                id=texts.new_id("excluded"),
                caption=_("Rows left out, by the value they lack (a row may lack more than one)"),
                columns=(_("Column"), _("Rows without a value")),
                rows=tuple(
                    (
                        f"{role_names.get(role, role)} ({getattr(roles, role, None) or role})",
                        texts.count(count),
                    )
                    for role, count in data.excluded_for_missing.items()
                ),
                numeric=(False, True),
            )
        )
    column_rows = [(_("Protected attributes"), ", ".join(roles.protected))]
    for role in ("outcome", "score", "label"):
        name = getattr(roles, role)
        if name is not None:
            column_rows.append((capital(role_names[role]), name))
    if roles.threshold is not None:
        column_rows.append((_("Selected when the score is at least"), texts.number(roles.threshold)))
    blocks.append(
        Table(
            id=texts.new_id("columns"),
            caption=_("Columns used"),
            columns=(_("Role"), _("Column")),
            rows=tuple(column_rows),
            numeric=(False, False),
        )
    )
    rows = [
        (_("Rates tested"), ", ".join(texts.rate(name) for name in analysis.rates) or "–"),
        (
            _("Compared with"),
            "; ".join(
                _("the reference group") if against == "reference" else texts.against("rest", None)
                for against in settings.compare_with
            ),
        ),
        *judgement_settings(texts, settings),
    ]
    if roles.has_score and roles.has_label and settings.score.auc:
        rows.append(
            (
                _("Bootstrap resamples for the AUC interval (seed)"),
                f"{texts.count(settings.score.bootstrap_resamples)} ({settings.score.seed})",
            )
        )
        rows.append((_("Calibration bins"), texts.count(settings.score.calibration_bins)))
    blocks.append(settings_table(texts, rows))
    for grouping in analysis.groupings:
        blocks.append(_sizes_table(texts, grouping, settings.min_group_size))
    return Section(id=texts.new_id("data"), heading=_("What was analysed"), blocks=tuple(blocks))


def _sizes_table(texts: ReportTexts, grouping: GroupingResult, minimum: int) -> Table:
    _ = texts._
    rows = []
    for group in grouping.groups:
        name = group.label
        if group.values == grouping.reference:
            name = _("%(group)s (reference)", group=name)
        rows.append(
            (
                name,
                texts.count(group.counts.n),
                texts.count(group.counts.excluded),
                _("yes") if group.below_min_group_size else _("no"),
            )
        )
    return Table(
        id=texts.new_id("sizes"),
        caption=_("Groups and their sizes: %(grouping)s", grouping=texts.grouping(grouping.attributes)),
        columns=(
            _("Group"),
            _("Rows analysed"),
            _("Rows left out"),
            _("Fewer than %(count)s rows", count=texts.count(minimum)),
        ),
        rows=(
            *rows,
            (_("All groups"), texts.count(grouping.overall.n), texts.count(grouping.overall.excluded), ""),
        ),
        numeric=(False, True, True, False),
    )


def grouping_section(
    texts: ReportTexts, analysis: BiasAnalysis, grouping: GroupingResult, *, within: str = ""
) -> Section:
    """One grouping: its reference group, the chart and table of its rates, the findings, the four-fifths
    rule, the fairness criteria, and AUC and calibration when present. ``within`` (a period) is added to
    the chart's title."""
    _ = texts._
    name = texts.grouping(grouping.attributes)
    settings = analysis.settings
    reference = group_label(grouping.reference)
    chosen = (
        _("Reference group: '%(group)s', the largest group.", group=reference)
        if grouping.reference_chosen == "largest"
        else _("Reference group: '%(group)s', as chosen.", group=reference)
    )
    blocks: list[Block] = [Paragraph(chosen)]
    figure = _grouping_figure(texts, analysis, grouping, within)
    if figure is not None:
        blocks.append(figure)
    findings = [finding for finding in analysis.findings if finding.grouping == grouping.attributes]
    subsections: list[Section] = []
    if findings:
        subsections.append(_findings_section(texts, findings, settings.confidence))
    if grouping.four_fifths is not None:
        subsections.append(_four_fifths_section(texts, grouping))
    if grouping.criteria:
        subsections.append(_criteria_section(texts, grouping))
    if any(group.auc is not None for group in grouping.groups):
        subsections.append(_auc_section(texts, grouping))
    if any(group.calibration for group in grouping.groups):
        subsections.append(_calibration_section(texts, grouping))
    heading = (
        _("Grouping: %(grouping)s", grouping=name)
        if len(grouping.attributes) == 1
        else _("Intersection: %(grouping)s", grouping=name)
    )
    return Section(id=texts.new_id(name), heading=heading, blocks=tuple(blocks), sections=tuple(subsections))


def _grouping_figure(
    texts: ReportTexts, analysis: BiasAnalysis, grouping: GroupingResult, within: str
) -> Figure | None:
    _ = texts._
    names = [name for name in analysis.rates if any(name in group.rates for group in grouping.groups)]
    if not names:
        names = sorted({name for group in grouping.groups for name in group.rates})
    points = []
    rows = []
    for rate_name in names:
        for group in grouping.groups:
            rate = group.rates.get(rate_name)
            if rate is None:
                continue
            label = group.label
            if group.values == grouping.reference:
                label = _("%(group)s (reference)", group=label)
            rows.append(rate_row(texts, label, rate_name, rate))
            if rate.value is not None and rate.lower is not None and rate.upper is not None:
                points.append(
                    IntervalPoint(
                        panel=capital(texts.rate(rate_name)),
                        label=label,
                        value=rate.value,
                        lower=rate.lower,
                        upper=rate.upper,
                        shown=texts.percent(rate.value),
                    )
                )
    if not rows:
        return None
    name = texts.grouping(grouping.attributes)
    title = _(
        "Rates per group with their %(level)s intervals: %(grouping)s",
        level=texts.percent(analysis.settings.confidence),
        grouping=name,
    )
    if within:
        title = f"{title} ({within})"
    description = "; ".join(f"{row[0]}, {row[1]}: {row[2]} ({row[3]})" for row in rows)
    chart = IntervalChart(
        title=title,
        description=description,
        category_title=_("Group"),
        value_title=_("Rate"),
        points=tuple(points),
        lang=texts.lang,
    )
    table = Table(
        id=texts.new_id("rates"),
        caption=title,
        columns=rate_columns(texts, _("Group"), analysis.settings.confidence),
        rows=tuple(rows),
        numeric=(False, False, True, True, True),
    )
    note = _(
        "Each dot is a group's rate; the line through it is the interval. The figures are in the table below."
    )
    return figure(texts, title=title, note=note, chart=chart, table=table)


def _findings_section(texts: ReportTexts, findings: Sequence[Finding], confidence: float) -> Section:
    _ = texts._
    table = Table(
        id=texts.new_id("comparisons"),
        caption=_("Every comparison and its verdict"),
        columns=(
            _("Group"),
            _("Rate"),
            _("Compared with"),
            _("Ratio"),
            _("%(level)s interval", level=texts.percent(confidence)),
            _("Adjusted p"),
            _("Verdict"),
        ),
        rows=tuple(
            (
                group_label(finding.group),
                capital(texts.rate(finding.rate_name)),
                texts.against(finding.against, finding.reference_group),
                texts.ratio(None if finding.ratio is None else finding.ratio.estimate),
                "–"
                if finding.ratio is None
                else f"{texts.ratio(finding.ratio.lower)} – {texts.ratio(finding.ratio.upper)}",
                texts.p_value(finding.adjusted_p_value),
                texts.verdict(finding.verdict),
            )
            for finding in findings
        ),
        numeric=(False, False, False, True, True, True, False),
    )
    ordered = sorted(findings, key=lambda finding: VERDICT_ORDER.index(finding.verdict))
    return Section(
        id=texts.new_id("findings"),
        heading=_("Findings"),
        blocks=(table, findings_block(texts, ((finding.verdict, finding.message) for finding in ordered))),
    )


def _four_fifths_section(texts: ReportTexts, grouping: GroupingResult) -> Section:
    _ = texts._
    rule = grouping.four_fifths
    assert rule is not None
    highest = "–" if rule.highest is None else group_label(rule.highest)
    blocks: list[Block] = [
        Paragraph(
            _(
                "Each group's selection rate divided by that of the group selected most often "
                "('%(highest)s'). Below %(threshold)s is the usual first sign of adverse impact (the "
                "four-fifths rule); it is a rule of thumb without a test, so read it with the findings "
                "above.",
                highest=highest,
                threshold=texts.ratio(rule.threshold),
            )
        ),
        Table(
            id=texts.new_id("four-fifths"),
            caption=_("Four-fifths rule: %(grouping)s", grouping=texts.grouping(grouping.attributes)),
            columns=(
                _("Group"),
                _("Impact ratio"),
                _("Below %(threshold)s", threshold=texts.ratio(rule.threshold)),
            ),
            rows=tuple(
                (group_label(item.group), texts.ratio(item.ratio), texts.yes_no(item.below_threshold))
                for item in rule.ratios
            ),
            numeric=(False, True, False),
        ),
    ]
    return Section(id=texts.new_id("four-fifths"), heading=_("Four-fifths rule"), blocks=tuple(blocks))


def _criterion_name(texts: ReportTexts, name: str) -> str:
    _ = texts._
    names = {
        "demographic_parity": _("Demographic parity (equal selection rates)"),
        "equal_opportunity": _("Equal opportunity (equal true positive rates)"),
        "equalised_odds": _("Equalised odds (equal true and false positive rates)"),
        "predictive_parity": _("Predictive parity (equal precision)"),
    }
    return names.get(name, name)


def _criteria_section(texts: ReportTexts, grouping: GroupingResult) -> Section:
    _ = texts._
    rows = []
    for criterion in grouping.criteria:
        for spread in criterion.spreads:
            rows.append(
                (
                    _criterion_name(texts, criterion.name),
                    capital(texts.rate(spread.rate_name)),
                    "–" if spread.highest is None else group_label(spread.highest),
                    "–" if spread.lowest is None else group_label(spread.lowest),
                    texts.points(spread.difference),
                    texts.ratio(spread.ratio),
                )
            )
    return Section(
        id=texts.new_id("criteria"),
        heading=_("Fairness criteria"),
        blocks=(
            Paragraph(
                _(
                    "How far each rate lies apart between the groups: the highest minus the lowest rate (in "
                    "percentage points) and the lowest divided by the highest. These figures describe; "
                    "they are not tests."
                )
            ),
            Table(
                id=texts.new_id("criteria"),
                caption=_("Fairness criteria: %(grouping)s", grouping=texts.grouping(grouping.attributes)),
                columns=(
                    _("Criterion"),
                    _("Rate"),
                    _("Highest"),
                    _("Lowest"),
                    _("Difference (percentage points)"),
                    _("Lowest / highest"),
                ),
                rows=tuple(rows),
                numeric=(False, False, False, False, True, True),
                row_headers=2,
            ),
        ),
    )


def _auc_section(texts: ReportTexts, grouping: GroupingResult) -> Section:
    _ = texts._
    rows = []
    confidence = 0.95
    for group in grouping.groups:
        auc = group.auc
        if auc is None:
            continue
        confidence = auc.confidence
        rows.append(
            (
                group.label,
                texts.decimal(auc.value),
                f"{texts.decimal(auc.lower)} – {texts.decimal(auc.upper)}",
                texts.count(auc.positives),
                texts.count(auc.negatives),
                texts.yes_no(auc.enough_cases),
            )
        )
    return Section(
        id=texts.new_id("auc"),
        heading=_("How well the score separates (AUC)"),
        blocks=(
            Paragraph(
                _(
                    "The AUC is the chance that a case with label 1 has a higher score than a case with "
                    "label 0 (0.5: no better than chance, 1: perfect). The interval comes from a bootstrap "
                    "of the counts."
                )
            ),
            Table(
                id=texts.new_id("auc"),
                caption=_("AUC per group: %(grouping)s", grouping=texts.grouping(grouping.attributes)),
                columns=(
                    _("Group"),
                    _("AUC"),
                    _("%(level)s interval", level=texts.percent(confidence)),
                    _("Label 1"),
                    _("Label 0"),
                    _("Enough cases"),
                ),
                rows=tuple(rows),
                numeric=(False, True, True, True, True, False),
            ),
        ),
    )


def _calibration_section(texts: ReportTexts, grouping: GroupingResult) -> Section:
    _ = texts._
    rows = []
    for group in grouping.groups:
        for item in group.calibration or ():
            rows.append(
                (
                    group.label,
                    f"{texts.decimal(item.lower, '0.0##')} – {texts.decimal(item.upper, '0.0##')}",
                    texts.count(item.n),
                    texts.decimal(item.mean_score),
                    texts.percent(item.observed.value),
                    texts.interval(item.observed.lower, item.observed.upper),
                )
            )
    return Section(
        id=texts.new_id("calibration"),
        heading=_("Calibration"),
        blocks=(
            Paragraph(
                _(
                    "Per score range: how many cases it holds, their mean score and the share with label 1. "
                    "A well calibrated score has a share close to the mean score in every group. The mean "
                    "score of a range with fewer cases than the minimum group size is not shown."
                )
            ),
            Table(
                id=texts.new_id("calibration"),
                caption=_(
                    "Calibration per group: %(grouping)s", grouping=texts.grouping(grouping.attributes)
                ),
                columns=(
                    _("Group"),
                    _("Score range"),
                    _("Cases"),
                    _("Mean score"),
                    _("Share with label 1"),
                    _("Interval"),
                ),
                rows=tuple(rows),
                numeric=(False, True, True, True, True, True),
                row_headers=2,
            ),
        ),
    )


def _origin_section(texts: ReportTexts, origin: OriginCheck) -> Section:
    _ = texts._
    categories = {
        "nationality": _("nationality"),
        "country of birth": _("country of birth"),
        "parents' country of birth": _("parents' country of birth"),
        "place of birth": _("place of birth"),
        "migration background": _("migration background"),
        "origin": _("origin"),
        "ethnicity": _("ethnicity"),
        "residence or migration status": _("residence or migration status"),
        "civic integration": _("civic integration"),
        "language": _("language"),
    }
    rows = []
    for column in origin.columns:
        reasons = []
        if column.name_patterns:
            reasons.append(_("its name matches %(patterns)s", patterns="; ".join(column.name_patterns)))
        if column.content_flagged:
            reasons.append(
                _(
                    "%(share)s of its values are countries, nationalities or other origin values "
                    "(threshold %(threshold)s)",
                    share=texts.percent(column.content_share),
                    threshold=texts.percent(column.content_threshold),
                )
            )
        rows.append(
            (
                column.column,
                texts.yes_no(column.flagged),
                ", ".join(categories.get(category, category) for category in column.categories) or "–",
                "; ".join(reasons) or "–",
            )
        )
    flagged = [column.column for column in origin.columns if column.flagged]
    lead = (
        _(
            "These protected columns hold origin-related personal data: %(columns)s. Using such data needs a "
            "specific legal basis and extra care; record why it is used.",
            columns=", ".join(flagged),
        )
        if flagged
        else _(
            "None of the protected columns was recognised as origin-related data by its name or its values."
        )
    )
    return Section(
        id=texts.new_id("origin"),
        heading=_("Origin-related data"),
        blocks=(
            Paragraph(lead, role="note" if flagged else ""),
            Table(
                id=texts.new_id("origin"),
                caption=_("Protected columns checked for origin-related data"),
                columns=(_("Column"), _("Flagged"), _("Kind of data"), _("Why")),
                rows=tuple(rows),
                numeric=(False, False, False, False),
            ),
            Paragraph(
                texts.ngettext(
                    "The values were read from a sample of %(count)s row, drawn from the counts.",
                    "The values were read from a sample of %(count)s rows, drawn from the counts.",
                    origin.sample_rows,
                )
            ),
        ),
    )
