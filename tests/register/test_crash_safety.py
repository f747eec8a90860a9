"""Crash safety: the real server (``algoreg serve``) killed with SIGKILL in the middle of writes.

After a restart on the same database, nothing is half-written and nothing acknowledged is lost:

* a bulk import through the API is all-or-nothing — the whole batch is there, or none of it;
* during a stream of publications, every publication whose response arrived is there, each
  published version with its publication-log entry and audit event, and ``algoreg verify`` passes.

The third case of the issue, a harvester killed mid-run, is tested in
``tests/federation/test_harvest_sources.py``
(``test_a_worker_killed_mid_run_leaves_whole_pages_and_the_next_run_resumes``).
"""

import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.migrate import migrate
from algoreg.db.models import (
    Algorithm,
    AlgorithmVersion,
    AuditEvent,
    PublicationEntry,
    SearchEntry,
)
from algoreg.db.session import make_engine, session_factory, transaction
from algoreg.register import accounts, organisations
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import SYSTEM, Role
from tests.conftest import _postgres_database
from tests.helpers import free_port
from tests.samples import sample_record
from tests.served import ALGOREG, wait_for_health

pytestmark = pytest.mark.database  # its servers find the test database themselves

ORGANISATION = "gm0700"
ORGANISATION_NAME = "Gemeente Crashdam"
IMPORT_ROWS = 800


class Register:
    """``algoreg serve`` on one database, that can be killed with SIGKILL and started again."""

    def __init__(self, database_url: str, folder: Path) -> None:
        self.database_url = database_url
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        self.root = ""
        self.starts = 0

    def start(self) -> None:
        """Start the server on a fresh port and wait until it answers ``/health``."""
        port = free_port()
        self.root = f"http://127.0.0.1:{port}"
        self.starts += 1
        self.process = subprocess.Popen(
            [str(ALGOREG), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, "ALGOREG_DATABASE_URL": self.database_url},
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / f"serve-{self.starts}.log").open("wb"),
        )
        wait_for_health(self.root, self.process)

    def kill(self) -> None:
        """SIGKILL the server: no shutdown handler, no rollback, no flush runs."""
        assert self.process is not None and self.process.poll() is None, "the server is not running"
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(timeout=10) == -signal.SIGKILL

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of the kind the tests run on, only for the served register."""
    base = os.environ.get("ALGOREG_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        yield from _postgres_database(base)
    else:
        yield f"sqlite:///{tmp_path / 'crash.sqlite3'}"


@pytest.fixture
def served_engine(database: str) -> Iterator[Engine]:
    """An engine of the test's own on the served register's database, migrated."""
    engine = make_engine(database)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def served_factory(served_engine: Engine) -> sessionmaker[Session]:
    return session_factory(served_engine)


@pytest.fixture
def token(served_factory: sessionmaker[Session]) -> dict[str, str]:
    """An organisation and a publisher's API token for it, as the Authorization header."""
    with transaction(served_factory) as session:
        organisations.create_organisation(
            session,
            SYSTEM,
            OrganisationIn(code=ORGANISATION, name=ORGANISATION_NAME, kind=OrganisationKind.GEMEENTE),
        )
        issued = accounts.issue_token(session, SYSTEM, "crash-test", ORGANISATION, Role.PUBLISHER)
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture
def register(database: str, served_engine: Engine, tmp_path: Path) -> Iterator[Register]:
    served = Register(database, tmp_path)
    served.start()
    yield served
    served.stop()


def writing(engine: Engine) -> bool:
    """Tell whether another connection holds an open write transaction on the database right now."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            count = connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
                )
            )
        return bool(count)
    path = engine.url.database
    assert path is not None
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")  # takes SQLite's one write lock, unless a writer holds it
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        if "locked" not in str(error) and "busy" not in str(error):
            raise
        return True
    finally:
        probe.close()


def verify(database_url: str) -> subprocess.CompletedProcess[str]:
    """Run ``algoreg verify`` on the database, as an operator would after the crash."""
    return subprocess.run(
        [str(ALGOREG), "verify"],
        env={**os.environ, "ALGOREG_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def count(session: Session, model: Any, *where: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def assert_nothing_half_written(session: Session) -> None:
    """Every algorithm has all its versions; every published version its log entry and audit
    event; the public search index holds exactly the public algorithms."""
    for algorithm in session.scalars(select(Algorithm)):
        numbers = session.scalars(
            select(AlgorithmVersion.number).where(AlgorithmVersion.algorithm_id == algorithm.id)
        ).all()
        assert sorted(numbers) == list(range(1, algorithm.latest_version_number + 1)), algorithm.public_id
        assert (
            count(
                session,
                AuditEvent,
                AuditEvent.algorithm_id == algorithm.id,
                AuditEvent.action == "algorithm.create",
            )
            == 1
        )
    published = session.execute(
        select(AlgorithmVersion.algorithm_id, AlgorithmVersion.number).where(
            AlgorithmVersion.published_at.is_not(None)
        )
    ).all()
    for algorithm_id, number in published:
        assert (
            count(
                session,
                PublicationEntry,
                PublicationEntry.algorithm_id == algorithm_id,
                PublicationEntry.version_number == number,
                PublicationEntry.kind == "published",
            )
            == 1
        ), (algorithm_id, number)
        assert (
            count(
                session,
                AuditEvent,
                AuditEvent.algorithm_id == algorithm_id,
                AuditEvent.version_number == number,
                AuditEvent.action == "algorithm.publish",
            )
            == 1
        ), (algorithm_id, number)
    logged = session.execute(select(PublicationEntry.algorithm_id, PublicationEntry.version_number)).all()
    assert set(logged) == set(published)
    public = set(session.scalars(select(Algorithm.id).where(Algorithm.public_version_number.is_not(None))))
    assert set(session.scalars(select(SearchEntry.algorithm_id))) == public


# --- (a) a bulk import -----------------------------------------------------------------------------


def test_a_bulk_import_killed_mid_write_leaves_the_whole_batch_or_none(
    register: Register, served_engine: Engine, served_factory: sessionmaker[Session], token: dict[str, str]
) -> None:
    # given a batch of 800 valid records to import and publish in one request
    rows = [
        sample_record(name=f"Crashimport {number}", organization=ORGANISATION_NAME)
        for number in range(IMPORT_ROWS)
    ]
    body = json.dumps(rows).encode()
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["response"] = httpx.post(
                f"{register.root}/api/v1/organisations/{ORGANISATION}/import",
                params={"publish": "true"},
                files={"file": ("records.json", body)},
                headers=token,
                timeout=300,
            )
        except httpx.TransportError as error:
            outcome["error"] = error

    client = threading.Thread(target=send)
    client.start()
    # when the server is killed with SIGKILL while the import's transaction is writing
    deadline = time.monotonic() + 60
    while not writing(served_engine):
        assert client.is_alive(), f"the import finished before it was seen writing: {outcome}"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.02)
    time.sleep(0.5)
    register.kill()
    client.join(timeout=30)
    # then the client got no answer: the kill landed while the request was in flight
    assert "response" not in outcome and isinstance(outcome.get("error"), httpx.TransportError), outcome
    # when the server is started again on the same database
    register.start()
    # then the batch is there whole or not at all, and nothing is half-written
    with transaction(served_factory) as session:
        stored = count(session, Algorithm)
        assert stored in (0, IMPORT_ROWS)
        assert count(session, PublicationEntry) == stored
        assert count(session, AuditEvent, AuditEvent.action == "algorithm.publish") == stored
        assert_nothing_half_written(session)
    # and the publication log is intact
    verified = verify(register.database_url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # and the restarted server serves, takes a new import and publishes it
    again = httpx.post(
        f"{register.root}/api/v1/organisations/{ORGANISATION}/import",
        params={"publish": "true"},
        files={"file": ("records.json", json.dumps(rows[:3]).encode())},
        headers=token,
        timeout=60,
    )
    assert again.status_code == 200, again.text
    assert len(again.json()["published"]) == 3
    listed = httpx.get(f"{register.root}/api/v1/algorithms", params={"limit": 10}, timeout=30).json()
    assert listed["total"] == stored + 3


# --- (b) a stream of publications ------------------------------------------------------------------


class Publisher(threading.Thread):
    """Publishes new algorithms and new versions of them, one after the other, until the server
    goes away, remembering every publication the server acknowledged."""

    def __init__(self, root: str, token: dict[str, str], name: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=root, headers=token, timeout=60)
        self.label = name
        self.acknowledged: list[tuple[str, int]] = []
        self.interrupted: httpx.TransportError | None = None
        self.failed: AssertionError | None = None

    def _step(self, public_id: str, action: str) -> httpx.Response:
        response = self.client.post(f"/api/v1/algorithms/{public_id}/actions/{action}")
        assert response.status_code == 200, response.text
        return response

    def publish_latest(self, public_id: str) -> str:
        """Take the newest version through review to publication; return the new ETag."""
        self._step(public_id, "submit")
        self._step(public_id, "approve")
        published = self._step(public_id, "publish")
        body = published.json()
        assert body["state"] == "published"
        self.acknowledged.append((public_id, body["public_version"]))
        return published.headers["ETag"]

    def run(self) -> None:
        number = 0
        try:
            while True:
                number += 1
                record = sample_record(name=f"Stroom {self.label} {number}", organization=ORGANISATION_NAME)
                created = self.client.post(f"/api/v1/organisations/{ORGANISATION}/algorithms", json=record)
                assert created.status_code == 201, created.text
                public_id = created.json()["id"]
                etag = self.publish_latest(public_id)
                edited = self.client.put(
                    f"/api/v1/algorithms/{public_id}/draft",
                    json={**record, "status": "Buiten gebruik"},
                    headers={"If-Match": etag},
                )
                assert edited.status_code == 200, edited.text
                self.publish_latest(public_id)
        except httpx.TransportError as error:
            self.interrupted = error
        except AssertionError as error:
            self.failed = error
        finally:
            self.client.close()


def test_a_stream_of_publications_killed_midway_keeps_every_acknowledged_one(
    register: Register, served_factory: sessionmaker[Session], token: dict[str, str]
) -> None:
    # given three clients publishing new algorithms and new versions of them without pause
    publishers = [Publisher(register.root, token, name) for name in ("a", "b", "c")]
    for publisher in publishers:
        publisher.start()
    # when the server is killed with SIGKILL once at least 12 publications were acknowledged
    deadline = time.monotonic() + 120
    while sum(len(p.acknowledged) for p in publishers) < 12:
        assert all(p.is_alive() for p in publishers), [p.failed or p.interrupted for p in publishers]
        assert time.monotonic() < deadline, "too few publications were acknowledged"
        time.sleep(0.02)
    register.kill()
    for publisher in publishers:
        publisher.join(timeout=30)
    # then every client was cut off in the middle of a request
    assert all(isinstance(p.interrupted, httpx.TransportError) for p in publishers), [
        p.failed for p in publishers
    ]
    acknowledged = [pair for p in publishers for pair in p.acknowledged]
    # when the server is started again on the same database
    register.start()
    with transaction(served_factory) as session:
        # then every acknowledged publication is there: the version published, logged and audited
        for public_id, number in acknowledged:
            algorithm = session.scalar(select(Algorithm).where(Algorithm.public_id == public_id))
            assert algorithm is not None, public_id
            assert algorithm.public_version_number is not None
            assert algorithm.public_version_number >= number
            version = session.scalar(
                select(AlgorithmVersion).where(
                    AlgorithmVersion.algorithm_id == algorithm.id, AlgorithmVersion.number == number
                )
            )
            assert version is not None and version.published_at is not None
        # and nothing is half-written, acknowledged or not
        assert_nothing_half_written(session)
        published_versions = count(session, AlgorithmVersion, AlgorithmVersion.published_at.is_not(None))
        assert published_versions >= len(acknowledged)
    # and the publication log's chain matches every published version
    verified = verify(register.database_url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"of {published_versions} entries is intact" in verified.stdout
    # and the restarted server serves every acknowledged publication to the public
    with httpx.Client(base_url=register.root, timeout=30) as public:
        for public_id, number in acknowledged:
            shown = public.get(f"/api/v1/algorithms/{public_id}/versions/{number}")
            assert shown.status_code == 200, (public_id, number, shown.text)
    # and publishing goes on after the restart
    after = Publisher(register.root, token, "na")
    created = after.client.post(
        f"/api/v1/organisations/{ORGANISATION}/algorithms",
        json=sample_record(name="Na de herstart", organization=ORGANISATION_NAME),
    )
    assert created.status_code == 201, created.text
    after.publish_latest(created.json()["id"])
    assert after.acknowledged == [(created.json()["id"], 1)]
    after.client.close()
