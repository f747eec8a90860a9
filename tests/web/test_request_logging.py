"""Structured logs: one JSON line per request with its id, and never a secret in them."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.logs import configure_logging, scrub
from algoreg.register import accounts
from algoreg.register.roles import SYSTEM, Role
from tests.helpers import csrf_of, free_port
from tests.samples import sample_record
from tests.served import wait_for_health

ALGOREG = Path(sys.executable).with_name("algoreg")
PASSWORD = "wachtwoord-dat-geheim-blijft-42"


@contextmanager
def logging_to(format: Literal["text", "json"], level: str) -> Iterator[io.StringIO]:
    """Logs configured as ``format`` at ``level`` into a buffer; the previous set-up is put back after."""
    root = logging.getLogger()
    touched = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "httpx")]
    saved = (list(root.handlers), root.level, [(lg, lg.level, lg.propagate, lg.disabled) for lg in touched])
    buffer = io.StringIO()
    configure_logging(format, level, stream=buffer)
    try:
        yield buffer
    finally:
        logging.captureWarnings(False)
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        for logger, level_, propagate, disabled in saved[2]:
            logger.setLevel(level_)
            logger.propagate, logger.disabled = propagate, disabled


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Logs configured as JSON at DEBUG into a buffer."""
    with logging_to("json", "DEBUG") as buffer:
        yield buffer


def records(buffer: io.StringIO) -> list[dict[str, Any]]:
    lines = [line for line in buffer.getvalue().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def request_records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [r for r in records(buffer) if r["logger"] == "algoreg.request"]


def test_each_request_is_one_json_line_with_its_id(client: TestClient, captured: io.StringIO) -> None:
    # given requests with a valid request id, an invalid one, and none
    given = client.get("/health", headers={"X-Request-ID": "proxy-7f3a.01"})
    invalid = client.get("/api/v1/algorithms/onbekend", headers={"X-Request-ID": "bad id\twith spaces"})
    too_long = client.get("/health", headers={"X-Request-ID": "a" * 129})
    generated = client.get("/health")
    # then a valid id is kept and returned; others are replaced by a generated one
    assert given.headers["x-request-id"] == "proxy-7f3a.01"
    for response in (invalid, too_long, generated):
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    assert len({invalid.headers["x-request-id"], generated.headers["x-request-id"]}) == 2
    # and every request is logged once, with its fields
    logged = request_records(captured)
    assert [r["request_id"] for r in logged] == [
        "proxy-7f3a.01",
        invalid.headers["x-request-id"],
        too_long.headers["x-request-id"],
        generated.headers["x-request-id"],
    ]
    first, second = logged[0], logged[1]
    assert {"time", "level", "logger", "message", "method", "path", "status", "duration_ms"} <= first.keys()
    assert (first["method"], first["path"], first["status"], first["level"]) == (
        "GET",
        "/health",
        200,
        "INFO",
    )
    assert second["status"] == 404 and second["route"] == "/api/v1/algorithms/{public_id}"
    assert isinstance(first["duration_ms"], int | float) and first["duration_ms"] >= 0


def test_no_secret_reaches_the_log(
    client: TestClient,
    factory: sessionmaker[Session],
    make_organisation: Any,
    make_token: Any,
    captured: io.StringIO,
) -> None:
    # given a user, and an API token
    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, "eva", "Eva de Vries", PASSWORD)
    make_organisation("gm0001")
    token_header = make_token("gm0001", Role.EDITOR)
    token = token_header["Authorization"].removeprefix("Bearer ")
    # when the token is used for a write, a wrong token is tried, someone logs in, and uses the session
    created = client.post(
        "/api/v1/organisations/gm0001/algorithms", json=sample_record(), headers=token_header
    )
    assert created.status_code == 201, created.text
    client.get("/api/v1/algorithms", headers={"Authorization": "Bearer algoreg_wrong-token-abcdefgh"})
    form = client.get("/inloggen?next=/beheer&password=in-de-query-geheim")
    login = client.post(
        "/inloggen",
        data={"username": "eva", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert login.status_code == 303
    session_cookie = client.cookies.get("algoreg_session")
    assert session_cookie
    assert client.get("/beheer").status_code == 200
    client.get("/oidc/callback?code=oidc-code-geheim-99&state=staat-geheim-77")
    # then the requests are logged, but none of the secrets
    text = captured.getvalue()
    assert len(request_records(captured)) >= 6
    for secret in (
        token,
        "algoreg_wrong-token-abcdefgh",
        PASSWORD,
        session_cookie,
        "in-de-query-geheim",
        "oidc-code-geheim-99",
        "staat-geheim-77",
        csrf_of(form.text),
    ):
        assert secret not in text, f"a secret reached the log: {secret[:6]}…"
    assert "Authorization" not in text and "algoreg_session" not in text


def test_scrub_removes_credentials_from_any_message() -> None:
    scrubbed = scrub("header Authorization: Bearer abcdefgh12345678")
    assert "abcdefgh12345678" not in scrubbed and scrubbed.startswith("header Authorization: [redacted]")
    assert "algoreg_" not in scrub("token algoreg_AbCdEf0123456789 was used")
    assert scrub("password=hunter2-long&next=/x") == "password=[redacted]&next=/x"
    assert scrub("organisation_code=gm0001 published") == "organisation_code=gm0001 published"


def test_text_format_is_readable(client: TestClient) -> None:
    with logging_to("text", "INFO") as buffer:
        client.get("/health", headers={"X-Request-ID": "tekst-1"})
    line = next(line for line in buffer.getvalue().splitlines() if "algoreg.request" in line)
    assert re.match(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO +algoreg\.request \[tekst-1\]: GET /health 200 ", line
    )


def test_the_served_register_logs_json_lines_without_secrets(
    engine: Any, database_url: str, factory: sessionmaker[Session], make_organisation: Any, make_token: Any
) -> None:
    # given a user and a token, and the server started as a real process with JSON logs at DEBUG
    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, "eva", "Eva de Vries", PASSWORD)
    make_organisation("gm0001")
    token_header = make_token("gm0001", Role.EDITOR)
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ALGOREG_DATABASE_URL": database_url,
        "ALGOREG_LOG_FORMAT": "json",
        "ALGOREG_LOG_LEVEL": "debug",
    }
    server = subprocess.Popen(
        [str(ALGOREG), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_health(root, server)
        # when a token is used, and someone logs in with a password
        with httpx.Client(base_url=root) as http:
            created = http.post(
                "/api/v1/organisations/gm0001/algorithms",
                json=sample_record(),
                headers={**token_header, "X-Request-ID": "echte-server-1"},
            )
            assert created.status_code == 201, created.text
            form = http.get("/inloggen")
            login = http.post(
                "/inloggen",
                data={"username": "eva", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
            )
            assert login.status_code in (200, 303)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=15)
    # then every line on standard error is a JSON object, the requests are there, the secrets are not
    lines = [line for line in stderr.decode().splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in parsed)
    logged = [entry for entry in parsed if entry["logger"] == "algoreg.request"]
    assert any(e["request_id"] == "echte-server-1" and e["status"] == 201 for e in logged)
    assert any(e["path"] == "/inloggen" and e["method"] == "POST" for e in logged)
    text = stderr.decode()
    assert token_header["Authorization"].removeprefix("Bearer ") not in text
    assert PASSWORD not in text
