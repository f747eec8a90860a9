"""Shared fixtures: a real database (SQLite, or PostgreSQL when ALGOREG_TEST_DATABASE_URL says so),
migrated with the project's own migrations, emptied before each test, and the real app on it."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.migrate import migrate
from algoreg.db.models import Base
from algoreg.db.session import make_engine, session_factory, transaction
from algoreg.register import accounts, organisations
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import SYSTEM, Role
from algoreg.web.app import create_app
from tests.database import emptied

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def reference_file(*parts: str) -> Path:
    """Return a file of the shared reference data, or skip the test when it is not there."""
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not available at {path} (../shared is absent)")
    return path


def _postgres_database(base_url: str) -> Iterator[str]:
    name = f"algoreg_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _on_second_database() -> bool:
    return os.environ.get("ALGOREG_TEST_DATABASE_URL", "").startswith("postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, run only the tests that touch a database.

    The suite runs twice, on SQLite and on PostgreSQL. A test whose fixtures never reach
    :func:`database_url` (and that is not marked ``database``, for tests that find the database
    another way) does the same on both, so the PostgreSQL run leaves it out and says how many;
    ``ALGOREG_TEST_EVERYTHING=1`` runs them all the same.
    """
    if not _on_second_database() or os.environ.get("ALGOREG_TEST_EVERYTHING") == "1":
        return
    kept, independent = [], []
    for item in items:
        uses = "database_url" in getattr(item, "fixturenames", ()) or item.get_closest_marker("database")
        (kept if uses else independent).append(item)
    if independent:
        config.hook.pytest_deselected(items=independent)
        items[:] = kept
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"{len(independent)} tests that use no database ran on SQLite and are left out here "
                "(ALGOREG_TEST_EVERYTHING=1 runs them)."
            )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a fresh, empty database for this test session."""
    base = os.environ.get("ALGOREG_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        yield from _postgres_database(base)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'algoreg.sqlite3'}"


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database, migrated to the newest schema."""
    engine = make_engine(database_url)
    migrate(engine)
    if engine.dialect.name == "postgresql":
        # Tests empty the tables with DELETE (see tests/database.py); without vacuuming, new rows
        # keep being appended, so a query without ORDER BY keeps returning them in insertion order
        # from one test to the next, as it did when tables were truncated.
        with engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                connection.exec_driver_sql(f"ALTER TABLE {table.name} SET (autovacuum_enabled = false)")
    yield engine
    engine.dispose()


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The migrated engine, with every table emptied before the test."""
    return emptied(migrated_engine)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory on the emptied database."""
    return session_factory(engine)


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """The real application on the test database."""
    with TestClient(create_app(engine)) as test_client:
        yield test_client


@pytest.fixture
def make_organisation(factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """Create an organisation by code and name."""

    def make(code: str = "gm0001", name: str = "Gemeente Voorbeeld", kind: str = "gemeente") -> str:
        with transaction(factory) as session:
            organisations.create_organisation(
                session, SYSTEM, OrganisationIn(code=code, name=name, kind=OrganisationKind(kind))
            )
        return code

    return make


@pytest.fixture
def make_token(factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """Issue an API token for an organisation and role; returns the Authorization header."""

    def make(organisation_code: str | None, role: Role = Role.EDITOR) -> dict[str, str]:
        with transaction(factory) as session:
            issued = accounts.issue_token(session, SYSTEM, f"test-{role.value}", organisation_code, role)
        return {"Authorization": f"Bearer {issued.secret}"}

    return make
