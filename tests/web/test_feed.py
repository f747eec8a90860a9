"""The change feed over HTTP: ordered, paged by cursor, with tombstones and conditional requests."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from algoreg.register.publication_log import record_hash
from algoreg.register.roles import Role
from tests.samples import sample_record

Headers = dict[str, str]


def steps(client: TestClient, headers: Headers, public_id: str, *actions: str) -> None:
    for action in actions:
        assert (
            client.post(f"/api/v1/algorithms/{public_id}/actions/{action}", headers=headers).status_code
            == 200
        )


def test_the_feed_follows_publication_retraction_and_republication(
    client: TestClient, make_organisation: Callable[..., str], make_token: Callable[..., Headers]
) -> None:
    # given an algorithm that is published, retracted and published again, and one never published
    make_organisation("gm0001", "Gemeente Voorbeeld")
    token = make_token("gm0001", Role.PUBLISHER)
    first = client.post(
        "/api/v1/organisations/gm0001/algorithms", json=sample_record(), headers=token
    ).json()["id"]
    client.post("/api/v1/organisations/gm0001/algorithms", json=sample_record(name="Concept"), headers=token)
    steps(client, token, first, "submit", "approve", "publish", "retract", "submit", "approve", "publish")
    # when the feed is read two entries at a time
    page1 = client.get("/api/v1/feed", params={"limit": 2}).json()
    page2 = client.get("/api/v1/feed", params={"after": page1["last_seq"], "limit": 2}).json()
    # then it holds published, withdrawn (a tombstone) and published again, in order
    entries = page1["entries"] + page2["entries"]
    assert [(e["seq"], e["kind"], e["reason"]) for e in entries] == [
        (1, "published", "publish"),
        (2, "withdrawn", "retract"),
        (3, "published", "publish"),
    ]
    assert page2["head_seq"] == 3 and entries[1]["record"] is None
    # and the current record comes with its hash, which matches the public API's record
    public = client.get(f"/api/v1/algorithms/{first}").json()["record"]
    assert entries[2]["record"] == public and entries[2]["record_hash"] == record_hash(public)
    # and an entry whose version is no longer what the public sees carries no record
    assert entries[0]["record"] is None or entries[0]["version"] == entries[2]["version"]
    # and the chain links each entry to the one before
    assert entries[1]["previous_hash"] == entries[0]["entry_hash"]
    assert entries[2]["previous_hash"] == entries[1]["entry_hash"]


def test_an_unchanged_feed_answers_304(
    client: TestClient, make_organisation: Callable[..., str], make_token: Callable[..., Headers]
) -> None:
    make_organisation("gm0001", "Gemeente Voorbeeld")
    token = make_token("gm0001", Role.PUBLISHER)
    public_id = client.post(
        "/api/v1/organisations/gm0001/algorithms", json=sample_record(), headers=token
    ).json()["id"]
    steps(client, token, public_id, "submit", "approve", "publish")
    first = client.get("/api/v1/feed")
    again = client.get("/api/v1/feed", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    steps(client, token, public_id, "retract")
    changed = client.get("/api/v1/feed", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and len(changed.json()["entries"]) == 2


def test_bad_cursors_are_refused_clearly(client: TestClient) -> None:
    response = client.get("/api/v1/feed", params={"after": -1})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "query.after"
