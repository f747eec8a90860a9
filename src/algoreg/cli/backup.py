"""``algoreg backup FILE`` and ``algoreg restore FILE``: the whole database, out and back in."""

from pathlib import Path
from typing import Annotated

import typer

from algoreg.cli.context import console, errors


def _where(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _say(message: str) -> None:
    console.print(message, markup=False, highlight=False, soft_wrap=True)


def _error(message: str) -> None:
    errors.print(message, style="red", markup=False, highlight=False, soft_wrap=True)


def backup_command(
    file: Annotated[Path, typer.Argument(help="The backup file to write.", dir_okay=False)],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE when it exists.")] = False,
) -> None:
    """Back up the configured database to FILE, safely while the server runs.

    SQLite: a consistent copy through SQLite's online backup. PostgreSQL: pg_dump in custom format
    (the client tools must be installed). Exit code 1 when the backup could not be made.
    """
    from algoreg.config import get_settings
    from algoreg.db.backup import BackupError, backup

    url = get_settings().database_url
    try:
        result = backup(url, file, overwrite=force)
    except BackupError as error:
        _error(error.message)
        raise typer.Exit(1) from None
    _say(f"Backed up {_where(url)} to {result.path} ({result.kind.value}, {result.size:,} bytes).")


def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup file made by 'algoreg backup'.", dir_okay=False)],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds data.")
    ] = False,
) -> None:
    """Replace the configured database by the backup in FILE, then check the publication log.

    The database is migrated to the newest schema afterwards. Exit code 1 when nothing was
    restored (a missing file, a backup of the other kind of database, a database that holds data
    without --force), 3 when the restored publication log fails its check (as 'algoreg verify').
    """
    from algoreg.config import get_settings
    from algoreg.db.backup import BackupError, restore
    from algoreg.db.session import make_engine, session_factory, transaction
    from algoreg.register import algorithms, publication_log

    url = get_settings().database_url
    try:
        result = restore(url, file, force=force)
    except BackupError as error:
        _error(error.message)
        raise typer.Exit(1) from None
    replaced = (
        f", replacing the data that was there ({len(result.replaced)} tables)" if result.replaced else ""
    )
    _say(f"Restored {file} into {_where(url)}{replaced}.")
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine)) as session:
            problems = publication_log.verify(session, algorithms.public_record_of)
            count = publication_log.last_seq(session)
    finally:
        engine.dispose()
    if problems:
        for problem in problems:
            _error(f"entry {problem.seq}: {problem.problem}")
        _error(f"The restored publication log has {len(problems)} problems in {count} entries.")
        raise typer.Exit(3)
    _say(f"The publication log of {count} entries is intact and matches every published version.")
