"""The non-discrimination checklist API over HTTP on the real app: the overview per phase × principle,
answering an item with the algorithm's bias reports as evidence, its history, bad input named by
field with nothing stored, and refusals."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import ChecklistAnswerEvent, ChecklistAnswerRecord
from algoreg.db.session import transaction
from algoreg.instruments.framework.checklist_store import non_discrimination_checklist
from algoreg.register.roles import Role
from tests.register.test_bias_reports import bias_document
from tests.samples import sample_record

Headers = dict[str, str]
Factory = sessionmaker[Session]
REQUIRED = "ndd-data-evaluation"
PLAIN = "ndd-problem-diversity"


@pytest.fixture
def tokens(make_organisation: Callable[..., str], make_token: Callable[..., Headers]) -> dict[str, Headers]:
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    return {
        "viewer": make_token("gm0001", Role.VIEWER),
        "editor": make_token("gm0001", Role.EDITOR),
        "other": make_token("gm0002", Role.ADMIN),
    }


def new_algorithm(client: TestClient, headers: Headers) -> str:
    record = sample_record(organization="Gemeente Een")
    created = client.post("/api/v1/organisations/gm0001/algorithms", json=record, headers=headers)
    assert created.status_code == 201, created.text
    public_id: str = created.json()["id"]
    return public_id


@pytest.fixture
def algorithm(client: TestClient, tokens: dict[str, Headers]) -> str:
    return new_algorithm(client, tokens["editor"])


def attach(client: TestClient, public_id: str, headers: Headers, title: str = "Toets") -> int:
    body = {"title": title, "period": "2025", "document": bias_document()}
    attached = client.post(f"/api/v1/algorithms/{public_id}/bias-reports", json=body, headers=headers)
    assert attached.status_code == 201, attached.text
    report_id: int = attached.json()["id"]
    return report_id


def base(public_id: str) -> str:
    return f"/api/v1/algorithms/{public_id}/non-discrimination-checklist"


def count(factory: Factory, model: type) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def cell(overview: dict[str, Any], phase: str, principle: str) -> tuple[int, int]:
    (found,) = [c for c in overview["cells"] if c["phase"] == phase and c["principle"] == principle]
    return found["settled"], found["total"]


def test_the_overview_holds_the_definition_every_item_and_a_cell_per_phase_and_principle(
    client: TestClient, tokens: dict[str, Headers], algorithm: str
) -> None:
    got = client.get(base(algorithm), headers=tokens["viewer"])
    assert got.status_code == 200, got.text
    overview = got.json()
    checklist = non_discrimination_checklist()
    assert overview["algorithm"] == algorithm and overview["complete"] is False
    assert overview["checklist"]["id"] == checklist.id
    assert [p["id"] for p in overview["checklist"]["principles"]] == [p.id for p in checklist.principles]
    assert len(overview["cells"]) == len(checklist.phases) * len(checklist.principles)
    assert len(overview["items"]) == len(checklist.items)
    first = overview["items"][0]
    assert first["state"] == "open" and first["bias_reports"] == [] and set(first["text"]) == {"nl", "en"}


def test_an_item_is_answered_with_a_report_as_evidence_and_its_history_kept(
    client: TestClient, tokens: dict[str, Headers], algorithm: str
) -> None:
    report_id = attach(client, algorithm, tokens["editor"], "Toets op wijk")
    item = f"{base(algorithm)}/items/{REQUIRED}"
    # met without a report: stored, evidence missing, not settled
    put = client.put(item, json={"state": "met", "note": "Gemeten"}, headers=tokens["editor"])
    assert put.status_code == 200, put.text
    assert put.json()["evidence_missing"] is True and put.json()["settled"] is False
    # with the report linked: settled, and the cell counts it
    put = client.put(
        item,
        json={"state": "met", "note": "Gemeten", "bias_report_ids": [report_id]},
        headers=tokens["editor"],
    )
    answered = put.json()
    assert answered["settled"] is True and answered["updated_by"] == "token:test-editor"
    (linked,) = answered["bias_reports"]
    assert linked["id"] == report_id and linked["state"] == "draft" and linked["counts_as_evidence"] is True
    assert linked["url"] == f"/api/v1/algorithms/{algorithm}/bias-reports/{report_id}"
    overview = client.get(base(algorithm), headers=tokens["viewer"]).json()
    assert cell(overview, "dataverkenning-en-datapreparatie", "evaluation") == (1, 1)
    history = client.get(f"{item}/history", headers=tokens["viewer"])
    assert history.status_code == 200
    assert [event["changes"] for event in history.json()] == [
        {"state": ["open", "met"], "note": [None, "Gemeten"]},
        {"bias_report_ids": [[], [report_id]]},
    ]
    assert client.get(f"{base(algorithm)}/items/{PLAIN}/history", headers=tokens["viewer"]).json() == []


def test_bad_answers_are_422_naming_the_field_and_store_nothing(
    client: TestClient, tokens: dict[str, Headers], algorithm: str, factory: Factory
) -> None:
    other_algorithm = new_algorithm(client, tokens["editor"])
    foreign = attach(client, other_algorithm, tokens["editor"])
    item = f"{base(algorithm)}/items/{PLAIN}"
    refused = client.put(
        item, json={"state": "not_applicable", "bias_report_ids": [foreign]}, headers=tokens["editor"]
    )
    assert refused.status_code == 422
    fields = {problem["field"]: problem["reason"] for problem in refused.json()["errors"]}
    assert set(fields) == {"note", "bias_report_ids[0]"}
    assert f"not a bias report of algorithm '{algorithm}'" in fields["bias_report_ids[0]"]
    wrong_state = client.put(item, json={"state": "done"}, headers=tokens["editor"])
    assert wrong_state.status_code == 422 and wrong_state.json()["errors"][0]["field"] == "state"
    too_large = client.put(item, json={"state": "met", "bias_report_ids": [2**40]}, headers=tokens["editor"])
    assert too_large.status_code == 422
    assert too_large.json()["errors"][0]["field"] == "bias_report_ids.0"
    missing = client.put(item, json={"note": "x"}, headers=tokens["editor"])
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "state"
    unknown = client.put(f"{base(algorithm)}/items/ndd-niet", json={"state": "met"}, headers=tokens["editor"])
    assert unknown.status_code == 404 and "ndd-niet" in unknown.json()["detail"]
    assert count(factory, ChecklistAnswerRecord) == 0 and count(factory, ChecklistAnswerEvent) == 0


def test_viewers_read_only_and_other_organisations_and_anonymous_callers_are_refused(
    client: TestClient, tokens: dict[str, Headers], algorithm: str, factory: Factory
) -> None:
    item = f"{base(algorithm)}/items/{PLAIN}"
    assert client.put(item, json={"state": "met"}, headers=tokens["viewer"]).status_code == 403
    assert client.put(item, json={"state": "met"}, headers=tokens["other"]).status_code == 403
    assert client.get(base(algorithm), headers=tokens["other"]).status_code == 403
    assert client.get(f"{item}/history", headers=tokens["other"]).status_code == 403
    assert client.put(item, json={"state": "met"}).status_code == 401
    assert client.get(base(algorithm)).status_code == 401
    assert client.get(base("00000000"), headers=tokens["editor"]).status_code == 404
    assert count(factory, ChecklistAnswerRecord) == 0


def test_the_operations_are_documented_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    put = paths["/api/v1/algorithms/{public_id}/non-discrimination-checklist/items/{item_id}"]["put"]
    assert {"200", "403", "404", "422"} <= set(put["responses"])
    assert "/api/v1/algorithms/{public_id}/non-discrimination-checklist" in paths
    assert "/api/v1/algorithms/{public_id}/non-discrimination-checklist/items/{item_id}/history" in paths
