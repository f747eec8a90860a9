"""Emptying the test database where a test needs it more than once (per property example, per module)."""

from sqlalchemy import Engine, text

from algoreg.db.models import Base


def emptied(engine: Engine) -> Engine:
    """Empty every table of the migrated test database, as the ``engine`` fixture does per test."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
    return engine
