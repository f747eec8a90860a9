"""``algoreg backup`` and ``algoreg restore`` as real processes, on SQLite and on PostgreSQL."""

import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from algoreg.db.backup import BackupError, BackupKind, backup, kind_of_file, libpq_connection, restore
from algoreg.db.migrate import migrate
from algoreg.db.models import AuditEvent, Base, Organisation
from algoreg.db.session import make_engine, session_factory, transaction
from algoreg.register import organisations
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import SYSTEM, Role
from tests.conftest import _postgres_database
from tests.samples import sample_record

ALGOREG = Path(sys.executable).with_name("algoreg")
Headers = dict[str, str]

#: The tables whose rows must come back exactly: the register, its history and its logs.
COMPARED = (
    "organisation",
    "user_account",
    "membership",
    "api_token",
    "algorithm",
    "algorithm_version",
    "audit_event",
    "publication_entry",
)


def algoreg(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALGOREG_DATABASE_URL": database_url}
    return subprocess.run(
        [str(ALGOREG), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the compared tables, in primary-key order."""
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    with engine.connect() as connection:
        return {
            name: [
                tuple(row)
                for row in connection.execute(
                    select(tables[name]).order_by(*tables[name].primary_key.columns)
                )
            ]
            for name in COMPARED
        }


@pytest.fixture
def fresh_database(tmp_path: Path, database_url: str) -> Iterator[str]:
    """The URL of a second, empty database of the same kind as the test database (not migrated)."""
    if database_url.startswith("postgresql"):
        base = os.environ["ALGOREG_TEST_DATABASE_URL"]
        yield from _postgres_database(base)
    else:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"


def fill_register(client: TestClient, make_organisation: Callable[..., str], make_token: Any) -> list[str]:
    """Two organisations, published algorithms with several versions, a retraction, users, tokens."""
    make_organisation("gm0001", "Gemeente Voorbeeld")
    make_organisation("ws0002", "Waterschap Voorbeeld", "waterschap")
    publisher = make_token("gm0001", Role.PUBLISHER)
    ids = []
    for name in ("Parkeervergunningen", "Bijstandsaanvragen", "Afvalroutes"):
        created = client.post(
            "/api/v1/organisations/gm0001/algorithms", json=sample_record(name=name), headers=publisher
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    for public_id in ids:
        for action in ("submit", "approve", "publish"):
            assert client.post(
                f"/api/v1/algorithms/{public_id}/actions/{action}", headers=publisher
            ).is_success
    draft = client.get(f"/api/v1/algorithms/{ids[0]}/draft", headers=publisher)
    edited = client.put(
        f"/api/v1/algorithms/{ids[0]}/draft",
        json=sample_record(name="Parkeervergunningen", goal="<p>Een tweede, herziene versie.</p>"),
        headers={**publisher, "If-Match": draft.headers["ETag"]},
    )
    assert edited.status_code == 200, edited.text
    for action in ("submit", "approve", "publish"):
        assert client.post(f"/api/v1/algorithms/{ids[0]}/actions/{action}", headers=publisher).is_success
    assert client.post(f"/api/v1/algorithms/{ids[2]}/actions/retract", headers=publisher).is_success
    return ids


def test_round_trip_restores_everything_and_the_chain_verifies(
    client: TestClient,
    engine: Engine,
    database_url: str,
    fresh_database: str,
    make_organisation: Callable[..., str],
    make_token: Any,
    tmp_path: Path,
) -> None:
    # given a register with records, versions, an audit log and a publication log
    fill_register(client, make_organisation, make_token)
    before = snapshot(engine)
    assert len(before["algorithm_version"]) == 4 and len(before["publication_entry"]) == 5
    assert len(before["audit_event"]) > 10
    # when it is backed up and restored into an empty database
    file = tmp_path / "register.backup"
    made = algoreg(database_url, "backup", str(file))
    assert made.returncode == 0, made.stderr
    expected_kind = BackupKind.POSTGRESQL if database_url.startswith("postgresql") else BackupKind.SQLITE
    assert kind_of_file(file) is expected_kind and f"({expected_kind.value}," in made.stdout
    restored = algoreg(fresh_database, "restore", str(file))
    # then every row is back, the publication log is checked and intact, and verify agrees
    assert restored.returncode == 0, restored.stderr
    assert "publication log of 5 entries is intact" in restored.stdout
    copy = make_engine(fresh_database)
    try:
        assert snapshot(copy) == before
    finally:
        copy.dispose()
    verified = algoreg(fresh_database, "verify")
    assert verified.returncode == 0 and "intact" in verified.stdout


def test_restore_into_a_database_with_data_needs_force_and_then_replaces_it(
    client: TestClient,
    engine: Engine,
    database_url: str,
    make_organisation: Callable[..., str],
    make_token: Any,
    tmp_path: Path,
) -> None:
    # given a backup of a register, after which the register changed
    ids = fill_register(client, make_organisation, make_token)
    file = tmp_path / "register.backup"
    assert algoreg(database_url, "backup", str(file)).returncode == 0
    at_backup = snapshot(engine)
    publisher = make_token("gm0001", Role.PUBLISHER)
    assert client.post(f"/api/v1/algorithms/{ids[1]}/actions/retract", headers=publisher).is_success
    make_organisation("pv0003", "Provincie Later", "provincie")
    changed = snapshot(engine)
    # when it is restored without --force
    refused = algoreg(database_url, "restore", str(file))
    # then nothing happens, and the message says why and what to do
    assert refused.returncode == 1
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    assert snapshot(engine) == changed
    # when it is restored with --force
    forced = algoreg(database_url, "restore", str(file), "--force")
    # then the register is exactly as it was at the backup, and its log verifies
    assert forced.returncode == 0, forced.stderr
    assert "replacing the data that was there" in forced.stdout and "intact" in forced.stdout
    assert snapshot(engine) == at_backup


def test_bad_inputs_are_refused_with_a_clear_error(
    engine: Engine, database_url: str, make_organisation: Callable[..., str], tmp_path: Path
) -> None:
    on_postgres = database_url.startswith("postgresql")
    # a missing file
    missing = algoreg(database_url, "restore", str(tmp_path / "nergens.backup"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    # a file that is no backup at all
    junk = tmp_path / "notities.txt"
    junk.write_text("dit is geen back-up\n")
    with pytest.raises(BackupError, match="not a backup made by 'algoreg backup'"):
        restore(database_url, junk)
    # a backup of the other kind of database
    if on_postgres:
        other = tmp_path / "sqlite.backup"
        sqlite_url = f"sqlite:///{tmp_path / 'ander.sqlite3'}"
        made = make_engine(sqlite_url)
        migrate(made)
        made.dispose()
        backup(sqlite_url, other)
        expected = "is a sqlite backup, but the database to restore into is postgresql"
    else:
        other = tmp_path / "postgres.backup"
        other.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(200))
        expected = "is a postgresql backup, but the database to restore into is sqlite"
    wrong_kind = algoreg(database_url, "restore", str(other))
    assert wrong_kind.returncode == 1 and expected in wrong_kind.stderr
    # a SQLite database that is not Algoreg's
    foreign = tmp_path / "vreemd.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE t (x)")
    if not on_postgres:
        with pytest.raises(BackupError, match="not an Algoreg database"):
            restore(database_url, foreign, force=True)
    # and a backup onto an existing file without --force
    make_organisation("gm0001")
    taken = tmp_path / "bestaat.backup"
    taken.write_text("al in gebruik")
    with pytest.raises(BackupError, match="exists already; choose another file or add --force"):
        backup(database_url, taken)
    assert taken.read_text() == "al in gebruik"
    backup(database_url, taken, overwrite=True)
    assert kind_of_file(taken) is not None
    # nothing was changed in the database by any of the refusals
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Organisation)) == 1


def test_a_postgres_password_is_never_shown(tmp_path: Path) -> None:
    # given a PostgreSQL URL with a password, of a server that is not there (a closed port)
    url = "postgresql+psycopg://eva:zeer-geheim-wachtwoord-31@127.0.0.1:1/register?sslmode=disable"
    # when it is backed up
    result = algoreg(url, "backup", str(tmp_path / "pg.backup"))
    # then pg_dump's failure is reported, without the password, and no file is left behind
    assert result.returncode == 1 and "pg_dump failed" in result.stderr
    assert "zeer-geheim-wachtwoord-31" not in result.stdout + result.stderr
    assert not list(tmp_path.iterdir())


def test_the_url_becomes_a_libpq_connection_string_without_its_password() -> None:
    conninfo, env = libpq_connection(
        "postgresql+psycopg://eva:p%40ss%20w@db.example:6543/algoreg?sslmode=require&application_name=x"
    )
    assert "p@ss w" not in conninfo and "password" not in conninfo
    assert env == {"PGPASSWORD": "p@ss w"}
    for part in ("host=db.example", "port=6543", "user=eva", "dbname=algoreg", "sslmode=require"):
        assert part in conninfo
    socket, no_password = libpq_connection("postgresql+psycopg:///algoreg?host=/var/run/postgresql")
    assert "host=/var/run/postgresql" in socket and no_password == {}
    assert make_url("postgresql+psycopg://eva:x@h/db").password == "x"


def test_other_databases_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="SQLite and PostgreSQL"):
        backup("mysql+pymysql://eva@localhost/register", tmp_path / "x.backup")
    with pytest.raises(BackupError, match="in a file"):
        backup("sqlite:///:memory:", tmp_path / "x.backup")


def test_sqlite_backup_while_a_writer_is_active_is_consistent(tmp_path: Path) -> None:
    # given a SQLite register that a writer keeps adding organisations to, each with its audit event
    url = f"sqlite:///{tmp_path / 'druk.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    factory = session_factory(engine)
    stop = threading.Event()
    written: list[int] = []
    failures: list[BaseException] = []

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                with transaction(factory) as session:
                    organisations.create_organisation(
                        session,
                        SYSTEM,
                        OrganisationIn(
                            code=f"gm{n:04d}", name=f"Gemeente {n}", kind=OrganisationKind.GEMEENTE
                        ),
                    )
                written.append(n)
            except BaseException as error:
                failures.append(error)
                return

    writer = threading.Thread(target=write)
    writer.start()
    backups = []
    try:
        while len(written) < 20 and writer.is_alive():
            stop.wait(0.05)
        at_start = len(written)
        # when it is backed up three times on other connections while the writer goes on
        for i in range(3):
            file = tmp_path / f"druk-{i}.backup"
            backup(url, file)
            backups.append((file, len(written)))
    finally:
        stop.set()
        writer.join(timeout=30)
    # then the writer was never blocked into failing, and went on writing during the backups
    assert not failures, failures
    assert backups[-1][1] > at_start
    # and each backup is a sound, self-contained snapshot: every organisation with its audit event
    counts = []
    for file, _ in backups:
        assert not Path(f"{file}-wal").exists()
        with sqlite3.connect(file) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            organisations_ = connection.execute("SELECT count(*) FROM organisation").fetchone()[0]
            events = connection.execute(
                "SELECT count(*) FROM audit_event WHERE organisation_id IS NOT NULL"
            ).fetchone()[0]
        assert organisations_ == events and organisations_ >= 20
        counts.append(organisations_)
    assert counts == sorted(counts) and counts[-1] > counts[0]
    # and the last one restores and verifies
    target = f"sqlite:///{tmp_path / 'terug.sqlite3'}"
    restore(target, backups[-1][0])
    check = make_engine(target)
    with check.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM organisation")).scalar() == counts[-1]
        assert connection.scalar(select(func.count()).select_from(AuditEvent)) == counts[-1]
    check.dispose()
    engine.dispose()


def test_restore_keeps_the_database_when_the_backup_is_refused(tmp_path: Path) -> None:
    # given a register with data and a damaged SQLite backup (cut short)
    url = f"sqlite:///{tmp_path / 'heel.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    with transaction(session_factory(engine)) as session:
        organisations.create_organisation(
            session, SYSTEM, OrganisationIn(code="gm0001", name="Gemeente", kind=OrganisationKind.GEMEENTE)
        )
    engine.dispose()
    file = tmp_path / "heel.backup"
    backup(url, file)
    damaged = tmp_path / "kapot.backup"
    damaged.write_bytes(file.read_bytes()[: len(file.read_bytes()) // 3])
    # when it is restored, even with force
    with pytest.raises(BackupError):
        restore(url, damaged, force=True)
    # then the database still holds its data
    check = make_engine(url)
    with check.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Organisation)) == 1
    check.dispose()


def test_a_table_the_backup_does_not_know_is_not_left_behind(
    engine: Engine, database_url: str, make_organisation: Callable[..., str], tmp_path: Path
) -> None:
    # given a backup, after which the database got a table the backup does not have (a newer version)
    make_organisation("gm0001")
    file = tmp_path / "ouder.backup"
    backup(database_url, file)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE from_a_newer_version (id INTEGER PRIMARY KEY)"))
    try:
        if database_url.startswith("postgresql"):
            # when it is restored over it on PostgreSQL, where pg_restore replaces only the archive's tables
            with pytest.raises(BackupError, match=r"tables the backup does not \(from_a_newer_version\)"):
                restore(database_url, file, force=True)
            # then nothing was changed, and the message says to restore into a new database
            with engine.connect() as connection:
                assert connection.scalar(select(func.count()).select_from(Organisation)) == 1
                assert "from_a_newer_version" in {
                    row[0] for row in connection.execute(text("SELECT tablename FROM pg_tables"))
                }
        else:
            # when it is restored over it on SQLite, where the whole file is replaced
            restore(database_url, file, force=True)
            # then the database is exactly the backup's, without the newer table
            with engine.connect() as connection:
                names = {row[0] for row in connection.execute(text("SELECT name FROM sqlite_master"))}
            assert "from_a_newer_version" not in names
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS from_a_newer_version"))


def test_restore_reports_a_publication_log_that_does_not_match(
    client: TestClient,
    engine: Engine,
    database_url: str,
    fresh_database: str,
    make_organisation: Callable[..., str],
    make_token: Any,
    tmp_path: Path,
) -> None:
    # given a register in which a published version was edited directly in the database, backed up
    fill_register(client, make_organisation, make_token)
    with engine.begin() as connection:
        row = connection.execute(
            text("SELECT id, record FROM algorithm_version WHERE published_at IS NOT NULL ORDER BY id")
        ).first()
        assert row is not None
        record = row.record if isinstance(row.record, dict) else json.loads(row.record)
        record["goal"] = "<p>Stilletjes herschreven.</p>"
        connection.execute(
            text("UPDATE algorithm_version SET record = :record WHERE id = :id"),
            {"record": json.dumps(record), "id": row.id},
        )
    file = tmp_path / "bewerkt.backup"
    backup(database_url, file)
    # when it is restored
    restored = algoreg(fresh_database, "restore", str(file))
    # then the restore is done but the check fails, and says where
    assert restored.returncode == 3, restored.stdout + restored.stderr
    assert "Restored" in restored.stdout
    assert "changed after publication" in restored.stderr and "problems in 5 entries" in restored.stderr
