"""Pages: statistics of the public register, each chart with its figures in a table beside it.

``/statistieken`` shows the figures; ``/statistieken/grafiek/{name}.svg`` serves each chart as an
SVG image drawn on the server (see :mod:`algoreg.web.charts`), in the reader's language.
"""

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from babel.dates import format_date
from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from algoreg.errors import NotFound
from algoreg.register.organisations import OrganisationKind
from algoreg.register.statistics import Count, RegisterStatistics, register_statistics
from algoreg.standard.enums import Category, PublicationCategory, Status
from algoreg.standard.metadata import enum_labels, field_metadata
from algoreg.web import i18n
from algoreg.web.charts import Bar, BarChart, render_svg
from algoreg.web.deps import UoW
from algoreg.web.pages.deps import CSRF
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

#: English source texts (translated with gettext) of the kinds of organisation.
KIND_LABELS: dict[str, str] = {
    OrganisationKind.MINISTERIE: "Ministry",
    OrganisationKind.PROVINCIE: "Province",
    OrganisationKind.GEMEENTE: "Municipality",
    OrganisationKind.WATERSCHAP: "Water authority",
    OrganisationKind.ZBO: "Independent administrative body (ZBO)",
    OrganisationKind.OTHER: "Other organisation",
}

#: The charts, by the name used in their image URL, in the order the page shows them.
CHART_NAMES = ("soort-organisatie", "thema", "status", "publicatiecategorie", "per-maand")

#: Served SVG images contain no scripts, styles or external references; nothing else may load.
SVG_POLICY = "default-src 'none'; frame-ancestors 'self'"


@dataclass(frozen=True)
class Row:
    """One row of a statistics table: a label and its numbers, as raw values and as shown."""

    label: str
    count: int
    shown: str
    cumulative: int | None = None
    cumulative_shown: str | None = None
    month: str | None = None  # "2024-03" for rows of the time line
    short_label: str | None = None  # a shorter label for the chart, when the table's is long


@dataclass(frozen=True)
class Statistic:
    """One figure of the page: heading, explanation, chart and the table with the same numbers."""

    name: str
    heading: str
    note: str
    label_header: str
    count_header: str
    cumulative_header: str | None
    rows: list[Row]
    chart: BarChart
    alt: str


def _number(lang: i18n.Language, value: int) -> str:
    return format_decimal(value, locale=lang)


def _rows(lang: i18n.Language, counts: list[Count], labels: dict[str, str], by_count: bool) -> list[Row]:
    ordered = sorted(counts, key=lambda item: -item.count) if by_count else counts
    return [
        Row(labels.get(item.value, item.value), item.count, _number(lang, item.count)) for item in ordered
    ]


def _statistic(
    lang: i18n.Language,
    name: str,
    heading: str,
    note: str,
    label_header: str,
    rows: list[Row],
    *,
    title: str,
    count_header: str | None = None,
    cumulative_header: str | None = None,
    vertical: bool = False,
) -> Statistic:
    _ = i18n.gettext
    chart = BarChart(
        title=title,
        description="; ".join(f"{row.label}: {row.shown}" for row in rows),
        category_title=label_header,
        value_title=_(lang, "Number of algorithms"),
        bars=tuple(Bar(row.short_label or row.label, row.count, row.shown) for row in rows),
        lang=lang,
        direction="vertical" if vertical else "horizontal",
    )
    kind = _(lang, "Column chart") if vertical else _(lang, "Bar chart")
    return Statistic(
        name=name,
        heading=heading,
        note=note,
        label_header=label_header,
        count_header=count_header or _(lang, "Number of algorithms"),
        cumulative_header=cumulative_header,
        rows=rows,
        chart=chart,
        alt=_(lang, "%(kind)s: %(title)s. The numbers are in the table below.", kind=kind, title=title),
    )


def _enum_rows(lang: i18n.Language, counts: list[Count], enum: type[StrEnum], by_count: bool) -> list[Row]:
    return _rows(lang, counts, enum_labels(enum, lang), by_count)


def statistics_of(stats: RegisterStatistics, lang: i18n.Language) -> list[Statistic]:
    """Return the page's figures in ``lang``, in the order of :data:`CHART_NAMES`."""
    _ = i18n.gettext
    fields = field_metadata(lang)
    kind_labels = {kind: _(lang, text) for kind, text in KIND_LABELS.items()}
    theme_rows = _enum_rows(lang, stats.by_theme, Category, by_count=True)
    if stats.without_theme:
        label = _(lang, "No policy area given")
        theme_rows.append(Row(label, stats.without_theme, _number(lang, stats.without_theme)))
    month_rows = [
        Row(
            format_date(item.month, "MMMM yyyy", locale=lang),
            item.count,
            _number(lang, item.count),
            item.cumulative,
            _number(lang, item.cumulative),
            month=item.month.strftime("%Y-%m"),
            short_label=format_date(item.month, "MMM yyyy", locale=lang),
        )
        for item in stats.by_month
    ]
    return [
        _statistic(
            lang,
            "soort-organisatie",
            _(lang, "By kind of organisation"),
            _(lang, "Each algorithm counts once, for the kind of organisation that publishes it."),
            _(lang, "Kind of organisation"),
            _rows(lang, stats.by_organisation_kind, kind_labels, by_count=True),
            title=_(lang, "Published algorithms by kind of organisation"),
        ),
        _statistic(
            lang,
            "thema",
            _(lang, "By policy area"),
            _(
                lang,
                "An algorithm can belong to several policy areas. It then counts once for each of "
                "them, so together these numbers can be more than the number of algorithms.",
            ),
            fields["category"].title,
            theme_rows,
            title=_(lang, "Published algorithms by policy area (one algorithm can have several)"),
        ),
        _statistic(
            lang,
            "status",
            _(lang, "By status"),
            _(lang, "Whether the algorithm is in development, in use or out of use."),
            fields["status"].title,
            _enum_rows(lang, stats.by_status, Status, by_count=False),
            title=_(lang, "Published algorithms by status"),
        ),
        _statistic(
            lang,
            "publicatiecategorie",
            _(lang, "By publication category"),
            _(lang, "The publication category decides which fields an organisation must fill in."),
            fields["publication_category"].title,
            _enum_rows(lang, stats.by_publication_category, PublicationCategory, by_count=False),
            title=_(lang, "Published algorithms by publication category"),
        ),
        _statistic(
            lang,
            "per-maand",
            _(lang, "Over time"),
            _(
                lang,
                "Each algorithm counts in the month it was first published (Dutch time); the chart "
                "shows the number per month, not a running total. The table also gives the total "
                "up to and including each month.",
            ),
            _(lang, "Month"),
            month_rows,
            title=_(lang, "Algorithms published for the first time, per month"),
            count_header=_(lang, "Published for the first time"),
            cumulative_header=_(lang, "Total up to and including this month"),
            vertical=True,
        ),
    ]


def _language(request: Request) -> i18n.Language:
    lang: i18n.Language = getattr(request.state, "lang", i18n.DEFAULT_LANGUAGE)
    return lang


@router.get("/statistieken", response_class=HTMLResponse)
def statistics_page(request: Request, uow: UoW) -> HTMLResponse:
    """Figures about the published algorithms: a chart and a table for each."""
    with uow() as session:
        stats = register_statistics(session)
    lang = _language(request)
    return render(
        request, "public/statistics.html", {"total": stats.total, "statistics": statistics_of(stats, lang)}
    )


@router.get("/statistieken/grafiek/{name}.svg", response_class=Response)
def statistics_chart(request: Request, name: str, uow: UoW) -> Response:
    """One chart of the statistics page as an SVG image, in the language of ``?lang=``."""
    if name not in CHART_NAMES:
        raise NotFound(f"There is no chart '{name}'; the charts are: {', '.join(CHART_NAMES)}.")
    with uow() as session:
        stats = register_statistics(session)
    (statistic,) = [item for item in statistics_of(stats, _language(request)) if item.name == name]
    svg = render_svg(statistic.chart)
    etag = '"' + hashlib.sha256(svg.encode()).hexdigest()[:32] + '"'
    headers = {
        "Content-Security-Policy": SVG_POLICY,
        "Cache-Control": "no-cache",
        "ETag": etag,
        "Content-Language": statistic.chart.lang,
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml; charset=utf-8", headers=headers)
