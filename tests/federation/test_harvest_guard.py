"""Harvest sources may not reach internal addresses: refused when a source is added (command line,
API, management page) and when a harvest connects, with the production default of no allowed
network. 127.0.0.1 plays the internal service; 127.0.0.2, allowed on purpose, a public register."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from ipaddress import ip_network
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.config import Settings
from algoreg.db.models import HarvestSource
from algoreg.db.session import transaction
from algoreg.federation import sources
from algoreg.federation.addresses import SETTING
from algoreg.federation.sources import SourceIn, SourceKind
from algoreg.register import accounts
from algoreg.register.roles import SYSTEM, Role
from algoreg.web.app import create_app
from tests.federation.fault_server import FaultServer, add_source, fast_settings, harvest, running
from tests.helpers import csrf_of
from tests.samples import sample_record

ALGOREG = Path(sys.executable).with_name("algoreg")
ONLY_127_0_0_2 = (ip_network("127.0.0.2/32"),)


@pytest.fixture(scope="module")
def internal() -> Iterator[FaultServer]:
    """Registers on 127.0.0.1, which the tests treat as internal."""
    with running(FaultServer(), host="127.0.0.1") as started:
        yield started


@pytest.fixture(scope="module")
def public() -> Iterator[FaultServer]:
    """Registers on 127.0.0.2, the one loopback address the tests allow."""
    with running(FaultServer(), host="127.0.0.2") as started:
        yield started


def sources_count(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        return int(session.scalar(select(func.count()).select_from(HarvestSource)) or 0)


# --- when harvesting --------------------------------------------------------------------------------


def test_a_redirect_to_an_internal_address_fails_that_source_at_the_hop_and_the_others_go_on(
    internal: FaultServer, public: FaultServer, factory: sessionmaker[Session]
) -> None:
    # given an internal register with a record, a public-looking one that redirects there,
    # and a public one with a record of its own
    hidden = internal.register("hop", organisation="gm0001")
    hidden.publish("h1", sample_record(name="Binnen", organization="Gemeente Binnen"))
    hop = public.register("hop", redirect_to=internal.base_url)
    fine = public.register("fine", organisation="gm0002")
    fine.publish("f1", sample_record(name="Buiten", organization="Gemeente Buiten"))
    with transaction(factory) as session:
        hop_id, fine_id = (
            sources.add_source(session, SYSTEM, SourceIn(url=url, kind=SourceKind.ALGOREG), ONLY_127_0_0_2).id
            for url in (public.url("hop"), public.url("fine"))
        )
    # when both are harvested with only 127.0.0.2 allowed
    settings = fast_settings()
    reports = harvest(factory, fetch=replace(settings.fetch, allowed_networks=ONLY_127_0_0_2))
    # then the redirecting source failed at the hop, once, saying where it led and what allows it
    failed = reports[hop_id]
    assert failed.outcome == "failed" and failed.new == 0
    [error] = failed.errors
    assert f"redirected to {internal.base_url}/r/hop/api/v1/feed" in error
    assert "127.0.0.1 is an internal address (loopback)" in error and SETTING in error
    assert hop.requests == 1, "a refused address is not retried"
    assert hidden.requests == 0, "the internal register was never reached"
    # and the other source was harvested
    assert reports[fine_id].outcome == "ok" and reports[fine_id].new == 1
    with transaction(factory) as session:
        listed = {s.id: s for s in sources.list_sources(session)}
    assert listed[hop_id].consecutive_failures == 1 and listed[hop_id].last_error == error


def test_the_production_default_refuses_a_loopback_source_when_harvesting(
    internal: FaultServer, factory: sessionmaker[Session]
) -> None:
    # given a loopback source, added while loopback was allowed
    register = internal.register("default", organisation="gm0003")
    register.publish("d1", sample_record(name="Standaard", organization="Gemeente Standaard"))
    source_id = add_source(factory, internal.url("default"))
    # when it is harvested with the default settings, which allow no internal network
    report = harvest(factory, fetch=replace(fast_settings().fetch, allowed_networks=()))[source_id]
    # then the run failed, naming the address and the setting, and nothing was requested
    assert report.outcome == "failed"
    assert f"{internal.url('default')}/api/v1/feed?" in report.errors[0]
    assert "127.0.0.1 is an internal address (loopback)" in report.errors[0] and SETTING in report.errors[0]
    assert register.requests == 0


# --- when adding a source ---------------------------------------------------------------------------


def algoreg(database_url: str, *args: str, allowed: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != SETTING}
    env.update({"ALGOREG_DATABASE_URL": database_url, "COLUMNS": "200"})
    if allowed is not None:
        env[SETTING] = allowed
    return subprocess.run(
        [str(ALGOREG), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_command_line_refuses_an_internal_source_and_names_the_setting(
    engine: Engine, database_url: str, factory: sessionmaker[Session]
) -> None:
    file_source = ("--kind", "file", "--organisation", "gm0001")
    # when a source is added at localhost, by default
    refused = algoreg(
        database_url, "harvest", "add-source", "http://localhost:8000/records.json", *file_source
    )
    # then it is refused, naming the field, the address it resolved to and the setting
    assert refused.returncode == 1
    assert "url: localhost resolves to 127.0.0.1, an internal address (loopback)" in refused.stderr
    assert SETTING in refused.stderr
    metadata = algoreg(database_url, "harvest", "add-source", "http://169.254.169.254/x.json", *file_source)
    assert (
        metadata.returncode == 1 and "169.254.169.254 is an internal address (link-local" in metadata.stderr
    )
    assert sources_count(factory) == 0
    # and when the operator allows loopback, it is added
    allowed = algoreg(
        database_url, "harvest", "add-source", "http://localhost:8000/records.json", *file_source,
        allowed="127.0.0.0/8,::1",
    )  # fmt: skip
    assert allowed.returncode == 0, allowed.stderr
    assert sources_count(factory) == 1


def test_the_api_refuses_an_internal_source_with_422_naming_the_url(
    engine: Engine, factory: sessionmaker[Session], make_token: Callable[..., dict[str, str]]
) -> None:
    admin = make_token(None, Role.ADMIN)
    body = {"kind": "file", "organisation_code": "gm0001"}
    # given the application with the default setting
    with TestClient(create_app(engine, Settings(harvest_allowed_networks=""))) as client:
        for url, said in (
            ("http://localhost:8080/records.json", "localhost resolves to 127.0.0.1, an internal address"),
            ("http://[::1]:8080/records.json", "::1 is an internal address (loopback)"),
            (
                "http://169.254.169.254/latest/records.json",
                "169.254.169.254 is an internal address (link-local",
            ),
            ("http://192.168.1.10/records.json", "192.168.1.10 is an internal address (private, RFC 1918)"),
        ):
            # when an instance administrator adds a source at an internal address
            answer = client.post("/api/v1/harvest/sources", json={**body, "url": url}, headers=admin)
            # then it is refused, naming the field, the address and the setting
            assert answer.status_code == 422, answer.text
            [problem] = answer.json()["errors"]
            assert problem["field"] == "url" and said in problem["reason"] and SETTING in problem["reason"]
    assert sources_count(factory) == 0
    # when the instance allows loopback, the same source is added
    allowing = Settings(harvest_allowed_networks="127.0.0.0/8")
    with TestClient(create_app(engine, allowing)) as client:
        url = "http://localhost:8080/records.json"
        answer = client.post("/api/v1/harvest/sources", json={**body, "url": url}, headers=admin)
    assert answer.status_code == 201, answer.text


def test_the_management_page_refuses_an_internal_source_on_the_form(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    with transaction(factory) as session:
        accounts.create_user(
            session, SYSTEM, "beheerder", "Beheerder", "een-lang-wachtwoord", is_superuser=True
        )
    with TestClient(create_app(engine, Settings(harvest_allowed_networks=""))) as client:
        form = client.get("/inloggen")
        client.post(
            "/inloggen",
            data={
                "username": "beheerder",
                "password": "een-lang-wachtwoord",
                "csrf_token": csrf_of(form.text),
            },
            follow_redirects=False,
        )
        token = csrf_of(client.get("/beheer").text)
        answer = client.post(
            "/beheer/oogst",
            data={
                "url": "http://127.0.0.1:5432/",
                "kind": "file",
                "organisation_code": "gm0001",
                "csrf_token": token,
            },
        )
    assert answer.status_code == 422
    assert "127.0.0.1 is an internal address (loopback)" in answer.text and SETTING in answer.text
    assert 'value="http://127.0.0.1:5432/"' in answer.text
    assert sources_count(factory) == 0
