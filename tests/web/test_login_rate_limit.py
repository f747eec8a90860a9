"""Login rate limiting over HTTP: 429 with Retry-After after too many failures, in every app process."""

import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.config import Settings
from algoreg.db.models import AuditEvent, LoginAttempt, WebSession
from algoreg.db.session import transaction
from algoreg.register import accounts
from algoreg.register.roles import SYSTEM
from algoreg.web.app import create_app
from tests.helpers import csrf_of, free_port
from tests.served import ALGOREG, served_instance, wait_for_health

PASSWORD = "een-lang-wachtwoord"
WRONG = "niet-het-wachtwoord"
LIMIT = 3


def make_user(factory: sessionmaker[Session], username: str = "eva") -> None:
    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, username, username.title(), PASSWORD)


def app_client(engine: Engine, address: str = "10.0.0.1", window: int = 900) -> TestClient:
    settings = Settings(login_max_attempts=LIMIT, login_window_seconds=window)
    return TestClient(create_app(engine, settings), client=(address, 50000))


def login(
    client: TestClient | httpx.Client, username: str, password: str, lang: str = "nl"
) -> httpx.Response:
    form = client.get(f"/inloggen?lang={lang}")
    data = {"username": username, "password": password, "next": "/beheer", "csrf_token": csrf_of(form.text)}
    return client.post("/inloggen", data=data, follow_redirects=False)


def count(factory: sessionmaker[Session], model: type, **where: str) -> int:
    with transaction(factory) as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query) or 0


@pytest.fixture
def clients(engine: Engine) -> Iterator[tuple[TestClient, TestClient]]:
    """Two browsers on two addresses, each talking to its own app instance on the one database."""
    with app_client(engine, "10.0.0.1") as first, app_client(engine, "10.0.0.2") as second:
        yield first, second


def test_after_too_many_failures_the_login_is_refused_without_looking_at_the_password(
    clients: tuple[TestClient, TestClient], factory: sessionmaker[Session]
) -> None:
    make_user(factory)
    browser, _ = clients
    # given the limit of failed logins for eva was reached
    for _ in range(LIMIT):
        assert login(browser, "eva", WRONG).status_code == 401
    # when she (or someone) tries again, with the wrong and with the right password
    wrong = login(browser, "eva", WRONG)
    right = login(browser, "eva", PASSWORD)
    # then both are refused alike with 429, a clear Dutch message and when to try again
    for response in (wrong, right):
        assert response.status_code == 429
        assert (
            "Te veel mislukte pogingen om in te loggen. Probeer het over 15 minuten opnieuw." in response.text
        )
        assert 895 <= int(response.headers["retry-after"]) <= 900
        assert 'value="eva"' in response.text
    assert "algoreg_session" not in right.headers.get("set-cookie", "")
    assert count(factory, WebSession) == 0, "the right password did not sign in"
    # and in English on request
    english = login(browser, "eva", PASSWORD, lang="en")
    assert english.status_code == 429
    assert "Too many failed attempts to log in. Try again in 15 minutes." in english.text
    # and the refusal is in the audit log
    with transaction(factory) as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "login.throttled")))
    assert len(events) == 1
    assert events[0].detail["username"] == "eva" and events[0].detail["address"] == "10.0.0.1"
    assert count(factory, LoginAttempt, outcome="refused") == 3


def test_the_limit_per_address_spans_usernames(
    clients: tuple[TestClient, TestClient], factory: sessionmaker[Session]
) -> None:
    make_user(factory, "bram")
    browser, elsewhere = clients
    for name in ("a", "b", "c"):
        assert login(browser, name, WRONG).status_code == 401
    assert login(browser, "bram", PASSWORD).status_code == 429
    assert login(elsewhere, "bram", PASSWORD).status_code == 303


def test_after_the_window_a_login_is_checked_again(engine: Engine, factory: sessionmaker[Session]) -> None:
    make_user(factory)
    with app_client(engine, window=600) as browser:
        for _ in range(LIMIT):
            assert login(browser, "eva", WRONG).status_code == 401
        refused = login(browser, "eva", PASSWORD)
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        assert 590 <= wait <= 600
        # when the stored attempts are as old as Retry-After said they must be (time moved on)
        with transaction(factory) as session:
            for attempt in session.scalars(select(LoginAttempt)):
                attempt.at -= timedelta(seconds=wait)
        # then the oldest failure has left the window and the login is checked again
        assert login(browser, "eva", PASSWORD).status_code == 303


def test_a_success_does_not_reset_the_count_of_another_address(
    clients: tuple[TestClient, TestClient], factory: sessionmaker[Session]
) -> None:
    make_user(factory)
    home, attacker = clients
    # given eva mistyped once at home, and someone elsewhere guessed her password once
    assert login(home, "eva", WRONG).status_code == 401
    assert login(attacker, "eva", WRONG).status_code == 401
    # when eva logs in at home
    assert login(home, "eva", PASSWORD).status_code == 303
    # then the guess from elsewhere still counts: two more guesses lock the account
    assert login(attacker, "eva", WRONG).status_code == 401
    assert login(attacker, "eva", WRONG).status_code == 401
    assert login(attacker, "eva", PASSWORD).status_code == 429
    assert count(factory, LoginAttempt, outcome="failed", address="10.0.0.2") == 3


def test_an_address_cannot_clear_its_count_by_logging_in_to_its_own_account(
    clients: tuple[TestClient, TestClient], factory: sessionmaker[Session]
) -> None:
    make_user(factory, "mallory")
    make_user(factory, "eva")
    attacker, _ = clients
    assert login(attacker, "eva", WRONG).status_code == 401
    assert login(attacker, "eva", WRONG).status_code == 401
    assert login(attacker, "mallory", PASSWORD).status_code == 303
    assert login(attacker, "eva", WRONG).status_code == 401
    assert login(attacker, "eva", PASSWORD).status_code == 429


@pytest.mark.database  # the served instances run on a database beside the test database
def test_two_app_processes_on_one_database_share_the_count(tmp_path: Path) -> None:
    env = {"ALGOREG_LOGIN_MAX_ATTEMPTS": str(LIMIT), "ALGOREG_LOGIN_WINDOW_SECONDS": "900"}
    with served_instance(tmp_path, env) as first:
        with transaction(first.factory) as session:
            accounts.create_user(session, SYSTEM, "eva", "Eva", PASSWORD)
        port = free_port()
        second = subprocess.Popen(
            [str(ALGOREG), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, "ALGOREG_DATABASE_URL": first.database_url, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for_health(f"http://127.0.0.1:{port}", second)
            with (
                httpx.Client(base_url=first.root) as one,
                httpx.Client(base_url=f"http://127.0.0.1:{port}") as two,
            ):
                # failures alternate between the two processes
                for browser in (one, two, one):
                    assert login(browser, "eva", WRONG).status_code == 401
                # and both refuse afterwards, the right password included
                for browser in (two, one):
                    refused = login(browser, "eva", PASSWORD)
                    assert refused.status_code == 429
                    assert int(refused.headers["retry-after"]) > 800
        finally:
            second.terminate()
            second.wait(timeout=10)
