"""The campaign API on the real app: run by the central organisation, answered by the asked ones."""

import csv
import html
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]

from algoreg.register.roles import Role
from tests.samples import sample_record

Headers = dict[str, str]
CAMPAIGN = {
    "title": "Uitvraag mensenrechtenrisico's",
    "description": "Pas een IAMA toe en publiceer.",
    "contact_name": "Coördinator",
    "contact_email": "algoritmes@minbzk.nl",
    "deadline": "2027-03-01",
}


@pytest.fixture
def tokens(make_organisation: Callable[..., str], make_token: Callable[..., Headers]) -> dict[str, Headers]:
    make_organisation("bzk", "Ministerie van BZK", "ministerie")
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    return {
        "bzk": make_token("bzk", Role.PUBLISHER),
        "bzk-viewer": make_token("bzk", Role.VIEWER),
        "gm0001": make_token("gm0001", Role.EDITOR),
        "gm0001-viewer": make_token("gm0001", Role.VIEWER),
        "gm0002": make_token("gm0002", Role.ADMIN),
    }


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


@pytest.fixture
def running(client: TestClient, tokens: dict[str, Headers]) -> dict[str, Any]:
    """An open campaign asking gm0001 and gm0002, and an algorithm of gm0001."""
    created = client.post("/api/v1/organisations/bzk/campaigns", json=CAMPAIGN, headers=tokens["bzk"])
    campaign = ok(created, 201)
    assert created.headers["location"] == f"/api/v1/campaigns/{campaign['id']}"
    assert [a["key"] for a in campaign["actions"]] == ["iama", "register"]
    ok(
        client.post(
            f"/api/v1/campaigns/{campaign['id']}/targets",
            json={"organisations": ["gm0001", "gm0002"]},
            headers=tokens["bzk"],
        )
    )
    ok(client.post(f"/api/v1/campaigns/{campaign['id']}/open", headers=tokens["bzk"]))
    algorithm = ok(
        client.post(
            "/api/v1/organisations/gm0001/algorithms",
            json=sample_record(organization="Gemeente Een"),
            headers=tokens["gm0001"],
        ),
        201,
    )["id"]
    return {"id": campaign["id"], "algorithm": algorithm}


def test_an_organisation_answers_and_asks_for_support_which_the_centre_decides(
    client: TestClient, tokens: dict[str, Headers], running: dict[str, Any]
) -> None:
    base = f"/api/v1/campaigns/{running['id']}"
    # gm0001 puts its algorithm in scope, asks for support and declares its list complete
    ok(
        client.post(
            f"{base}/answers/gm0001/algorithms",
            json={"algorithm": running["algorithm"], "human_rights_risks": "Discriminatie op herkomst"},
            headers=tokens["gm0001"],
        ),
        201,
    )
    answer = ok(
        client.post(
            f"{base}/answers/gm0001/support-requests",
            json={
                "algorithm": running["algorithm"],
                "expertise": True,
                "budget_euros": 30000,
                "reason": "Geen jurist",
            },
            headers=tokens["gm0001"],
        ),
        201,
    )
    ok(client.put(f"{base}/answers/gm0001/declaration", json={"complete": True}, headers=tokens["gm0001"]))
    # it sees its own part only
    assert [t["code"] for t in answer["targets"]] == ["gm0001"]
    request_id = answer["targets"][0]["support"][0]["id"]
    item = answer["targets"][0]["items"][0]
    assert (
        item["statuses"]["iama"]["state"] == "not_started"
        and item["statuses"]["register"]["state"] == "in_progress"
    )
    # the centre sees everyone, and grants the request with a reason
    decided = ok(
        client.post(
            f"{base}/support-requests/{request_id}/decision",
            json={"grant": True, "reason": "Pool van juristen"},
            headers=tokens["bzk"],
        )
    )
    assert [t["code"] for t in decided["targets"]] == ["gm0001", "gm0002"]
    assert decided["targets"][0]["support"][0]["state"] == "granted"
    # and exports the progress for its letter
    exported = client.get(f"{base}/export?format=csv", headers=tokens["bzk-viewer"])
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["organisatie_code"], r["actie"], r["status"]) for r in rows] == [
        ("gm0001", "IAMA uitgevoerd", "not_started"),
        ("gm0001", "Gepubliceerd in een algoritmeregister", "in_progress"),
        ("gm0002", "", ""),
    ]
    workbook = load_workbook(
        io.BytesIO(client.get(f"{base}/export?format=xlsx", headers=tokens["bzk"]).content)
    )
    assert workbook.active.max_row == 4


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "status"),
    [
        (None, "get", "", None, 401),
        ("gm0002", "post", "/answers/gm0001/algorithms", {"algorithm": "x", "human_rights_risks": "x"}, 404),
        ("gm0001-viewer", "put", "/answers/gm0001/declaration", {"complete": True}, 403),
        ("bzk-viewer", "post", "/close", None, 403),
        ("gm0001", "post", "/close", None, 403),
        ("gm0001", "post", "/targets", {"organisations": ["gm0002"]}, 403),
    ],
)
def test_writes_are_refused_to_the_wrong_people(
    client: TestClient,
    tokens: dict[str, Headers],
    running: dict[str, Any],
    who: str | None,
    method: str,
    path: str,
    body: Any,
    status: int,
) -> None:
    headers = tokens[who] if who else {}
    response = getattr(client, method)(
        f"/api/v1/campaigns/{running['id']}{path}", headers=headers, **({"json": body} if body else {})
    )
    assert response.status_code == status, response.text


def test_bad_input_names_the_field(
    client: TestClient, tokens: dict[str, Headers], running: dict[str, Any]
) -> None:
    response = client.post(
        "/api/v1/organisations/bzk/campaigns",
        json={**CAMPAIGN, "contact_email": "nee", "deadline": "1 maart"},
        headers=tokens["bzk"],
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"contact_email", "deadline"}
    support = client.post(
        f"/api/v1/campaigns/{running['id']}/answers/gm0001/support-requests",
        json={"reason": "Hulp"},
        headers=tokens["gm0001"],
    )
    assert support.status_code == 422 and "expertise" in support.text


def test_a_summary_for_parliament_counts_what_the_records_say(
    client: TestClient, tokens: dict[str, Headers], running: dict[str, Any]
) -> None:
    base = f"/api/v1/campaigns/{running['id']}"
    ok(
        client.post(
            f"{base}/answers/gm0001/algorithms",
            json={"algorithm": running["algorithm"], "human_rights_risks": "<script>alert(1)</script>"},
            headers=tokens["gm0001"],
        ),
        201,
    )
    ok(
        client.post(
            f"{base}/answers/gm0001/support-requests",
            json={"budget_euros": 12500, "reason": "Extern bureau"},
            headers=tokens["gm0001"],
        ),
        201,
    )
    page = client.get(f"{base}/summary?format=html&lang=nl", headers=tokens["bzk"])
    assert page.status_code == 200
    found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", page.text, re.DOTALL)
    cells = [html.unescape(" ".join(cell.split())) for cell in found]
    assert cells[:6] == [
        "Organisaties gevraagd",
        "2",
        "Lijst volledig verklaard",
        "0",
        "Algoritmen met risico's voor mensenrechten",
        "1",
    ]
    assert "12500" in cells and "<script>" not in page.text
    pdf = client.get(f"{base}/summary", headers=tokens["bzk"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"{base}/summary", headers=tokens["gm0002"]).status_code == 200  # its own part only
