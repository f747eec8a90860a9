"""Row leases: how several harvest workers share sources without harvesting one twice at once.

A worker claims a source by writing its name and an expiry time into the source's row. On
PostgreSQL the candidate row is locked with ``SELECT … FOR UPDATE SKIP LOCKED`` so concurrent
claimers pass each other by; on SQLite (one writer at a time) a conditional ``UPDATE`` that only
succeeds while the lease is free is the atomic step. Every write of harvested data renews the
lease in the same transaction and checks that it is still held (:func:`renew`), so a worker whose
lease expired and was taken over can never write again. A killed worker's lease simply expires.
"""

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, CursorResult, or_, select, update
from sqlalchemy.orm import Session

from algoreg.db.models import HarvestSource, utcnow

_SQLITE_TRIES = 20


def _free(now: datetime) -> object:
    return or_(HarvestSource.lease_until.is_(None), HarvestSource.lease_until < now)


def due(now: datetime) -> ColumnElement[bool]:
    """The condition that a source's schedule lets it be harvested at ``now``."""
    return or_(HarvestSource.next_due_at.is_(None), HarvestSource.next_due_at <= now)


def claim(
    session: Session,
    owner: str,
    lease_seconds: float,
    *,
    not_attempted_since: datetime | None = None,
    source_ids: Collection[int] | None = None,
) -> int | None:
    """Lease one source to ``owner`` and return its id, or ``None`` when none is free.

    Only sources whose lease is free or expired are taken; enabled ones that are due by their
    schedule unless ``source_ids`` names them; with ``not_attempted_since``, only sources not
    attempted since then (so one run visits each source once). The least recently attempted
    source comes first. The caller commits.
    """
    now = utcnow()
    # The same conditions guard the conditional UPDATE on SQLite, so a source another worker
    # finished in this run cannot be claimed again between the SELECT and the UPDATE.
    claimable = [_free(now)]
    if not_attempted_since is not None:
        claimable.append(
            or_(HarvestSource.last_attempt_at.is_(None), HarvestSource.last_attempt_at < not_attempted_since)
        )
    query = select(HarvestSource.id).where(*claimable)  # type: ignore[arg-type]
    if source_ids is not None:
        query = query.where(HarvestSource.id.in_(list(source_ids)))
    else:
        query = query.where(HarvestSource.enabled.is_(True), due(now))
    query = query.order_by(HarvestSource.last_attempt_at.asc().nulls_first(), HarvestSource.id).limit(1)
    until = now + timedelta(seconds=lease_seconds)
    values = {"lease_owner": owner, "lease_until": until, "last_attempt_at": now}
    if session.get_bind().dialect.name == "postgresql":
        source_id = session.scalar(query.with_for_update(skip_locked=True))
        if source_id is None:
            return None
        session.execute(update(HarvestSource).where(HarvestSource.id == source_id).values(**values))
        return source_id
    for _ in range(_SQLITE_TRIES):
        source_id = session.scalar(query)
        if source_id is None:
            return None
        result = session.execute(
            update(HarvestSource)
            .where(HarvestSource.id == source_id, *claimable)  # type: ignore[arg-type]
            .values(**values)
        )
        if isinstance(result, CursorResult) and result.rowcount == 1:
            return source_id
    return None


def renew(session: Session, source_id: int, owner: str, lease_seconds: float) -> bool:
    """Extend ``owner``'s lease on the source; ``False`` when the lease is no longer theirs."""
    result = session.execute(
        update(HarvestSource)
        .where(HarvestSource.id == source_id, HarvestSource.lease_owner == owner)
        .values(lease_until=utcnow() + timedelta(seconds=lease_seconds))
    )
    return isinstance(result, CursorResult) and result.rowcount == 1


def release(session: Session, source_id: int, owner: str) -> None:
    """Give up ``owner``'s lease on the source (nothing happens when another holds it)."""
    session.execute(
        update(HarvestSource)
        .where(HarvestSource.id == source_id, HarvestSource.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )
