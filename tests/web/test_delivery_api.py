"""The official delivery API under /aanleverapi/v1_0, checked against the official OpenAPI."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from algoreg.register.roles import Role
from tests.conftest import reference_file

Headers = dict[str, str]
BASE = "/aanleverapi/v1_0/organizations/gm0001"


def _without_enum_type(node: Any) -> Any:
    """The official spec writes ``"type": "enum"`` beside a ``$ref``; JSON Schema has no such type."""
    if isinstance(node, dict):
        return {k: _without_enum_type(v) for k, v in node.items() if not (k == "type" and v == "enum")}
    if isinstance(node, list):
        return [_without_enum_type(v) for v in node]
    return node


@pytest.fixture(scope="module")
def official() -> dict[str, Any]:
    spec = json.loads(reference_file("algoritmeregister", "aanlever-api-v1_0.openapi.json").read_text())
    return _without_enum_type(spec)


def check(official: dict[str, Any], path: str, method: str, status: str, body: Any) -> None:
    """Validate a response body against the official OpenAPI's schema for it."""
    schema = official["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    registry = Registry().with_resource("urn:official", Resource.opaque(official))
    validator = Draft202012Validator(_rebase(schema), registry=registry)
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])


def _rebase(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: ("urn:official" + v if k == "$ref" and v.startswith("#") else _rebase(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def example_record(official: dict[str, Any]) -> dict[str, Any]:
    """A record built exactly from the official OpenAPI's example values of AlgorithmIn."""
    properties = official["components"]["schemas"]["AlgorithmIn"]["properties"]
    return {name: spec["example"] for name, spec in properties.items() if "example" in spec}


@pytest.fixture
def tokens(make_organisation: Callable[..., str], make_token: Callable[..., Headers]) -> dict[str, Headers]:
    make_organisation("gm0001", "Gemeente Noorderhaaks")
    make_organisation("gm0002", "Gemeente Anders")
    return {
        "editor": make_token("gm0001", Role.EDITOR),
        "publisher": make_token("gm0001", Role.PUBLISHER),
        "viewer": make_token("gm0001", Role.VIEWER),
        "other": make_token("gm0002", Role.ADMIN),
    }


ORG = "/organizations/{organisation_id}"


def test_the_official_example_record_goes_through_every_endpoint(
    client: TestClient, tokens: dict[str, Headers], official: dict[str, Any]
) -> None:
    record = example_record(official)
    # create
    created = client.post(f"{BASE}/algorithms", json=record, headers=tokens["editor"])
    assert created.status_code == 200, created.text
    check(official, f"{ORG}/algorithms", "post", "200", created.json())
    lars = created.json()["lars_code"]
    # list
    listing = client.get(f"{BASE}/algorithms", headers=tokens["editor"])
    check(official, f"{ORG}/algorithms", "get", "200", listing.json())
    assert listing.json()[0]["lars"] == lars and listing.json()[0]["published"] is False
    # get one: every field sent comes back
    one = client.get(f"{BASE}/algorithms/{lars}", headers=tokens["editor"]).json()
    check(official, f"{ORG}/algorithms/{{algorithm_id}}", "get", "200", one)
    assert one["state"] == "STATE_1"
    assert {k: one[k] for k in record if record[k] != ""} == {k: v for k, v in record.items() if v != ""}
    # update
    updated = client.put(
        f"{BASE}/algorithms/{lars}", json={**record, "status": "Buiten gebruik"}, headers=tokens["editor"]
    )
    assert updated.status_code == 200
    check(official, f"{ORG}/algorithms/{{algorithm_id}}", "put", "200", updated.json())
    # preview
    preview = client.get(f"{BASE}/algorithms/{lars}/preview", headers=tokens["editor"])
    check(official, f"{ORG}/algorithms/{{algorithm_id}}/preview", "get", "200", preview.json())
    # release, then a second release is a conflict
    released = client.put(f"{BASE}/algorithms/{lars}/release", headers=tokens["editor"])
    check(official, f"{ORG}/algorithms/{{algorithm_id}}/release", "put", "200", released.json())
    assert client.get(f"{BASE}/algorithms/{lars}", headers=tokens["editor"]).json()["state"] == "STATE_2"
    assert client.put(f"{BASE}/algorithms/{lars}/release", headers=tokens["editor"]).status_code == 409
    # the publisher approves and publishes in Algoreg; the published version is then readable
    for action in ("approve", "publish"):
        assert (
            client.post(
                f"/api/v1/algorithms/{lars}/actions/{action}", headers=tokens["publisher"]
            ).status_code
            == 200
        )
    published = client.get(f"{BASE}/published-algorithms/{lars}", headers=tokens["editor"])
    check(official, f"{ORG}/published-algorithms/{{algorithm_id}}", "get", "200", published.json())
    assert published.json()["status"] == "Buiten gebruik" and published.json()["state"] == "PUBLISHED"
    # retract
    retracted = client.delete(f"{BASE}/published-algorithms/{lars}/retract", headers=tokens["publisher"])
    assert retracted.status_code == 200
    assert client.get(f"/api/v1/algorithms/{lars}").status_code == 404
    # archive and unarchive
    archived = client.put(
        f"{BASE}/algorithms/{lars}/archive_version",
        json={"algorithm_version_id": 2},
        headers=tokens["publisher"],
    )
    assert archived.status_code == 200, archived.text
    assert client.get(f"{BASE}/algorithms/{lars}", headers=tokens["editor"]).json()["state"] == "ARCHIVED"
    unarchived = client.put(
        f"{BASE}/algorithms/{lars}/unarchive_version",
        json={"algorithm_version_id": 2},
        headers=tokens["publisher"],
    )
    assert unarchived.status_code == 200


def test_errors_take_the_official_shapes(
    client: TestClient, tokens: dict[str, Headers], official: dict[str, Any]
) -> None:
    record = example_record(official)
    bad = client.post(f"{BASE}/algorithms", json={**record, "status": "Actief"}, headers=tokens["editor"])
    assert bad.status_code == 422
    check(official, f"{ORG}/algorithms", "post", "422", bad.json())
    assert bad.json()["detail"][0]["loc"] == ["body", "status"]
    assert "In gebruik" in bad.json()["detail"][0]["msg"]
    missing = client.get(f"{BASE}/algorithms/00000000", headers=tokens["editor"])
    assert missing.status_code == 404
    check(official, f"{ORG}/algorithms/{{algorithm_id}}", "get", "404", missing.json())
    unauthenticated = client.get(f"{BASE}/algorithms")
    assert unauthenticated.status_code == 401
    check(official, f"{ORG}/algorithms", "get", "401", unauthenticated.json())


def test_another_organisations_token_sees_nothing(
    client: TestClient, tokens: dict[str, Headers], official: dict[str, Any]
) -> None:
    lars = client.post(f"{BASE}/algorithms", json=example_record(official), headers=tokens["editor"]).json()[
        "lars_code"
    ]
    assert client.get(f"{BASE}/algorithms", headers=tokens["other"]).status_code == 403
    assert client.get(f"{BASE}/algorithms/{lars}", headers=tokens["other"]).status_code == 404
    assert (
        client.get(
            f"/aanleverapi/v1_0/organizations/gm0002/algorithms/{lars}", headers=tokens["other"]
        ).status_code
        == 404
    )
    assert (
        client.put(
            f"{BASE}/algorithms/{lars}", json=example_record(official), headers=tokens["viewer"]
        ).status_code
        == 403
    )


def test_archiving_an_unknown_version_is_refused(
    client: TestClient, tokens: dict[str, Headers], official: dict[str, Any]
) -> None:
    lars = client.post(f"{BASE}/algorithms", json=example_record(official), headers=tokens["editor"]).json()[
        "lars_code"
    ]
    response = client.put(
        f"{BASE}/algorithms/{lars}/archive_version",
        json={"algorithm_version_id": 7},
        headers=tokens["publisher"],
    )
    assert response.status_code == 422 and "versions 1 to 1" in response.json()["detail"][0]["msg"]
