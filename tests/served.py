"""A second, real Algoreg instance for tests: ``algoreg serve`` as a process on a loopback port.

It runs on its own database — a temporary SQLite file, or a temporary PostgreSQL database next to
the test database when the tests run on PostgreSQL — so that two registers talk over HTTP.
"""

import os
import subprocess
import sys
import tempfile
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


STARTUP_SECONDS = 90
"""How long a server may take to answer /health: generous, for a machine busy with other tests."""


def wait_for_health(
    root: str, process: subprocess.Popen[bytes], log: Path | None = None, timeout: float = STARTUP_SECONDS
) -> None:
    """Wait until ``root``/health answers; fail the test with the end of the server's output (its log
    file, or else its standard error) when it never does."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(f"{root}/health", timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                process.wait(timeout=10)
                if log is not None:
                    output = log.read_bytes()
                else:
                    output = process.stderr.read() if process.stderr else b""
                pytest.fail(f"algoreg serve did not start: {output[-2000:]!r}")
            time.sleep(0.2)


@contextmanager
def running_server(
    database_url: str, env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[str]:
    """``algoreg serve`` on ``database_url`` at a loopback port; yields its root address, stops it after.

    Its log goes to a temporary file, never to a pipe nobody reads (a full pipe would stop the server).
    """
    port = port or free_port()
    root = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="algoreg-served-") as folder:
        log = Path(folder) / "serve.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                [str(ALGOREG), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env={**os.environ, "ALGOREG_DATABASE_URL": database_url, **(env or {})},
                stdout=subprocess.DEVNULL,
                stderr=output,
            )
        try:
            wait_for_health(root, server, log)
            yield root
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


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
    try:
        with running_server(url, env) as root:
            yield ServedInstance(root, url, session_factory(engine))
    finally:
        engine.dispose()
        for _ in databases:  # drops a PostgreSQL database
            pass
