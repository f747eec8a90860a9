"""Where a harvested algorithm came from, and how fresh it is, for the public site and API."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, HarvestItem, HarvestSource, HarvestVersion


@dataclass(frozen=True)
class Provenance:
    """The source register of a harvested algorithm and the times that tell its freshness."""

    source_url: str
    remote_id: str
    fetched_at: datetime
    source_checked_at: datetime | None
    source_healthy: bool


def provenance_of(session: Session, public_id: str) -> Provenance | None:
    """Return where the algorithm was harvested from, or ``None`` for one registered here.

    ``fetched_at`` is when its newest version was harvested; ``source_checked_at`` is the last
    successful harvest of its source (the record was unchanged since then).
    """
    row = session.execute(
        select(HarvestItem, HarvestSource)
        .join(Algorithm, Algorithm.id == HarvestItem.algorithm_id)
        .join(HarvestSource, HarvestSource.id == HarvestItem.source_id)
        .where(Algorithm.public_id == public_id)
    ).first()
    if row is None:
        return None
    item, source = row
    fetched_at = session.scalar(
        select(HarvestVersion.fetched_at)
        .where(HarvestVersion.algorithm_id == item.algorithm_id)
        .order_by(HarvestVersion.id.desc())
        .limit(1)
    )
    return Provenance(
        source_url=source.url,
        remote_id=item.remote_id,
        fetched_at=fetched_at or item.last_seen_at,
        source_checked_at=source.last_success_at,
        source_healthy=not source.unhealthy,
    )
