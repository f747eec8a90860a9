"""The harvester against a fault-injecting register on 127.0.0.1: one test per fault, each showing
that nothing valid was lost and that the other sources were still harvested."""

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import HarvestQuarantine, HarvestSource, HarvestVersion
from algoreg.db.session import transaction
from algoreg.federation import sources
from algoreg.federation.harvester import RunReport
from algoreg.register import algorithms
from tests.federation.fault_server import (
    FakeRegister,
    FaultServer,
    add_source,
    fast_settings,
    free_port,
    harvest,
    public_names,
    running,
)
from tests.samples import sample_record


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    """One fault server for the module; each test makes its own registers."""
    with running(FaultServer()) as started:
        yield started


def fill(register: FakeRegister, *names: str) -> None:
    for name in names:
        register.publish(
            name.lower().replace(" ", "-"), sample_record(name=name, organization="Gemeente Goed")
        )


@pytest.fixture
def good(server: FaultServer, factory: sessionmaker[Session]) -> tuple[FakeRegister, int]:
    """A healthy register with two records, added as a source."""
    register = server.register("good", organisation="gm0001")
    fill(register, "Goed een", "Goed twee")
    return register, add_source(factory, server.url("good"))


def bad_register(server: FaultServer, factory: sessionmaker[Session]) -> tuple[FakeRegister, int]:
    """A register that was harvested once while healthy (three records), then gets a new record."""
    register = server.register("bad", organisation="gm0002")
    for name in ("Slecht een", "Slecht twee", "Slecht drie"):
        register.publish(
            name.lower().replace(" ", "-"), sample_record(name=name, organization="Gemeente Slecht")
        )
    source_id = add_source(factory, server.url("bad"))
    assert harvest(factory)[source_id].outcome == "ok"
    register.publish("slecht-vier", sample_record(name="Slecht vier", organization="Gemeente Slecht"))
    return register, source_id


BAD_BEFORE = ["Slecht drie", "Slecht een", "Slecht twee"]
BAD_AFTER = ["Slecht drie", "Slecht een", "Slecht twee", "Slecht vier"]


def assert_nothing_lost(factory: sessionmaker[Session], report: RunReport, fault_text: str) -> None:
    """The faulty source failed with a clear error, kept all it had, and the good one was harvested."""
    assert report.outcome == "failed", report
    assert any(fault_text in e for e in report.errors), report.errors
    names = public_names(factory)
    assert names["gm0001"] == ["Goed een", "Goed twee"], "the other source was harvested"
    assert names["gm0002"] == BAD_BEFORE, "nothing valid was lost"
    with transaction(factory) as session:
        source = session.get(HarvestSource, report.source_id)
        assert source is not None
        assert source.consecutive_failures == 1 and source.last_error and not source.unhealthy


def test_a_register_is_harvested_incrementally_with_provenance(
    server: FaultServer, factory: sessionmaker[Session], good: tuple[FakeRegister, int]
) -> None:
    register, source_id = good
    # when the register is harvested for the first time
    first = harvest(factory)[source_id]
    # then its records are published here under a new organisation, with provenance per version
    assert (first.outcome, first.new, first.pages) == ("ok", 2, 2)
    assert public_names(factory) == {"gm0001": ["Goed een", "Goed twee"]}
    with transaction(factory) as session:
        rows = session.scalars(select(HarvestVersion).order_by(HarvestVersion.remote_id)).all()
        assert [(r.remote_id, r.version_number, r.remote_version) for r in rows] == [
            ("goed-een", 1, 1),
            ("goed-twee", 1, 1),
        ]
        assert all(len(r.record_hash) == 64 for r in rows)
    # when nothing changed, the feed answers 304 and nothing is stored
    again = harvest(factory)[source_id]
    assert again.outcome == "not_modified" and register.not_modified == 1
    # when one record changes and another is withdrawn
    register.publish(
        "goed-een", sample_record(name="Goed een", organization="Gemeente Goed", status="Buiten gebruik")
    )
    register.withdraw("goed-twee")
    third = harvest(factory)[source_id]
    # then only those changes are applied: a new version, and a withdrawal
    assert (third.new, third.updated, third.withdrawn) == (0, 1, 1)
    assert public_names(factory) == {"gm0001": ["Goed een"]}
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(HarvestVersion)) == 3
        published = algorithms.list_published(session).items[0]
        assert published.version_number == 2 and published.record["status"] == "Buiten gebruik"


def test_timeout(server: FaultServer, factory: sessionmaker[Session], good: tuple[FakeRegister, int]) -> None:
    # given a register that now answers slower than the timeout
    bad, source_id = bad_register(server, factory)
    bad.delay = 1.0
    # when all sources are harvested
    reports = harvest(factory)
    # then the slow one fails after its retries and nothing is lost
    assert_nothing_lost(factory, reports[source_id], "timeout")
    assert bad.requests >= 1 + 3


def test_connection_error(factory: sessionmaker[Session], good: tuple[FakeRegister, int]) -> None:
    # given a source where nothing listens
    source_id = add_source(factory, f"http://127.0.0.1:{free_port()}/")
    # when all sources are harvested
    reports = harvest(factory)
    # then that source fails with a connection error and the other is harvested
    assert reports[source_id].outcome == "failed"
    assert "connection failed" in reports[source_id].errors[0] and "3 times" in reports[source_id].errors[0]
    assert public_names(factory) == {"gm0001": ["Goed een", "Goed twee"]}


def test_server_errors_are_retried_with_backoff(
    server: FaultServer, factory: sessionmaker[Session], good: tuple[FakeRegister, int]
) -> None:
    # given a register that fails twice with 503 before it answers
    bad, source_id = bad_register(server, factory)
    bad.fail_first = 2
    # when harvested
    report = harvest(factory)[source_id]
    # then the retries get through and the new record arrives
    assert report.outcome == "ok" and report.new == 1
    assert public_names(factory)["gm0002"] == BAD_AFTER


def test_persistent_server_errors(
    server: FaultServer, factory: sessionmaker[Session], good: tuple[FakeRegister, int]
) -> None:
    bad, source_id = bad_register(server, factory)
    bad.always_500 = True
    assert_nothing_lost(factory, harvest(factory)[source_id], "HTTP 500")


def test_malformed_json(
    server: FaultServer, factory: sessionmaker[Session], good: tuple[FakeRegister, int]
) -> None:
    bad, source_id = bad_register(server, factory)
    bad.malformed = True
    assert_nothing_lost(factory, harvest(factory)[source_id], "did not return valid JSON")


def test_oversized_response(
    server: FaultServer, factory: sessionmaker[Session], good: tuple[FakeRegister, int]
) -> None:
    bad, source_id = bad_register(server, factory)
    bad.oversized = 2_000_000
    assert_nothing_lost(factory, harvest(factory)[source_id], "more than the limit of 200,000 bytes")


def test_redirect_loop(
    server: FaultServer, factory: sessionmaker[Session], good: tuple[FakeRegister, int]
) -> None:
    bad, source_id = bad_register(server, factory)
    bad.redirect_loop = True
    assert_nothing_lost(factory, harvest(factory)[source_id], "redirected more than 3 times")


def test_invalid_record_is_quarantined_and_the_last_valid_version_stays(
    server: FaultServer, factory: sessionmaker[Session], good: tuple[FakeRegister, int]
) -> None:
    # given a harvested register that publishes a broken version of one record and a broken new one
    bad, source_id = bad_register(server, factory)
    bad.publish(
        "slecht-een", sample_record(name="Slecht een", organization="Gemeente Slecht", status="Actief")
    )
    bad.publish(
        "kapot",
        {
            "name": "Kapot",
            "organization": "Gemeente Slecht",
            "publication_category": "Hoog-risico AI-systeem",
        },
    )
    # when harvested
    report = harvest(factory)[source_id]
    # then both are quarantined with their reasons, the valid version stays, and the rest arrives
    assert report.outcome == "ok" and (report.invalid, report.new) == (2, 1)
    assert public_names(factory)["gm0002"] == BAD_AFTER
    with transaction(factory) as session:
        held = {q.remote_id: q for q in session.scalars(select(HarvestQuarantine))}
        assert set(held) == {"slecht-een", "kapot"}
        assert any(
            p["field"] == "status" and "In gebruik" in p["reason"] for p in held["slecht-een"].problems
        )
        assert {p["field"] for p in held["kapot"].problems} >= {"description_short", "status"}
        public = [
            a for a in algorithms.list_published(session, limit=100).items if a.record["name"] == "Slecht een"
        ]
        assert public[0].record["status"] == "In gebruik"
    # when the register fixes the record, the quarantine is lifted
    bad.publish(
        "slecht-een",
        sample_record(name="Slecht een", organization="Gemeente Slecht", status="Buiten gebruik"),
    )
    fixed = harvest(factory)[source_id]
    assert fixed.updated == 1
    with transaction(factory) as session:
        assert {q.remote_id for q in session.scalars(select(HarvestQuarantine))} == {"kapot"}
        assert len(sources.list_quarantine(session, source_id)) == 1


def test_repeated_entries_are_applied_once(
    server: FaultServer, factory: sessionmaker[Session], good: tuple[FakeRegister, int]
) -> None:
    # given a register whose feed repeats every entry
    bad, source_id = bad_register(server, factory)
    bad.publish(
        "slecht-een", sample_record(name="Slecht een", organization="Gemeente Slecht", goal="<p>Nieuw</p>")
    )
    bad.repeat_entries = True
    # when harvested
    report = harvest(factory)[source_id]
    # then each change is applied once, and the repeats are reported
    assert report.outcome == "ok" and (report.new, report.updated) == (1, 1)
    assert any("repeated" in note for note in report.notes)
    assert public_names(factory)["gm0002"] == BAD_AFTER
    with transaction(factory) as session:
        assert (
            session.scalar(
                select(func.count()).select_from(HarvestVersion).where(HarvestVersion.source_id == source_id)
            )
            == 5
        )


def test_duplicate_ids_in_a_file_keep_the_first(server: FaultServer, factory: sessionmaker[Session]) -> None:
    # given a file that holds the same id twice
    register = server.register("dup")
    register.file_records = [
        sample_record(name="Eerste", lars="a1", organization="Gemeente Dubbel"),
        sample_record(name="Tweede", lars="a1", organization="Gemeente Dubbel"),
        sample_record(name="Derde", lars="a2", organization="Gemeente Dubbel"),
    ]
    source_id = add_source(
        factory,
        server.url("dup", "/records.json"),
        "file",
        organisation_code="gm0003",
        organisation_name="Gemeente Dubbel",
    )
    # when harvested
    report = harvest(factory)[source_id]
    # then the first of the two is kept, and the duplicate is reported
    assert report.new == 2 and any("repeats id 'a1' of record 1; kept the first" in e for e in report.errors)
    assert public_names(factory) == {"gm0003": ["Derde", "Eerste"]}


def test_a_register_that_resets_its_cursor_is_read_again_and_reconciled(
    server: FaultServer, factory: sessionmaker[Session], good: tuple[FakeRegister, int]
) -> None:
    # given a harvested register that loses its history and one record with it
    bad, source_id = bad_register(server, factory)
    harvest(factory)
    del bad.public["slecht-twee"]
    bad.forget_history()
    # when harvested again
    report = harvest(factory)[source_id]
    # then it is read from the start, the vanished record is withdrawn and the others are kept
    assert report.outcome == "ok", report
    assert any("reading the whole feed again" in n for n in report.notes)
    assert (report.new, report.updated, report.withdrawn, report.unchanged) == (0, 0, 1, 3)
    assert public_names(factory)["gm0002"] == ["Slecht drie", "Slecht een", "Slecht vier"]
    with transaction(factory) as session:
        source = session.get(HarvestSource, source_id)
        assert source is not None and source.cursor == 3 and source.resync_since is None


def test_a_source_that_keeps_failing_is_marked_unhealthy_not_deleted(
    server: FaultServer, factory: sessionmaker[Session], good: tuple[FakeRegister, int]
) -> None:
    # given a register that fails every time
    bad, source_id = bad_register(server, factory)
    bad.always_500 = True
    # when it is harvested five times
    for _ in range(5):
        harvest(factory, fetch=replace(fast_settings().fetch, max_attempts=1, timeout=0.5))
    # then it is unhealthy, still listed, and its records are still public
    with transaction(factory) as session:
        listed = {s.id: s for s in sources.list_sources(session)}
    assert listed[source_id].unhealthy and listed[source_id].consecutive_failures == 5
    assert public_names(factory)["gm0002"] == BAD_BEFORE
    # when it recovers, it is healthy again and catches up
    bad.always_500 = False
    assert harvest(factory)[source_id].outcome == "ok"
    with transaction(factory) as session:
        source = session.get(HarvestSource, source_id)
        assert source is not None and not source.unhealthy and source.consecutive_failures == 0
    assert public_names(factory)["gm0002"] == BAD_AFTER
