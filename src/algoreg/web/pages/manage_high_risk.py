"""The high-risk inventory page: every algorithm the user may see, with its profile, category, the
instruments applied and what is missing; filters in the address, totals, and downloads."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from algoreg.inventory.high_risk import InventoryFilter, Missing, high_risk_inventory
from algoreg.standard.enums import PublicationCategory
from algoreg.tables import MEDIA_TYPES, table_bytes
from algoreg.web.api.high_risk_inventory import COLUMNS
from algoreg.web.deps import UoW
from algoreg.web.pages.deps import User
from algoreg.web.pages.manage_common import common_context
from algoreg.web.templating import render

router = APIRouter()

#: Words for what can be missing (English source texts, translated in high_risk.po).
MISSING_LABELS: dict[str, str] = {
    Missing.AI_ACT_PROFILE: "AI Act profile",
    Missing.IAMA: "IAMA",
    Missing.BIAS_TEST: "Bias test",
    Missing.PUBLICATION: "Publication",
    Missing.CATEGORY: "Category as the profile proposes",
}


def _filter(organisation: str, category: str, missing: str, high: bool) -> InventoryFilter:
    categories = {c.value for c in PublicationCategory}
    return InventoryFilter(
        organisation=organisation or None,
        category=category if category in categories else None,
        missing=Missing(missing) if missing in {m.value for m in Missing} else None,
        high_risk_only=high,
    )


@router.get("/beheer/inventaris", response_class=HTMLResponse)
def inventory_page(
    request: Request,
    user: User,
    uow: UoW,
    organisatie: Annotated[str, Query(max_length=64)] = "",
    categorie: Annotated[str, Query(max_length=64)] = "",
    ontbreekt: Annotated[str, Query(max_length=32)] = "",
    hoog: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    """The inventory, filtered by organisation, publication category, what is missing, high risk only."""
    where = _filter(organisatie, categorie, ontbreekt, hoog)
    with uow() as session:
        found = high_risk_inventory(session, user.principal, where)
        everything = high_risk_inventory(session, user.principal)
    organisations = sorted(
        {(row.organisation, row.organisation_name) for row in everything.rows}, key=lambda o: o[1]
    )
    context = common_context(request) | {
        "inventory": found,
        "organisations": organisations,
        "categories": [c.value for c in PublicationCategory],
        "missing_labels": MISSING_LABELS,
        "chosen": {"organisatie": organisatie, "categorie": categorie, "ontbreekt": ontbreekt, "hoog": hoog},
        "query": request.url.query,
    }
    return render(request, "manage/high_risk.html", context)


@router.get("/beheer/inventaris.{format}")
def inventory_download(
    format: str,
    user: User,
    uow: UoW,
    organisatie: Annotated[str, Query(max_length=64)] = "",
    categorie: Annotated[str, Query(max_length=64)] = "",
    ontbreekt: Annotated[str, Query(max_length=32)] = "",
    hoog: Annotated[bool, Query()] = False,
) -> Response:
    """The inventory as shown, as CSV or XLSX."""
    if format not in MEDIA_TYPES:
        return Response(status_code=404)
    with uow() as session:
        found = high_risk_inventory(session, user.principal, _filter(organisatie, categorie, ontbreekt, hoog))
    rows = [
        {key: "; ".join(value) if isinstance(value, tuple) else value for key, value in asdict(row).items()}
        for row in found.rows
    ]
    return Response(
        table_bytes(rows, COLUMNS, format, sheet="inventaris"),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="hoog-risico-inventaris.{format}"'},
    )
