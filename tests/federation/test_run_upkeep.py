"""Upkeep of harvest run reports: runs of dead workers marked interrupted, old reports deleted."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import HarvestRun, HarvestSource
from algoreg.db.session import transaction
from algoreg.errors import InvalidInput
from algoreg.federation.run_upkeep import mark_interrupted, prune_runs
from algoreg.federation.scheduler import HarvestScheduler

T = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def make_source(
    session: Session,
    owner: str | None = None,
    until: datetime | None = None,
    cursor: int = 0,
    enabled: bool = True,
) -> int:
    source = HarvestSource(
        url=f"https://register-{time.monotonic_ns()}.example",
        kind="algoreg",
        enabled=enabled,
        cursor=cursor,
        lease_owner=owner,
        lease_until=until,
    )
    session.add(source)
    session.flush()
    return source.id


def make_run(
    session: Session, source_id: int, started_at: datetime, outcome: str = "ok", worker: str = "w"
) -> int:
    run = HarvestRun(
        source_id=source_id,
        worker=worker,
        started_at=started_at,
        finished_at=None if outcome == "running" else started_at + timedelta(seconds=5),
        outcome=outcome,
        cursor_before=0,
        errors=[],
        notes=["first page read"] if outcome == "running" else [],
    )
    session.add(run)
    session.flush()
    return run.id


def runs_by_id(factory: sessionmaker[Session]) -> dict[int, HarvestRun]:
    with transaction(factory) as session:
        return {run.id: run for run in session.scalars(select(HarvestRun))}


def test_runs_whose_worker_lost_its_lease_are_marked_interrupted_and_live_ones_are_not(
    factory: sessionmaker[Session],
) -> None:
    # given four running runs: one whose lease expired, one whose source another worker took
    # over, one whose lease was given up, and one whose worker still holds its lease; and a
    # finished run of a source whose lease expired
    with transaction(factory) as session:
        expired = make_source(session, "w-a", T - timedelta(seconds=30), cursor=6)
        taken = make_source(session, "w-new", T + timedelta(minutes=5), cursor=9)
        released = make_source(session, None, None, cursor=2)
        held = make_source(session, "w-c", T + timedelta(minutes=1), cursor=4)
        run_expired = make_run(session, expired, T - timedelta(minutes=2), "running", "w-a")
        run_taken = make_run(session, taken, T - timedelta(minutes=3), "running", "w-b")
        run_released = make_run(session, released, T - timedelta(seconds=90), "running", "w-d")
        run_held = make_run(session, held, T - timedelta(minutes=1), "running", "w-c")
        finished = make_run(session, expired, T - timedelta(hours=1), "ok", "w-old")
    # when the upkeep runs at T
    with transaction(factory) as session:
        marked = mark_interrupted(session, now=T)
    # then the three abandoned runs are interrupted, finished at T, saying why
    assert marked == 3
    runs = runs_by_id(factory)
    assert {run_id: runs[run_id].outcome for run_id in runs} == {
        run_expired: "interrupted",
        run_taken: "interrupted",
        run_released: "interrupted",
        run_held: "running",
        finished: "ok",
    }
    for run_id in (run_expired, run_taken, run_released):
        assert (runs[run_id].finished_at, runs[run_id].duration_ms) == (T, None), "its duration is unknown"
    assert runs[run_expired].notes[0] == "first page read", "earlier notes are kept"
    assert "its lease on the source expired at 2026-03-02 09:59:30 UTC" in runs[run_expired].notes[-1]
    assert "another worker has since taken the source over" in runs[run_taken].notes[-1]
    assert "its lease on the source was given up" in runs[run_released].notes[-1]
    # and the cursor is given only where the lease still names the run's worker: nobody else
    # can have harvested the source since
    assert (runs[run_expired].cursor_after, runs[run_taken].cursor_after) == (6, None)
    assert runs[run_released].cursor_after is None
    # when the upkeep runs again at T, nothing changes; once the live lease has expired too, that
    # run is marked as well
    with transaction(factory) as session:
        assert mark_interrupted(session, now=T) == 0
    with transaction(factory) as session:
        assert mark_interrupted(session, now=T + timedelta(minutes=2)) == 1
    assert runs_by_id(factory)[run_held].outcome == "interrupted"


def test_pruning_keeps_the_newest_finished_runs_of_each_source_and_every_running_one(
    factory: sessionmaker[Session],
) -> None:
    # given a source with five finished runs and an old one still running, and a source with three
    # finished runs that started at the same moment
    with transaction(factory) as session:
        busy = make_source(session)
        quiet = make_source(session)
        running = make_run(session, busy, T - timedelta(days=30), "running", "w-live")
        busy_runs = [
            make_run(session, busy, T + timedelta(minutes=i), "failed" if i % 2 else "ok") for i in range(5)
        ]
        quiet_runs = [make_run(session, quiet, T) for _ in range(3)]
    # when two runs per source are kept
    with transaction(factory) as session:
        deleted = prune_runs(session, keep_per_source=2)
    # then the three oldest finished runs of the busy source go, and of the simultaneous runs the
    # one with the lowest id; the running one stays whatever its age
    assert deleted == 4
    assert set(runs_by_id(factory)) == {running, *busy_runs[3:], *quiet_runs[1:]}
    # and pruning again deletes nothing
    with transaction(factory) as session:
        assert prune_runs(session, keep_per_source=2) == 0


def test_keeping_fewer_than_one_run_is_refused(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session, pytest.raises(InvalidInput) as refused:
        prune_runs(session, keep_per_source=0)
    assert refused.value.problems[0].field == "keep" and "at least 1" in refused.value.problems[0].reason


def test_the_scheduler_prunes_run_reports_after_each_cycle(factory: sessionmaker[Session]) -> None:
    # given a switched-off source with three finished runs
    with transaction(factory) as session:
        source = make_source(session, enabled=False)
        newest = [make_run(session, source, T + timedelta(minutes=i)) for i in range(3)][-1]
    # when the scheduler, keeping one run per source, has done a cycle
    scheduler = HarvestScheduler(factory, 60, keep_runs=1)
    scheduler.start()
    deadline = time.monotonic() + 20
    while scheduler.runs < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    scheduler.stop(timeout=10)
    # then only the newest run report is left
    assert scheduler.runs == 1
    assert set(runs_by_id(factory)) == {newest}
    with pytest.raises(ValueError, match="at least 1"):
        HarvestScheduler(factory, 60, keep_runs=0)
