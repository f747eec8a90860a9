"""A campaign's progress as a table, one row per organisation, algorithm and action, as CSV or XLSX.

Organisations that put no algorithm in scope get one row without algorithm, so that a letter to
parliament can count who answered nothing. Column names are Dutch, like the letter.
"""

from typing import Any

from algoreg.inventory.campaigns.progress import CampaignView, SupportView
from algoreg.tables import table_bytes

COLUMNS = (
    "organisatie_code",
    "organisatie",
    "lijst_volledig_verklaard",
    "algoritme_id",
    "algoritme",
    "mensenrechtenrisicos",
    "actie",
    "status",
    "bron",
    "steunverzoeken",
)


def export_rows(view: CampaignView) -> list[dict[str, Any]]:
    """The rows of the export, in the order of organisations, their algorithms and the actions."""
    rows: list[dict[str, Any]] = []
    for target in view.targets:
        base = {
            "organisatie_code": target.code,
            "organisatie": target.name,
            "lijst_volledig_verklaard": target.declared_at.date().isoformat() if target.declared_at else "",
            "steunverzoeken": "; ".join(_support_text(s) for s in target.support),
        }
        if not target.items:
            rows.append({**dict.fromkeys(COLUMNS, ""), **base})
        for item in target.items:
            for action in view.actions:
                status = item.statuses[action.key]
                rows.append(
                    {
                        **base,
                        "algoritme_id": item.algorithm,
                        "algoritme": item.name,
                        "mensenrechtenrisicos": item.human_rights_risks,
                        "actie": action.title,
                        "status": status.state.value,
                        "bron": status.source,
                    }
                )
    return rows


def _support_text(request: SupportView) -> str:
    asked = [
        *(["expertise"] if request.expertise else []),
        *([f"€ {request.budget_euros}"] if request.budget_euros else []),
    ]
    return f"{request.state}: {' + '.join(asked)}"


def campaign_table(view: CampaignView, format: str) -> bytes:
    """The export of :func:`export_rows` as ``csv`` or ``xlsx``."""
    return table_bytes(export_rows(view), COLUMNS, format, sheet="uitvraag")
