"""The ``algoreg`` command line: a thin shell around the domain services."""

import typer

from algoreg.cli import accounts, bias, check, deliver, framework, harvest, register, server, upgrade, verify
from algoreg.cli import campaigns as campaigns_cli
from algoreg.cli import instruments as instruments_cli
from algoreg.cli import inventory as inventory_cli
from algoreg.cli.backup import backup_command, restore_command
from algoreg.cli.standard import app as standard_app

app = typer.Typer(
    name="algoreg",
    help="Algoreg: register, assess and test government algorithms, and publish them.",
    no_args_is_help=True,
)
standard_app.command("upgrade")(upgrade.upgrade_command)
app.add_typer(standard_app, name="standard")
app.add_typer(accounts.org_app, name="org")
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.token_app, name="token")
app.add_typer(harvest.app, name="harvest")
app.add_typer(bias.app, name="bias")
app.add_typer(framework.app, name="framework")
app.add_typer(instruments_cli.app, name="instruments")
app.add_typer(inventory_cli.app, name="inventory")
app.add_typer(campaigns_cli.app, name="campaigns")
app.command("init")(server.init)
app.command("serve")(server.serve)
app.command("demo")(server.demo)
app.command("import")(register.import_command)
app.command("export")(register.export_command)
app.command("verify")(verify.verify_command)
app.command("backup")(backup_command)
app.command("restore")(restore_command)
app.command("check-register")(check.check_register_command)
app.command("deliver")(deliver.deliver_command)


def main() -> None:
    """Run the command line."""
    app()
