"""``PATCH /api/v1/harvest/sources/{id}``: switching a harvest source on or off (its schedule: see
tests/federation/test_harvest_schedule.py)."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.federation.harvester import due_sources
from algoreg.register.roles import Role
from tests.federation.fault_server import add_source

Headers = dict[str, str]

#: Nothing listens here; a switched-off source is never fetched.
NOWHERE = "http://127.0.0.1:9/register"


def test_an_instance_administrator_switches_a_source_off_and_on(
    client: TestClient, factory: sessionmaker[Session], make_token: Callable[..., Headers]
) -> None:
    # given a source, and an instance administrator's token
    source_id = add_source(factory, NOWHERE)
    admin = make_token(None, Role.ADMIN)
    # when it is switched off
    off = client.patch(f"/api/v1/harvest/sources/{source_id}", json={"enabled": False}, headers=admin)
    # then the answer is the source, switched off, and a run would leave it out
    assert off.status_code == 200
    assert (off.json()["id"], off.json()["url"], off.json()["enabled"]) == (source_id, NOWHERE, False)
    assert client.get(f"/api/v1/harvest/sources/{source_id}").json()["enabled"] is False
    with transaction(factory) as session:
        assert due_sources(session) == []
    # when it is switched on again
    on = client.patch(f"/api/v1/harvest/sources/{source_id}", json={"enabled": True}, headers=admin)
    # then it is harvested again
    assert on.status_code == 200 and on.json()["enabled"] is True
    with transaction(factory) as session:
        assert due_sources(session) == [source_id]


def test_only_an_instance_administrator_may_switch_a_source(
    client: TestClient,
    factory: sessionmaker[Session],
    make_organisation: Callable[..., str],
    make_token: Callable[..., Headers],
) -> None:
    # given a source, and an organisation's administrator
    source_id = add_source(factory, NOWHERE)
    make_organisation("gm0001", "Gemeente Voorbeeld")
    body = {"enabled": False}
    # when someone without a token, or with an organisation's token, switches it off
    anonymous = client.patch(f"/api/v1/harvest/sources/{source_id}", json=body)
    organisation = client.patch(
        f"/api/v1/harvest/sources/{source_id}", json=body, headers=make_token("gm0001", Role.ADMIN)
    )
    # then it is refused, and the source is still on
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert organisation.status_code == 403 and "administrator of this Algoreg instance" in organisation.text
    assert client.get(f"/api/v1/harvest/sources/{source_id}").json()["enabled"] is True


def test_an_unknown_source_is_404(client: TestClient, make_token: Callable[..., Headers]) -> None:
    response = client.patch(
        "/api/v1/harvest/sources/99", json={"enabled": False}, headers=make_token(None, Role.ADMIN)
    )
    assert (
        response.status_code == 404 and response.json()["detail"] == "There is no harvest source with id 99."
    )


def test_a_bad_body_is_422_naming_the_field(
    client: TestClient, factory: sessionmaker[Session], make_token: Callable[..., Headers]
) -> None:
    source_id = add_source(factory, NOWHERE)
    admin = make_token(None, Role.ADMIN)
    for body, field in (
        ({}, "body"),
        ({"enabled": "maybe"}, "enabled"),
        ({"enabled": 1}, "enabled"),
        ({"enabled": True, "url": "https://elders.example"}, "url"),
    ):
        response = client.patch(f"/api/v1/harvest/sources/{source_id}", json=body, headers=admin)
        assert response.status_code == 422, body
        assert [error["field"] for error in response.json()["errors"]] == [field], response.text
    assert client.get(f"/api/v1/harvest/sources/{source_id}").json()["enabled"] is True
