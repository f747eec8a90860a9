"""What the pages show of a bias report's analysis: the report of :mod:`algoreg.web.reports.bias`, and labels.

The analysis itself — summary, every grouping with its chart and table, every finding, the legal
questions — is drawn by :func:`algoreg.web.reports.bias.render_fragment` in the page's language; the
pages around it add what the register knows of the report (title, algorithm, period, state).
"""

import json

from markupsafe import Markup

from algoreg.web import i18n

#: Words for each verdict (English source texts, translated on the page).
VERDICT_LABELS: dict[str, str] = {
    "disparity_found": "Disparity found",
    "no_disparity_beyond_tolerance": "No disparity beyond the tolerance",
    "inconclusive": "Inconclusive",
    "too_few_cases": "Too few cases",
}

#: Words for each kind of analysis (a document's mode).
MODE_LABELS: dict[str, str] = {
    "decisions": "Decisions per group",
    "aggregate": "Counts per process stage",
    "monitoring": "Monitoring over periods",
}


def report_fragment(document: str, lang: i18n.Language) -> Markup:
    """The analysis of a stored document (JSON text) as HTML to put below the page's ``h1``.

    The document is checked again on the way (format, digest, schema); every text in the fragment
    is escaped by the renderer, so it is safe to put in the page as it is.
    """
    from algoreg.web.reports.bias import (
        render_fragment,  # charts and statistics load on the first report shown
    )

    html = render_fragment(json.loads(document), lang, heading_level=2)
    return Markup(html)  # noqa: S704 (the renderer escapes every text it puts in)
