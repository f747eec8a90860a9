"""``algoreg campaigns …``: the request campaigns of this register, and their reminders."""

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from algoreg.cli.context import console, operator, unit_of_work

app = typer.Typer(help="Request campaigns ('uitvraag') among organisations.", no_args_is_help=True)


@app.command("list")
def list_command() -> None:
    """Every campaign: who runs it, its deadline and state."""
    from algoreg.inventory.campaigns.campaigns import campaigns_for

    with unit_of_work() as session:
        table = Table("id", "organisation", "title", "deadline", "state")
        for campaign in campaigns_for(session, operator()):
            table.add_row(
                str(campaign.id),
                campaign.organisation.code,
                campaign.title,
                campaign.deadline.isoformat(),
                campaign.state,
            )
    console.print(table)


@app.command("remind")
def remind_command(
    today: Annotated[
        str | None, typer.Option(help="The day to remind for, as YYYY-MM-DD (default: today).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list the reminders that are due.")] = False,
) -> None:
    """Send the reminders that are due (ALGOREG_CAMPAIGN_REMINDER_DAYS before each deadline) and record them.

    They are e-mailed through ALGOREG_SMTP_HOST when it is set, and recorded in any case. Run it
    daily, for instance from cron; running it twice on a day sends nothing twice.
    """
    from algoreg.config import get_settings
    from algoreg.inventory.campaigns.reminders import due_reminders, send_reminders
    from algoreg.mail import configured_mailer

    settings = get_settings()
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        console.print(f"[red]--today: '{today}' is not a date of the form YYYY-MM-DD[/red]")
        raise typer.Exit(2) from None
    with unit_of_work() as session:
        if dry_run:
            for due in due_reminders(session, day, settings.reminder_days):
                console.print(
                    f"{due.organisation_code}: campaign {due.campaign_id}, {due.days_before} days before "
                    f"{due.deadline.isoformat()}, {len(due.open_points)} open"
                )
            return
        recorded = send_reminders(session, day, settings.reminder_days, configured_mailer(settings))
    console.print(f"{len(recorded)} reminder(s) recorded.")
    for row in recorded:
        console.print(f"  {row.recipient or '(no address)'}: {row.outcome}")
