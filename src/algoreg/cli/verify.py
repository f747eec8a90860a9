"""``algoreg verify``: check that the publication history was not rewritten."""

import typer

from algoreg.cli.context import console, errors, unit_of_work
from algoreg.register import algorithms, publication_log


def verify_command() -> None:
    """Check the hash chain of the publication log and every published version against it.

    Exit code 0 when everything matches, 1 when anything was changed, removed or inserted.
    """
    with unit_of_work() as session:
        problems = publication_log.verify(session, algorithms.public_record_of)
        entries = publication_log.last_seq(session)
    if problems:
        for problem in problems:
            errors.print(f"[red]entry {problem.seq}: {problem.problem}[/red]")
        errors.print(f"[red]{len(problems)} problems in a log of {entries} entries.[/red]")
        raise typer.Exit(1)
    console.print(f"The publication log of {entries} entries is intact and matches every published version.")
