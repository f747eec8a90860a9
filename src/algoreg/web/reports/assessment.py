"""Assessments for people: the gathered output of an assessment as an accessible HTML page, or as PDF.

:func:`render_html` draws an :class:`~algoreg.instruments.assessments.document.AssessmentOutput` as
a standalone page in Dutch or English (the language the output was gathered in): facts, progress
per part as a table, participants, every question that applies with its answer, who gave it and
when, the stop if reached, action points and sign-offs. It needs nothing from outside and holds no
script. :func:`render_pdf` prints it to a tagged PDF with WeasyPrint, as bias reports are printed.
Texts go through gettext (``web/locale/nl/assessment.po``); every value is escaped.
"""

from datetime import datetime

from babel.dates import format_datetime

from algoreg.instruments.assessments.document import AssessmentOutput
from algoreg.web.reports.documents import html_to_pdf, report_environment, translator

_STATE_LABELS = {"open": "Open", "signed_off": "Signed off", "reopened": "Reopened"}


def render_html(output: AssessmentOutput) -> str:
    """The assessment as a complete, standalone HTML page in the output's language."""
    lang = output.lang
    _ = translator(lang)

    def when(moment: datetime) -> str:
        return str(format_datetime(moment, "d MMMM yyyy, HH:mm 'UTC'", locale=lang))

    html: str = (
        report_environment()
        .get_template("assessment/report.html")
        .render(out=output, lang=lang, _=_, when=when, state_label=_(_STATE_LABELS[output.view.state.value]))
    )
    return html


def render_pdf(output: AssessmentOutput) -> bytes:
    """The page of :func:`render_html` as a tagged PDF (A4, page numbers), made with WeasyPrint.

    Raises :class:`algoreg.web.reports.documents.PdfUnavailable` when WeasyPrint is not installed.
    """
    return html_to_pdf(render_html(output))
