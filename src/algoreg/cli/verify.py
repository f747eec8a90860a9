"""``algoreg verify [URL]``: check that the publication history was not rewritten."""

from typing import Annotated, Any

import typer

from algoreg.cli.context import console, errors, unit_of_work

FEED_PAGE = 1000
MAX_PAGES = 10_000


def _remote_entries(url: str, timeout: float) -> list[Any]:
    """Read a register's whole change feed, page by page, from the start."""
    import httpx

    base = url.rstrip("/")
    feed = base if base.endswith("/api/v1/feed") else f"{base}/api/v1/feed"
    entries: list[Any] = []
    after = 0
    with httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=5) as client:
        for _ in range(MAX_PAGES):
            response = client.get(feed, params={"after": after, "limit": FEED_PAGE})
            response.raise_for_status()
            page = response.json()
            batch = page.get("entries") or []
            if not batch:
                return entries
            entries.extend(batch)
            after = int(page["last_seq"])
    raise RuntimeError(f"the feed has more than {MAX_PAGES} pages; stopped reading")


def verify_command(
    url: Annotated[
        str | None, typer.Argument(help="A register's address; without it, this instance's database.")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each page of a remote feed.")] = 30.0,
) -> None:
    """Check the hash chain of the publication log (and locally every published version against it).

    Exit code 0 when everything matches, 1 when anything was changed, removed or inserted, 2 when a
    remote register could not be read.
    """
    if url is None:
        from algoreg.register import algorithms, publication_log

        with unit_of_work() as session:
            found = [
                f"entry {p.seq}: {p.problem}"
                for p in publication_log.verify(session, algorithms.public_record_of)
            ]
            count = publication_log.last_seq(session)
        where = "The publication log"
    else:
        import httpx

        from algoreg.federation.conformance import chain_problems

        if not url.startswith(("http://", "https://")):
            errors.print(f"[red]'{url}' is not an http:// or https:// address.[/red]")
            raise typer.Exit(2)
        try:
            entries = _remote_entries(url, timeout)
        except (httpx.HTTPError, ValueError, KeyError, RuntimeError) as error:
            errors.print(f"[red]Could not read the change feed of {url}: {error}[/red]")
            raise typer.Exit(2) from None
        found, count = chain_problems(entries), len(entries)
        where = f"The change feed of {url}"
    if found:
        for problem in found:
            errors.print(f"[red]{problem}[/red]")
        errors.print(f"[red]{len(found)} problems in {count} entries.[/red]")
        raise typer.Exit(1)
    matched = " and matches every published version" if url is None else ""
    console.print(f"{where} of {count} entries is intact{matched}.")
