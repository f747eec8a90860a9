"""How the harvest is doing, in a few figures: for monitoring, not for the harvest itself."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from algoreg.db.models import HarvestSource


@dataclass(frozen=True)
class HarvestHealth:
    """Counts of sources by state, and the moments of the newest and oldest last success.

    ``newest_success_at`` is the latest successful harvest of any enabled source;
    ``stalest_since`` is, over the enabled sources, the oldest of each one's last success (or of
    its creation, when it never succeeded): the source longest without fresh data. Both are
    ``None`` when there is no enabled source (or, for the first, no success yet).
    """

    healthy: int
    unhealthy: int
    disabled: int
    newest_success_at: datetime | None
    stalest_since: datetime | None


def harvest_health(session: Session) -> HarvestHealth:
    """Return the harvest's health figures, read in one query (timestamps UTC-aware)."""
    enabled = HarvestSource.enabled.is_(True)
    row = session.execute(
        select(
            func.count().filter(enabled, HarvestSource.unhealthy.is_(False)),
            func.count().filter(enabled, HarvestSource.unhealthy.is_(True)),
            func.count().filter(HarvestSource.enabled.is_(False)),
            func.max(case((enabled, HarvestSource.last_success_at))),
            func.min(case((enabled, func.coalesce(HarvestSource.last_success_at, HarvestSource.created_at)))),
        )
    ).one()
    return HarvestHealth(
        healthy=int(row[0]),
        unhealthy=int(row[1]),
        disabled=int(row[2]),
        newest_success_at=row[3],
        stalest_since=row[4],
    )
