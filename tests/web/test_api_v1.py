"""The JSON API /api/v1 over HTTP, on the real app and database."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from algoreg.register.roles import Role
from tests.samples import sample_record

Headers = dict[str, str]


@pytest.fixture
def tokens(make_organisation: Callable[..., str], make_token: Callable[..., Headers]) -> dict[str, Headers]:
    make_organisation("gm0001", "Gemeente Voorbeeld")
    make_organisation("gm0002", "Gemeente Anders")
    return {
        "viewer": make_token("gm0001", Role.VIEWER),
        "editor": make_token("gm0001", Role.EDITOR),
        "publisher": make_token("gm0001", Role.PUBLISHER),
        "admin": make_token("gm0001", Role.ADMIN),
        "other": make_token("gm0002", Role.ADMIN),
        "instance": make_token(None, Role.ADMIN),
    }


def create(client: TestClient, headers: Headers, **overrides: object) -> dict:
    response = client.post(
        "/api/v1/organisations/gm0001/algorithms", json=sample_record(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def publish(client: TestClient, tokens: dict[str, Headers], public_id: str) -> None:
    for action, who in (("submit", "editor"), ("approve", "publisher"), ("publish", "publisher")):
        response = client.post(f"/api/v1/algorithms/{public_id}/actions/{action}", headers=tokens[who])
        assert response.status_code == 200, response.text


def test_register_edit_publish_and_read_publicly(client: TestClient, tokens: dict[str, Headers]) -> None:
    # given an editor registers an algorithm
    created = create(client, tokens["editor"])
    public_id = created["id"]
    assert created["state"] == "concept" and created["latest"]["number"] == 1
    # when it is published, edited and published again
    publish(client, tokens, public_id)
    draft = client.get(f"/api/v1/algorithms/{public_id}/draft", headers=tokens["editor"])
    edited = client.put(
        f"/api/v1/algorithms/{public_id}/draft",
        json=sample_record(goal="<p>Aanvragen zorgvuldig beoordelen.</p>"),
        headers={**tokens["editor"], "If-Match": draft.headers["ETag"]},
    )
    assert edited.status_code == 200, edited.text
    publish(client, tokens, public_id)
    # then anyone can read it without a token, with its history and a difference
    public = client.get(f"/api/v1/algorithms/{public_id}").json()
    assert public["version"] == 2 and public["organisation"]["code"] == "gm0001"
    history = client.get(f"/api/v1/algorithms/{public_id}/versions").json()
    assert [h["version"] for h in history] == [1, 2]
    assert (
        client.get(f"/api/v1/algorithms/{public_id}/versions/1")
        .json()["record"]["goal"]
        .startswith("<p>Aanvragen sneller")
    )
    diff = client.get(f"/api/v1/algorithms/{public_id}/diff", params={"from": 1, "to": 2}).json()
    assert [c["field"] for c in diff["changes"]] == ["goal"]
    assert {"kind": "inserted", "text": "zorgvuldig"} in diff["changes"][0]["segments"]
    listing = client.get("/api/v1/algorithms", params={"organisation": "gm0001"}).json()
    assert listing["total"] == 1
    # and the audit log shows every step
    audit = client.get(f"/api/v1/algorithms/{public_id}/audit", headers=tokens["viewer"]).json()
    assert [e["action"] for e in audit] == [
        "algorithm.create",
        "algorithm.submit",
        "algorithm.approve",
        "algorithm.publish",
        "algorithm.edit",
        "algorithm.submit",
        "algorithm.approve",
        "algorithm.publish",
    ]


def test_concepts_are_not_public(client: TestClient, tokens: dict[str, Headers]) -> None:
    public_id = create(client, tokens["editor"])["id"]
    assert client.get(f"/api/v1/algorithms/{public_id}").status_code == 404
    assert client.get(f"/api/v1/algorithms/{public_id}/draft").status_code == 401
    assert client.get("/api/v1/algorithms").json()["total"] == 0


def test_a_stale_edit_is_refused_with_a_clear_message(client: TestClient, tokens: dict[str, Headers]) -> None:
    # given two editors who loaded the same version
    public_id = create(client, tokens["editor"])["id"]
    etag = client.get(f"/api/v1/algorithms/{public_id}/draft", headers=tokens["editor"]).headers["ETag"]
    first = client.put(
        f"/api/v1/algorithms/{public_id}/draft",
        json=sample_record(name="Eerste"),
        headers={**tokens["editor"], "If-Match": etag},
    )
    assert first.status_code == 200
    # when the second saves on the old version
    second = client.put(
        f"/api/v1/algorithms/{public_id}/draft",
        json=sample_record(name="Tweede"),
        headers={**tokens["editor"], "If-Match": etag},
    )
    # then it is refused, and the first edit stands
    assert second.status_code == 409
    assert "changed by someone else" in second.json()["detail"]
    draft = client.get(f"/api/v1/algorithms/{public_id}/draft", headers=tokens["editor"]).json()
    assert draft["latest"]["record"]["name"] == "Eerste"


def test_an_edit_without_if_match_is_refused(client: TestClient, tokens: dict[str, Headers]) -> None:
    public_id = create(client, tokens["editor"])["id"]
    response = client.put(
        f"/api/v1/algorithms/{public_id}/draft", json=sample_record(), headers=tokens["editor"]
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "If-Match"


@pytest.mark.parametrize(
    ("who", "status"), [("viewer", 403), ("other", 403), ("editor", 201), ("admin", 201), ("instance", 201)]
)
def test_who_may_create(client: TestClient, tokens: dict[str, Headers], who: str, status: int) -> None:
    response = client.post(
        "/api/v1/organisations/gm0001/algorithms", json=sample_record(), headers=tokens[who]
    )
    assert response.status_code == status, response.text


def test_writes_without_or_with_a_bad_token_are_refused(
    client: TestClient, tokens: dict[str, Headers]
) -> None:
    url = "/api/v1/organisations/gm0001/algorithms"
    assert client.post(url, json=sample_record()).status_code == 401
    bad = client.post(url, json=sample_record(), headers={"Authorization": "Bearer algoreg_nonsense"})
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"] == "Bearer"


def test_another_organisation_cannot_touch_it(client: TestClient, tokens: dict[str, Headers]) -> None:
    public_id = create(client, tokens["editor"])["id"]
    assert client.get(f"/api/v1/algorithms/{public_id}/draft", headers=tokens["other"]).status_code == 404
    for action in ("submit", "archive"):
        response = client.post(f"/api/v1/algorithms/{public_id}/actions/{action}", headers=tokens["other"])
        assert response.status_code == 403


def test_a_viewer_cannot_edit(client: TestClient, tokens: dict[str, Headers]) -> None:
    public_id = create(client, tokens["editor"])["id"]
    response = client.put(
        f"/api/v1/algorithms/{public_id}/draft",
        json=sample_record(),
        headers={**tokens["viewer"], "If-Match": '"1"'},
    )
    assert response.status_code == 403 and "editor" in response.json()["detail"]


# --- bad input ---------------------------------------------------------------------------------


def _errors(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


def test_malformed_json_is_refused(client: TestClient, tokens: dict[str, Headers]) -> None:
    response = client.post(
        "/api/v1/organisations/gm0001/algorithms",
        content=b'{"name": "x",',
        headers={**tokens["editor"], "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "JSON" in response.json()["errors"][0]["reason"]


def test_unknown_fields_wrong_enums_and_long_text_are_named(
    client: TestClient, tokens: dict[str, Headers]
) -> None:
    body = sample_record(status="Actief", colour="blauw", name="n" * 101, goal="<p>" + "a" * 2501 + "</p>")
    response = client.post("/api/v1/organisations/gm0001/algorithms", json=body, headers=tokens["editor"])
    assert response.status_code == 422
    errors = _errors(response)
    assert set(errors) == {"status", "colour", "name", "goal"}
    assert "In ontwikkeling" in errors["status"] and "In gebruik" in errors["status"]
    assert "100" in errors["name"] and "2500" in errors["goal"]
    assert client.get("/api/v1/organisations/gm0001/algorithms", headers=tokens["editor"]).json() == []


def test_rich_text_is_sanitised(client: TestClient, tokens: dict[str, Headers]) -> None:
    body = sample_record(
        goal='<p onclick="x()">Doel<script>alert(1)</script></p><a href="javascript:x">link</a>'
    )
    created = create(client, tokens["editor"], **{k: v for k, v in body.items() if k == "goal"})
    assert created["latest"]["record"]["goal"] == "<p>Doel</p>link"


def test_oversized_bodies_get_413(client: TestClient, tokens: dict[str, Headers]) -> None:
    huge = b'{"name": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    response = client.post(
        "/api/v1/organisations/gm0001/algorithms",
        content=huge,
        headers={**tokens["editor"], "Content-Type": "application/json"},
    )
    assert response.status_code == 413 and "bytes" in response.json()["detail"]


def test_oversized_streamed_bodies_without_length_get_413(
    client: TestClient, tokens: dict[str, Headers]
) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(7):
            yield b"x" * (1024 * 1024)

    response = client.post(
        "/api/v1/organisations/gm0001/algorithms",
        content=chunks(),
        headers={**tokens["editor"], "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_wrong_content_type_gets_415(client: TestClient, tokens: dict[str, Headers]) -> None:
    response = client.post(
        "/api/v1/organisations/gm0001/algorithms",
        content=b"name=x",
        headers={**tokens["editor"], "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415 and "application/json" in response.json()["detail"]


def test_workflow_steps_out_of_order_are_refused(client: TestClient, tokens: dict[str, Headers]) -> None:
    public_id = create(client, tokens["editor"])["id"]
    response = client.post(f"/api/v1/algorithms/{public_id}/actions/publish", headers=tokens["publisher"])
    assert response.status_code == 409 and "possible now" in response.json()["detail"]
    unknown = client.post(f"/api/v1/algorithms/{public_id}/actions/explode", headers=tokens["publisher"])
    assert unknown.status_code == 422 and "publish" in unknown.json()["errors"][0]["reason"]


# --- organisations, import and export ----------------------------------------------------------


def test_organisations(client: TestClient, tokens: dict[str, Headers]) -> None:
    body = {"code": "WS0155", "name": "Waterschap Voorbeeld", "kind": "waterschap"}
    assert client.post("/api/v1/organisations", json=body, headers=tokens["admin"]).status_code == 403
    created = client.post("/api/v1/organisations", json=body, headers=tokens["instance"])
    assert created.status_code == 201 and created.json()["code"] == "ws0155"
    assert client.post("/api/v1/organisations", json=body, headers=tokens["instance"]).status_code == 409
    bad = client.post(
        "/api/v1/organisations", json={**body, "code": "x y", "kind": "dorp"}, headers=tokens["instance"]
    )
    assert set(_errors(bad)) == {"code", "kind"}
    codes = [o["code"] for o in client.get("/api/v1/organisations").json()]
    assert sorted(codes) == ["gm0001", "gm0002", "ws0155"]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "xlsx"])
def test_export_then_import_round_trips(client: TestClient, tokens: dict[str, Headers], fmt: str) -> None:
    # given a published algorithm with groupings and two themes
    public_id = create(
        client,
        tokens["editor"],
        category=["Verkeer", "Wonen"],
        lawful_basis_grouping=[{"title": "Gemeentewet", "link": "https://wetten.overheid.nl/BWBR0005416"}],
    )["id"]
    publish(client, tokens, public_id)
    # when the register is exported
    exported = client.get("/api/v1/export", params={"format": fmt})
    assert exported.status_code == 200
    # and imported again, unchanged
    response = client.post(
        "/api/v1/organisations/gm0001/import",
        files={"file": (f"export.{fmt}", exported.content)},
        headers=tokens["editor"],
    )
    # then the import recognises the record by its id and changes nothing
    assert response.status_code == 200, response.text
    assert response.json()["unchanged"] == [public_id]


def test_an_import_with_a_bad_row_stores_nothing(client: TestClient, tokens: dict[str, Headers]) -> None:
    import json

    rows = [sample_record(name="Goed"), sample_record(status="Actief"), sample_record(contact_email="geen")]
    response = client.post(
        "/api/v1/organisations/gm0001/import",
        files={"file": ("records.json", json.dumps(rows).encode())},
        headers=tokens["editor"],
    )
    assert response.status_code == 422
    assert [(e["record"], e["field"]) for e in response.json()["errors"]] == [
        (2, "status"),
        (3, "contact_email"),
    ]
    assert client.get("/api/v1/organisations/gm0001/algorithms", headers=tokens["editor"]).json() == []
    # and with all_or_nothing off, the good row is stored and the bad ones reported
    partial = client.post(
        "/api/v1/organisations/gm0001/import",
        params={"all_or_nothing": "false"},
        files={"file": ("records.json", json.dumps(rows).encode())},
        headers=tokens["editor"],
    )
    assert partial.status_code == 200 and len(partial.json()["created"]) == 1
    assert len(partial.json()["errors"]) == 2


def test_an_unreadable_import_file_is_explained(client: TestClient, tokens: dict[str, Headers]) -> None:
    response = client.post(
        "/api/v1/organisations/gm0001/import",
        files={"file": ("records.json", b"[{")},
        headers=tokens["editor"],
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"


def test_openapi_is_served(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/algorithms" in spec["paths"]
    assert "/aanleverapi/v1_0/organizations/{organisation_id}/algorithms" in spec["paths"]
