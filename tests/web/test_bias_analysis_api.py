"""Running a bias analysis through the JSON API on uploaded data: results, drafts, limits and refusals."""

import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.bias.document import from_document
from algoreg.bias.results import BiasAnalysis
from algoreg.config import Settings
from algoreg.db.models import BiasReport
from algoreg.db.session import transaction
from algoreg.register.roles import Role
from algoreg.web.app import create_app
from tests.samples import sample_record

Headers = dict[str, str]
DECISIONS = {"settings": {"roles": {"protected": ["wijk"], "outcome": "gecontroleerd"}, "min_group_size": 10}}


def decisions_frame() -> pl.DataFrame:
    """400 cases per district; Noord 50 % checked, Zuid 25 % — each case with an id that must never leak."""
    rows = [("Noord", int(i < 200)) for i in range(400)] + [("Zuid", int(i < 100)) for i in range(400)]
    return pl.DataFrame(
        {
            "zaak": [f"zaak-{i:05d}-geheim" for i in range(len(rows))],
            "wijk": [wijk for wijk, _ in rows],
            "gecontroleerd": [checked for _, checked in rows],
            "maand": [f"2025-{1 + i % 3:02d}-15" for i in range(len(rows))],
        }
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    return buffer.getvalue()


def analyse(
    client: TestClient,
    headers: Headers,
    content: bytes,
    request: Any = DECISIONS,
    filename: str = "besluiten.csv",
    params: dict[str, str] | None = None,
) -> Any:
    body = request if isinstance(request, str) else json.dumps(request)
    return client.post(
        "/api/v1/bias/analyses",
        files={"data": (filename, content, "application/octet-stream")},
        data={"request": body},
        headers=headers,
        params=params or {},
    )


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
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary files of this test go here, so that the test can see that none is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_an_analysis_of_uploaded_decisions_returns_aggregates_and_keeps_nothing(
    client: TestClient, tokens: dict[str, Headers], private_tmp: Path
) -> None:
    # given decision data with a case id in every row, when a viewer has it analysed
    response = analyse(client, tokens["viewer"], csv_bytes(decisions_frame()))

    # then the answer is the checked document, with the rates per district
    assert response.status_code == 200, response.text
    document = response.json()
    analysis = from_document(document)
    assert isinstance(analysis, BiasAnalysis)
    groups = {group.values[0]: group for group in analysis.groupings[0].groups}
    assert groups["Noord"].counts.n == 400 and groups["Zuid"].counts.n == 400
    assert groups["Noord"].rates["selection_rate"].value == pytest.approx(0.5)
    assert groups["Zuid"].rates["selection_rate"].value == pytest.approx(0.25)
    assert analysis.summary.disparity_found >= 1
    # no row of the data is in it, and the uploaded file is gone
    assert "geheim" not in response.text and "zaak-" not in response.text
    assert list(private_tmp.iterdir()) == []


def test_nothing_is_stored_by_an_analysis(
    client: TestClient, tokens: dict[str, Headers], factory: sessionmaker[Session]
) -> None:
    analyse(client, tokens["editor"], csv_bytes(decisions_frame()))
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(BiasReport)) == 0


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_parquet_and_xlsx_give_the_same_figures_as_csv(
    client: TestClient, tokens: dict[str, Headers], tmp_path: Path, suffix: str
) -> None:
    # given the same data as CSV and in another format
    frame = decisions_frame()
    path = tmp_path / f"besluiten{suffix}"
    if suffix == ".parquet":
        frame.write_parquet(path)
    else:
        import openpyxl

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(frame.columns)
        for row in frame.iter_rows():
            sheet.append(list(row))
        workbook.save(path)
    from_csv = analyse(client, tokens["viewer"], csv_bytes(frame)).json()
    other = analyse(client, tokens["viewer"], path.read_bytes(), filename=path.name)

    # then both give the same body
    assert other.status_code == 200, other.text
    assert other.json()["body"] == from_csv["body"]


def test_monitoring_and_stage_counts_run_through_the_same_endpoint(
    client: TestClient, tokens: dict[str, Headers]
) -> None:
    # given decisions with a month column, and counts per group per stage
    monitoring = {**DECISIONS, "mode": "monitoring", "period_column": "maand", "period": "month"}
    stages = pl.DataFrame({"groep": ["A", "B"], "bevolking": [1000, 1000], "gecontroleerd": [200, 100]})
    aggregate = {"mode": "aggregate", "group": "groep", "judgement": {"min_group_size": 10}}

    # when both are analysed
    per_period = analyse(client, tokens["viewer"], csv_bytes(decisions_frame()), monitoring)
    per_stage = analyse(client, tokens["viewer"], csv_bytes(stages), aggregate, filename="fasen.csv")

    # then each returns its kind of document
    assert per_period.status_code == 200, per_period.text
    assert per_period.json()["mode"] == "monitoring"
    assert [p["period"] for p in per_period.json()["body"]["periods"]] == ["2025-01", "2025-02", "2025-03"]
    assert per_stage.status_code == 200, per_stage.text
    assert per_stage.json()["mode"] == "aggregate"
    body = per_stage.json()["body"]
    assert body["stage_names"] == ["bevolking", "gecontroleerd"]
    assert body["counts"] == [[1000, 200], [1000, 100]]


def test_the_report_comes_as_html_or_pdf_on_request(client: TestClient, tokens: dict[str, Headers]) -> None:
    content = csv_bytes(decisions_frame())
    html = analyse(client, tokens["viewer"], content, params={"format": "html", "lang": "en"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "Noord" in html.text and "Zuid" in html.text and 'lang="en"' in html.text
    pdf = analyse(client, tokens["viewer"], content, params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


# --- attaching -------------------------------------------------------------------------------------------


@pytest.fixture
def algorithm(client: TestClient, tokens: dict[str, Headers]) -> str:
    record = sample_record(organization="Gemeente Een")
    created = client.post("/api/v1/organisations/gm0001/algorithms", json=record, headers=tokens["editor"])
    assert created.status_code == 201, created.text
    public_id: str = created.json()["id"]
    return public_id


def attach(client: TestClient, public_id: str, headers: Headers, **fields: str) -> Any:
    form = {"request": json.dumps(DECISIONS), "title": "Wijktoets", "period": "2025"} | fields
    return client.post(
        f"/api/v1/algorithms/{public_id}/bias-reports/analyses",
        files={"data": ("besluiten.csv", csv_bytes(decisions_frame()), "text/csv")},
        data=form,
        headers=headers,
    )


def reports_stored(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(BiasReport)) or 0


def test_an_editor_analyses_and_attaches_in_one_step(
    client: TestClient, tokens: dict[str, Headers], algorithm: str
) -> None:
    response = attach(client, algorithm, tokens["editor"])
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["state"] == "draft" and report["mode"] == "decisions" and report["title"] == "Wijktoets"
    assert response.headers["location"] == f"/api/v1/algorithms/{algorithm}/bias-reports/{report['id']}"
    stored = client.get(report["links"]["document"], headers=tokens["viewer"])
    assert stored.status_code == 200 and "geheim" not in stored.text
    assert from_document(stored.json()).summary.comparisons == report["verdicts"]["comparisons"]


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("other", 403), (None, 401)])
def test_only_editors_of_the_organisation_attach(
    client: TestClient,
    tokens: dict[str, Headers],
    algorithm: str,
    factory: sessionmaker[Session],
    who: str | None,
    status: int,
) -> None:
    response = attach(client, algorithm, tokens[who] if who else {})
    assert response.status_code == status, response.text
    assert reports_stored(factory) == 0


def test_a_report_without_title_is_refused_before_the_analysis_runs(
    client: TestClient, tokens: dict[str, Headers], algorithm: str, factory: sessionmaker[Session]
) -> None:
    response = attach(client, algorithm, tokens["editor"], title="")
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["title"]
    assert reports_stored(factory) == 0


# --- bad input ----------------------------------------------------------------------------------------------


def errors_of(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {error["field"]: error["reason"] for error in response.json()["errors"]}


def test_an_analysis_needs_a_token(client: TestClient, tokens: dict[str, Headers]) -> None:
    assert analyse(client, {}, csv_bytes(decisions_frame())).status_code == 401


@pytest.mark.parametrize(
    ("request_body", "field", "words"),
    [
        ("{not json", "request", "is not JSON"),
        ({"mode": "guess"}, "mode", "must be one of decisions, monitoring, aggregate"),
        ({"settings": {"roles": {"protected": ["wijk"]}}}, "settings.roles.outcome", "an outcome column"),
        (
            {"settings": {"roles": {"protected": ["wijk"], "outcome": "y"}, "q": 3}},
            "settings.q",
            "less than 1",
        ),
        ({**DECISIONS, "mode": "monitoring"}, "period_column", "Field required"),
        (
            {"mode": "aggregate", "group": "g", "judgement": {"alpha": 0.9}},
            "judgement.alpha",
            "less than 0.5",
        ),
    ],
)
def test_a_wrong_request_names_the_field(
    client: TestClient, tokens: dict[str, Headers], request_body: Any, field: str, words: str
) -> None:
    errors = errors_of(analyse(client, tokens["viewer"], csv_bytes(decisions_frame()), request_body))
    assert words in errors[field]


def test_a_missing_column_is_named_with_the_columns_there_are(
    client: TestClient, tokens: dict[str, Headers]
) -> None:
    request = {"settings": {"roles": {"protected": ["wijk"], "outcome": "besluit"}}}
    errors = errors_of(analyse(client, tokens["viewer"], csv_bytes(decisions_frame()), request))
    assert "'besluit'" in errors["outcome"] and "zaak, wijk, gecontroleerd, maand" in errors["outcome"]


def test_files_of_other_kinds_are_refused(client: TestClient, tokens: dict[str, Headers]) -> None:
    errors = errors_of(analyse(client, tokens["viewer"], b"a,b\n1,2\n", filename="besluiten.txt"))
    assert "'.txt'" in errors["data"] and ".csv, .parquet, .xlsx" in errors["data"]
    errors = errors_of(analyse(client, tokens["viewer"], b"not parquet", filename="besluiten.parquet"))
    assert "not a Parquet file" in errors["data"]


def limited_client(engine: Engine, **limits: int) -> TestClient:
    return TestClient(create_app(engine, Settings(**limits)))  # type: ignore[arg-type]


def test_an_upload_over_the_limit_is_refused_with_413(engine: Engine, tokens: dict[str, Headers]) -> None:
    with limited_client(engine, bias_max_upload_bytes=4096) as small:
        response = analyse(small, tokens["viewer"], csv_bytes(decisions_frame()))
    assert response.status_code == 413
    assert "4096" in response.json()["detail"]


def test_a_workbook_that_would_unpack_too_far_is_refused_before_reading(
    engine: Engine, tokens: dict[str, Headers], tmp_path: Path
) -> None:
    # given a small zip whose one member unpacks to 5 MB of zeros
    path = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 5 * 1024 * 1024)
    assert path.stat().st_size < 50_000
    with limited_client(engine, bias_max_unpacked_bytes=1024 * 1024) as small:
        response = analyse(small, tokens["viewer"], path.read_bytes(), filename="bom.xlsx")
    errors = errors_of(response)
    assert "would unpack to 5 MB" in errors["data"]


def test_the_bias_upload_limit_does_not_widen_other_bodies(
    engine: Engine, tokens: dict[str, Headers]
) -> None:
    # the larger limit belongs to the analysis paths only: a record import keeps its own
    with limited_client(engine, max_upload_bytes=2048, bias_max_upload_bytes=10**8) as app:
        response = app.post(
            "/api/v1/organisations/gm0001/import",
            files={"file": ("r.csv", b"x" * 10_000, "text/csv")},
            headers=tokens["editor"],
        )
    assert response.status_code == 413
