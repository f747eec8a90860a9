"""``algoreg framework …`` as a real process: import the official definitions, show tasks and progress."""

from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import FrameworkDefinition
from algoreg.db.session import transaction
from algoreg.instruments.framework.audit import proposed_audit_mapping
from algoreg.instruments.framework.definitions import current_audit, current_framework
from algoreg.instruments.framework.profile_store import record_profile
from algoreg.register.roles import SYSTEM
from tests.cli.test_commands import algoreg
from tests.conftest import reference_file
from tests.instruments.framework_tasks_support import (
    answers,
    make_algorithm,
    make_orgs,
    provider_high_risk_path,
)


def definitions_stored(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(FrameworkDefinition)) or 0


def test_import_then_tasks_and_progress_of_an_algorithm(
    engine: Engine,
    database_url: str,
    factory: sessionmaker[Session],
    make_organisation: object,
    tmp_path: Path,
) -> None:
    # given a mapping of one measure to one audit item, written by us
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text('measures:\n  0-org-01-benodigde-expertise-en-capaciteit:\n    ADR: ["SV.1"]\n')

    # when the official files are imported
    imported = algoreg(
        database_url,
        "framework",
        "import",
        "--task-registry",
        str(reference_file("task-registry")),
        "--version",
        "940ae02",
        "--decision-tree",
        str(reference_file("ai-verordening-beslishulp", "decision-tree.yaml")),
        "--audit-items",
        str(reference_file("algoritmekader", "script", "maatregelen-adr-ark.csv")),
        "--audit-mapping",
        str(mapping),
    )

    # then all three kinds are stored, and importing again adds nothing
    assert imported.returncode == 0, imported.stderr
    assert "task_registry: 940ae02" in imported.stdout and "imported" in imported.stdout
    assert definitions_stored(factory) == 3
    again = algoreg(
        database_url,
        "framework",
        "import",
        "--decision-tree",
        str(reference_file("ai-verordening-beslishulp", "decision-tree.yaml")),
    )
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert definitions_stored(factory) == 3
    listing = algoreg(database_url, "framework", "list")
    assert "decision_tree" in listing.stdout and "audit" in listing.stdout

    # and an algorithm with a profile shows its tasks and progress
    make_orgs(make_organisation)  # type: ignore[arg-type]
    public_id = make_algorithm(factory)
    with transaction(factory) as session:
        recorded = record_profile(session, SYSTEM, public_id, answers(provider_high_risk_path()))
    assert recorded.refresh is not None
    shown = algoreg(database_url, "framework", "tasks", public_id)
    assert shown.returncode == 0, shown.stderr
    assert f"{recorded.refresh.created} task(s)" in shown.stdout
    progress = algoreg(database_url, "framework", "progress", public_id)
    assert progress.returncode == 0 and "0%" in progress.stdout


def test_a_bad_mapping_stops_the_whole_import(
    engine: Engine, database_url: str, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        'measures:\n  geen-maatregel:\n    ADR: ["SV.1"]\n'
        "  0-org-01-benodigde-expertise-en-capaciteit:\n    ADR: [SV.999]\n"
    )

    result = algoreg(
        database_url,
        "framework",
        "import",
        "--task-registry",
        str(reference_file("task-registry")),
        "--audit-items",
        str(reference_file("algoritmekader", "script", "maatregelen-adr-ark.csv")),
        "--audit-mapping",
        str(mapping),
    )

    assert result.returncode == 1
    said = " ".join(result.stderr.split())  # the console wraps long lines
    assert "measures.geen-maatregel: names no measure" in said and "'SV.999' is not an item of ADR" in said
    assert definitions_stored(factory) == 0
    nothing = algoreg(database_url, "framework", "import")
    assert nothing.returncode != 0 and "at least one" in " ".join(nothing.stderr.split())


def test_without_a_mapping_file_the_proposed_mapping_is_imported_with_its_reasons(
    engine: Engine, database_url: str, factory: sessionmaker[Session]
) -> None:
    # when the official files are imported without --audit-mapping
    imported = algoreg(
        database_url,
        "framework",
        "import",
        "--task-registry",
        str(reference_file("task-registry")),
        "--audit-items",
        str(reference_file("algoritmekader", "script", "maatregelen-adr-ark.csv")),
    )

    # then Algoreg's proposal is used and stored: measures serve items, and the items it judged
    # unserved keep their reason
    assert imported.returncode == 0, imported.stderr
    assert "proposed mapping" in imported.stdout
    with transaction(factory) as session:
        audit = current_audit(session)
        proposal = proposed_audit_mapping(current_framework(session).framework, audit.items)
    assert audit.mapped and audit.mapping == proposal
    assert audit.mapping.links and audit.mapping.unmapped
    assert not audit.mapping.unjudged(audit.items)


def test_no_audit_mapping_imports_the_items_alone_and_conflicting_options_are_refused(
    engine: Engine, database_url: str, factory: sessionmaker[Session]
) -> None:
    items = str(reference_file("algoritmekader", "script", "maatregelen-adr-ark.csv"))
    both = algoreg(
        database_url,
        "framework",
        "import",
        "--audit-items",
        items,
        "--audit-mapping",
        items,
        "--no-audit-mapping",
    )
    assert both.returncode != 0 and "not both" in " ".join(both.stderr.split())
    early = algoreg(database_url, "framework", "import", "--audit-items", items)
    assert early.returncode == 0 and "without a mapping" in " ".join(early.stdout.split())

    alone = algoreg(database_url, "framework", "import", "--audit-items", items, "--no-audit-mapping")

    assert alone.returncode == 0, alone.stderr
    with transaction(factory) as session:
        audit = current_audit(session)
    assert not audit.mapped and not audit.mapping.links
