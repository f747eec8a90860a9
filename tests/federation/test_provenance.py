"""A harvested algorithm shows where it came from and how fresh it is, on its page and in the API."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.federation.provenance import provenance_of
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM
from algoreg.register.workflow import Action
from tests.federation.fault_server import FaultServer, add_source, harvest, running
from tests.samples import sample_record


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with running(FaultServer()) as started:
        yield started


def test_a_harvested_algorithm_names_its_source_and_freshness(
    server: FaultServer, factory: sessionmaker[Session], client: TestClient
) -> None:
    # given a record harvested from a file of another register
    register = server.register("provenance")
    register.file_records = [
        sample_record(name="Opgehaald algoritme", lars="r1", organization="Waterschap Voorbeeld")
    ]
    url = server.url("provenance", "/records.json")
    add_source(factory, url, "file", organisation_code="ws0001", organisation_name="Waterschap Voorbeeld")
    harvest(factory)
    with transaction(factory) as session:
        public_id = algorithms.list_published(session).items[0].public_id
    # when its page and its API record are read
    page = client.get(f"/algoritme/{public_id}")
    record = client.get(f"/api/v1/algorithms/{public_id}").json()
    # then both name the source and when it was fetched
    assert 'id="provenance"' in page.text and url in page.text
    assert "Opgehaald uit het register van de organisatie" in page.text
    assert record["source"]["url"] == url and record["source"]["remote_id"] == "r1"
    assert record["source"]["fetched_at"] and record["source"]["healthy"] is True


def test_an_algorithm_registered_here_has_no_source(
    factory: sessionmaker[Session], make_organisation, client: TestClient
) -> None:  # type: ignore[no-untyped-def]
    make_organisation("gm0001", "Gemeente Voorbeeld")
    with transaction(factory) as session:
        public_id = algorithms.create_algorithm(session, SYSTEM, "gm0001", sample_record()).public_id
        for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH):
            algorithms.perform(session, SYSTEM, public_id, action)
        assert provenance_of(session, public_id) is None
    assert client.get(f"/api/v1/algorithms/{public_id}").json()["source"] is None
    assert 'id="provenance"' not in client.get(f"/algoritme/{public_id}").text
