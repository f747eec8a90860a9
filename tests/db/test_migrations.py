"""The migrations build exactly the schema the models describe, and can be undone."""

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from algoreg.db.migrate import alembic_config, migrate
from algoreg.db.models import Base

#: What the search migration makes per database and the models do not describe: the virtual FTS5
#: table on SQLite (with its shadow tables ``search_fts_*``), and on PostgreSQL the generated
#: ``search_vector`` column with its index.
_NOT_MODELLED = ("search_fts", "search_vector")


def _relevant(difference: Any) -> bool:
    """Tell whether a difference is real, not one of the unmodelled search structures."""
    if not isinstance(difference, tuple) or not difference[0].startswith("remove_"):
        return True
    removed = difference[-1]
    name = getattr(removed, "name", "") or ""
    columns = " ".join(getattr(removed, "columns", {}).keys()) if hasattr(removed, "columns") else ""
    return not any(marker in f"{name} {columns}" for marker in _NOT_MODELLED)


def test_the_migrated_schema_matches_the_models(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, Base.metadata) if _relevant(d)]
    assert differences == []


def test_every_migration_can_be_undone_and_done_again(tmp_path: Any) -> None:
    from algoreg.db.session import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}")
    migrate(engine)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert "harvest_item" in inspect(engine).get_table_names()
    engine.dispose()
