"""The FastAPI application: JSON API, delivery API, and (later) the pages."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from algoreg import __version__
from algoreg.config import Settings, get_settings
from algoreg.db.session import default_engine, session_factory
from algoreg.register.sessions import instance_secret
from algoreg.web.api import (
    assessments,
    bias_analyses,
    bias_reports,
    campaigns,
    checklist,
    delivery,
    discovery,
    feed,
    framework_tasks,
    harvest,
    high_risk_inventory,
    origin_inventory,
    own_instruments,
    standard,
    v1,
)
from algoreg.web.api.responses import ERROR_RESPONSES
from algoreg.web.deps import UnitOfWork
from algoreg.web.errors import install_error_handlers
from algoreg.web.limits import RequestLimits
from algoreg.web.logging import RequestLog
from algoreg.web.metrics import RequestMetrics, create_metrics
from algoreg.web.metrics import router as metrics_router
from algoreg.web.pages import (
    admin,
    auth,
    manage,
    manage_assessments,
    manage_bias_analysis,
    manage_bias_reports,
    manage_campaigns,
    manage_checklist,
    manage_framework,
    manage_framework_org,
    manage_framework_tasks,
    manage_harvest,
    manage_high_risk,
    manage_origin_inventory,
    manage_own_instruments,
    oidc,
    public_algorithm,
    public_bias_reports,
    public_catalogue,
    public_organisations,
    public_search,
    statistics,
)
from algoreg.web.security import WebContext
from algoreg.web.templating import STATIC

PAGE_ROUTERS = (
    auth,
    oidc,
    public_search,
    public_algorithm,
    public_bias_reports,
    public_organisations,
    statistics,
    manage,
    manage_bias_reports,
    manage_bias_analysis,
    manage_assessments,
    manage_high_risk,
    manage_campaigns,
    admin,
    manage_harvest,
    manage_origin_inventory,
    manage_framework,
    manage_framework_org,
    manage_framework_tasks,
    manage_checklist,
    manage_own_instruments,
    public_catalogue,
)


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
        responses=ERROR_RESPONSES,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.uow = UnitOfWork(session_factory(engine or default_engine()))
    with app.state.uow() as session:
        app.state.secret = settings.secret_key or instance_secret(session)
    install_error_handlers(app)
    app.include_router(v1.router)
    app.include_router(bias_reports.router)
    app.include_router(bias_analyses.router)
    app.include_router(assessments.router)
    app.include_router(framework_tasks.router)
    app.include_router(checklist.router)
    app.include_router(campaigns.router)
    app.include_router(high_risk_inventory.router)
    app.include_router(origin_inventory.router)
    app.include_router(own_instruments.router)
    app.include_router(standard.router)
    app.include_router(feed.router)
    app.include_router(discovery.router)
    app.include_router(harvest.router)
    app.include_router(delivery.router)
    app.include_router(metrics_router)
    for pages in PAGE_ROUTERS:
        app.include_router(pages.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Tell that the application is up."""
        return {"status": "ok"}

    app.add_middleware(WebContext)
    app.add_middleware(
        RequestLimits,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        larger_uploads={
            bias_analyses.UPLOAD_SUFFIX: settings.bias_max_upload_bytes,
            manage_bias_analysis.UPLOAD_SUFFIX: settings.bias_max_upload_bytes,
            origin_inventory.UPLOAD_SUFFIX: settings.bias_max_upload_bytes,
        },
    )
    app.state.metrics = create_metrics(app.state.uow, settings.metrics_token)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)
    app.add_middleware(RequestLog)
    return app
