"""``algoreg instruments catalogue-import`` as a real process: an organisation's own instruments from a file
in the hulpmiddelen shape, all or nothing, again in place, and bad input named by file, entry and key."""

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import AuditEvent, OwnInstrument
from algoreg.db.session import transaction
from tests.cli.test_commands import algoreg
from tests.instruments.framework_tasks_support import import_official, make_orgs

GOOD = """\
- id: eigen-biastoets
  title: Werkwijze biastoets
  toelichting: Onze eigen stappen.
  categorie: [handreiking]
  maatregel: [5-ver-03-biasanalyse]
  levenscyclus: [verificatie-en-validatie]
  rollen: [ontwikkelaar]
- title: Checklist inkoop
  source_path: docs/hulpmiddelen/Checklist-Inkoop.md
"""

BAD = """\
- title: Nieuw en goed
- title: Verkeerde maatregel
  maatregel: [9-xyz-99-verzonnen]
- title: Verkeerde fase
  levenscyclus: [bestaat-niet]
"""


def stored(factory: sessionmaker[Session]) -> tuple[int, int]:
    with transaction(factory) as session:
        return (
            session.scalar(select(func.count()).select_from(OwnInstrument)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def test_import_a_file_then_again_and_a_bad_one_changes_nothing(
    engine: Engine,
    database_url: str,
    factory: sessionmaker[Session],
    make_organisation: Callable[..., str],
    tmp_path: Path,
) -> None:
    # given
    make_orgs(make_organisation)
    import_official(factory, tree=False)
    good = tmp_path / "eigen.yaml"
    good.write_text(GOOD, encoding="utf-8")

    # when
    first = algoreg(database_url, "instruments", "catalogue-import", "--organisation", "gm0001", str(good))
    again = algoreg(database_url, "instruments", "catalogue-import", "--organisation", "gm0001", str(good))

    # then
    assert first.returncode == 0, first.stderr
    said = " ".join(first.stdout.split())
    assert "Own instruments of gm0001: 2 added, 0 changed, 0 unchanged." in said
    assert "added: eigen-biastoets" in said and "added: checklist-inkoop" in said
    assert again.returncode == 0 and "0 added, 0 changed, 2 unchanged." in " ".join(again.stdout.split())
    before = stored(factory)
    assert before[0] == 2

    # a bad file: every problem named by file, entry and key; nothing is written
    bad = tmp_path / "fout.yaml"
    bad.write_text(BAD, encoding="utf-8")
    refused = algoreg(database_url, "instruments", "catalogue-import", "--organisation", "gm0001", str(bad))
    assert refused.returncode == 1
    told = " ".join(refused.stderr.split())
    assert f"{bad}: [1].maatregel[0]: '9-xyz-99-verzonnen' names no measure" in told
    assert f"{bad}: [2].levenscyclus[0]: 'bestaat-niet' is not a phase" in told
    assert stored(factory) == before

    # not YAML, an unknown organisation
    broken = tmp_path / "kapot.yaml"
    broken.write_text("- title: [niet\n", encoding="utf-8")
    unreadable = algoreg(
        database_url, "instruments", "catalogue-import", "--organisation", "gm0001", str(broken)
    )
    assert unreadable.returncode == 1 and "is not valid YAML" in " ".join(unreadable.stderr.split())
    unknown = algoreg(database_url, "instruments", "catalogue-import", "--organisation", "gm9999", str(good))
    assert unknown.returncode == 1
    assert stored(factory) == before
