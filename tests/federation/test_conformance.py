"""``algoreg check-register`` against our own real server and against deliberately broken registers."""

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Header, Response
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from algoreg.federation.conformance import ConformanceReport, Limits, Outcome, check_register
from algoreg.federation.principles import PRINCIPLES
from algoreg.register.publication_log import GENESIS_HASH, EntryContent, record_hash
from algoreg.register.roles import Role
from tests.helpers import free_port
from tests.samples import sample_record
from tests.served import running_server

ALGOREG = Path(sys.executable).with_name("algoreg")
Headers = dict[str, str]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ALGOREG), *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_check(url: str, limits: Limits) -> ConformanceReport:
    """Run the checker in its own thread: the browser tests keep an event loop in the main thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, check_register(url, limits)).result()


def check(url: str) -> ConformanceReport:
    return run_check(url, Limits(timeout=5))


def outcomes(report: ConformanceReport) -> dict[str, Outcome]:
    return {r.principle.id: r.outcome for r in report.results}


# --- our own register, served for real ------------------------------------------------------------


@contextmanager
def algoreg_server(database_url: str) -> Iterator[str]:
    """Run ``algoreg serve`` on a free loopback port; yield its base URL."""
    with running_server(database_url) as url:
        yield url


def act(client: TestClient, token: Headers, public_id: str, *actions: str) -> None:
    for action in actions:
        response = client.post(f"/api/v1/algorithms/{public_id}/actions/{action}", headers=token)
        assert response.status_code == 200, response.text


def test_our_own_register_passes_every_principle(
    client: TestClient,
    database_url: str,
    make_organisation: Callable[..., str],
    make_token: Callable[..., Headers],
) -> None:
    # given published, retracted, re-published, archived and concept algorithms
    make_organisation("gm0001", "Gemeente Voorbeeld")
    token = make_token("gm0001", Role.PUBLISHER)
    ids = [
        client.post(
            "/api/v1/organisations/gm0001/algorithms",
            json=sample_record(name=f"Algoritme {n}"),
            headers=token,
        ).json()["id"]
        for n in range(5)
    ]
    for public_id in ids[:4]:
        act(client, token, public_id, "submit", "approve", "publish")
    act(client, token, ids[1], "retract")
    act(client, token, ids[2], "retract", "submit", "approve", "publish")
    act(client, token, ids[3], "archive")
    # when the checker runs as a command against the real server
    with algoreg_server(database_url) as url:
        result = run_cli("check-register", url, "--json", "--timeout", "5")
        table = run_cli("check-register", url)
    # then every principle passes, with evidence, and the exit code is 0
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] and report["reachable"]
    assert [p["id"] for p in report["principles"]] == [p.id for p in PRINCIPLES]
    assert all(p["outcome"] == "pass" and p["evidence"] for p in report["principles"])
    feed = next(p for p in report["principles"] if p["id"] == "change-feed")
    assert "checked all 8 entries" in feed["evidence"][0]
    # and the table names every principle
    assert table.returncode == 0 and "Stable identifiers" in table.stdout and "pass" in table.stdout


# --- a register written to break the rules -------------------------------------------------------

GOOD_IDS = ["a1", "a2", "a3"]
WITHDRAWN_ID = "a4"


def _entries(records: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A valid feed: a1..a4 published, then a4 withdrawn."""
    steps: list[tuple[str, str]] = [(i, "published") for i in [*GOOD_IDS, WITHDRAWN_ID]]
    steps.append((WITHDRAWN_ID, "withdrawn"))
    entries: list[dict[str, Any]] = []
    previous = GENESIS_HASH
    start = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    for seq, (public_id, kind) in enumerate(steps, start=1):
        published = kind == "published"
        record = records[public_id] if published else None
        content = EntryContent(
            seq=seq,
            at=start + timedelta(minutes=seq),
            kind=kind,
            reason="publish" if published else "retract",
            public_id=public_id,
            organisation_code="gm9999",
            version_number=1 if published else None,
            record_hash=record_hash(record) if record is not None else None,
            previous_hash=previous,
        )
        previous = content.digest()
        entries.append(
            {
                "seq": seq,
                "at": content.at.isoformat().replace("+00:00", "Z"),
                "kind": kind,
                "reason": content.reason,
                "id": public_id,
                "organisation": "gm9999",
                "version": content.version_number,
                "record_hash": content.record_hash,
                "previous_hash": content.previous_hash,
                "entry_hash": previous,
                "record": record if public_id != WITHDRAWN_ID else None,
            }
        )
    return entries


def other_register(fault: str | None) -> FastAPI:
    """A small register by another vendor that speaks the protocol, except for ``fault``."""
    records = {
        i: sample_record(name=f"Algoritme {i}", lars=i, standard_version="1.0")
        for i in [*GOOD_IDS, WITHDRAWN_ID]
    }
    entries = _entries(records)
    snapshot_ids = list(GOOD_IDS)
    if fault == "missing-fields":
        del records["a2"]["status"], records["a2"]["contact_email"]
    if fault == "duplicate-ids":
        snapshot_ids.append("a1")
    if fault == "withdrawn-in-snapshot":
        snapshot_ids.append(WITHDRAWN_ID)
    if fault == "feed-gap":
        del entries[2]
    if fault == "broken-hash":
        entries[1]["reason"] = "rewritten"
    app = FastAPI()

    def cached(response: Response, etag: str, if_none_match: str | None) -> Response | None:
        if fault == "no-etags":
            return None
        if if_none_match == etag:
            return Response(status_code=304, headers={"ETag": etag})
        response.headers["ETag"] = etag
        return None

    def item(public_id: str, record: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "id": public_id,
            "organisation": {"code": "gm9999", "name": "Gemeente Elders"},
            "version": 1,
            "published_at": "2025-01-02T03:04:05Z",
            "record": record or records[public_id],
        }

    @app.get("/api/v1/register")
    def discovery() -> dict[str, Any]:
        return {
            "name": "Elders",
            "standard_version": "0.4" if fault == "version-0.4" else "1.0",
            "protocol_version": "algoreg-harvest/1",
            "organisations": [{"code": "gm9999", "name": "Gemeente Elders", "kind": "gemeente"}],
            "endpoints": {"snapshot": "/api/v1/algorithms", "record": "/api/v1/algorithms/{id}"},
        }

    @app.get("/api/v1/algorithms", response_model=None)
    def snapshot(
        response: Response, offset: int = 0, limit: int = 50, if_none_match: str | None = Header(None)
    ) -> Any:
        page = snapshot_ids[offset : offset + limit]
        if fault == "slow-snapshot":
            time.sleep(1.5)
        return cached(response, f'"s-{offset}-{limit}"', if_none_match) or {
            "items": [item(i) for i in page],
            "total": len(snapshot_ids),
            "offset": offset,
            "limit": limit,
        }

    @app.get("/api/v1/algorithms/{public_id}", response_model=None)
    def one(public_id: str, response: Response, if_none_match: str | None = Header(None)) -> Any:
        if fault == "server-error" and public_id == "a3":
            return Response(status_code=503)
        if public_id not in records:
            return Response(status_code=404)
        body = item(public_id, records["a3"] if fault == "unstable-ids" and public_id == "a1" else None)
        return cached(response, f'"{record_hash(body["record"])}"', if_none_match) or body

    @app.get("/api/v1/feed", response_model=None)
    def feed(
        response: Response, after: int = 0, limit: int = 100, if_none_match: str | None = Header(None)
    ) -> Any:
        page = [e for e in entries if e["seq"] > after][:limit]
        head = entries[-1]["seq"]
        last = page[-1]["seq"] if page else after
        return cached(response, f'"f-{after}-{head}"', if_none_match) or {
            "entries": page,
            "last_seq": last,
            "head_seq": head,
        }

    return app


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the test register did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_register_of_another_vendor_that_follows_the_protocol_passes() -> None:
    # given a register written from the protocol alone
    with serve_in_thread(other_register(None)) as url:
        # when it is checked
        report = check(url)
    # then every principle passes
    assert report.passed, report.to_json()


@pytest.mark.parametrize(
    ("fault", "failing", "evidence"),
    [
        ("version-0.4", "standard-version", "standard_version is '0.4'"),
        ("missing-fields", "required-fields", "a2 (status"),
        ("duplicate-ids", "stable-identifiers", "occur more than once: a1"),
        ("unstable-ids", "stable-identifiers", "another record when fetched again: a1"),
        ("withdrawn-in-snapshot", "published-only", "withdrawn ids are still in the snapshot: a4"),
        ("feed-gap", "change-feed", "seq 4 follows 2: expected 3"),
        ("broken-hash", "change-feed", "seq 2: entry_hash does not match"),
        ("no-etags", "http-caching", "snapshot: no ETag"),
        ("server-error", "availability", "HTTP 503"),
    ],
)
def test_a_broken_register_fails_the_principle_it_breaks(fault: str, failing: str, evidence: str) -> None:
    # given a register that breaks one rule
    with serve_in_thread(other_register(fault)) as url:
        # when it is checked
        report = check(url)
    # then that principle fails with evidence that names the offence
    result = report.result(failing)
    assert result.outcome is Outcome.FAIL, report.to_json()
    assert any(evidence in line for line in result.evidence), result.evidence
    assert not report.passed


def test_a_broken_register_fails_the_command_with_exit_code_1() -> None:
    with serve_in_thread(other_register("broken-hash")) as url:
        result = run_cli("check-register", url, "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert {p["id"]: p["outcome"] for p in report["principles"]}["change-feed"] == "fail"


def test_a_slow_register_fails_availability() -> None:
    with serve_in_thread(other_register("slow-snapshot")) as url:
        report = run_check(url, Limits(timeout=0.5))
    assert report.result("availability").outcome is Outcome.FAIL
    assert "no answer within 0.5 s" in " ".join(report.result("availability").evidence)


# --- addresses the checker refuses or cannot reach ------------------------------------------------


@pytest.mark.parametrize("url", ["ftp://register.example.nl", "file:///etc/passwd", "register.example.nl"])
def test_non_http_addresses_are_refused(url: str) -> None:
    result = run_cli("check-register", url)
    assert result.returncode == 2
    assert "only http:// and https://" in result.stderr


def test_an_unreachable_register_exits_with_2(engine: Engine) -> None:
    # given a loopback port nobody listens on
    url = f"http://127.0.0.1:{free_port()}"
    # when it is checked
    result = run_cli("check-register", url, "--json", "--timeout", "2")
    # then the command says so and exits with 2
    assert result.returncode == 2, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["reachable"] is False
    assert {p["outcome"] for p in report["principles"]} == {"not checked", "fail"}
    assert "could not be reached" in result.stderr


def test_every_principle_is_documented_once() -> None:
    # given the principles as data and the checklist in the docs
    checklist = (Path(__file__).resolve().parents[2] / "docs" / "federation" / "principles.md").read_text()
    # then their ids are unique and each is in the checklist
    ids = [p.id for p in PRINCIPLES]
    assert len(ids) == len(set(ids)) == 7
    assert all(f"`{i}`" in checklist for i in ids)
