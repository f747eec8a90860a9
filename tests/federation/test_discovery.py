"""The discovery document and HTTP caching of the snapshot, the records and the dumps."""

from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime

from fastapi.testclient import TestClient

from algoreg.register.publication_log import record_hash
from algoreg.register.roles import Role
from tests.samples import sample_record

Headers = dict[str, str]


def publish(client: TestClient, token: Headers, **overrides: object) -> str:
    """Create an algorithm and take it through review to publication; return its id."""
    public_id = str(
        client.post(
            "/api/v1/organisations/gm0001/algorithms", json=sample_record(**overrides), headers=token
        ).json()["id"]
    )
    act(client, token, public_id, "submit", "approve", "publish")
    return public_id


def act(client: TestClient, token: Headers, public_id: str, *actions: str) -> None:
    for action in actions:
        response = client.post(f"/api/v1/algorithms/{public_id}/actions/{action}", headers=token)
        assert response.status_code == 200, response.text


def test_the_discovery_document_describes_the_register(
    client: TestClient, make_organisation: Callable[..., str], make_token: Callable[..., Headers]
) -> None:
    # given two organisations and one published algorithm
    make_organisation("gm0001", "Gemeente Voorbeeld")
    make_organisation("ws0002", "Waterschap Voorbeeld", "waterschap")
    publish(client, make_token("gm0001", Role.PUBLISHER))
    # when the discovery document is asked for
    response = client.get("/api/v1/register")
    # then it names the register, its organisations, versions, endpoints and the feed head
    assert response.status_code == 200
    document = response.json()
    assert document["name"] == "Algoreg"
    assert document["standard_version"] == "1.0"
    assert document["protocol_version"] == "algoreg-harvest/1"
    assert {(o["code"], o["name"], o["kind"]) for o in document["organisations"]} == {
        ("gm0001", "Gemeente Voorbeeld", "gemeente"),
        ("ws0002", "Waterschap Voorbeeld", "waterschap"),
    }
    assert document["endpoints"] == {
        "snapshot": "/api/v1/algorithms",
        "record": "/api/v1/algorithms/{id}",
        "feed": "/api/v1/feed",
        "export_jsonl": "/api/v1/export?format=jsonl",
        "export_csv": "/api/v1/export?format=csv",
        "openapi": "/api/v1/openapi.json",
    }
    assert document["feed"] == {"head_seq": 1}
    assert document["licence"] == "CC0-1.0" and "contact" in document


def test_the_well_known_address_redirects_to_the_discovery_document(client: TestClient) -> None:
    # when the well-known address is asked for
    response = client.get("/.well-known/algorithm-register", follow_redirects=False)
    # then it redirects permanently to the document
    assert response.status_code == 308 and response.headers["location"] == "/api/v1/register"
    assert client.get("/.well-known/algorithm-register").json()["standard_version"] == "1.0"


def test_the_discovery_document_is_in_the_openapi_description(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/register" in schema["paths"]
    assert "DiscoveryOut" in schema["components"]["schemas"]


def test_a_record_has_etag_and_last_modified_and_answers_304(
    client: TestClient, make_organisation: Callable[..., str], make_token: Callable[..., Headers]
) -> None:
    # given a published algorithm
    make_organisation("gm0001", "Gemeente Voorbeeld")
    public_id = publish(client, make_token("gm0001", Role.PUBLISHER))
    # when it is fetched
    first = client.get(f"/api/v1/algorithms/{public_id}")
    # then its ETag is the record hash and Last-Modified its publication time
    body = first.json()
    assert first.headers["ETag"] == f'"{record_hash(body["record"])}"'
    published_at = datetime.fromisoformat(body["published_at"])
    assert parsedate_to_datetime(first.headers["Last-Modified"]) == published_at.replace(microsecond=0)
    # and a repeat with either validator answers 304 without a body
    by_etag = client.get(f"/api/v1/algorithms/{public_id}", headers={"If-None-Match": first.headers["ETag"]})
    by_date = client.get(
        f"/api/v1/algorithms/{public_id}", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert by_etag.status_code == 304 and by_etag.content == b""
    assert by_etag.headers["ETag"] == first.headers["ETag"]
    assert by_date.status_code == 304
    # and an older date, another ETag or a garbled date get the record
    old = client.get(
        f"/api/v1/algorithms/{public_id}", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    )
    other = client.get(f"/api/v1/algorithms/{public_id}", headers={"If-None-Match": '"something-else"'})
    garbled = client.get(f"/api/v1/algorithms/{public_id}", headers={"If-Modified-Since": "gisteren"})
    assert old.status_code == other.status_code == garbled.status_code == 200


def test_a_changed_record_gets_a_new_etag(
    client: TestClient, make_organisation: Callable[..., str], make_token: Callable[..., Headers]
) -> None:
    # given a published algorithm and its ETag
    make_organisation("gm0001", "Gemeente Voorbeeld")
    token = make_token("gm0001", Role.PUBLISHER)
    public_id = publish(client, token)
    etag = client.get(f"/api/v1/algorithms/{public_id}").headers["ETag"]
    # when a new version is published
    draft = client.get(f"/api/v1/algorithms/{public_id}/draft", headers=token)
    client.put(
        f"/api/v1/algorithms/{public_id}/draft",
        json=sample_record(name="Controle parkeervergunningen, versie 2"),
        headers={**token, "If-Match": draft.headers["ETag"]},
    )
    act(client, token, public_id, "submit", "approve", "publish")
    # then the old ETag no longer matches
    again = client.get(f"/api/v1/algorithms/{public_id}", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag


def test_the_snapshot_and_the_dumps_answer_304_until_the_feed_moves(
    client: TestClient, make_organisation: Callable[..., str], make_token: Callable[..., Headers]
) -> None:
    # given a published algorithm
    make_organisation("gm0001", "Gemeente Voorbeeld")
    token = make_token("gm0001", Role.PUBLISHER)
    public_id = publish(client, token)
    urls = ["/api/v1/algorithms", "/api/v1/export?format=jsonl", "/api/v1/export?format=csv"]
    etags = {url: client.get(url).headers["ETag"] for url in urls}
    # when they are asked again unchanged
    # then each answers 304
    for url, etag in etags.items():
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304, url
    # and a different query has a different ETag
    assert client.get("/api/v1/algorithms?limit=10").headers["ETag"] != etags["/api/v1/algorithms"]
    assert len(set(etags.values())) == 3
    # when the algorithm is retracted (the feed moves)
    act(client, token, public_id, "retract")
    # then the old ETags no longer match and the new content comes back
    for url, etag in etags.items():
        response = client.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 200 and response.headers["ETag"] != etag, url
    assert client.get("/api/v1/algorithms").json()["total"] == 0
