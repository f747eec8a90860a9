"""A second, real Algoreg instance for tests: ``algoreg serve`` as a process on a loopback port.

It runs on its own database — a temporary SQLite file, or a temporary PostgreSQL database next to
the test database when the tests run on PostgreSQL — so that two registers talk over HTTP.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.migrate import migrate
from algoreg.db.session import make_engine, session_factory
from tests.conftest import _postgres_database
from tests.helpers import free_port

ALGOREG = Path(sys.executable).with_name("algoreg")


@dataclass(frozen=True)
class ServedInstance:
    """A running instance: its root address, its database URL and a session factory on it."""

    root: str
    database_url: str
    factory: sessionmaker[Session]


def wait_for_health(root: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Wait until ``root``/health answers; fail the test with the server's output when it never does."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(f"{root}/health", timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                output = process.stderr.read() if process.stderr else b""
                pytest.fail(f"algoreg serve did not start: {output[-2000:]!r}")
            time.sleep(0.2)


@contextmanager
def served_instance(folder: Path, env: dict[str, str] | None = None) -> Iterator[ServedInstance]:
    """Migrate a fresh database, serve it with ``algoreg serve`` and stop and drop it afterwards."""
    base = os.environ.get("ALGOREG_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        databases: Iterator[str] = _postgres_database(base)
    else:
        databases = iter([f"sqlite:///{folder / 'served.sqlite3'}"])
    url = next(databases)
    engine = make_engine(url)
    migrate(engine)
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(ALGOREG), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "ALGOREG_DATABASE_URL": url, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_health(root, server)
        yield ServedInstance(root, url, session_factory(engine))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        engine.dispose()
        for _ in databases:  # drops a PostgreSQL database
            pass
