"""The ``algoreg`` command line, run as a real process against the test database."""

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import Engine

from tests.helpers import free_port
from tests.samples import sample_record
from tests.served import running_server

ALGOREG = Path(sys.executable).with_name("algoreg")


def algoreg(database_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    # wide, so that the console does not wrap long paths in the middle of a word
    env = {**os.environ, "ALGOREG_DATABASE_URL": database_url, "COLUMNS": "400"}
    return subprocess.run(
        [str(ALGOREG), *args], env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


def test_init_org_user_token_import_export(engine: Engine, database_url: str, tmp_path: Path) -> None:
    # given an initialised database with an organisation, a user with a role and a token
    assert algoreg(database_url, "init").returncode == 0
    assert algoreg(database_url, "init").returncode == 0, "init is safe to run again"
    created = algoreg(database_url, "org", "create", "gm0001", "Gemeente Voorbeeld", "gemeente")
    assert created.returncode == 0, created.stderr
    user = algoreg(database_url, "user", "create", "eva", "--password", "een-lang-wachtwoord")
    assert user.returncode == 0, user.stderr
    assert algoreg(database_url, "user", "grant", "eva", "gm0001", "editor").returncode == 0
    token = algoreg(database_url, "token", "issue", "ci", "--organisation", "gm0001", "--role", "editor")
    assert token.returncode == 0 and "algoreg_" in token.stdout
    listing = algoreg(database_url, "token", "list", "gm0001")
    assert "ci" in listing.stdout and token.stdout.split()[-1] not in listing.stdout, (
        "secrets are never listed"
    )
    # when records are imported with publication, and exported again
    source = tmp_path / "records.json"
    source.write_text(json.dumps([sample_record(), sample_record(name="Tweede algoritme")]))
    imported = algoreg(database_url, "import", str(source), "--organisation", "gm0001", "--publish")
    assert imported.returncode == 0, imported.stderr
    assert "Created 2" in imported.stdout and "published 2" in imported.stdout
    exported = algoreg(database_url, "export", "--format", "json")
    # then the export holds both records with their ids
    records = json.loads(exported.stdout)
    assert sorted(r["name"] for r in records) == ["Controle parkeervergunningen", "Tweede algoritme"]
    assert all(r["lars"] for r in records)


def test_a_bad_import_reports_every_row_and_stores_nothing(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    algoreg(database_url, "org", "create", "gm0001", "Gemeente Voorbeeld", "gemeente")
    source = tmp_path / "records.json"
    source.write_text(json.dumps([sample_record(), sample_record(status="Actief")]))
    result = algoreg(database_url, "import", str(source), "--organisation", "gm0001")
    assert result.returncode == 1
    assert "record 2, status" in result.stderr and "nothing was imported" in result.stderr
    assert json.loads(algoreg(database_url, "export").stdout) == []


def test_bad_arguments_are_explained(engine: Engine, database_url: str) -> None:
    result = algoreg(database_url, "org", "create", "gm0001", "Gemeente", "dorp")
    assert result.returncode == 2 and "gemeente" in result.stderr
    short = algoreg(database_url, "user", "create", "piet", "--password", "kort")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr


def test_serve_answers_over_http(engine: Engine, database_url: str) -> None:
    # given the server started as a real process
    with running_server(database_url) as root:
        # then it is healthy and serves the public API
        assert httpx.get(f"{root}/health").json() == {"status": "ok"}
        assert httpx.get(f"{root}/api/v1/algorithms").json()["total"] == 0


def test_verify_detects_a_published_version_edited_in_the_database(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    # given a published record
    algoreg(database_url, "org", "create", "gm0001", "Gemeente Voorbeeld", "gemeente")
    source = tmp_path / "records.json"
    source.write_text(json.dumps([sample_record()]))
    assert (
        algoreg(database_url, "import", str(source), "--organisation", "gm0001", "--publish").returncode == 0
    )
    intact = algoreg(database_url, "verify")
    assert intact.returncode == 0 and "intact" in intact.stdout
    # when someone changes the published text directly in the database
    with engine.begin() as connection:
        from sqlalchemy import text

        row = connection.execute(text("SELECT id, record FROM algorithm_version")).one()
        record = row.record if isinstance(row.record, dict) else json.loads(row.record)
        record["goal"] = "<p>Stilletjes herschreven.</p>"
        connection.execute(
            text("UPDATE algorithm_version SET record = :record WHERE id = :id"),
            {"record": json.dumps(record), "id": row.id},
        )
    # then verify reports it and fails
    tampered = algoreg(database_url, "verify")
    assert tampered.returncode == 1 and "changed after publication" in tampered.stderr


def test_verify_reads_a_remote_register_and_detects_a_rewritten_entry(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    # given a served register with two publications
    algoreg(database_url, "org", "create", "gm0001", "Gemeente Voorbeeld", "gemeente")
    source = tmp_path / "records.json"
    source.write_text(json.dumps([sample_record(), sample_record(name="Tweede")]))
    assert (
        algoreg(database_url, "import", str(source), "--organisation", "gm0001", "--publish").returncode == 0
    )
    with running_server(database_url) as root:
        base = f"{root}/"
        # when its feed is verified from outside, it is intact
        intact = algoreg(database_url, "verify", base)
        assert intact.returncode == 0, intact.stderr
        assert "of 2 entries is intact" in intact.stdout
        # when an entry of the log is rewritten in its database
        with engine.begin() as connection:
            from sqlalchemy import text

            connection.execute(text("UPDATE publication_entry SET reason = 'archive' WHERE seq = 1"))
        # then the remote check names the entry
        tampered = algoreg(database_url, "verify", base)
        assert tampered.returncode == 1 and "seq 1: entry_hash does not match" in tampered.stderr
    # and an unreachable register or a non-web address is exit code 2
    assert algoreg(database_url, "verify", f"http://127.0.0.1:{free_port()}/").returncode == 2
    assert algoreg(database_url, "verify", "ftp://example.org/").returncode == 2
