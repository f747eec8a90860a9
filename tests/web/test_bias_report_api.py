"""The bias report API over HTTP on the real app: attach, refuse, publish, withdraw, read and list."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from algoreg.bias.document import from_document
from algoreg.register.bias_reports import MAX_DOCUMENT_BYTES
from algoreg.register.roles import Role
from tests.register.test_bias_reports import bias_analysis, bias_document
from tests.samples import sample_record

Headers = dict[str, str]

BODY = {
    "title": "Toets op wijk bij controle bijstand",
    "period": "Besluiten van 2025",
    "description": "<p>Per wijk.</p><img src=x onerror=alert(1)>",
}


@pytest.fixture
def tokens(make_organisation: Callable[..., str], make_token: Callable[..., Headers]) -> dict[str, Headers]:
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    return {
        "viewer": make_token("gm0001", Role.VIEWER),
        "editor": make_token("gm0001", Role.EDITOR),
        "publisher": make_token("gm0001", Role.PUBLISHER),
        "other": make_token("gm0002", Role.ADMIN),
    }


@pytest.fixture
def algorithm(client: TestClient, tokens: dict[str, Headers]) -> str:
    """A published algorithm of gm0001."""
    record = sample_record(organization="Gemeente Een")
    created = client.post("/api/v1/organisations/gm0001/algorithms", json=record, headers=tokens["editor"])
    public_id: str = created.json()["id"]
    for action, who in (("submit", "editor"), ("approve", "publisher"), ("publish", "publisher")):
        response = client.post(f"/api/v1/algorithms/{public_id}/actions/{action}", headers=tokens[who])
        assert response.status_code == 200, response.text
    return public_id


def attach(client: TestClient, public_id: str, headers: Headers, **changes: Any) -> Any:
    return client.post(
        f"/api/v1/algorithms/{public_id}/bias-reports",
        json={**BODY, "document": bias_document(), **changes},
        headers=headers,
    )


def reports(client: TestClient, public_id: str, headers: Headers | None = None) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/algorithms/{public_id}/bias-reports", headers=headers or {})
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


def test_an_editor_attaches_and_a_publisher_publishes_for_everyone_to_read(
    client: TestClient, tokens: dict[str, Headers], algorithm: str
) -> None:
    # given an editor's token, when she attaches a document
    response = attach(client, algorithm, tokens["editor"])
    # then a draft is stored, with the summary's verdicts and the document's digest
    assert response.status_code == 201, response.text
    report = response.json()
    base = f"/api/v1/algorithms/{algorithm}/bias-reports/{report['id']}"
    assert response.headers["location"] == base
    assert report["state"] == "draft" and report["mode"] == "decisions"
    assert report["verdicts"] == {
        "comparisons": 2,
        "disparity_found": 1,
        "no_disparity_beyond_tolerance": 1,
        "inconclusive": 0,
        "too_few_cases": 0,
    }
    assert report["digest"] == bias_document()["integrity"]["digest"]
    assert report["description"] == "<p>Per wijk.</p>"
    assert report["created_by"] == "token:test-editor"
    assert report["links"] == {"self": base, "document": f"{base}/document", "page": None}
    # the public and other organisations do not see the draft; the organisation's viewer does
    assert reports(client, algorithm) == []
    assert reports(client, algorithm, tokens["other"]) == []
    assert [r["id"] for r in reports(client, algorithm, tokens["viewer"])] == [report["id"]]
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/document").status_code == 404
    assert client.get(base, headers=tokens["viewer"]).status_code == 200
    assert client.get("/api/v1/bias-reports").json()["total"] == 0
    # an editor may not publish; a publisher may
    assert client.post(f"{base}/publish", headers=tokens["editor"]).status_code == 403
    published = client.post(f"{base}/publish", headers=tokens["publisher"])
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published"
    assert published.json()["published_by"] == "token:test-publisher"
    # now everyone reads it, without the names of the people who made it
    public = client.get(base).json()
    assert public["state"] == "published" and public["created_by"] is None and public["published_by"] is None
    assert public["links"]["page"] == f"/algoritme/{algorithm}/biastoets/{report['id']}"
    assert [r["id"] for r in reports(client, algorithm)] == [report["id"]]
    listed = client.get("/api/v1/bias-reports").json()
    assert listed["total"] == 1 and listed["items"][0]["algorithm"] == algorithm
    assert listed["items"][0]["organisation"] == {"code": "gm0001", "name": "Gemeente Een"}


def test_the_document_is_served_as_attached_with_its_digest(
    client: TestClient, tokens: dict[str, Headers], algorithm: str
) -> None:
    report = attach(client, algorithm, tokens["editor"]).json()
    base = f"/api/v1/algorithms/{algorithm}/bias-reports/{report['id']}"
    client.post(f"{base}/publish", headers=tokens["publisher"])
    # when the document is fetched
    response = client.get(f"{base}/document")
    # then it is JSON, the very document, whose digest is the ETag and which still verifies
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["etag"] == f'"{report["digest"]}"'
    document = json.loads(response.content)
    assert document == bias_document()
    assert from_document(document) == bias_analysis()
    # and a client that has it gets 304
    again = client.get(f"{base}/document", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def _tampered() -> dict[str, Any]:
    document = bias_document()
    document["body"]["findings"][0]["verdict"] = "inconclusive"
    return document


@pytest.mark.parametrize(
    ("who", "changes", "status", "field"),
    [
        ("editor", {"document": _tampered()}, 422, "document.integrity.digest"),
        ("editor", {"document": {**bias_document(), "format": "other/9"}}, 422, "document.format"),
        ("editor", {"document": {**bias_document(), "mode": "rows"}}, 422, "document.mode"),
        ("editor", {"title": " "}, 422, "title"),
        ("editor", {"document": {**bias_document(), "padding": "x" * MAX_DOCUMENT_BYTES}}, 413, "document"),
        ("viewer", {}, 403, None),
        ("other", {}, 403, None),
        (None, {}, 401, None),
    ],
    ids=["tampered", "format", "mode", "title", "too-large", "viewer", "other-organisation", "no-token"],
)
def test_a_refused_attachment_names_the_problem_and_stores_nothing(
    client: TestClient,
    tokens: dict[str, Headers],
    algorithm: str,
    who: str | None,
    changes: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    response = attach(client, algorithm, tokens[who] if who else {}, **changes)
    assert response.status_code == status, response.text
    if field is not None:
        assert field in [error["field"] for error in response.json()["errors"]]
    assert reports(client, algorithm, tokens["viewer"]) == []


def test_a_body_over_the_request_limit_is_refused_before_it_is_read(
    client: TestClient, tokens: dict[str, Headers], algorithm: str
) -> None:
    response = attach(client, algorithm, tokens["editor"], document={"padding": "x" * (6 * 1024 * 1024)})
    assert response.status_code == 413
    assert reports(client, algorithm, tokens["viewer"]) == []


def test_details_are_edited_while_not_published_and_a_withdrawn_report_is_gone_for_the_public(
    client: TestClient, tokens: dict[str, Headers], algorithm: str
) -> None:
    report = attach(client, algorithm, tokens["editor"]).json()
    base = f"/api/v1/algorithms/{algorithm}/bias-reports/{report['id']}"
    # the editor changes the period only; the rest stays
    edited = client.patch(base, json={"period": "Eerste helft 2025"}, headers=tokens["editor"])
    assert edited.status_code == 200, edited.text
    assert (edited.json()["period"], edited.json()["title"]) == ("Eerste helft 2025", BODY["title"])
    assert client.patch(base, json={"title": "x"}, headers=tokens["viewer"]).status_code == 403
    # a published report cannot be edited, and cannot be published twice
    client.post(f"{base}/publish", headers=tokens["publisher"])
    assert client.patch(base, json={"title": "Anders"}, headers=tokens["editor"]).status_code == 409
    assert client.post(f"{base}/publish", headers=tokens["publisher"]).status_code == 409
    # withdrawn, it is gone for the public and can be edited again
    withdrawn = client.post(f"{base}/withdraw", headers=tokens["publisher"])
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert client.get(base).status_code == 404
    assert client.get("/api/v1/bias-reports").json()["total"] == 0
    assert client.patch(base, json={"title": "Anders"}, headers=tokens["editor"]).json()["title"] == "Anders"
    assert client.post(f"{base}/withdraw", headers=tokens["publisher"]).status_code == 409
    # the audit log of the algorithm holds every step
    audit = client.get(f"/api/v1/algorithms/{algorithm}/audit", headers=tokens["viewer"]).json()
    steps = [event["action"] for event in audit if event["action"].startswith("bias_report.")]
    assert steps == [
        "bias_report.attach",
        "bias_report.edit",
        "bias_report.publish",
        "bias_report.withdraw",
        "bias_report.edit",
    ]


def test_the_public_list_filters_and_pages(
    client: TestClient, tokens: dict[str, Headers], algorithm: str
) -> None:
    # given three published reports, one of them without any disparity
    equal = bias_document(disparity=False)
    ids = []
    for title, document in (("Wijk A", bias_document()), ("Leeftijd", equal), ("Wijk B", bias_document())):
        report = attach(
            client, algorithm, tokens["editor"], title=title, description="", document=document
        ).json()
        client.post(
            f"/api/v1/algorithms/{algorithm}/bias-reports/{report['id']}/publish", headers=tokens["publisher"]
        )
        ids.append(report["id"])

    def found(query: str) -> tuple[int, list[int]]:
        response = client.get(f"/api/v1/bias-reports?{query}")
        assert response.status_code == 200, response.text
        return response.json()["total"], [item["id"] for item in response.json()["items"]]

    assert found("") == (3, ids[::-1])
    assert found("verdict=disparity_found") == (2, [ids[2], ids[0]])
    assert found("verdict=inconclusive") == (0, [])
    assert found("verdict=inconclusive&verdict=disparity_found") == (2, [ids[2], ids[0]])
    assert found("q=wijk&limit=1&offset=1") == (2, [ids[0]])
    assert found("organisation=gm0002") == (0, [])
    assert found("organisation=gm0001&q=leeftijd") == (1, [ids[1]])
    assert client.get("/api/v1/bias-reports?verdict=maybe").status_code == 422
