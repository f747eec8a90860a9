"""The public search page (the home page) and downloads of the register or of a search result.

The whole search lives in the URL (``q``, one parameter per facet, ``sort``, ``page``), so a
search can be bookmarked and shared; the page works without JavaScript.
"""

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.datastructures import QueryParams
from fastapi.responses import HTMLResponse, Response

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.register.organisations import OrganisationKind
from algoreg.register.search import (
    ASSESSMENT_LABELS,
    MAX_DOWNLOAD_ROWS,
    Facet,
    FacetResult,
    FacetValue,
    SearchQuery,
    SearchResult,
    SortOrder,
    count_matches,
    matching_records,
    search,
)
from algoreg.standard.enums import Category, PublicationCategory, Status
from algoreg.standard.metadata import Language, field_metadata
from algoreg.standard.tabular import write_rows
from algoreg.web.deps import UoW
from algoreg.web.pages.deps import CSRF
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

#: Most values one facet parameter may carry, and the longest value read.
MAX_VALUES_PER_FACET = 50
MAX_VALUE_CHARS = 500

#: Values a facet accepts; facets not named here accept any (bounded) text.
_ALLOWED: dict[Facet, frozenset[str]] = {
    Facet.KIND: frozenset(kind.value for kind in OrganisationKind),
    Facet.THEME: frozenset(theme.value for theme in Category),
    Facet.STATUS: frozenset(status.value for status in Status),
    Facet.CATEGORY: frozenset(category.value for category in PublicationCategory),
    Facet.ASSESSMENT: frozenset(ASSESSMENT_LABELS),
}

#: Download formats and their media types.
DOWNLOAD_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def query_from_params(params: QueryParams) -> SearchQuery:
    """Read a search from URL parameters; unknown or malformed values are ignored, never an error."""
    filters: dict[Facet, tuple[str, ...]] = {}
    for facet in Facet:
        values: list[str] = []
        for raw in params.getlist(facet.value):
            value = raw.strip()[:MAX_VALUE_CHARS]
            allowed = _ALLOWED.get(facet)
            if value and value not in values and (allowed is None or value in allowed):
                values.append(value)
        if values:
            filters[facet] = tuple(values[:MAX_VALUES_PER_FACET])
    try:
        sort: SortOrder | None = SortOrder(params.get("sort", ""))
    except ValueError:
        sort = None
    try:
        page = int(params.get("page", "1"))
    except ValueError:
        page = 1
    return SearchQuery(
        text=params.get("q", "")[:200],
        filters=filters,
        sort=sort,
        page=max(1, min(page, 1_000_000)),
    )


def _legends(lang: str) -> dict[Facet, str | None]:
    """Titles of the facets that are fields of the standard (others are interface text)."""
    fields = field_metadata("en" if lang == "en" else "nl")
    return {
        Facet.ORGANISATION: None,
        Facet.KIND: None,
        Facet.THEME: fields["category"].title,
        Facet.STATUS: fields["status"].title,
        Facet.CATEGORY: fields["publication_category"].title,
        Facet.ASSESSMENT: None,
        Facet.ASSESSMENT_TITLE: fields["impacttoetsen_grouping"].title,
    }


#: Facet values shown before "show all"; selected values are always shown.
VISIBLE_FACET_VALUES = 10


def _split(values: list[FacetValue]) -> tuple[list[FacetValue], list[FacetValue]]:
    """Split facet values into those shown at once and the rest (behind "show all")."""
    shown = [v for i, v in enumerate(values) if v.selected or i < VISIBLE_FACET_VALUES]
    return shown, [v for v in values if v not in shown]


def _removals(kept: list[tuple[str, str]], result: SearchResult) -> list[tuple[FacetResult, FacetValue, str]]:
    """For every selected facet value: its facet, the value, and the URL of this search without it."""
    removals = []
    for facet in result.facets:
        for value in facet.values:
            if value.selected:
                rest = [(k, v) for k, v in kept if not (k == facet.facet.value and v.strip() == value.value)]
                removals.append((facet, value, "/?" + urlencode(rest) if rest else "/"))
    return removals


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, uow: UoW) -> Response:
    """Search the register: words, facet filters with counts, sorting, pages and download links."""
    query = query_from_params(request.query_params)
    lang: Language = "en" if request.state.lang == "en" else "nl"
    with uow() as session:
        result = search(session, query, lang)
    kept = [(key, value) for key, value in request.query_params.multi_items() if key not in {"page", "lang"}]
    context = {
        "query": query,
        "result": result,
        "legends": _legends(lang),
        "sort_orders": list(SortOrder),
        "download_query": urlencode(kept),
        "removals": _removals(kept, result),
        "visible": {facet.facet: _split(facet.values) for facet in result.facets},
        "max_download_rows": MAX_DOWNLOAD_ROWS,
        "filtered": bool(query.words or query.filters),
    }
    return render(request, "public/search.html", context)


@router.get("/download")
def download(request: Request, uow: UoW) -> Response:
    """The public records of the whole register, or of the search in the URL, as CSV, XLSX or JSON.

    At most :data:`MAX_DOWNLOAD_ROWS` algorithms; the ``X-Total-Count`` header gives the number of
    matches and ``X-Truncated`` says whether the file holds fewer.
    """
    kind = request.query_params.get("format", "csv")
    if kind not in DOWNLOAD_TYPES:
        raise InvalidInput(
            [FieldProblem("format", f"is '{kind[:20]}'; choose one of {', '.join(DOWNLOAD_TYPES)}")]
        )
    query = query_from_params(request.query_params)
    with uow() as session:
        total = count_matches(session, query)
        records = list(matching_records(session, query, MAX_DOWNLOAD_ROWS))
    body = write_rows(records, kind)
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    headers = {
        "Content-Disposition": f'attachment; filename="algoritmeregister-{stamp}.{kind}"',
        "X-Total-Count": str(total),
        "X-Truncated": "true" if total > len(records) else "false",
    }
    return Response(body, media_type=DOWNLOAD_TYPES[kind], headers=headers)
