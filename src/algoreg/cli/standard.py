"""``algoreg standard …``: the publication standard's schema and validation of record files."""

import typer

app = typer.Typer(help="The publication standard: schema and validation.", no_args_is_help=True)
