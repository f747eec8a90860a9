"""The ``algoreg`` command line: a thin shell around the domain services."""

import typer

from algoreg.cli.standard import app as standard_app

app = typer.Typer(
    name="algoreg",
    help="Algoreg: register, assess and test government algorithms, and publish them.",
    no_args_is_help=True,
)
app.add_typer(standard_app, name="standard")


def main() -> None:
    """Run the command line."""
    app()
