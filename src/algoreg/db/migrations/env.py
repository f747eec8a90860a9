"""Alembic environment: runs migrations on the connection or URL handed over by ``algoreg.db.migrate``."""

from typing import Any

from alembic import context
from sqlalchemy import Connection

from algoreg.db.models import Base
from algoreg.db.session import make_engine

config = context.config
target_metadata = Base.metadata


# Full-text structures made by hand in migrations (FTS5 tables, the tsvector column) are not in
# the models; autogenerate must not propose to drop them.
_HAND_MADE = ("search_fts",)


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table" and name and name.startswith(_HAND_MADE):
        return False
    return not (type_ == "column" and name == "search_vector")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as new_connection:
        _run(new_connection)
