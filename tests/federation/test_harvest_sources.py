"""The harvester's filter, file sources, leases between workers, and resuming interrupted runs."""

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import Algorithm, HarvestItem, HarvestSource, HarvestVersion, utcnow
from algoreg.db.session import transaction
from algoreg.federation import leases, sources
from algoreg.federation.fetch import make_client
from algoreg.federation.harvester import RunReport, harvest_source, run_harvest
from algoreg.register import algorithms
from tests.federation.fault_server import (
    FaultServer,
    add_source,
    fast_settings,
    harvest,
    public_names,
    running,
)
from tests.samples import sample_record


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with running(FaultServer()) as started:
        yield started


def categories_register(server: FaultServer, name: str, code: str) -> None:
    register = server.register(name, organisation=code)
    for category, remote_id in (
        ("Hoog-risico AI-systeem", "hoog"),
        ("Impactvolle algoritmes", "impact"),
        ("Overige algoritmes", "overig"),
    ):
        register.publish(
            remote_id, sample_record(name=category, publication_category=category, organization=f"Org {code}")
        )


def test_only_high_risk_and_impactful_records_are_harvested_unless_all_categories(
    server: FaultServer, factory: sessionmaker[Session]
) -> None:
    # given two registers with a record of each category, one source taking all categories
    categories_register(server, "default", "gm0011")
    categories_register(server, "all", "gm0012")
    default = add_source(factory, server.url("default"))
    everything = add_source(factory, server.url("all"), all_categories=True)
    # when both are harvested
    reports = harvest(factory)
    # then "Overige algoritmes" is left out by default, and taken in with all categories
    names = public_names(factory)
    assert names["gm0011"] == ["Hoog-risico AI-systeem", "Impactvolle algoritmes"]
    assert names["gm0012"] == ["Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes"]
    assert (reports[default].new, reports[default].skipped) == (2, 1)
    assert reports[everything].new == 3
    # when a harvested record moves to "Overige algoritmes", it is withdrawn here
    server.registers["default"].publish(
        "impact",
        sample_record(
            name="Impactvolle algoritmes",
            publication_category="Overige algoritmes",
            organization="Org gm0011",
        ),
    )
    report = harvest(factory)[default]
    assert report.withdrawn == 1
    assert public_names(factory)["gm0011"] == ["Hoog-risico AI-systeem"]


def test_a_file_source_uses_conditional_requests_and_reconciles(
    server: FaultServer, factory: sessionmaker[Session]
) -> None:
    # given a static file of two records for an organisation not yet in this register
    register = server.register("file")
    register.file_records = [
        sample_record(name="Bestand een", organization="Waterschap Voorbeeld"),
        sample_record(name="Bestand twee", lars="b2", organization="Waterschap Voorbeeld"),
    ]
    source_id = add_source(
        factory,
        server.url("file", "/records.json"),
        "file",
        organisation_code="ws0001",
        organisation_name="Waterschap Voorbeeld",
    )
    # when harvested twice
    first = harvest(factory)[source_id]
    second = harvest(factory)[source_id]
    # then the records arrive once, under the organisation (its kind guessed from the code), and
    # the second fetch is a 304
    assert first.new == 2 and second.outcome == "not_modified" and register.not_modified == 1
    assert public_names(factory) == {"ws0001": ["Bestand een", "Bestand twee"]}
    with transaction(factory) as session:
        assert algorithms.list_published(session).items[0].organisation_name == "Waterschap Voorbeeld"
        ids = set(session.scalars(select(HarvestItem.remote_id)))
        assert ids == {"name:Bestand een", "b2"}
    # when one record disappears from the file and the other changes
    register.file_records = [
        sample_record(
            name="Bestand twee", lars="b2", organization="Waterschap Voorbeeld", status="Buiten gebruik"
        )
    ]
    third = harvest(factory)[source_id]
    # then the missing one is withdrawn and the changed one updated
    assert (third.updated, third.withdrawn) == (1, 1)
    assert public_names(factory) == {"ws0001": ["Bestand twee"]}


def test_two_workers_started_together_never_harvest_one_source_twice_at_once(
    server: FaultServer, factory: sessionmaker[Session]
) -> None:
    # given three slow registers of several pages each
    for index in range(3):
        register = server.register(f"slow{index}", organisation=f"gm010{index}", delay=0.05)
        for number in range(5):
            register.publish(
                f"r{number}", sample_record(name=f"Traag {index}-{number}", organization=f"Traag {index}")
            )
        add_source(factory, server.url(f"slow{index}"))
    # when two harvests with two workers each start at the same moment
    results: list[list[RunReport]] = []
    barrier = threading.Barrier(2)

    def harvest_together() -> None:
        barrier.wait()
        results.append(run_harvest(factory, fast_settings(), workers=2))

    threads = [threading.Thread(target=harvest_together) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then no register ever served two requests at once, each source was harvested once, and
    # every record arrived once
    assert all(server.registers[f"slow{i}"].max_in_flight == 1 for i in range(3))
    harvested = sorted(r.source_id for reports in results for r in reports)
    assert len(harvested) == 3 and len(set(harvested)) == 3
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Algorithm)) == 15
        assert (
            session.scalar(
                select(func.count()).select_from(HarvestSource).where(HarvestSource.lease_owner.is_not(None))
            )
            == 0
        )


def test_a_held_lease_is_respected_and_an_expired_one_taken_over(
    server: FaultServer, factory: sessionmaker[Session]
) -> None:
    # given a source leased by a worker that is still alive
    register = server.register("leased", organisation="gm0020")
    register.publish("x", sample_record(name="Gehuurd", organization="Gemeente Gehuurd"))
    source_id = add_source(factory, server.url("leased"))
    with transaction(factory) as session:
        session.execute(
            update(HarvestSource).values(
                lease_owner="other-worker", lease_until=utcnow() + timedelta(minutes=5)
            )
        )
    # when harvested, it is left alone
    assert harvest(factory) == {}
    # when that worker died and its lease expired, it is taken over
    with transaction(factory) as session:
        session.execute(update(HarvestSource).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert harvest(factory)[source_id].new == 1


def test_a_worker_whose_lease_was_taken_over_writes_nothing(
    server: FaultServer, factory: sessionmaker[Session]
) -> None:
    # given a worker that claimed a source, stalled past its lease, and another that took it over
    register = server.register("stalled", organisation="gm0021")
    register.publish("x", sample_record(name="Vastgelopen", organization="Gemeente Vast"))
    source_id = add_source(factory, server.url("stalled"))
    with transaction(factory) as session:
        assert leases.claim(session, "stalled-worker", 30) == source_id
        session.execute(update(HarvestSource).values(lease_until=utcnow() - timedelta(seconds=1)))
    with transaction(factory) as session:
        assert leases.claim(session, "new-worker", 30) == source_id
    # when the stalled worker carries on
    with make_client(fast_settings().fetch) as client:
        report = harvest_source(factory, source_id, "stalled-worker", fast_settings(), client)
    # then it stops without writing, and the lease stays with the new worker
    assert report.outcome == "lost_lease"
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Algorithm)) == 0
        source = session.get(HarvestSource, source_id)
        assert source is not None and source.lease_owner == "new-worker"


def test_an_interrupted_run_resumes_from_the_cursor_without_duplicates(
    server: FaultServer, factory: sessionmaker[Session]
) -> None:
    # given a register of seven records, a page holding two
    register = server.register("long", organisation="gm0030")
    for number in range(7):
        register.publish(f"r{number}", sample_record(name=f"Lang {number}", organization="Gemeente Lang"))
    source_id = add_source(factory, server.url("long"))
    # when a run stops after two pages
    stopped = harvest(factory, stop_after_pages=2)[source_id]
    # then two whole pages were applied and the cursor says so
    assert (stopped.outcome, stopped.new, stopped.cursor_after) == ("stopped", 4, 4)
    # when the next run goes on
    resumed = harvest(factory)[source_id]
    # then it starts at the cursor, and every record is here once, with one provenance row each
    assert (resumed.cursor_before, resumed.new) == (4, 3)
    assert len(public_names(factory)["gm0030"]) == 7
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Algorithm)) == 7
        assert session.scalar(select(func.count()).select_from(HarvestVersion)) == 7


def test_a_worker_killed_mid_run_leaves_whole_pages_and_the_next_run_resumes(
    server: FaultServer, factory: sessionmaker[Session], database_url: str
) -> None:
    # given a slow register of ten records, harvested by a worker process with a short lease
    register = server.register("killed", organisation="gm0060", delay=0.25)
    for number in range(10):
        register.publish(f"r{number}", sample_record(name=f"Gedood {number}", organization="Gemeente Gedood"))
    source_id = add_source(factory, server.url("killed"))
    script = (
        "import sys\n"
        "from algoreg.db.session import make_engine, session_factory\n"
        "from algoreg.federation.harvester import run_harvest\n"
        "from tests.federation.fault_server import fast_settings\n"
        "run_harvest(session_factory(make_engine(sys.argv[1])), fast_settings(lease_seconds=1.5))\n"
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", script, database_url], cwd=Path(__file__).parents[2], stderr=subprocess.PIPE
    )
    # when it is killed with SIGKILL after it applied at least one page
    deadline = time.monotonic() + 30
    cursor = 0
    while cursor < 2:
        assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
        assert time.monotonic() < deadline, "the worker applied no page"
        time.sleep(0.05)
        with transaction(factory) as session:
            cursor = session.scalar(select(HarvestSource.cursor).where(HarvestSource.id == source_id)) or 0
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    # then the database holds whole pages only: as many algorithms as the cursor says
    with transaction(factory) as session:
        source = session.get(HarvestSource, source_id)
        assert source is not None and source.cursor % 2 == 0 and source.lease_owner is not None
        assert session.scalar(select(func.count()).select_from(Algorithm)) == source.cursor
    # and while the dead worker's lease runs, nobody else harvests the source, and its run is
    # still reported as running
    register.delay = 0
    assert harvest(factory) == {}
    with transaction(factory) as session:
        assert [run.outcome for run in sources.list_runs(session, source_id)] == ["running"]
    # when the lease has expired, the next run takes over and resumes from the cursor
    time.sleep(1.6)
    resumed = harvest(factory)[source_id]
    assert resumed.outcome == "ok" and resumed.new == 10 - source.cursor
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Algorithm)) == 10
        assert session.scalar(select(func.count()).select_from(HarvestVersion)) == 10
        newest, killed = sources.list_runs(session, source_id)
    # and the killed run is reported as interrupted, up to the cursor it reached, saying why
    assert (killed.outcome, killed.cursor_after, newest.outcome) == ("interrupted", source.cursor, "ok")
    assert killed.finished_at is not None and killed.finished_at <= newest.started_at
    assert "its lease on the source expired" in killed.notes[-1]
