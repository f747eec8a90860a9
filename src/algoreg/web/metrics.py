"""Prometheus metrics at ``GET /metrics``: traffic per route, and the register's state at scrape time.

* ``algoreg_http_requests_total`` and ``algoreg_http_request_duration_seconds`` count and time
  requests by method, route TEMPLATE (``/api/v1/algorithms/{public_id}``, never the raw path, so the
  number of series stays bounded) and status class (``2xx`` … ``5xx``).
* Gauges read from the database when scraped: published algorithms, publication log entries,
  harvest sources by state, and the age of the newest and of the stalest harvest success.
  ``algoreg_database_up`` is 0 when those could not be read (the scrape itself still succeeds).

Each application keeps its own registry: with several server processes, each one exposes the
traffic it served itself (scrape every process, and sum in Prometheus); the database gauges are
the same in all of them. When ``ALGOREG_METRICS_TOKEN`` is set, only requests that send it as a
bearer token get the metrics.
"""

import hmac
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from algoreg.federation.health import harvest_health
from algoreg.register import publication_log
from algoreg.register.figures import published_count
from algoreg.web.deps import UnitOfWork
from algoreg.web.logging import route_template

#: Route label of requests that matched no route (404s for made-up paths), to bound cardinality.
UNMATCHED = "<unmatched>"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

router = APIRouter(tags=["operations"])


def status_class(status: int) -> str:
    """Return the class of an HTTP status: ``2xx``, ``4xx`` …"""
    return f"{status // 100}xx"


class DatabaseCollector(Collector):
    """Gauges read from the database at every scrape, in one short transaction."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the register's and the harvest's current figures."""
        up = GaugeMetricFamily("algoreg_database_up", "1 when the database answered this scrape, else 0.")
        try:
            with self.uow() as session:
                published = published_count(session)
                log_entries = publication_log.last_seq(session)
                health = harvest_health(session)
        except Exception:  # a scrape must not fail because the database does; it reports it instead
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "algoreg_published_algorithms", "Algorithms the public can see now.", value=published
        )
        yield GaugeMetricFamily(
            "algoreg_publication_log_entries",
            "Entries in the hash-chained publication log.",
            value=log_entries,
        )
        sources = GaugeMetricFamily("algoreg_harvest_sources", "Harvest sources by state.", labels=["state"])
        sources.add_metric(["healthy"], health.healthy)
        sources.add_metric(["unhealthy"], health.unhealthy)
        sources.add_metric(["disabled"], health.disabled)
        yield sources
        now = datetime.now(UTC)
        if health.newest_success_at is not None:
            yield GaugeMetricFamily(
                "algoreg_harvest_last_success_age_seconds",
                "Seconds since the most recent successful harvest of any enabled source.",
                value=(now - health.newest_success_at).total_seconds(),
            )
        if health.stalest_since is not None:
            yield GaugeMetricFamily(
                "algoreg_harvest_stalest_source_age_seconds",
                "Seconds the enabled source longest without a successful harvest has gone without one "
                "(counted from its creation when it never succeeded).",
                value=(now - health.stalest_since).total_seconds(),
            )


@dataclass
class AppMetrics:
    """The registry of one application with its request metrics."""

    registry: CollectorRegistry
    requests: Counter
    duration: Histogram
    token: SecretStr | None

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        labels = (method if method in _METHODS else "OTHER", route, status_class(status))
        self.requests.labels(*labels).inc()
        self.duration.labels(*labels).observe(seconds)


def create_metrics(uow: UnitOfWork, token: SecretStr | None) -> AppMetrics:
    """Return a fresh registry with request metrics, process metrics and the database gauges."""
    registry = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    registry.register(DatabaseCollector(uow))
    labels = ("method", "route", "status_class")
    return AppMetrics(
        registry=registry,
        requests=Counter(
            "algoreg_http_requests", "HTTP requests served, by route template.", labels, registry=registry
        ),
        duration=Histogram(
            "algoreg_http_request_duration_seconds",
            "Time to serve HTTP requests, by route template.",
            labels,
            registry=registry,
        ),
        token=token if token is not None and token.get_secret_value() else None,
    )


class RequestMetrics:
    """ASGI middleware: time every HTTP request and count it under its route template."""

    def __init__(self, app: ASGIApp, metrics: AppMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, then record its duration and status."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        finally:
            route = route_template(scope) or UNMATCHED
            self.metrics.observe(scope["method"], route, status, time.perf_counter() - started)


def _authorised(request: Request, token: SecretStr | None) -> bool:
    if token is None:
        return True
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), expected)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """The metrics in Prometheus' text format (401 without the right token when one is configured)."""
    app_metrics: AppMetrics = request.app.state.metrics
    if not _authorised(request, app_metrics.token):
        return Response(
            "The metrics need 'Authorization: Bearer <ALGOREG_METRICS_TOKEN>'.\n",
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return Response(generate_latest(app_metrics.registry), media_type=CONTENT_TYPE_LATEST)
