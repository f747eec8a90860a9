"""The FastAPI application: JSON API, delivery API, and (later) the pages."""

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine

from algoreg import __version__
from algoreg.config import Settings, get_settings
from algoreg.db.session import default_engine, session_factory
from algoreg.web.api import delivery, standard, v1
from algoreg.web.deps import UnitOfWork
from algoreg.web.errors import install_error_handlers
from algoreg.web.limits import RequestLimits


def create_app(engine: Engine | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the application on ``engine`` (default: the configured database)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Algoreg",
        version=__version__,
        description=(
            "Algorithm register on publication standard 1.0. Public reads need no login; writes need an "
            "API token of the organisation with the right role."
        ),
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.uow = UnitOfWork(session_factory(engine or default_engine()))
    install_error_handlers(app)
    app.include_router(v1.router)
    app.include_router(standard.router)
    app.include_router(delivery.router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        """Until the public site exists, the front door leads to the API documentation."""
        return RedirectResponse("/api/v1/docs")

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Tell that the application is up."""
        return {"status": "ok"}

    app.add_middleware(
        RequestLimits,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    return app
