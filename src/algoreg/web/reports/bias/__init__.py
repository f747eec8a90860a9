"""Bias reports for people: the analysis of a document as accessible HTML, or as PDF.

:func:`render_html` turns a bias analysis — a document of format ``algoreg-bias/1`` (see
:mod:`.document`) or the analysis itself — into a standalone HTML page in Dutch or English;
:func:`render_fragment` gives the same report without the page around it, to put inside the web
site; :func:`render_pdf` prints the page to PDF with WeasyPrint. Every mode is covered: decision
data, counts per process stage (aggregate) and periods (monitoring).

A report says what was analysed (rows, rows left out and why, groups and their sizes, every
setting), the verdicts, per grouping a chart of the rates per group with their intervals and the
same figures in a table, every finding as a sentence, the AUC and calibration when the data has a
score and a label, the four-fifths rule, the named fairness criteria, flags for origin-related
data, the trend per period when monitoring, and the legal questions the organisation must answer
itself. It never says that a system may be used, or that it does not discriminate: figures
cannot establish that.

The report is built here as a tree of sections and blocks (:class:`Report`), with every text
already in the reader's language; the templates in ``web/templates/bias/`` only lay it out. Texts
go through gettext (``web/locale/nl/bias_report.po``), sentences of the analysis through
:func:`algoreg.bias.messages.render`.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeAlias

from babel.dates import format_datetime

from algoreg.bias.aggregate import StageAnalysis
from algoreg.bias.document import FORMAT, AggregateAnalysis, AnyAnalysis, aggregate_analysis, from_document
from algoreg.bias.monitoring import MonitoringAnalysis
from algoreg.bias.results import BiasAnalysis
from algoreg.errors import FieldProblem, InvalidInput
from algoreg.web.i18n import LANGUAGES, Language
from algoreg.web.reports.bias.decisions import decision_sections
from algoreg.web.reports.bias.monitoring import monitoring_sections
from algoreg.web.reports.bias.parts import legal_section, method_section
from algoreg.web.reports.bias.stages import aggregate_sections
from algoreg.web.reports.bias.texts import ReportTexts
from algoreg.web.reports.bias.tree import (
    Block,
    Figure,
    FindingItem,
    Findings,
    Items,
    Pairs,
    Paragraph,
    Report,
    Section,
    Table,
)
from algoreg.web.reports.documents import PdfUnavailable, html_to_pdf, report_environment, translator

__all__ = [
    "Block",
    "Figure",
    "FindingItem",
    "Findings",
    "Items",
    "Pairs",
    "Paragraph",
    "PdfUnavailable",
    "Report",
    "ReportSource",
    "Section",
    "Table",
    "build_report",
    "render_fragment",
    "render_html",
    "render_pdf",
]

ReportSource: TypeAlias = (
    Mapping[str, Any] | BiasAnalysis | AggregateAnalysis | MonitoringAnalysis | StageAnalysis
)
"""What a report can be made of: a document (checked with :func:`from_document`) or an analysis."""


_SUMMARY = "The bias report cannot be made."


# --- building the report ------------------------------------------------------------------------------


def build_report(source: ReportSource, lang: Language = "nl", *, title: str | None = None) -> Report:
    """The report of a document or analysis in ``lang``, as a tree of sections (nothing drawn on a page).

    A document is checked first (format, digest, schema); a bad one, or an unknown language, raises
    :class:`~algoreg.errors.InvalidInput`. ``title`` replaces the default title.
    """
    if lang not in LANGUAGES:
        raise InvalidInput(
            problems=[FieldProblem("lang", f"must be one of {', '.join(LANGUAGES)}; got {lang!r}")],
            summary=_SUMMARY,
        )
    analysis, document = _analysis_of(source)
    texts = ReportTexts(lang)
    _ = texts._
    about = _about(texts, document)
    if isinstance(analysis, BiasAnalysis):
        mode, lead, sections = (
            "decisions",
            _("A bias test of decision data."),
            decision_sections(texts, analysis),
        )
    elif isinstance(analysis, AggregateAnalysis):
        lead = _("A bias test of counts per group at each stage of a process (aggregate data only).")
        mode, sections = "aggregate", aggregate_sections(texts, analysis)
    else:
        lead = _("A bias test of decision data per period, with the trend of every rate.")
        mode, sections = "monitoring", monitoring_sections(texts, analysis)
    notice = _(
        "This report shows differences between groups in figures, and how certain they are. It does not "
        "judge whether a difference is justified or whether the system may be used: that is for the "
        "organisation to decide, by answering the questions at the end of this report."
    )
    return Report(
        lang=lang,
        title=title or _("Bias test report"),
        mode=mode,
        lead=lead,
        notice=notice,
        about=about,
        sections=(*sections, legal_section(texts, analysis.legal_questions), method_section(texts)),
    )


def _analysis_of(source: ReportSource) -> tuple[AnyAnalysis, Mapping[str, Any] | None]:
    if isinstance(source, StageAnalysis):
        return aggregate_analysis(source), None
    if isinstance(source, BiasAnalysis | AggregateAnalysis | MonitoringAnalysis):
        return source, None
    if isinstance(source, Mapping):
        return from_document(source), source
    raise InvalidInput(
        problems=[
            FieldProblem(
                "document",
                f"a {type(source).__name__} is not a bias analysis; give a document of format "
                f"'{FORMAT}' or an analysis",
            )
        ],
        summary=_SUMMARY,
    )


def _about(texts: ReportTexts, document: Mapping[str, Any] | None) -> Pairs:
    _ = texts._
    if document is None:
        return Pairs(((_("Document"), _("made directly from an analysis, without a document")),))
    created = datetime.fromisoformat(str(document["created"]).replace("Z", "+00:00"))
    software = document.get("software", {})
    return Pairs(
        (
            (_("Made on"), str(format_datetime(created, "d MMMM yyyy, HH:mm 'UTC'", locale=texts.lang))),
            (_("Software"), f"{software.get('name', '?')} {software.get('version', '?')}"),
            (_("Document format"), str(document["format"])),
            (_("Integrity (SHA-256 of the document)"), str(document["integrity"]["digest"])),
        )
    )


# --- drawing ------------------------------------------------------------------------------------------


def _render(template: str, report: Report, heading_level: int, *, standalone: bool) -> str:
    html: str = (
        report_environment()
        .get_template(template)
        .render(report=report, level=heading_level, standalone=standalone, _=translator(report.lang))
    )
    return html


def render_html(source: ReportSource, lang: Language = "nl", *, title: str | None = None) -> str:
    """The report as a complete, standalone HTML page in ``lang`` (``"nl"`` or ``"en"``).

    The page needs nothing from outside: its style is in the page and its charts are SVG images in
    ``data:`` URLs; it holds no script. Headings run from one ``h1`` down in order; every chart has a
    text alternative and a table with the same figures; every table a caption and header cells with
    their scope. ``source`` is a document (checked: a bad one raises
    :class:`~algoreg.errors.InvalidInput`) or an analysis.
    """
    return _render("bias/report.html", build_report(source, lang, title=title), 2, standalone=True)


def render_fragment(source: ReportSource, lang: Language = "nl", *, heading_level: int = 2) -> str:
    """The report's sections as an HTML fragment to put inside a page of the site (no style, no title).

    Its top headings are ``h{heading_level}`` (default ``h2``, below the page's own ``h1``); the ids it
    uses start with ``bias-``. The caller marks the string as safe HTML: every text in it is escaped.
    """
    if not 1 <= heading_level <= 3:
        raise InvalidInput(
            problems=[FieldProblem("heading_level", f"must be 1, 2 or 3; got {heading_level!r}")],
            summary=_SUMMARY,
        )
    return _render("bias/_report_body.html", build_report(source, lang), heading_level, standalone=False)


def render_pdf(source: ReportSource, lang: Language = "nl", *, title: str | None = None) -> bytes:
    """The report of :func:`render_html` as a tagged PDF (A4, page numbers), made with WeasyPrint.

    Raises :class:`PdfUnavailable` when WeasyPrint is not installed, and
    :class:`~algoreg.errors.InvalidInput` for a bad document.
    """
    return html_to_pdf(render_html(source, lang, title=title))
