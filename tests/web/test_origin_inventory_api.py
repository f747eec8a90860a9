"""The JSON API of the origin-data inventory on the real app: access by token role, the whole path from
proposal by the origin scan to a closed remediation case, and clear errors."""

import base64
import io
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient

from algoreg.register.roles import Role
from tests.inventory.origin_support import Factory, organisation_with_algorithm
from tests.inventory.test_origin_uses import applicants

API = "/api/v1/origin-inventory"
Tokens = Callable[..., dict[str, str]]


@pytest.fixture
def algorithm(factory: Factory, make_organisation: Callable[..., str]) -> str:
    return organisation_with_algorithm(factory, make_organisation)


def new_use(client: TestClient, headers: dict[str, str], **fields: object) -> dict[str, object]:
    body = {
        "organisation": "gm0001",
        "data_kind": "country_of_birth",
        "purpose": "Risicoscore voor controle",
        "legal_basis": "Geen",
        "system_name": "Selectielijst",
        "column_name": "geboorteland",
        **fields,
    }
    response = client.post(f"{API}/uses", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_the_public_and_viewers_get_nothing(client: TestClient, algorithm: str, make_token: Tokens) -> None:
    use = new_use(client, make_token("gm0001", Role.EDITOR))
    assert client.get(f"{API}/uses").status_code == 401
    viewer = make_token("gm0001", Role.VIEWER)
    assert client.get(f"{API}/uses/{use['id']}", headers=viewer).status_code == 404
    assert client.get(f"{API}/uses", headers=viewer).json()["items"] == []
    other = make_token("gm0002", Role.ADMIN)
    assert client.get(f"{API}/uses/{use['id']}/history", headers=other).status_code == 404
    assert client.get(f"{API}/uses?organisation=gm0001", headers=other).status_code == 404
    # nothing of the inventory is in the public API's description either way: it needs a token
    assert client.post(f"{API}/uses", json={"organisation": "gm0001"}).status_code == 401


def test_from_proposal_to_closed_case(client: TestClient, algorithm: str, make_token: Tokens) -> None:
    editor = make_token("gm0001", Role.EDITOR)
    publisher = make_token("gm0001", Role.PUBLISHER)
    # the origin scan proposes uses from an uploaded data set
    data = io.BytesIO()
    applicants().write_csv(data)
    proposed = client.post(
        f"{API}/proposals",
        data={"organisation": "gm0001", "algorithm": algorithm},
        files={"data": ("aanvragen.csv", data.getvalue(), "text/csv")},
        headers=editor,
    )
    assert proposed.status_code == 201, proposed.text
    body = proposed.json()
    assert body["columns_checked"] == 5 and body["skipped"] == []
    nationality = next(item for item in body["created"] if item["column_name"] == "Nationaliteit")
    assert nationality["data_kind"] == "nationality" and nationality["status"] == "proposed"
    assert nationality["source"] == "scan" and nationality["algorithm"] == algorithm
    # again: nothing twice
    again = client.post(
        f"{API}/proposals",
        data={"organisation": "gm0001", "algorithm": algorithm},
        files={"data": ("aanvragen.csv", data.getvalue(), "text/csv")},
        headers=editor,
    )
    assert again.json()["created"] == [] and len(again.json()["skipped"]) == 3
    use = f"{API}/uses/{nationality['id']}"
    # confirming needs a purpose
    refused = client.post(f"{use}/confirm", headers=editor)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "purpose"
    confirmed = client.post(f"{use}/confirm", json={"purpose": "Risicoscore"}, headers=editor)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    # an editor may not determine; a publisher may
    determination = {"outcome": "improper", "reasoning": "Ander doel dan verzameld.", "decided_by": "FG"}
    assert client.post(f"{use}/determinations", json=determination, headers=editor).status_code == 403
    determined = client.post(f"{use}/determinations", json=determination, headers=publisher)
    assert determined.status_code == 201, determined.text
    case = determined.json()["remediation"]
    assert determined.json()["determination"]["outcome"] == "improper"
    assert case["state"] == "open" and [step["step"] for step in case["steps"]] == [
        "use_ended",
        "people_informed",
        "data_cleaned",
    ]
    # closing before the steps are done is refused with each step named
    early = client.post(f"{use}/remediation/close", headers=publisher)
    assert early.status_code == 422
    assert {error["field"] for error in early.json()["errors"]} == {
        "steps.use_ended",
        "steps.people_informed",
        "steps.data_cleaned",
    }
    # the steps are done by the editor, each with evidence
    steps: dict[str, dict[str, object]] = {
        "use_ended": {"note": "Kolom verwijderd"},
        "people_informed": {"people_count": 420, "inform_method": "Brief"},
        "data_cleaned": {
            "datasets": "aanvragen",
            "records_removed": 420,
            "records_corrected": 3,
            "verification": "Controle door audit",
        },
    }
    for name, facts in steps.items():
        done = {"status": "done", "owner": "Team", "completed_on": date.today().isoformat(), **facts}
        changed = client.patch(f"{use}/remediation/steps/{name}", json=done, headers=editor)
        assert changed.status_code == 200, changed.text
    link = {"kind": "link", "url": "https://dms.example/1", "description": "Besluit"}
    assert (
        client.post(f"{use}/remediation/steps/use_ended/evidence", json=link, headers=editor).status_code
        == 201
    )
    assert (
        client.post(f"{use}/remediation/steps/data_cleaned/evidence", json=link, headers=editor).status_code
        == 201
    )
    still = client.post(f"{use}/remediation/close", headers=publisher)
    assert [error["field"] for error in still.json()["errors"]] == ["steps.people_informed"]
    upload = {
        "kind": "file",
        "description": "De brief",
        "file_name": "brief.txt",
        "media_type": "text/plain",
        "content_base64": base64.b64encode(b"Beste inwoner").decode(),
    }
    added = client.post(f"{use}/remediation/steps/people_informed/evidence", json=upload, headers=editor)
    assert added.status_code == 201, added.text
    downloaded = client.get(added.json()["file"], headers=editor)
    assert (
        downloaded.content == b"Beste inwoner" and "attachment" in downloaded.headers["content-disposition"]
    )
    # an editor may not close; a publisher may
    assert client.post(f"{use}/remediation/close", headers=editor).status_code == 403
    closed = client.post(f"{use}/remediation/close", headers=publisher)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    # reopening needs a reason
    assert client.post(f"{use}/remediation/reopen", json={"reason": ""}, headers=publisher).status_code == 422
    reopened = client.post(f"{use}/remediation/reopen", json={"reason": "Nog een bestand"}, headers=publisher)
    assert reopened.json()["state"] == "open" and reopened.json()["reopen_reason"] == "Nog een bestand"
    # the history has it all
    history = client.get(f"{use}/history", headers=editor).json()
    actions = [event["action"] for event in history]
    assert actions[:4] == ["propose", "confirm", "determine", "case_opened"]
    assert actions[-2:] == ["case_closed", "case_reopened"] and actions.count("evidence_added") == 3


def test_list_filters_and_totals(client: TestClient, algorithm: str, make_token: Tokens) -> None:
    admin = make_token("gm0001", Role.ADMIN)
    first = new_use(client, admin, column_name="a")
    new_use(client, admin, column_name="b")
    body = {"outcome": "unlawful", "reasoning": "Geen grondslag", "decided_by": "FG"}
    assert (
        client.post(f"{API}/uses/{first['id']}/determinations", json=body, headers=admin).status_code == 201
    )
    listing = client.get(f"{API}/uses", params={"determination": "unlawful"}, headers=admin).json()
    assert [item["id"] for item in listing["items"]] == [first["id"]]
    assert listing["totals"]["total"] == 2
    assert listing["totals"]["by_determination"] == {"unlawful": 1, "none": 1}
    assert listing["totals"]["by_remediation"] == {"open": 1, "none": 1}
    assert (
        client.get(f"{API}/uses", params={"remediation": "open"}, headers=admin).json()["items"][0]["id"]
        == first["id"]
    )
    assert client.get(f"{API}/uses", params={"determination": "maybe"}, headers=admin).status_code == 422


def test_bad_input_is_named_by_field(client: TestClient, algorithm: str, make_token: Tokens) -> None:
    editor = make_token("gm0001", Role.EDITOR)
    wrong = client.post(
        f"{API}/uses",
        json={"organisation": "gm0001", "data_kind": "other", "purpose": "", "algorithm": "onbekend"},
        headers=editor,
    )
    assert wrong.status_code == 422
    assert {error["field"] for error in wrong.json()["errors"]} == {"data_detail", "purpose", "algorithm"}
    unknown_kind = client.post(
        f"{API}/uses", json={"organisation": "gm0001", "data_kind": "religie"}, headers=editor
    )
    assert unknown_kind.status_code == 422 and unknown_kind.json()["errors"][0]["field"] == "data_kind"
    use = new_use(client, editor)
    duplicate = client.post(
        f"{API}/uses",
        json={
            "organisation": "gm0001",
            "data_kind": "nationality",
            "purpose": "x",
            "system_name": "selectielijst",
            "column_name": "Geboorteland",
        },
        headers=editor,
    )
    assert duplicate.status_code == 409 and f"use {use['id']}" in duplicate.json()["detail"]
    not_a_file = client.post(
        f"{API}/proposals",
        data={"organisation": "gm0001"},
        files={"data": ("gegevens.txt", b"a,b\n1,2\n", "text/plain")},
        headers=editor,
    )
    assert not_a_file.status_code == 422 and not_a_file.json()["errors"][0]["field"] == "data"
    viewer = make_token("gm0001", Role.VIEWER)
    refused = client.post(
        f"{API}/proposals",
        data={"organisation": "gm0001"},
        files={"data": ("a.csv", b"nationaliteit\nNL\n", "text/csv")},
        headers=viewer,
    )
    assert refused.status_code == 404
    patched = client.patch(f"{API}/uses/{use['id']}", json={"legal_basis": "Art. 5 AVG"}, headers=editor)
    assert patched.status_code == 200 and patched.json()["legal_basis"] == "Art. 5 AVG"
    assert patched.json()["purpose"] == "Risicoscore voor controle"
