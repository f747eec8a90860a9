"""What every command needs: the database, a unit of work, and the acting operator.

Importing this module stays cheap (no database library, no migrations): every command imports it,
``algoreg --help`` included; what a command uses is imported when it runs.
"""

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from algoreg.errors import AlgoregError, InvalidInput
from algoreg.register.roles import Principal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

console = Console()
errors = Console(stderr=True)


def operator() -> Principal:
    """The person at the command line: someone with direct access to the database is an administrator."""
    return Principal(name=f"cli:{getpass.getuser()}", is_superuser=True)


@contextmanager
def unit_of_work() -> Iterator["Session"]:
    """Migrate the configured database if needed and yield one transaction; errors end the command."""
    from algoreg.db.migrate import migrate
    from algoreg.db.session import default_engine, session_factory, transaction

    engine = default_engine()
    migrate(engine)
    try:
        with transaction(session_factory(engine)) as session:
            yield session
    except InvalidInput as invalid:
        errors.print(f"[red]{invalid.message}[/red]")
        for problem in invalid.problems:
            where = f"record {problem.record}, " if problem.record is not None else ""
            errors.print(f"  {where}{problem.field or '(record)'}: {problem.reason}")
        raise typer.Exit(1) from None
    except AlgoregError as error:
        errors.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
