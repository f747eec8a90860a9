"""What every standalone report shares: its template environment, its translator, and printing to PDF.

A standalone report is a whole HTML page that needs nothing from outside (its style in the page, its
pictures as ``data:`` URLs, no script), in one language, printed to a tagged PDF by WeasyPrint.
"""

from collections.abc import Callable
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from algoreg.errors import AlgoregError
from algoreg.web.i18n import Language, translations
from algoreg.web.templating import TEMPLATES


class PdfUnavailable(AlgoregError):
    """PDF output needs WeasyPrint (and Pango), which this installation lacks."""


@lru_cache(maxsize=1)
def report_environment() -> Environment:
    """The Jinja environment of reports: the site's templates, escaping on, unknown names an error."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def translator(lang: Language) -> Callable[..., str]:
    """``_(text, **values)`` for templates: the text in ``lang`` with its ``%(name)s`` placeholders filled."""

    def _(text: str, **values: object) -> str:
        translated = translations(lang).gettext(text)
        return translated % values if values else translated

    return _


def html_to_pdf(html: str) -> bytes:
    """The page as a tagged PDF (PDF/UA structure), or :class:`PdfUnavailable` without WeasyPrint."""
    try:
        from weasyprint import HTML  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - depends on the installation
        raise PdfUnavailable(
            "PDF reports need WeasyPrint: install it with 'pip install weasyprint'."
        ) from None
    pdf: bytes = HTML(string=html, base_url=None).write_pdf(pdf_tags=True)
    return pdf
