"""The framework API over HTTP on the real app: the AI Act profile with its proposed category, tasks,
changes with history, evidence, own measures, progress, audit readiness, refusals and bad input."""

import base64
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.instruments.framework import definitions
from algoreg.instruments.framework.evidence import MAX_FILE_BYTES
from algoreg.register.roles import SYSTEM, Role
from tests.instruments.framework_tasks_support import (
    answers,
    audit_items,
    high_risk_path,
    import_official,
    make_user,
    other_path,
    provider_high_risk_path,
)
from tests.samples import sample_record

Headers = dict[str, str]


@pytest.fixture
def tokens(make_organisation: Callable[..., str], make_token: Callable[..., Headers]) -> dict[str, Headers]:
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    return {
        "viewer": make_token("gm0001", Role.VIEWER),
        "editor": make_token("gm0001", Role.EDITOR),
        "other": make_token("gm0002", Role.ADMIN),
    }


@pytest.fixture
def algorithm(client: TestClient, tokens: dict[str, Headers], factory: sessionmaker[Session]) -> str:
    """A draft algorithm of gm0001, with the official framework and decision tree imported."""
    import_official(factory)
    record = sample_record(organization="Gemeente Een")
    created = client.post("/api/v1/organisations/gm0001/algorithms", json=record, headers=tokens["editor"])
    assert created.status_code == 201, created.text
    public_id: str = created.json()["id"]
    return public_id


def body(path_answers: list[tuple[str, str]]) -> dict[str, Any]:
    return {"answers": [{"question": question, "answer": answer} for question, answer in path_answers]}


def put_profile(
    client: TestClient, public_id: str, headers: Headers, path_answers: list[tuple[str, str]]
) -> Any:
    return client.put(
        f"/api/v1/algorithms/{public_id}/ai-act-profile", json=body(path_answers), headers=headers
    )


def tasks_of(client: TestClient, public_id: str, headers: Headers) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/algorithms/{public_id}/framework-tasks", headers=headers)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


def test_putting_answers_stores_the_profile_proposes_the_category_and_creates_tasks(
    client: TestClient, tokens: dict[str, Headers], algorithm: str
) -> None:
    # when an editor puts the answers of a high-risk path
    response = put_profile(client, algorithm, tokens["editor"], answers(high_risk_path()))

    # then the profile is stored with the category the standard spells, and the tasks are made
    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["proposed_category"] == "Hoog-risico AI-systeem"
    assert profile["organisation_decides"] is False
    assert "hoog-risico AI" in profile["profile"]["risk_group"]
    assert profile["conclusion_id"] == high_risk_path().conclusion_id
    assert profile["refresh"]["created"] == profile["refresh"]["in_scope_total"] > 0
    listed = tasks_of(client, algorithm, tokens["viewer"])
    assert len(listed) == profile["refresh"]["created"]
    assert {task["status"] for task in listed} == {"todo"}

    # and the viewer reads it back; a new profile becomes current and the old one stays in history
    again = client.get(f"/api/v1/algorithms/{algorithm}/ai-act-profile", headers=tokens["viewer"])
    assert again.json()["id"] == profile["id"] and again.json()["refresh"] is None
    assert put_profile(client, algorithm, tokens["editor"], answers(other_path())).json()[
        "proposed_category"
    ] == ("Overige algoritmes")
    history = client.get(f"/api/v1/algorithms/{algorithm}/ai-act-profile/history", headers=tokens["viewer"])
    assert [item["is_current"] for item in history.json()] == [True, False]


def test_bad_answers_and_bodies_are_refused_naming_the_field(
    client: TestClient, tokens: dict[str, Headers], algorithm: str
) -> None:
    off_tree = put_profile(client, algorithm, tokens["editor"], [("1.1", "Misschien")])
    unfinished = put_profile(client, algorithm, tokens["editor"], answers(high_risk_path())[:2])
    empty = client.put(
        f"/api/v1/algorithms/{algorithm}/ai-act-profile", json={"answers": []}, headers=tokens["editor"]
    )

    assert off_tree.status_code == 422
    assert off_tree.json()["errors"][0]["field"] == "answer"
    assert "Misschien" in off_tree.json()["errors"][0]["reason"]
    assert unfinished.status_code == 422 and "still open" in unfinished.json()["errors"][0]["reason"]
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "answers"
    missing = client.get(f"/api/v1/algorithms/{algorithm}/ai-act-profile", headers=tokens["viewer"])
    assert missing.status_code == 404


def test_a_task_is_changed_with_history_and_not_applicable_needs_a_reason(
    client: TestClient, tokens: dict[str, Headers], algorithm: str, factory: sessionmaker[Session]
) -> None:
    put_profile(client, algorithm, tokens["editor"], answers(high_risk_path()))
    task = tasks_of(client, algorithm, tokens["editor"])[0]
    base = f"/api/v1/algorithms/{algorithm}/framework-tasks/{task['id']}"
    anna = make_user(factory, "anna", {"gm0001": Role.EDITOR})

    no_reason = client.patch(base, json={"status": "not_applicable"}, headers=tokens["editor"])
    bad_status = client.patch(base, json={"status": "klaar"}, headers=tokens["editor"])
    stranger = client.patch(base, json={"responsible": 424242}, headers=tokens["editor"])
    done = client.patch(
        base,
        json={
            "status": "not_applicable",
            "reason": "Het systeem verwerkt geen beelden.",
            "responsible": anna,
        },
        headers=tokens["editor"],
    )

    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    assert bad_status.status_code == 422 and bad_status.json()["errors"][0]["field"] == "status"
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "responsible"
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "not_applicable"
    assert done.json()["responsible"]["username"] == "anna"
    history = client.get(f"{base}/history", headers=tokens["viewer"]).json()
    assert [event["action"] for event in history] == ["create", "update"]
    assert history[1]["changes"]["status"] == ["todo", "not_applicable"]


def test_evidence_links_and_files_round_trip(
    client: TestClient, tokens: dict[str, Headers], algorithm: str
) -> None:
    put_profile(client, algorithm, tokens["editor"], answers(high_risk_path()))
    task = tasks_of(client, algorithm, tokens["editor"])[0]
    base = f"/api/v1/algorithms/{algorithm}/framework-tasks/{task['id']}/evidence"
    content = "Verslag van de toets, met één bijlage.\n".encode()

    link = client.post(
        base,
        json={"kind": "link", "url": "https://docs.example/x", "description": "Besluit"},
        headers=tokens["editor"],
    )
    file = client.post(
        base,
        json={
            "kind": "file",
            "file_name": "verslag toets.txt",
            "media_type": "text/plain",
            "content_base64": base64.b64encode(content).decode(),
            "description": "Verslag",
        },
        headers=tokens["editor"],
    )
    not_base64 = client.post(
        base,
        json={
            "kind": "file",
            "file_name": "a.txt",
            "media_type": "text/plain",
            "content_base64": "@@",
            "description": "x",
        },
        headers=tokens["editor"],
    )
    too_large = client.post(
        base,
        json={
            "kind": "file",
            "file_name": "a.bin",
            "media_type": "application/octet-stream",
            "content_base64": base64.b64encode(b"0" * (MAX_FILE_BYTES + 3)).decode(),
            "description": "x",
        },
        headers=tokens["editor"],
    )
    by_viewer = client.post(
        base,
        json={"kind": "link", "url": "https://docs.example/y", "description": "x"},
        headers=tokens["viewer"],
    )

    assert link.status_code == 201 and file.status_code == 201, (link.text, file.text)
    assert not_base64.status_code == 422 and not_base64.json()["errors"][0]["field"] == "content_base64"
    assert too_large.status_code == 413
    assert by_viewer.status_code == 403
    listed = client.get(base, headers=tokens["viewer"]).json()
    assert [item["kind"] for item in listed] == ["link", "file"]
    download = client.get(file.json()["file"], headers=tokens["viewer"])
    assert download.status_code == 200 and download.content == content
    assert download.headers["etag"] == f'"{file.json()["sha256"]}"'
    assert download.headers["content-disposition"].startswith(
        "attachment; filename*=UTF-8''verslag%20toets.txt"
    )


def test_own_measures_progress_and_audit_readiness(
    client: TestClient, tokens: dict[str, Headers], algorithm: str, factory: sessionmaker[Session]
) -> None:
    put_profile(client, algorithm, tokens["editor"], answers(provider_high_risk_path()))
    own = client.post(
        "/api/v1/organisations/gm0001/own-measures",
        json={"code": "eigen-01", "name": "Toets door de ethische commissie", "phases": ["ontwerp"]},
        headers=tokens["editor"],
    )
    duplicate = client.post(
        "/api/v1/organisations/gm0001/own-measures",
        json={"code": "eigen-01", "name": "Nog eens"},
        headers=tokens["editor"],
    )
    assert own.status_code == 201, own.text
    assert duplicate.status_code == 422 and duplicate.json()["errors"][0]["field"] == "code"
    listed = tasks_of(client, algorithm, tokens["editor"])
    own_task = next(task for task in listed if task["source"] == "own")
    client.patch(
        f"/api/v1/algorithms/{algorithm}/framework-tasks/{own_task['id']}",
        json={"status": "done"},
        headers=tokens["editor"],
    )

    progress = client.get(
        f"/api/v1/algorithms/{algorithm}/framework-progress", headers=tokens["viewer"]
    ).json()
    design = next(item for item in progress if item["phase"] == "ontwerp")
    assert design["done"] >= 1 and design["total"] == sum(1 for task in listed if "ontwerp" in task["phases"])

    no_audit = client.get(f"/api/v1/algorithms/{algorithm}/audit-readiness", headers=tokens["viewer"])
    assert no_audit.status_code == 409 and "--audit-items" in no_audit.json()["detail"]
    measure = next(task["measure_id"] for task in listed if task["source"] == "framework")
    with transaction(factory) as session:
        definitions.import_audit(session, SYSTEM, audit_items(), {"measures": {measure: {"ARK": ["1.01"]}}})
    readiness = client.get(f"/api/v1/algorithms/{algorithm}/audit-readiness", headers=tokens["viewer"]).json()
    item = next(item for item in readiness["readiness"]["items"] if item["number"] == "1.01")
    assert readiness["mapped"] is True and item["coverage"] == "not"
    organisation = client.get("/api/v1/organisations/gm0001/audit-readiness", headers=tokens["viewer"]).json()
    assert organisation["readiness"]["items"][0]["by_algorithm"].keys() == {algorithm}


def test_other_organisations_and_anonymous_callers_are_refused(
    client: TestClient, tokens: dict[str, Headers], algorithm: str
) -> None:
    put_profile(client, algorithm, tokens["editor"], answers(high_risk_path()))
    task = tasks_of(client, algorithm, tokens["editor"])[0]
    reads = [
        f"/api/v1/algorithms/{algorithm}/ai-act-profile",
        f"/api/v1/algorithms/{algorithm}/framework-tasks",
        f"/api/v1/algorithms/{algorithm}/framework-tasks/{task['id']}/history",
        f"/api/v1/algorithms/{algorithm}/framework-progress",
        "/api/v1/organisations/gm0001/own-measures",
    ]
    for url in reads:
        assert client.get(url, headers=tokens["other"]).status_code == 403, url
        assert client.get(url).status_code == 401, url
    assert put_profile(client, algorithm, tokens["other"], answers(high_risk_path())).status_code == 403
    assert put_profile(client, algorithm, tokens["viewer"], answers(high_risk_path())).status_code == 403
    patch = client.patch(
        f"/api/v1/algorithms/{algorithm}/framework-tasks/{task['id']}",
        json={"status": "done"},
        headers=tokens["other"],
    )
    assert patch.status_code == 403
    refresh = client.post(f"/api/v1/algorithms/{algorithm}/framework-tasks/refresh", headers=tokens["viewer"])
    assert refresh.status_code == 403
    assert (
        client.post(
            f"/api/v1/algorithms/{algorithm}/framework-tasks/refresh", headers=tokens["editor"]
        ).json()["created"]
        == 0
    )
