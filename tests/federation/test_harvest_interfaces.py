"""``algoreg harvest …`` as a real process, and the harvester's JSON API."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from algoreg.config import Settings
from algoreg.register.roles import Role
from algoreg.web.app import create_app
from tests.federation.fault_server import FaultServer, add_source, harvest, running
from tests.samples import sample_record

ALGOREG = Path(sys.executable).with_name("algoreg")


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with running(FaultServer()) as started:
        yield started


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """The real application, allowed to harvest the fault server on loopback."""
    with TestClient(create_app(engine, Settings(harvest_allowed_networks="127.0.0.0/8"))) as test_client:
        yield test_client


def algoreg(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ALGOREG_DATABASE_URL": database_url,
        "ALGOREG_HARVEST_ALLOWED_NETWORKS": "127.0.0.0/8",  # the fault server
        "COLUMNS": "200",
    }
    return subprocess.run(
        [str(ALGOREG), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_command_line_adds_sources_harvests_and_reports(
    server: FaultServer, engine: Engine, database_url: str
) -> None:
    # given a register with one impactful record, and a register that is down
    register = server.register("cli", organisation="gm0040")
    register.publish("c1", sample_record(name="Via de opdrachtregel", organization="Gemeente Opdracht"))
    broken = server.register("down", always_500=True)
    assert broken.always_500
    # when both are added as sources
    added = algoreg(database_url, "harvest", "add-source", server.url("cli"), "--kind", "algoreg")
    assert added.returncode == 0, added.stderr
    assert "Added source 1" in added.stdout
    assert (
        algoreg(
            database_url, "harvest", "add-source", server.url("down"), "--kind", "algoreg", "--no-discover"
        ).returncode
        == 0
    )
    # and a file source without its organisation is refused with what is needed
    refused = algoreg(
        database_url, "harvest", "add-source", server.url("cli", "/records.json"), "--kind", "file"
    )
    assert refused.returncode == 1 and "needs the organisation it publishes for" in refused.stderr
    # when harvested, only the first source
    run = algoreg(database_url, "harvest", "run", "--source", "1")
    # then the report shows what arrived
    assert run.returncode == 0, run.stderr
    assert "ok" in run.stdout and "1/1" in run.stdout
    # when all sources are harvested, the failing one makes the exit code 1 and says why
    everything = algoreg(database_url, "harvest", "run", "--workers", "2")
    assert everything.returncode == 1 and "HTTP 500" in everything.stderr
    # and the list of sources shows their health
    listed = algoreg(database_url, "harvest", "sources")
    assert listed.returncode == 0 and "failing (1)" in listed.stdout and "ok" in listed.stdout
    runs = algoreg(database_url, "harvest", "runs", "--source", "2")
    assert runs.returncode == 0 and "failed" in runs.stdout
    # and an unknown source is named
    unknown = algoreg(database_url, "harvest", "run", "--source", "99")
    assert unknown.returncode == 1 and "no harvest source with id 99" in unknown.stderr


def test_the_api_lists_sources_and_run_reports_and_only_admins_add_sources(
    server: FaultServer, client: TestClient, factory: sessionmaker[Session], make_organisation, make_token
) -> None:  # type: ignore[no-untyped-def]
    # given a harvested source
    register = server.register("api", organisation="gm0050")
    register.publish("a1", sample_record(name="Via de API", organization="Gemeente API"))
    source_id = add_source(factory, server.url("api"))
    harvest(factory)
    # when the public reads the sources and runs
    listed = client.get("/api/v1/harvest/sources").json()
    runs = client.get("/api/v1/harvest/runs", params={"source": source_id}).json()
    # then it sees progress, health and the report
    assert listed[0]["id"] == source_id and listed[0]["records"] == 1 and listed[0]["unhealthy"] is False
    assert "lease_owner" not in listed[0]
    assert runs[0]["outcome"] == "ok" and runs[0]["new"] == 1 and runs[0]["cursor_after"] == 1
    assert client.get(f"/api/v1/harvest/sources/{source_id}/quarantine").json() == []
    assert client.get("/api/v1/harvest/runs", params={"source": 99}).status_code == 404
    # when someone adds a source without a token, with an organisation's token, or as administrator
    server.register("other", organisation="gm0051")
    body = {"url": server.url("other"), "kind": "algoreg"}
    make_organisation()
    anonymous = client.post("/api/v1/harvest/sources", json=body)
    organisation_admin = client.post(
        "/api/v1/harvest/sources", json=body, headers=make_token("gm0001", Role.ADMIN)
    )
    instance_admin = client.post("/api/v1/harvest/sources", json=body, headers=make_token(None, Role.ADMIN))
    # then only the instance administrator may
    assert (anonymous.status_code, organisation_admin.status_code, instance_admin.status_code) == (
        401,
        403,
        201,
    )
    assert instance_admin.json()["kind"] == "algoreg" and instance_admin.json()["cursor"] == 0
    # and bad input is explained
    bad = client.post(
        "/api/v1/harvest/sources",
        json={"url": "ftp://x", "kind": "file"},
        headers=make_token(None, Role.ADMIN),
    )
    assert bad.status_code == 422 and "http://" in bad.text
