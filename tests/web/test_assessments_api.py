"""The JSON API of assessments on the real app: two tokens in different roles answer, bad answers get
422 naming each question, sign-off refused then accepted, the register entry in a new concept version,
reopening, outputs in four formats, and who is refused."""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from algoreg.register.roles import Role
from tests.instruments.assessment_support import COMPLETE, REGISTER_TITLE, Factory, store_test_instrument
from tests.samples import sample_record

Headers = dict[str, str]


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


@pytest.fixture
def instrument(factory: Factory, tokens: dict[str, Headers]) -> int:
    """The test instrument of gm0001; it marks no signing role, so publishers sign off."""
    return store_test_instrument(factory, "gm0001", register_title=REGISTER_TITLE, signing_roles=[])


def started(client: TestClient, tokens: dict[str, Headers], algorithm: str, instrument: int) -> str:
    response = client.post(
        f"/api/v1/algorithms/{algorithm}/assessments",
        json={"instrument": instrument},
        headers=tokens["editor"],
    )
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == response.json()["links"]["self"]
    return str(response.json()["links"]["self"])


def post_answers(client: TestClient, base: str, headers: Headers, **answers: Any) -> Any:
    return client.post(f"{base}/answers", json={"answers": answers}, headers=headers)


def test_two_tokens_answer_sign_off_is_refused_then_accepted_and_the_register_gets_the_link(
    client: TestClient, tokens: dict[str, Headers], algorithm: str, instrument: int
) -> None:
    # given
    listed = client.get("/api/v1/instruments", headers=tokens["viewer"]).json()
    assert [(item["id"], item["key"], item["signing_roles"]) for item in listed] == [
        (instrument, "test-impact", [])
    ]
    base = started(client, tokens, algorithm, instrument)
    # when: the editor and the publisher answer
    first = post_answers(client, base, tokens["editor"], purpose="Eerste versie", learning=True)
    second = post_answers(client, base, tokens["publisher"], purpose="Tweede versie", training="Besluiten")
    # then
    assert first.status_code == 200 and second.status_code == 200, second.text
    body = second.json()["assessment"]
    assert body["answers"]["purpose"]["author"] == "token:test-publisher"
    assert body["answers"]["learning"]["author"] == "token:test-editor"
    assert [(part["part"], part["required"], part["required_answered"]) for part in body["progress"]] == [
        ("basics", 4, 3),
        ("closing", 1, 0),
    ]
    history = client.get(f"{base}/history", params={"question": "purpose"}, headers=tokens["viewer"]).json()
    assert [(item["value"], item["author"]) for item in history] == [
        ("Eerste versie", "token:test-editor"),
        ("Tweede versie", "token:test-publisher"),
    ]
    # when: signed off too early
    early = client.post(f"{base}/sign-off", json={}, headers=tokens["publisher"])
    # then
    assert early.status_code == 422
    assert {error["field"] for error in early.json()["errors"]} == {"prohibited", "signature"}
    # when: completed, the editor may not sign off, the publisher may
    rest = {key: value for key, value in COMPLETE.items() if key not in ("purpose", "learning")}
    assert post_answers(client, base, tokens["editor"], **rest).status_code == 200
    assert client.post(f"{base}/sign-off", json={}, headers=tokens["editor"]).status_code == 403
    signed = client.post(f"{base}/sign-off", json={"note": "Akkoord"}, headers=tokens["publisher"])
    # then
    assert signed.status_code == 200, signed.text
    assert signed.json()["state"] == "signed_off"
    link = signed.json()["sign_offs"][0]["register_link"]
    assert urlsplit(link).path == f"{base}/output"
    draft = client.get(f"/api/v1/algorithms/{algorithm}/draft", headers=tokens["viewer"]).json()
    assert draft["state"] == "concept"
    assert draft["latest"]["record"]["impacttoetsen_grouping"] == [{"title": REGISTER_TITLE, "link": link}]
    # when: reopened, the answers and their history stay
    reopened = client.post(f"{base}/reopen", json={"reason": "Nieuwe gegevens"}, headers=tokens["publisher"])
    assert reopened.status_code == 200
    assert (reopened.json()["state"], reopened.json()["round"]) == ("reopened", 2)
    assert reopened.json()["answers"]["purpose"]["value"] == "Tweede versie"


@pytest.mark.parametrize(
    ("answers", "field", "reason"),
    [
        ({"colour": "x"}, "colour", "there is no question 'colour' in 'test-impact' 1.0"),
        ({"learning": "ja"}, "learning", '"ja" is not an option; allowed: one of true, false'),
        (
            {"learning": False, "training": "Besluiten"},
            "training",
            "is not asked now: it is asked only for certain answers to 'learning'; change those first",
        ),
    ],
)
def test_a_bad_answer_gets_422_naming_the_question(
    client: TestClient,
    tokens: dict[str, Headers],
    algorithm: str,
    instrument: int,
    answers: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    base = started(client, tokens, algorithm, instrument)
    response = post_answers(client, base, tokens["editor"], **answers)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "reason": reason}]
    assert client.get(base, headers=tokens["editor"]).json()["answers"] == {}


def test_other_organisations_viewers_and_the_public_are_refused(
    client: TestClient, tokens: dict[str, Headers], algorithm: str, instrument: int
) -> None:
    base = started(client, tokens, algorithm, instrument)
    assert client.get(base, headers=tokens["other"]).status_code == 404
    assert (
        client.get(f"/api/v1/algorithms/{algorithm}/assessments", headers=tokens["other"]).status_code == 404
    )
    assert post_answers(client, base, tokens["other"], purpose="x").status_code == 403
    assert post_answers(client, base, tokens["viewer"], purpose="x").status_code == 403
    assert post_answers(client, base, {}, purpose="x").status_code == 401
    assert client.get(f"{base}/output").status_code == 404
    refused = client.post(
        f"/api/v1/algorithms/{algorithm}/assessments",
        json={"instrument": instrument},
        headers=tokens["other"],
    )
    assert refused.status_code == 403
    assert client.get(base, headers=tokens["viewer"]).status_code == 200


def test_the_outputs_hold_the_answers_and_the_public_reads_the_signed_one_once_published(
    client: TestClient, tokens: dict[str, Headers], algorithm: str, instrument: int
) -> None:
    # given: a signed-off assessment
    base = started(client, tokens, algorithm, instrument)
    assert post_answers(client, base, tokens["editor"], **COMPLETE).status_code == 200
    assert client.post(f"{base}/sign-off", json={}, headers=tokens["publisher"]).status_code == 200
    # when
    outputs = {
        kind: client.get(f"{base}/output", params={"format": kind}, headers=tokens["viewer"])
        for kind in ("json", "md", "html", "pdf")
    }
    # then
    assert all(response.status_code == 200 for response in outputs.values())
    document = json.loads(outputs["json"].content)
    assert document["format"] == "algoreg-assessment/1"
    assert document["answers"]["purpose"]["value"] == "Aanvragen sneller beoordelen"
    assert document["answers"]["purpose"]["author"] == "token:test-editor"
    assert document["history"][0]["answered_at"]
    assert document["sign_offs"][0]["signed_as"] == "publisher"
    assert document["action_points"][0]["values"] == {"action": "Uitleg op de website zetten"}
    markdown = outputs["md"].text
    assert "Aanvragen sneller beoordelen" in markdown and "Uitleg op de website zetten" in markdown
    assert "## Voortgang" in markdown and "ondertekend door Jan Jansen" in markdown
    html = outputs["html"].text
    assert outputs["html"].headers["content-type"].startswith("text/html")
    assert "Aanvragen sneller beoordelen" in html and "Beantwoord door token:test-editor" in html
    assert outputs["pdf"].content.startswith(b"%PDF")
    english = client.get(f"{base}/output", params={"format": "md", "lang": "en"}, headers=tokens["viewer"])
    assert "## Progress" in english.text
    # when: the public asks before and after the version with the link is published
    before = client.get(f"{base}/output", params={"format": "json"})
    for action in ("submit", "approve", "publish"):
        client.post(f"/api/v1/algorithms/{algorithm}/actions/{action}", headers=tokens["publisher"])
    after = client.get(f"{base}/output", params={"format": "json"})
    # then: the signed answers, without names
    assert before.status_code == 404
    assert after.status_code == 200, after.text
    public = after.json()
    assert public["public"] is True
    assert public["answers"]["purpose"] == {
        "value": "Aanvragen sneller beoordelen",
        "author": None,
        "answered_at": None,
        "round": None,
    }
    assert public["history"] == [] and public["participants"] == []
    assert public["sign_offs"][0]["signed_by"] is None


def test_participants_are_added_listed_and_removed(
    client: TestClient,
    tokens: dict[str, Headers],
    algorithm: str,
    instrument: int,
    factory: Factory,
) -> None:
    from algoreg.db.session import transaction
    from algoreg.register import accounts
    from algoreg.register.roles import SYSTEM

    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, "eva", "Eva de Vries", None)
        accounts.grant_role(session, SYSTEM, "eva", "gm0001", Role.EDITOR)
    base = started(client, tokens, algorithm, instrument)
    added = client.post(
        f"{base}/participants", json={"username": "eva", "role": "Jurist"}, headers=tokens["editor"]
    )
    assert added.status_code == 201, added.text
    wrong = client.post(
        f"{base}/participants", json={"username": "eva", "role": "Kok"}, headers=tokens["editor"]
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "role"
    listed = client.get(f"{base}/participants", headers=tokens["viewer"]).json()
    assert [(item["username"], item["name"], item["role"]) for item in listed] == [
        ("eva", "Eva de Vries", "Jurist")
    ]
    gone = client.delete(f"{base}/participants/{added.json()['id']}", headers=tokens["editor"])
    assert gone.status_code == 204
    assert client.get(f"{base}/participants", headers=tokens["viewer"]).json() == []
