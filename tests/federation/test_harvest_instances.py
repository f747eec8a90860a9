"""Two Algoreg instances on loopback: a decentral register served by ``algoreg serve`` as a real
process on its own database, and the central one (the test's database) harvesting it."""

import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.migrate import migrate
from algoreg.db.models import HarvestVersion
from algoreg.db.session import make_engine, session_factory, transaction
from algoreg.register import algorithms, organisations, transfer
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import SYSTEM
from algoreg.register.workflow import Action
from tests.federation.fault_server import add_source, harvest
from tests.samples import sample_record
from tests.served import running_server

ALGOREG = Path(sys.executable).with_name("algoreg")


@dataclass
class Decentral:
    """The decentral instance: its database (to act in) and its address."""

    factory: sessionmaker[Session]
    url: str


def _other_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'decentral.sqlite3'}"
        return
    name = f"algoreg_decentral_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield database_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def decentral(database_url: str, tmp_path: Path) -> Iterator[Decentral]:
    """``algoreg serve`` on a database of its own, with one organisation."""
    for url in _other_database(database_url, tmp_path):
        engine = make_engine(url)
        migrate(engine)
        factory = session_factory(engine)
        with transaction(factory) as session:
            organisations.create_organisation(
                session,
                SYSTEM,
                OrganisationIn(code="gm0363", name="Gemeente Amsterdam", kind=OrganisationKind.GEMEENTE),
            )
        try:
            with running_server(url) as root:
                yield Decentral(factory, root)
        finally:
            engine.dispose()


def central_view(factory: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with transaction(factory) as session:
        page = algorithms.list_published(session, limit=100)
    return [(a.public_id, a.organisation_code, a.record["status"]) for a in page.items]


def test_the_central_register_follows_publish_retract_and_republish(
    decentral: Decentral, factory: sessionmaker[Session]
) -> None:
    # given a decentral register that publishes a high-risk algorithm and an "other" one
    with transaction(decentral.factory) as session:
        report = transfer.import_records(
            session,
            SYSTEM,
            "gm0363",
            [
                sample_record(
                    organization="Gemeente Amsterdam", publication_category="Hoog-risico AI-systeem"
                ),
                sample_record(
                    name="Overig",
                    organization="Gemeente Amsterdam",
                    publication_category="Overige algoritmes",
                ),
            ],
            publish=True,
        )
    remote_id = report.created[0]
    source_id = add_source(factory, decentral.url)
    # when the central register harvests it
    first = harvest(factory)[source_id]
    # then the high-risk one is public centrally, under the same organisation
    assert (first.outcome, first.new, first.skipped) == ("ok", 1, 1), first
    [(local_id, organisation, status)] = central_view(factory)
    assert (organisation, status) == ("gm0363", "In gebruik")
    # when the decentral register retracts it
    with transaction(decentral.factory) as session:
        algorithms.perform(session, SYSTEM, remote_id, Action.RETRACT)
    second = harvest(factory)[source_id]
    # then it is withdrawn centrally
    assert second.withdrawn == 1 and central_view(factory) == []
    # when it goes through review again as it was, and is published
    with transaction(decentral.factory) as session:
        for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH):
            algorithms.perform(session, SYSTEM, remote_id, action)
    third = harvest(factory)[source_id]
    # then it is public centrally again, with the same identity and no new version
    assert third.updated == 1 and central_view(factory) == [(local_id, "gm0363", "In gebruik")]
    # when a changed version is published decentrally
    with transaction(decentral.factory) as session:
        algorithms.update_algorithm(
            session,
            SYSTEM,
            remote_id,
            sample_record(
                organization="Gemeente Amsterdam",
                publication_category="Hoog-risico AI-systeem",
                status="Buiten gebruik",
            ),
            None,
        )
        for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH):
            algorithms.perform(session, SYSTEM, remote_id, action)
    fourth = harvest(factory)[source_id]
    # then the central register has it as a new version, with provenance per version
    assert fourth.updated == 1 and central_view(factory) == [(local_id, "gm0363", "Buiten gebruik")]
    with transaction(factory) as session:
        rows = session.execute(
            select(HarvestVersion.version_number, HarvestVersion.remote_version, HarvestVersion.remote_id)
        ).all()
        assert sorted(rows) == [(1, 1, remote_id), (2, 2, remote_id)]
        assert session.scalar(select(func.count()).select_from(HarvestVersion)) == 2
    # and nothing changed means a 304
    assert harvest(factory)[source_id].outcome == "not_modified"
