"""``algoreg standard upgrade``."""

import json
from pathlib import Path

from typer.testing import CliRunner

from algoreg.cli import app

OLD = {
    "standard_version": "0.4",
    "name": "Oud algoritme",
    "organization": "Gemeente Voorbeeld",
    "description_short": "Korte tekst.",
    "type": "Ja",
    "category": ["Financiën"],
    "status": "In gebruik",
    "lawful_basis_link": "Gemeentewet: https://wetten.overheid.nl/BWBR0005416",
    "contact_email": "algoritmes@voorbeeld.example",
    "lang": "nld",
}


def test_upgrade_reports_losses_and_needs_the_missing_required_field(tmp_path: Path) -> None:
    # given a 0.4 record, which lacks 1.0's publication category
    source = tmp_path / "old.json"
    source.write_text(json.dumps([OLD]))
    # when it is upgraded without filling that in
    result = CliRunner().invoke(app, ["standard", "upgrade", str(source), "--json"])
    # then the report names what was lost and what is missing, and the exit code says so
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert any(loss.startswith("type:") for loss in report["records"][0]["losses"])
    assert any(p.startswith("publication_category") for p in report["records"][0]["problems"])


def test_upgrade_with_a_default_writes_valid_records(tmp_path: Path) -> None:
    source, target = tmp_path / "old.json", tmp_path / "new.json"
    source.write_text(json.dumps([OLD]))
    result = CliRunner().invoke(
        app,
        [
            "standard",
            "upgrade",
            str(source),
            "--set",
            "publication_category=Overige algoritmes",
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    record = json.loads(target.read_text())[0]
    assert record["category"] == ["Overheidsfinanciën"]
    assert record["lawful_basis_grouping"] == [
        {"title": "Gemeentewet", "link": "https://wetten.overheid.nl/BWBR0005416"}
    ]
    assert record["standard_version"] == "1.0"


def test_a_bad_set_option_is_explained(tmp_path: Path) -> None:
    source = tmp_path / "old.json"
    source.write_text(json.dumps([OLD]))
    result = CliRunner().invoke(app, ["standard", "upgrade", str(source), "--set", "kleur=blauw"])
    assert result.exit_code == 2 and "FIELD=VALUE" in result.output
