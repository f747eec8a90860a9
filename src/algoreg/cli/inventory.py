"""``algoreg inventory …``: the inventory of origin-related personal data from the command line.

``propose`` runs the bias tool's origin scan on a data file and stores one proposed use per
flagged column for the organisation (for an algorithm, or a named system); a column already in
the inventory for that system is skipped. People confirm or dismiss the proposals in the
management pages or through the API.
"""

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from algoreg.cli.context import console, operator, unit_of_work

app = typer.Typer(
    help="The inventory of origin-related personal data: propose entries from a data set's columns.",
    no_args_is_help=True,
)


@app.command("propose")
def propose_command(
    data: Annotated[Path, typer.Argument(help="A CSV, Parquet or XLSX file.", exists=True, dir_okay=False)],
    organisation: Annotated[str, typer.Option("--organisation", help="The organisation's code.")],
    algorithm: Annotated[
        str | None, typer.Option("--algorithm", help="Id of the organisation's algorithm that uses the data.")
    ] = None,
    system: Annotated[
        str | None,
        typer.Option(
            "--system", help="Without --algorithm: the system or process (default: the file's name)."
        ),
    ] = None,
    max_rows: Annotated[
        int, typer.Option(min=1, help="Read the content of at most this many rows.")
    ] = 100_000,
) -> None:
    """Scan DATAFILE for origin-related columns and propose an inventory entry for each, once."""
    from algoreg.inventory import origin_uses
    from algoreg.inventory.origin_scan import scan_data_file

    with unit_of_work() as session:
        origin_uses.require_may_propose(session, operator(), organisation)
        scan = scan_data_file(data, max_rows=max_rows)
        outcome = origin_uses.propose_from_scan(
            session,
            operator(),
            organisation,
            scan,
            dataset_name=data.name,
            algorithm=algorithm,
            system_name=system or ("" if algorithm else data.name),
        )
    table = Table("use", "column", "kind of data", "why", title="Proposed uses of origin-related data")
    for view in outcome.created:
        detail = f" ({view.data_detail})" if view.data_detail else ""
        table.add_row(
            str(view.id),
            escape(view.column_name),
            escape(view.data_kind.value + detail),
            escape("; ".join(view.scan_reasons)),
        )
    if outcome.created:
        console.print(table)
    for skipped in outcome.skipped:
        console.print(
            f"Skipped {escape(skipped.column)}: {skipped.reason} (use {skipped.use_id}).", soft_wrap=True
        )
    console.print(
        f"{len(outcome.created)} proposed, {len(outcome.skipped)} skipped, "
        f"of {outcome.columns_checked} columns checked. Confirm or dismiss them at /beheer/herkomstgegevens.",
        soft_wrap=True,
    )
