"""``algoreg instruments …`` as a real process: import definitions in each format, list them, bad input."""

from pathlib import Path

from sqlalchemy import Engine

from algoreg.instruments.questionnaire import sample_definitions
from tests.cli.test_commands import algoreg
from tests.conftest import reference_file


def test_import_official_and_own_definitions_then_list_them(
    engine: Engine, database_url: str, make_organisation: object, tmp_path: Path
) -> None:
    # given
    assert algoreg(database_url, "org", "create", "gm0001", "Gemeente Een", "gemeente").returncode == 0
    iama = reference_file("par-dpia-form", "sources", "iama.yaml")
    # when: the official IAMA 2.0 for everyone, our sample for one organisation with its own settings
    official = algoreg(database_url, "instruments", "import", str(iama))
    own = algoreg(
        database_url,
        "instruments",
        "import",
        str(sample_definitions()["self-check"]),
        "--organisation",
        "gm0001",
        "--register-title",
        "Zelfcheck",
        "--signing-role",
        "Projectleider",
    )
    again = algoreg(database_url, "instruments", "import", str(iama))
    listing = algoreg(database_url, "instruments", "list")
    # then (the console wraps long lines)
    assert official.returncode == 0, official.stderr
    said = " ".join(official.stdout.split())
    assert "(urn:nl:iama 2.0, assessment-definition) for every organisation" in said
    assert "enter the register as 'Impact Assessment Mensenrechten en Algoritmes (IAMA)'" in said
    assert "Signed off by: the organisation's publishers and admins" in said
    assert own.returncode == 0, own.stderr
    said = " ".join(own.stdout.split())
    assert "for gm0001" in said and "as 'Zelfcheck'" in said and "Signed off by: Projectleider" in said
    assert again.returncode == 0 and "Instrument 1:" in again.stdout, (
        "the same file again is the same instrument"
    )
    assert listing.returncode == 0
    listed = " ".join(listing.stdout.split())
    assert (
        "1 Impact Assessment Mensenrechten en Algoritmes (urn:nl:iama 2.0, assessment-definition); for every"
        in listed
    )
    assert "(algoreg-self-check 1.0, algoreg); for gm0001; register title: Zelfcheck" in listed


def test_bad_input_is_named(engine: Engine, database_url: str, tmp_path: Path) -> None:
    # given
    broken = tmp_path / "kapot.yaml"
    broken.write_text("id: x\nversion: '1'\ntitle: X\nparts: []\n", encoding="utf-8")
    # when
    wrong_format = algoreg(database_url, "instruments", "import", str(broken), "--format", "excel")
    invalid = algoreg(database_url, "instruments", "import", str(broken))
    # then
    assert wrong_format.returncode == 1
    assert "format: is 'excel'; allowed: algoreg, task-registry, assessment-definition" in wrong_format.stderr
    assert invalid.returncode == 1 and "kapot.yaml: parts" in invalid.stderr
