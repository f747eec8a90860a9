"""``algoreg harvest enable|disable|prune-runs|run|runs|add-source`` on the test database.

The commands run in this process through Typer's test runner, on the configured database
(``ALGOREG_DATABASE_URL``), with the cached settings and engine cleared around each test.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from algoreg.cli import app, context
from algoreg.config import get_settings
from algoreg.db.models import HarvestRun, HarvestSource
from algoreg.db.session import default_engine, transaction
from tests.federation.fault_server import add_source
from tests.federation.static_site import StaticSite, feed_page, static_site

Run = Callable[..., Result]

T = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
NOWHERE = "http://127.0.0.1:9/register"


def _forget_settings() -> None:
    if default_engine.cache_info().currsize:
        default_engine().dispose()
    default_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def algoreg(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """Run ``algoreg ARGS…`` on the test database, loopback allowed; ``env`` adds settings."""
    monkeypatch.setenv("ALGOREG_DATABASE_URL", database_url)
    monkeypatch.setenv("ALGOREG_HARVEST_ALLOWED_NETWORKS", "127.0.0.0/8")
    # The shared consoles were sized when imported; without a terminal (as under xdist) that is
    # 80 columns, which would wrap the messages asserted below.
    for console in (context.console, context.errors):
        monkeypatch.setattr(console, "width", 250)
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        _forget_settings()
        return runner.invoke(app, list(args), env={"COLUMNS": "250"})

    yield run
    _forget_settings()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[StaticSite]:
    """A plain static server: /feedonly has a feed and no discovery document, /empty has neither."""
    with static_site(tmp_path) as started:
        started.write("/feedonly/api/v1/feed", feed_page(head_seq=2))
        yield started


def add_runs(factory: sessionmaker[Session], source_id: int, count: int) -> list[int]:
    """Add ``count`` finished runs to a source, a minute apart; return their ids, oldest first."""
    with transaction(factory) as session:
        runs = [
            HarvestRun(source_id=source_id, worker="w", started_at=T + timedelta(minutes=i), outcome="ok")
            for i in range(count)
        ]
        session.add_all(runs)
        session.flush()
        return [run.id for run in runs]


def run_ids(factory: sessionmaker[Session]) -> list[int]:
    with transaction(factory) as session:
        return sorted(session.scalars(select(HarvestRun.id)))


def test_a_source_is_switched_off_and_on(algoreg: Run, factory: sessionmaker[Session]) -> None:
    # given a source
    source_id = add_source(factory, NOWHERE)
    # when it is switched off
    off = algoreg("harvest", "disable", str(source_id))
    # then it says so, and the source is off
    assert off.exit_code == 0, off.output
    assert f"Source {source_id} ({NOWHERE}) is switched off" in off.stdout
    with transaction(factory) as session:
        assert session.get(HarvestSource, source_id).enabled is False  # type: ignore[union-attr]
    assert "disabled" in algoreg("harvest", "sources").stdout
    # when it is switched on
    on = algoreg("harvest", "enable", str(source_id))
    assert on.exit_code == 0 and "is switched on" in on.stdout
    with transaction(factory) as session:
        assert session.get(HarvestSource, source_id).enabled is True  # type: ignore[union-attr]
    # and an unknown source is named
    unknown = algoreg("harvest", "disable", "99")
    assert unknown.exit_code == 1 and "There is no harvest source with id 99." in unknown.stderr


def test_prune_runs_keeps_the_newest_runs_of_each_source(
    algoreg: Run, factory: sessionmaker[Session]
) -> None:
    # given a source with five finished runs
    runs = add_runs(factory, add_source(factory, NOWHERE), 5)
    # when three are kept
    three = algoreg("harvest", "prune-runs", "--keep", "3")
    # then the two oldest are deleted
    assert three.exit_code == 0, three.output
    assert "Deleted 2 old run reports; the newest 3 of each source are kept." in three.stdout
    assert run_ids(factory) == runs[2:]
    # when the setting says one, and no --keep is given
    one = algoreg("harvest", "prune-runs", env={"ALGOREG_HARVEST_KEEP_RUNS": "1"})
    assert one.exit_code == 0 and "Deleted 2 old run reports; the newest 1" in one.stdout
    assert run_ids(factory) == runs[4:]
    # and keeping none is refused
    none = algoreg("harvest", "prune-runs", "--keep", "0")
    assert none.exit_code == 2 and "--keep" in none.stderr
    assert run_ids(factory) == runs[4:]


def test_a_run_marks_a_dead_workers_run_interrupted_and_prunes(
    algoreg: Run, factory: sessionmaker[Session]
) -> None:
    # given a switched-off source whose worker died mid-run (its lease has expired), with three
    # finished runs before that one
    source_id = add_source(factory, NOWHERE)
    finished = add_runs(factory, source_id, 3)
    with transaction(factory) as session:
        source = session.get(HarvestSource, source_id)
        assert source is not None
        source.enabled = False
        source.lease_owner, source.lease_until = "dead-worker", T + timedelta(hours=1)
        session.add(
            HarvestRun(
                source_id=source_id,
                worker="dead-worker",
                started_at=T + timedelta(hours=1),
                outcome="running",
            )
        )
    # when a harvest runs, keeping two runs per source
    run = algoreg("harvest", "run", env={"ALGOREG_HARVEST_KEEP_RUNS": "2"})
    # then the dead worker's run is interrupted, and the oldest two finished runs are deleted
    assert run.exit_code == 0, run.output
    assert "Runs left unfinished by a stopped worker, now marked interrupted: 1." in run.stdout
    assert "Deleted 2 old run reports (the newest 2 of each source are kept)." in run.stdout
    assert len(run_ids(factory)) == 2 and finished[2] in run_ids(factory)
    # and the run reports say so, with the reason
    runs = algoreg("harvest", "runs", "--source", str(source_id))
    assert runs.exit_code == 0
    assert "interrupted" in runs.stdout and "the worker stopped before it finished" in runs.stdout


def test_add_source_finds_the_feed_or_says_what_it_tried(
    algoreg: Run, site: StaticSite, factory: sessionmaker[Session]
) -> None:
    # when a plain server with a feed but no discovery document is added by its root
    found = algoreg("harvest", "add-source", site.url("/feedonly/"), "--kind", "algoreg")
    # then it is added under the base address of its feed
    assert found.exit_code == 0, found.output
    assert f"its change feed answers at {site.url('/feedonly/api/v1/feed')}" in found.stdout
    assert f"Added source 1: {site.url('/feedonly')} (algoreg)." in found.stdout
    # when a server with neither is added
    url = site.url("/empty")
    missing = algoreg("harvest", "add-source", url, "--kind", "algoreg")
    # then nothing is added, and the error names the address, what was tried and why
    assert missing.exit_code == 1
    assert f"Could not find the change feed of the register at {url}; nothing was added." in missing.stderr
    assert f"the discovery document at {url}/api/v1/register: answered HTTP 404" in missing.stderr
    assert f"the change feed at {url}/api/v1/feed: answered HTTP 404" in missing.stderr
    # unless the operator asks to store the address unchecked
    unchecked = algoreg("harvest", "add-source", url, "--kind", "algoreg", "--no-discover")
    assert unchecked.exit_code == 0 and f"Added source 2: {url} (algoreg)." in unchecked.stdout
    with transaction(factory) as session:
        assert list(session.scalars(select(HarvestSource.url).order_by(HarvestSource.id))) == [
            site.url("/feedonly"),
            url,
        ]


def test_a_schedule_is_set_and_cleared(algoreg: Run, factory: sessionmaker[Session]) -> None:
    source_id = add_source(factory, NOWHERE)
    hourly = algoreg("harvest", "schedule", str(source_id), "--every", "60")
    assert hourly.exit_code == 0, hourly.output
    assert f"Source {source_id} is harvested at most once every 60 minutes" in hourly.stdout
    with transaction(factory) as session:
        assert session.get(HarvestSource, source_id).every_minutes == 60  # type: ignore[union-attr]
    always = algoreg("harvest", "schedule", str(source_id), "--every-run")
    assert always.exit_code == 0 and "in every run" in always.stdout
    with transaction(factory) as session:
        assert session.get(HarvestSource, source_id).every_minutes is None  # type: ignore[union-attr]
    neither = algoreg("harvest", "schedule", str(source_id))
    assert neither.exit_code == 2 and "--every MINUTES or --every-run" in neither.stderr
    too_often = algoreg("harvest", "schedule", str(source_id), "--every", "0")
    assert too_often.exit_code == 2
