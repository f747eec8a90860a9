"""Upkeep of harvest run reports: closing runs whose worker died, and keeping the table small.

A run is written as ``running`` when its worker starts and is finished by that same worker. A
worker that is killed (or whose machine stops) never finishes it; its lease on the source then
expires or is taken over by another worker, and only then may the run be called ``interrupted``:
while the lease is still held by the run's worker, the worker may be alive and merely slow.
"""

import logging
from datetime import UTC, datetime

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from algoreg.db.models import HarvestRun, HarvestSource, utcnow
from algoreg.errors import FieldProblem, InvalidInput

log = logging.getLogger(__name__)

RUNNING = "running"
INTERRUPTED = "interrupted"

#: Run reports kept per source unless configured otherwise (``ALGOREG_HARVEST_KEEP_RUNS``).
DEFAULT_KEEP_RUNS = 200


def _why(worker: str, lease_owner: str | None, lease_until: datetime | None) -> str:
    if lease_owner is not None and lease_owner != worker:
        cause = "another worker has since taken the source over"
    elif lease_until is not None:
        moment = lease_until.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        cause = f"its lease on the source expired at {moment} UTC"
    else:
        cause = "its lease on the source was given up"
    return (
        f"interrupted: the worker stopped before it finished this run ({cause}); the pages it applied "
        "are kept, its counts were not recorded, and the next run continues from the source's cursor"
    )


def mark_interrupted(session: Session, now: datetime | None = None) -> int:
    """Mark every run still ``running`` whose worker no longer holds its source's lease ``interrupted``.

    A run counts as abandoned when its source's lease has expired (at ``now``, default the present),
    was given up, or is held by another worker. Each such run gets ``finished_at`` = ``now`` (when
    it was found; its duration stays unknown), a note saying why, and — when the lease still names
    the run's worker, so nobody else has harvested the source since — the source's cursor as
    ``cursor_after``. Runs whose worker still holds an
    unexpired lease are left alone. Returns how many runs were marked; the caller commits.
    """
    now = now or utcnow()
    rows = session.execute(
        select(
            HarvestRun.id,
            HarvestRun.worker,
            HarvestRun.notes,
            HarvestSource.lease_owner,
            HarvestSource.lease_until,
            HarvestSource.cursor,
        )
        .join(HarvestSource, HarvestSource.id == HarvestRun.source_id)
        .where(HarvestRun.outcome == RUNNING)
        .order_by(HarvestRun.id)
    ).all()
    marked = 0
    for run_id, worker, notes, lease_owner, lease_until, cursor in rows:
        held = lease_owner == worker and lease_until is not None and lease_until >= now
        if held:
            continue
        # Only while the lease still names the run's worker is the cursor that worker's progress alone.
        untouched = lease_owner == worker
        # Conditional on the outcome, so that a worker that finishes meanwhile (or another process
        # doing the same upkeep) is never overwritten.
        result = session.execute(
            update(HarvestRun)
            .where(HarvestRun.id == run_id, HarvestRun.outcome == RUNNING)
            .values(
                outcome=INTERRUPTED,
                finished_at=now,
                duration_ms=None,  # unknown: the worker's last moment was not recorded
                cursor_after=cursor if untouched else None,
                notes=[*(notes or []), _why(worker, lease_owner, lease_until)],
            )
        )
        if isinstance(result, CursorResult):
            marked += result.rowcount
    if marked:
        log.warning("marked %s harvest runs interrupted: their workers stopped before finishing", marked)
    return marked


def prune_runs(session: Session, keep_per_source: int = DEFAULT_KEEP_RUNS) -> int:
    """Delete the oldest finished run reports of each source beyond its newest ``keep_per_source``.

    Runs still ``running`` are never deleted and do not count toward the number kept; newest means
    latest ``started_at`` (then highest id). Returns how many reports were deleted; the caller
    commits. ``keep_per_source`` below 1 is refused with :class:`InvalidInput`.
    """
    if keep_per_source < 1:
        raise InvalidInput(
            problems=[
                FieldProblem(
                    field="keep",
                    reason=f"must be at least 1 (run reports kept per source), not {keep_per_source}",
                )
            ],
            summary="The number of run reports to keep is not valid; nothing was deleted.",
        )
    ranked = (
        select(
            HarvestRun.id,
            func.row_number()
            .over(
                partition_by=HarvestRun.source_id,
                order_by=(HarvestRun.started_at.desc(), HarvestRun.id.desc()),
            )
            .label("rank"),
        )
        .where(HarvestRun.outcome != RUNNING)
        .subquery()
    )
    old = select(ranked.c.id).where(ranked.c.rank > keep_per_source)
    result = session.execute(
        delete(HarvestRun)
        .where(HarvestRun.id.in_(old), HarvestRun.outcome != RUNNING)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount if isinstance(result, CursorResult) else 0
