"""Delivery through the official delivery API 1.0, against a second, real Algoreg instance.

The remote register is ``algoreg serve`` as a process on a loopback port, on its own database (a
temporary SQLite file, or a temporary PostgreSQL database next to the test database).
"""

import http.server
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.federation.delivery_client import DeliveryClient, DeliveryError
from algoreg.federation.delivery_push import PushReport, push_published
from algoreg.register import accounts, algorithms, organisations
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import SYSTEM, Role
from algoreg.register.workflow import Action
from tests.helpers import free_port
from tests.samples import sample_record
from tests.served import served_instance

pytestmark = pytest.mark.database  # the served register runs on a database beside the test database

ALGOREG = Path(sys.executable).with_name("algoreg")


@dataclass(frozen=True)
class Remote:
    """The second register: its delivery API URL and its database."""

    base_url: str
    factory: sessionmaker[Session]


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    """A second Algoreg instance served by ``algoreg serve`` on its own database."""
    with served_instance(tmp_path_factory.mktemp("remote")) as instance:
        yield Remote(f"{instance.root}/aanleverapi/v1_0", instance.factory)


@dataclass(frozen=True)
class Setup:
    """One organisation present in both registers, and a remote publisher token."""

    code: str
    name: str
    remote_code: str
    token: str


@pytest.fixture
def setup(remote: Remote, make_organisation) -> Setup:  # type: ignore[no-untyped-def]
    """The same organisation here and remotely (remote code differs), with a remote API token."""
    suffix = uuid.uuid4().hex[:8]
    name = f"Gemeente Voorbeeld {suffix}"
    make_organisation("gm0001", name)
    remote_code = f"rm{suffix}"
    with transaction(remote.factory) as session:
        organisations.create_organisation(
            session, SYSTEM, OrganisationIn(code=remote_code, name=name, kind=OrganisationKind("gemeente"))
        )
        issued = accounts.issue_token(session, SYSTEM, "delivery", remote_code, Role.PUBLISHER)
    return Setup("gm0001", name, remote_code, issued.secret)


def _publish_here(factory: sessionmaker[Session], setup: Setup, **record: str) -> str:
    with transaction(factory) as session:
        algorithm = algorithms.create_algorithm(
            session, SYSTEM, setup.code, sample_record(organization=setup.name, **record)
        )
        public_id = algorithm.public_id
        for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH):
            algorithms.perform(session, SYSTEM, public_id, action)
    return public_id


def _edit_and_publish_here(
    factory: sessionmaker[Session], setup: Setup, public_id: str, **record: str
) -> None:
    with transaction(factory) as session:
        algorithms.update_algorithm(
            session, SYSTEM, public_id, sample_record(organization=setup.name, **record), None
        )
        for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH):
            algorithms.perform(session, SYSTEM, public_id, action)


def _push(
    factory: sessionmaker[Session],
    remote: Remote,
    setup: Setup,
    *,
    token: str | None = None,
    dry_run: bool = False,
) -> PushReport:
    client = DeliveryClient(remote.base_url, token or setup.token, timeout=10, retries=1, backoff=0.05)
    with client, transaction(factory) as session:
        return push_published(session, client, setup.code, setup.remote_code, dry_run=dry_run)


def test_push_creates_releases_updates_and_retracts_on_a_real_remote(
    factory: sessionmaker[Session], remote: Remote, setup: Setup
) -> None:
    # given two algorithms published here
    first = _publish_here(factory, setup, name="Eerste algoritme")
    second = _publish_here(factory, setup, name="Tweede algoritme")
    # when they are pushed
    report = _push(factory, remote, setup)
    # then both exist remotely, carry our ids in source_id, and are released
    assert report.ok, report.errors
    assert sorted(report.created) == sorted([first, second]) == sorted(report.released)
    with DeliveryClient(remote.base_url, setup.token) as client:
        summaries = {s.source_id: s for s in client.get_all_algorithms(setup.remote_code)}
        assert set(summaries) == {first, second}
        for public_id in (first, second):
            remote_record = client.get_one_algorithm(setup.remote_code, summaries[public_id].lars)
            assert remote_record["state"] == "STATE_2"
            assert remote_record["source_id"] == public_id
        assert (
            client.get_one_algorithm(setup.remote_code, summaries[first].lars)["name"] == "Eerste algoritme"
        )
    # and pushing again without changes changes nothing
    again = _push(factory, remote, setup)
    assert sorted(again.unchanged) == sorted([first, second]) and not again.created and not again.released

    # given the remote operator published both, and here one is edited and the other retracted
    with transaction(remote.factory) as session:
        for summary in summaries.values():
            for action in (Action.APPROVE, Action.PUBLISH):
                algorithms.perform(session, SYSTEM, summary.lars, action)
    _edit_and_publish_here(factory, setup, first, name="Eerste algoritme", description_short="Nieuwe uitleg.")
    with transaction(factory) as session:
        algorithms.perform(session, SYSTEM, second, Action.RETRACT)
    # when pushed again
    report = _push(factory, remote, setup)
    # then the remote follows: updated content, released again, and the other retracted there
    assert report.ok, report.errors
    assert report.updated == [first] and report.released == [first] and report.retracted == [second]
    with DeliveryClient(remote.base_url, setup.token) as client:
        updated = client.get_one_algorithm(setup.remote_code, summaries[first].lars)
        assert updated["description_short"] == "Nieuwe uitleg." and updated["state"] == "STATE_2"
        with pytest.raises(DeliveryError) as gone:
            client.get_one_published_algorithm(setup.remote_code, summaries[second].lars)
        assert gone.value.status == 404
        assert client.get_one_published_algorithm(setup.remote_code, summaries[first].lars)["name"]
    # and a last push has nothing left to do
    final = _push(factory, remote, setup)
    assert final.unchanged == [first] and not final.retracted and final.ok


def test_one_failing_algorithm_does_not_stop_the_others(
    factory: sessionmaker[Session], remote: Remote, setup: Setup
) -> None:
    # given two delivered algorithms, one of which the remote operator then archived
    first = _publish_here(factory, setup, name="Eerste algoritme")
    second = _publish_here(factory, setup, name="Tweede algoritme")
    assert _push(factory, remote, setup).ok
    with DeliveryClient(remote.base_url, setup.token) as client:
        lars = {s.source_id: s.lars for s in client.get_all_algorithms(setup.remote_code)}
    with transaction(remote.factory) as session:
        algorithms.perform(session, SYSTEM, lars[first], Action.ARCHIVE)
    # when both are edited here and pushed
    _edit_and_publish_here(factory, setup, first, name="Eerste algoritme", description_short="Anders.")
    _edit_and_publish_here(factory, setup, second, name="Tweede algoritme", description_short="Ook anders.")
    report = _push(factory, remote, setup)
    # then the archived one is an error that names it, and the other was still delivered
    assert [e.public_id for e in report.errors] == [first] and "archived" in report.errors[0].message
    assert report.updated == [second] and report.released == [second]
    with DeliveryClient(remote.base_url, setup.token) as client:
        assert client.get_one_algorithm(setup.remote_code, lars[second])["description_short"] == "Ook anders."


def test_dry_run_reports_and_changes_nothing_remotely(
    factory: sessionmaker[Session], remote: Remote, setup: Setup
) -> None:
    # given two algorithms published here
    ids = sorted([_publish_here(factory, setup), _publish_here(factory, setup, name="Tweede")])
    # when a dry run is pushed
    report = _push(factory, remote, setup, dry_run=True)
    # then it reports what would happen, and the remote has nothing
    assert report.dry_run and sorted(report.created) == ids == sorted(report.released)
    with DeliveryClient(remote.base_url, setup.token) as client:
        assert client.get_all_algorithms(setup.remote_code) == []


def test_a_wrong_token_is_a_clear_401(factory: sessionmaker[Session], remote: Remote, setup: Setup) -> None:
    # given a published algorithm
    _publish_here(factory, setup)
    # when pushed with a wrong token
    with pytest.raises(DeliveryError) as refused:
        _push(factory, remote, setup, token="algoreg_not-a-real-token")
    # then the error names the operation and the status, and shows no token
    assert refused.value.status == 401
    assert "get_all_algorithms" in str(refused.value) and "401" in str(refused.value)
    assert "not-a-real-token" not in str(refused.value)


def _cli(database_url: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ALGOREG), "deliver", *args],
        env={**os.environ, "ALGOREG_DATABASE_URL": database_url, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_delivers_and_never_prints_the_token(
    factory: sessionmaker[Session], remote: Remote, setup: Setup, database_url: str
) -> None:
    # given a published algorithm here
    public_id = _publish_here(factory, setup)
    common = ["--to", remote.base_url, "--token-env", "DELIVERY_TOKEN", "--organisation", setup.code]
    common += ["--remote-organisation", setup.remote_code]
    # when delivered with a wrong token
    wrong = _cli(database_url, {"DELIVERY_TOKEN": "algoreg_wrong-secret"}, *common)
    # then the exit code is 1 and the message explains, without the token
    assert wrong.returncode == 1
    assert "401" in wrong.stderr and "get_all_algorithms" in wrong.stderr
    assert "wrong-secret" not in wrong.stdout + wrong.stderr
    # when delivered as a dry run, then for real, with the right token
    dry = _cli(database_url, {"DELIVERY_TOKEN": setup.token}, *common, "--dry-run", "--json")
    real = _cli(database_url, {"DELIVERY_TOKEN": setup.token}, *common, "--json")
    # then the reports say what was (to be) done and the token appears nowhere
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["created"] == [public_id] and json.loads(dry.stdout)["dry_run"]
    assert real.returncode == 0, real.stderr
    assert json.loads(real.stdout)["created"] == [public_id]
    for result in (dry, real):
        assert setup.token not in result.stdout + result.stderr
    # and a missing variable is explained
    missing = _cli(
        database_url, {}, "--to", remote.base_url, "--token-env", "NO_SUCH_VAR_X", "--organisation", "gm0001"
    )
    assert missing.returncode == 2 and "NO_SUCH_VAR_X" in missing.stderr


class _Flaky(http.server.BaseHTTPRequestHandler):
    """Answers 503 to the first ``failures`` requests, then an empty algorithm list."""

    failures = 0
    seen = 0

    def do_GET(self) -> None:
        type(self).seen += 1
        if type(self).seen <= type(self).failures:
            self.send_response(503)
            body = b'{"detail": "busy"}'
        else:
            self.send_response(200)
            body = b"[]"
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def flaky() -> Iterator[tuple[str, type[_Flaky]]]:
    """A loopback server that fails a set number of times first."""
    handler = type("Flaky", (_Flaky,), {"failures": 0, "seen": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/aanleverapi/v1_0", handler
    finally:
        server.shutdown()
        server.server_close()


def test_5xx_is_retried_with_a_bound(flaky: tuple[str, type[_Flaky]]) -> None:
    url, handler = flaky
    # given a server that is busy twice
    handler.failures = 2
    # when the list is asked with two retries, then it succeeds on the third try
    with DeliveryClient(url, "t", retries=2, backoff=0.01) as client:
        assert client.get_all_algorithms("gm0001") == []
    assert handler.seen == 3
    # given a server that stays busy, when asked with one retry, then it fails naming the detail
    handler.failures, handler.seen = 100, 0
    with DeliveryClient(url, "t", retries=1, backoff=0.01) as client, pytest.raises(DeliveryError) as busy:
        client.get_all_algorithms("gm0001")
    assert busy.value.status == 503 and "busy" in str(busy.value) and handler.seen == 2


def test_an_unreachable_server_fails_after_bounded_retries() -> None:
    # given nothing listening on a loopback port
    url = f"http://127.0.0.1:{free_port()}/aanleverapi/v1_0"
    # when asked, then a connection error names the operation and has no status
    with (
        DeliveryClient(url, "t", retries=2, backoff=0.01, timeout=2) as client,
        pytest.raises(DeliveryError) as down,
    ):
        client.get_all_algorithms("gm0001")
    assert down.value.status is None and "get_all_algorithms(gm0001)" in str(down.value)
