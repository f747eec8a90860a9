"""The high-risk inventory through the API: every algorithm the token may see, with its AI Act profile,
publication category, the instruments applied and what is missing; as JSON, CSV or XLSX."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from algoreg.inventory.high_risk import Inventory, InventoryFilter, Missing, high_risk_inventory
from algoreg.standard.enums import PublicationCategory
from algoreg.tables import MEDIA_TYPES, table_bytes
from algoreg.web.deps import Actor, UoW

router = APIRouter(prefix="/api/v1", tags=["inventory"])

COLUMNS = (
    "organisation",
    "organisation_name",
    "algorithm",
    "name",
    "state",
    "public",
    "publication_category",
    "proposed_category",
    "risk_group",
    "role",
    "high_risk",
    "instruments",
    "missing",
)


def _flat(inventory: Inventory) -> list[dict[str, Any]]:
    return [
        {key: "; ".join(value) if isinstance(value, tuple) else value for key, value in asdict(row).items()}
        for row in inventory.rows
    ]


@router.get(
    "/inventory/high-risk",
    responses={200: {"content": {"application/json": {}, "text/csv": {}, MEDIA_TYPES["xlsx"]: {}}}},
)
def inventory(
    uow: UoW,
    actor: Actor,
    organisation: Annotated[str | None, Query(max_length=64, description="Organisation code.")] = None,
    category: Annotated[PublicationCategory | None, Query(description="Publication category.")] = None,
    missing: Annotated[Missing | None, Query(description="Only algorithms that miss this.")] = None,
    high_risk_only: Annotated[bool, Query(description="Only high-risk or impactful algorithms.")] = False,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
) -> Any:
    """The inventory of your organisations' algorithms (every organisation's for instance administrators),
    with totals per publication category and per missing item."""
    where = InventoryFilter(organisation, category.value if category else None, missing, high_risk_only)
    with uow() as session:
        found = high_risk_inventory(session, actor, where)
    if format == "json":
        return {
            "rows": [asdict(row) for row in found.rows],
            "total": len(found.rows),
            "complete": found.complete,
            "per_category": found.per_category,
            "per_missing": {item.value: count for item, count in found.per_missing.items()},
        }
    return Response(
        table_bytes(_flat(found), COLUMNS, format, sheet="inventaris"),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="hoog-risico-inventaris.{format}"'},
    )
