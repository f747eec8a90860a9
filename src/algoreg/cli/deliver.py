"""``algoreg deliver``: push this register's published records through the official delivery API 1.0."""

import json
import os
import re
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer

from algoreg.cli.context import console, errors, unit_of_work

if TYPE_CHECKING:
    from algoreg.federation.delivery_push import PushReport

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFAULT_PATH = "/aanleverapi/v1_0"


def delivery_base_url(url: str) -> str:
    """Return the delivery API's base URL: a bare server address gets ``/aanleverapi/v1_0`` added."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--to must be an http:// or https:// URL, not '{url}'.")
    if parts.path in ("", "/"):
        return url.rstrip("/") + DEFAULT_PATH
    return url.rstrip("/")


def _print_report(report: "PushReport") -> None:
    prefix = "Dry run, would have: " if report.dry_run else ""
    console.print(
        f"{prefix}created {len(report.created)}, updated {len(report.updated)}, "
        f"released {len(report.released)}, retracted {len(report.retracted)}, "
        f"unchanged {len(report.unchanged)}, errors {len(report.errors)}."
    )
    for label, ids in (
        ("created", report.created),
        ("updated", report.updated),
        ("released", report.released),
        ("retracted", report.retracted),
    ):
        for public_id in ids:
            remote = report.remote_ids.get(public_id)
            console.print(f"  {label}: {public_id}" + (f" (remote {remote})" if remote else ""))
    for note in report.notes:
        console.print(f"  note: {note}", markup=False)
    for error in report.errors:
        errors.print(f"  error: {error.public_id}: {error.message}", markup=False)


def deliver_command(
    to: Annotated[
        str, typer.Option("--to", help="URL of the delivery API, e.g. https://host/aanleverapi/v1_0.")
    ],
    token_env: Annotated[
        str, typer.Option("--token-env", help="Name of the environment variable holding the bearer token.")
    ],
    organisation: Annotated[str, typer.Option("--organisation", help="Code of the organisation here.")],
    remote_organisation: Annotated[
        str | None,
        typer.Option(
            "--remote-organisation", help="The organisation's id in the remote register (default: CODE)."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report what would be done.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    timeout: Annotated[float, typer.Option(min=1, max=600, help="Seconds per request.")] = 30.0,
) -> None:
    """Make the remote register match the algorithms ORGANISATION publishes here.

    Creates or updates and releases what is public here, retracts what is no longer public. The
    token is read from the environment variable named by --token-env and is never printed.
    Exit code 0 when everything was delivered, 1 otherwise.
    """
    from algoreg.federation.delivery_client import DeliveryClient, DeliveryError
    from algoreg.federation.delivery_push import push_published

    if not _ENV_NAME.match(token_env):
        errors.print(
            "--token-env must be the NAME of an environment variable (letters, digits, _), not a value."
        )
        raise typer.Exit(2)
    token = os.environ.get(token_env, "").strip()
    if not token:
        errors.print(f"The environment variable {token_env} is not set or empty; put the API token in it.")
        raise typer.Exit(2)
    try:
        base_url = delivery_base_url(to)
    except ValueError as bad:
        errors.print(str(bad), markup=False)
        raise typer.Exit(2) from None
    with DeliveryClient(base_url, token, timeout=timeout) as client, unit_of_work() as session:
        try:
            report = push_published(
                session, client, organisation, remote_organisation or organisation, dry_run=dry_run
            )
        except DeliveryError as failure:
            errors.print(f"Nothing was delivered: {failure}", markup=False)
            raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
        for error in report.errors:
            errors.print(f"error: {error.public_id}: {error.message}", markup=False)
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)
