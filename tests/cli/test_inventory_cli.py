"""``algoreg inventory propose`` as a real process: a data set's origin columns become proposals, once."""

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select

from algoreg.db.models import OriginDataUse
from algoreg.db.session import transaction
from tests.cli.test_commands import algoreg
from tests.inventory.origin_support import Factory, organisation_with_algorithm
from tests.inventory.test_origin_uses import applicants


def test_propose_stores_one_proposal_per_flagged_column_and_never_twice(
    engine: Engine, database_url: str, factory: Factory, make_organisation: Callable[..., str], tmp_path: Path
) -> None:
    # given an organisation with an algorithm and a data set with a nationality column
    algorithm = organisation_with_algorithm(factory, make_organisation)
    data = tmp_path / "aanvragen.csv"
    applicants().write_csv(data)
    # when the CLI proposes entries for the algorithm
    first = algoreg(
        database_url, "inventory", "propose", str(data), "--organisation", "gm0001", "--algorithm", algorithm
    )
    # then each flagged column is a proposal of the algorithm
    assert first.returncode == 0, first.stderr
    assert "3 proposed, 0 skipped, of 5 columns checked" in first.stdout
    with transaction(factory) as session:
        rows = list(session.scalars(select(OriginDataUse).order_by(OriginDataUse.id)))
    assert [(row.column_name, row.data_kind, row.status, row.source) for row in rows] == [
        ("Nationaliteit", "nationality", "proposed", "scan"),
        ("land_code_x", "other", "proposed", "scan"),
        ("GeboortelandMoeder", "parents_country_of_birth", "proposed", "scan"),
    ]
    assert all(row.dataset_name == "aanvragen.csv" and row.algorithm_id is not None for row in rows)
    # and running it again proposes nothing new
    again = algoreg(
        database_url, "inventory", "propose", str(data), "--organisation", "gm0001", "--algorithm", algorithm
    )
    assert again.returncode == 0, again.stderr
    assert "0 proposed, 3 skipped" in again.stdout
    # an unknown algorithm is a clear error, and nothing is stored
    wrong = algoreg(
        database_url, "inventory", "propose", str(data), "--organisation", "gm0002", "--algorithm", algorithm
    )
    assert (
        wrong.returncode == 1
        and "algorithm" in wrong.stderr
        and "not an algorithm of this organisation" in wrong.stderr
    )
    with transaction(factory) as session:
        assert len(list(session.scalars(select(OriginDataUse)))) == 3
