"""Pages: the organisations in the register, grouped by kind, and one organisation's algorithms."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from algoreg.errors import NotFound
from algoreg.register import algorithms
from algoreg.register.organisation_stats import (
    group_by_kind,
    organisation_summaries,
    organisation_summary,
    sort_summaries,
)
from algoreg.register.organisations import OrganisationKind
from algoreg.standard.enums import PublicationCategory, Status
from algoreg.standard.metadata import enum_labels
from algoreg.web.deps import UoW
from algoreg.web.pages.deps import CSRF
from algoreg.web.pages.public_algorithm import not_found_page
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

#: English source texts (translated with gettext) for each kind: one organisation, and the group.
KIND_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.MINISTERIE: "Ministry",
    OrganisationKind.PROVINCIE: "Province",
    OrganisationKind.GEMEENTE: "Municipality",
    OrganisationKind.WATERSCHAP: "Water authority",
    OrganisationKind.ZBO: "Independent administrative body (ZBO)",
    OrganisationKind.OTHER: "Other organisation",
}
KIND_GROUP_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.MINISTERIE: "Ministries",
    OrganisationKind.PROVINCIE: "Provinces",
    OrganisationKind.GEMEENTE: "Municipalities",
    OrganisationKind.WATERSCHAP: "Water authorities",
    OrganisationKind.ZBO: "Independent administrative bodies (ZBOs)",
    OrganisationKind.OTHER: "Other organisations",
}
SORT_ORDERS = {"naam": "name", "aantal": "count"}
PAGE_SIZE = 50


@router.get("/organisaties", response_class=HTMLResponse)
def organisations_page(
    request: Request, uow: UoW, sorteer: Annotated[str | None, Query()] = None
) -> HTMLResponse:
    """Every organisation with its number of published algorithms, grouped by kind."""
    sort = sorteer if sorteer in SORT_ORDERS else "naam"
    with uow() as session:
        summaries = organisation_summaries(session)
    groups = group_by_kind(sort_summaries(summaries, SORT_ORDERS[sort]))
    return render(
        request,
        "public/organisations.html",
        {
            "groups": groups,
            "sort": sort,
            "total_organisations": len(summaries),
            "total_published": sum(item.published_count for item in summaries),
            "kind_labels": KIND_LABELS,
            "kind_group_labels": KIND_GROUP_LABELS,
        },
    )


def _page_number(text: str | None) -> int:
    value = (text or "").strip()
    return int(value) if value.isdecimal() and 0 < len(value) < 7 and int(value) > 0 else 1


@router.get("/organisaties/{code}", response_class=HTMLResponse)
def organisation_page(
    request: Request, code: str, uow: UoW, pagina: Annotated[str | None, Query()] = None
) -> HTMLResponse:
    """One organisation's details and the algorithms it publishes, by name, in pages."""
    page = _page_number(pagina)
    with uow() as session:
        try:
            organisation = organisation_summary(session, code)
        except NotFound:
            return not_found_page(request, "There is no organisation with this code in the register.")
        published = algorithms.list_published(
            session, organisation_code=organisation.code, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    lang = request.state.lang
    return render(
        request,
        "public/organisation.html",
        {
            "organisation": organisation,
            "published": published,
            "page": page,
            "last_page": max(1, -(-published.total // PAGE_SIZE)),
            "kind_labels": KIND_LABELS,
            "status_labels": enum_labels(Status, lang),
            "category_labels": enum_labels(PublicationCategory, lang),
        },
    )
