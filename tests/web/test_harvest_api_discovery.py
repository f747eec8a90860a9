"""``POST /api/v1/harvest/sources`` finds a register's change feed from the address given, against a
plain static HTTP server on loopback: one with a feed and no discovery document, one with neither."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from algoreg.config import Settings
from algoreg.register.roles import Role
from algoreg.web.app import create_app
from tests.federation.static_site import StaticSite, discovery_document, feed_page, static_site

Headers = dict[str, str]


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """The real application, allowed to reach the static server on loopback."""
    with TestClient(create_app(engine, Settings(harvest_allowed_networks="127.0.0.0/8"))) as test_client:
        yield test_client


@pytest.fixture
def site(tmp_path: Path) -> Iterator[StaticSite]:
    """/feedonly has a feed and no discovery document; /described has both; /empty has neither."""
    with static_site(tmp_path) as started:
        started.write("/feedonly/api/v1/feed", feed_page(head_seq=4))
        started.write("/described/api/v1/register", discovery_document("/described/api/v1/feed"))
        started.write("/described/api/v1/feed", feed_page())
        yield started


def test_a_register_is_stored_under_the_base_address_of_its_feed(
    client: TestClient, site: StaticSite, make_token: Callable[..., Headers]
) -> None:
    admin = make_token(None, Role.ADMIN)
    # when a register without a discovery document is added by its root, with a slash
    by_root = client.post(
        "/api/v1/harvest/sources", json={"url": site.url("/feedonly/"), "kind": "algoreg"}, headers=admin
    )
    # then it is stored under the address its feed is read from
    assert by_root.status_code == 201, by_root.text
    assert by_root.json()["url"] == site.url("/feedonly")
    # when a register is added by its discovery document
    by_document = client.post(
        "/api/v1/harvest/sources",
        json={"url": site.url("/described/api/v1/register"), "kind": "algoreg"},
        headers=admin,
    )
    # then it is stored under its base address too
    assert by_document.status_code == 201 and by_document.json()["url"] == site.url("/described")
    # when the first register is added again by its feed address, it is the same source
    again = client.post(
        "/api/v1/harvest/sources",
        json={"url": site.url("/feedonly/api/v1/feed"), "kind": "algoreg"},
        headers=admin,
    )
    assert again.status_code == 409 and site.url("/feedonly") in again.json()["detail"]


def test_a_server_without_discovery_document_or_feed_is_422_naming_the_url(
    client: TestClient, site: StaticSite, make_token: Callable[..., Headers]
) -> None:
    # when a server that has neither is added as a register
    url = site.url("/empty")
    response = client.post(
        "/api/v1/harvest/sources", json={"url": url, "kind": "algoreg"}, headers=make_token(None, Role.ADMIN)
    )
    # then it is refused naming the field, the address, what was tried and why
    assert response.status_code == 422
    body = response.json()
    assert url in body["detail"]
    [error] = body["errors"]
    assert error["field"] == "url"
    assert f"the discovery document at {url}/api/v1/register: answered HTTP 404" in error["reason"]
    assert f"the change feed at {url}/api/v1/feed: answered HTTP 404" in error["reason"]
    assert client.get("/api/v1/harvest/sources").json() == []


def test_discovery_can_be_skipped_and_is_not_done_for_files_or_for_others(
    client: TestClient,
    site: StaticSite,
    make_organisation: Callable[..., str],
    make_token: Callable[..., Headers],
) -> None:
    admin = make_token(None, Role.ADMIN)
    make_organisation("gm0001", "Gemeente Voorbeeld")
    # when an administrator asks to store the address unchecked, or adds a file source
    unchecked = client.post(
        "/api/v1/harvest/sources",
        params={"discover": "false"},
        json={"url": site.url("/empty/"), "kind": "algoreg"},
        headers=admin,
    )
    a_file = client.post(
        "/api/v1/harvest/sources",
        json={"url": site.url("/empty/records.json"), "kind": "file", "organisation_code": "gm0001"},
        headers=admin,
    )
    # and an organisation's administrator tries to add a register
    refused = client.post(
        "/api/v1/harvest/sources",
        json={"url": site.url("/feedonly"), "kind": "algoreg"},
        headers=make_token("gm0001", Role.ADMIN),
    )
    # then the first two are stored as given, the third is refused, and none asked the server anything
    assert (unchecked.status_code, unchecked.json()["url"]) == (201, site.url("/empty/"))
    assert (a_file.status_code, a_file.json()["url"]) == (201, site.url("/empty/records.json"))
    assert refused.status_code == 403
    assert site.paths == []
