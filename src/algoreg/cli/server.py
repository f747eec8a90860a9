"""``algoreg init``, ``serve`` and ``demo``."""

import secrets
from pathlib import Path
from typing import Annotated

import typer

from algoreg.cli.context import console, operator

Host = Annotated[str, typer.Option(help="Address to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on.")]


def init() -> None:
    """Create the database, or migrate it to the newest schema (safe to run again)."""
    from algoreg.db.migrate import migrate
    from algoreg.db.session import default_engine

    migrate(default_engine())
    console.print(f"Database ready: {default_engine().url.render_as_string(hide_password=True)}")


def serve(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    harvest_every: Annotated[
        float,
        typer.Option(
            envvar="ALGOREG_HARVEST_EVERY",
            help="Harvest all enabled sources every this many seconds while serving (0: never).",
        ),
    ] = 0,
) -> None:
    """Serve the register on the configured database (migrating it first)."""
    import uvicorn

    from algoreg.config import get_settings
    from algoreg.db.migrate import migrate
    from algoreg.db.session import default_engine, session_factory
    from algoreg.federation.fetch import fetch_settings_from
    from algoreg.federation.harvester import HarvestSettings
    from algoreg.federation.scheduler import HarvestScheduler
    from algoreg.logs import configure_logging
    from algoreg.web.app import create_app

    configure_logging(get_settings().log_format, get_settings().log_level)
    engine = default_engine()
    migrate(engine)
    scheduler = (
        HarvestScheduler(
            session_factory(engine),
            harvest_every,
            HarvestSettings(fetch=fetch_settings_from(get_settings())),
            keep_runs=get_settings().harvest_keep_runs,
        )
        if harvest_every > 0
        else None
    )
    if scheduler is not None:
        scheduler.start()
    try:
        uvicorn.run(
            create_app(engine), host=host, port=port, proxy_headers=True, log_config=None, access_log=False
        )
    finally:
        if scheduler is not None:
            scheduler.stop()


def demo(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    database: Annotated[
        Path, typer.Option(help="SQLite file for the demo; it is made anew each time.")
    ] = Path("algoreg-demo.sqlite3"),
) -> None:
    """Start a demo register: a fresh SQLite database filled with the sample register, served."""
    import uvicorn

    from algoreg.config import get_settings
    from algoreg.db.migrate import migrate
    from algoreg.db.session import make_engine, session_factory, transaction
    from algoreg.register import accounts
    from algoreg.register.roles import Role
    from algoreg.register.seeding import seed_sample_register
    from algoreg.web.app import create_app

    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{database.resolve()}")
    migrate(engine)
    password = secrets.token_urlsafe(12)
    with transaction(session_factory(engine)) as session:
        report = seed_sample_register(session, operator())
        accounts.create_user(session, operator(), "admin", "Beheerder", password, is_superuser=True)
        token = accounts.issue_token(session, operator(), "demo", None, Role.ADMIN)
    console.print(
        f"Demo register with {report.organisations} organisations and {report.algorithms} algorithms "
        f"({report.versions} versions)."
    )
    console.print(f"  API:       http://{host}:{port}/api/v1/algorithms")
    console.print(f"  API docs:  http://{host}:{port}/api/v1/docs")
    console.print(f"  Login:     admin / {password}")
    console.print(f"  API token: {token.secret}")
    settings = get_settings().model_copy(update={"public_base_url": f"http://{host}:{port}"})
    uvicorn.run(create_app(engine, settings), host=host, port=port)
