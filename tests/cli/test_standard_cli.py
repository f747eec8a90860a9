"""``algoreg standard schema`` and ``algoreg standard validate``."""

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from algoreg.cli import app
from algoreg.standard.tabular import write_rows

VALID: dict[str, Any] = {
    "name": "Tegemoetkoming berekenen voor café-eigenaren",
    "description_short": "Berekent de tegemoetkoming in euro's (€) voor ondernemers in Oïsterwijk-Noord.",
    "organization": "Gemeente Noorderhaaks",
    "category": ["Economie"],
    "status": "In gebruik",
    "contact_email": "algoritmes@noorderhaaks.example.nl",
    "publication_category": "Impactvolle algoritmes",
    "lawful_basis_grouping": [
        {"title": "Wet op de tegemoetkoming", "link": "https://wetten.example.nl/BWBR1"}
    ],
    "lang": "nld",
}

INVALID: dict[str, Any] = {**VALID, "name": "Parkeren", "status": "Actief", "kleur": "rood"}

WIDE = {"COLUMNS": "250"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def json_file(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_schema_prints_the_json_schema(runner: CliRunner) -> None:
    # given
    args = ["standard", "schema"]

    # when
    result = runner.invoke(app, args)

    # then
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["name"]["maxLength"] == 100
    assert "Overheidsfinanciën" in result.stdout


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "xlsx"])
def test_valid_file_exits_zero(runner: CliRunner, tmp_path: Path, fmt: str) -> None:
    # given
    path = tmp_path / f"algoritmes.{fmt}"
    path.write_bytes(write_rows([VALID, VALID], fmt))

    # when
    result = runner.invoke(app, ["standard", "validate", str(path)])

    # then
    assert result.exit_code == 0, result.output
    assert "Checked 2 records in 1 file: all valid." in result.stdout


def test_problems_are_listed_in_a_table_and_exit_one(runner: CliRunner, tmp_path: Path) -> None:
    # given
    path = json_file(tmp_path / "algoritmes.json", [VALID, INVALID])

    # when
    result = runner.invoke(app, ["standard", "validate", str(path)], env=WIDE)

    # then
    assert result.exit_code == 1
    out = result.stdout
    for header in ("File", "Record #", "Record name", "Field", "Reason"):
        assert header in out
    assert "Parkeren" in out
    assert "'Actief' is not one of the allowed values" in out
    assert "'In ontwikkeling', 'In gebruik', 'Buiten gebruik'" in out
    assert "'kleur' is not a field of publication standard 1.0" in out
    assert "Checked 2 records in 1 file: 1 valid, 1 with problems (2 problems)." in out


def test_json_output_lists_every_problem(runner: CliRunner, tmp_path: Path) -> None:
    # given
    first = json_file(tmp_path / "een.json", [INVALID])
    second = tmp_path / "twee.csv"
    second.write_bytes(write_rows([VALID, {**VALID, "name": "Derde", "begin_date": "jan 2023"}], "csv"))

    # when
    result = runner.invoke(app, ["standard", "validate", str(first), str(second), "--json"])

    # then
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["files"] == [
        {"file": str(first), "records": 1, "valid_records": 0, "error": None},
        {"file": str(second), "records": 2, "valid_records": 1, "error": None},
    ]
    found = [(p["file"], p["record"], p["record_label"], p["field"]) for p in report["problems"]]
    assert found == [
        (str(first), 1, "Parkeren", "status"),
        (str(first), 1, "Parkeren", "kleur"),
        (str(second), 2, "Derde", "begin_date"),
    ]
    assert "YYYY-MM" in report["problems"][2]["reason"]


def test_valid_json_output(runner: CliRunner, tmp_path: Path) -> None:
    # given
    path = json_file(tmp_path / "algoritmes.json", [VALID])

    # when
    result = runner.invoke(app, ["standard", "validate", str(path), "--json"])

    # then
    assert result.exit_code == 0
    assert json.loads(result.stdout)["problems"] == []


def test_unreadable_file_exits_two_with_the_reason_on_stderr(runner: CliRunner, tmp_path: Path) -> None:
    # given
    broken = tmp_path / "kapot.json"
    broken.write_text('[{"name": "a",}]', encoding="utf-8")
    invalid = json_file(tmp_path / "fout.json", [INVALID])

    # when
    result = runner.invoke(app, ["standard", "validate", str(broken), str(invalid)], env=WIDE)

    # then
    assert result.exit_code == 2
    assert "kapot.json: not valid JSON" in result.stderr
    assert "line 1, column 15" in result.stderr
    assert "'Actief'" in result.stdout
    assert "1 file could not be read" in result.stdout


def test_missing_file_exits_two(runner: CliRunner, tmp_path: Path) -> None:
    # given
    path = tmp_path / "bestaat-niet.csv"

    # when
    result = runner.invoke(app, ["standard", "validate", str(path), "--json"])

    # then
    assert result.exit_code == 2
    assert "cannot read the file" in result.stderr
    assert json.loads(result.stdout)["files"][0]["error"].endswith(
        "cannot read the file: No such file or directory"
    )


def test_format_option_overrides_the_suffix(runner: CliRunner, tmp_path: Path) -> None:
    # given
    path = tmp_path / "export.txt"
    path.write_bytes(write_rows([VALID], "csv"))

    # when
    without_format = runner.invoke(app, ["standard", "validate", str(path)])
    with_format = runner.invoke(app, ["standard", "validate", str(path), "--format", "csv"])

    # then
    assert without_format.exit_code == 2
    assert "cannot tell the format" in without_format.stderr
    assert with_format.exit_code == 0


def test_unknown_columns_in_a_spreadsheet_exit_two(runner: CliRunner, tmp_path: Path) -> None:
    # given
    path = tmp_path / "algoritmes.csv"
    path.write_text("naam;status\nParkeren;In gebruik\n", encoding="utf-8")

    # when
    result = runner.invoke(app, ["standard", "validate", str(path)])

    # then
    assert result.exit_code == 2
    assert "'naam'" in result.stderr
