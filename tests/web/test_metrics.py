"""Prometheus metrics at /metrics: traffic by route template, the register's state at scrape time."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from algoreg.config import get_settings
from algoreg.db.models import HarvestSource
from algoreg.db.session import make_engine, session_factory, transaction
from algoreg.register.roles import Role
from algoreg.web.app import create_app
from algoreg.web.deps import UnitOfWork
from algoreg.web.metrics import create_metrics
from tests.samples import sample_record

Headers = dict[str, str]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient, headers: Headers | None = None) -> Samples:
    response = client.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def publish(client: TestClient, headers: Headers, name: str) -> str:
    public_id: str = client.post(
        "/api/v1/organisations/gm0001/algorithms", json=sample_record(name=name), headers=headers
    ).json()["id"]
    for action in ("submit", "approve", "publish"):
        response = client.post(f"/api/v1/algorithms/{public_id}/actions/{action}", headers=headers)
        assert response.status_code == 200, response.text
    return public_id


def test_requests_are_counted_by_route_template_and_status_class(client: TestClient) -> None:
    # given requests for two different (unknown) algorithms, the health check and a made-up path
    for public_id in ("abc123", "def456"):
        assert client.get(f"/api/v1/algorithms/{public_id}").status_code == 404
    assert client.get("/health").status_code == 200
    assert client.get("/health").status_code == 200
    assert client.get("/no/such/page/x7").status_code == 404
    # when the metrics are scraped
    samples = scrape(client)
    # then each route template is one series, by status class, and raw paths appear nowhere
    template = "/api/v1/algorithms/{public_id}"
    assert (
        value(samples, "algoreg_http_requests_total", method="GET", route=template, status_class="4xx") == 2
    )
    assert (
        value(samples, "algoreg_http_requests_total", method="GET", route="/health", status_class="2xx") == 2
    )
    assert (
        value(samples, "algoreg_http_requests_total", method="GET", route="<unmatched>", status_class="4xx")
        == 1
    )
    routes = {dict(labels).get("route") for (_, labels) in samples}
    assert not {r for r in routes if r and ("abc123" in r or "def456" in r or "x7" in r)}
    # and the latency histogram counted the same requests, with buckets
    assert (
        value(
            samples,
            "algoreg_http_request_duration_seconds_count",
            method="GET",
            route=template,
            status_class="4xx",
        )
        == 2
    )
    assert (
        value(
            samples,
            "algoreg_http_request_duration_seconds_bucket",
            method="GET",
            route="/health",
            status_class="2xx",
            le="+Inf",
        )
        == 2
    )


def test_unknown_methods_do_not_make_new_series(client: TestClient) -> None:
    client.request("BREW", "/health")
    samples = scrape(client)
    methods = {
        dict(labels).get("method") for (name, labels) in samples if name == "algoreg_http_requests_total"
    }
    assert "BREW" not in methods and "OTHER" in methods


def test_database_gauges_are_read_at_scrape_time(
    client: TestClient,
    factory: sessionmaker[Session],
    make_organisation: Callable[..., str],
    make_token: Callable[..., Headers],
) -> None:
    # given an empty register
    samples = scrape(client)
    assert value(samples, "algoreg_database_up") == 1
    assert value(samples, "algoreg_published_algorithms") == 0
    assert value(samples, "algoreg_harvest_sources", state="healthy") == 0
    assert value(samples, "algoreg_harvest_last_success_age_seconds") is None
    # when two algorithms are published and one retracted, and harvest sources exist in every state
    make_organisation("gm0001", "Gemeente Voorbeeld")
    token = make_token("gm0001", Role.PUBLISHER)
    first = publish(client, token, "Eerste")
    publish(client, token, "Tweede")
    assert client.post(f"/api/v1/algorithms/{first}/actions/retract", headers=token).status_code == 200
    now = datetime.now(UTC)
    with transaction(factory) as session:
        session.add(
            HarvestSource(url="https://a.example/", kind="algoreg", last_success_at=now - timedelta(hours=1))
        )
        session.add(
            HarvestSource(
                url="https://b.example/",
                kind="algoreg",
                last_success_at=now - timedelta(days=3),
                unhealthy=True,
            )
        )
        session.add(
            HarvestSource(url="https://c.example/", kind="algoreg", enabled=False, last_success_at=now)
        )
    samples = scrape(client)
    # then the gauges say what the database holds now
    assert value(samples, "algoreg_published_algorithms") == 1
    assert value(samples, "algoreg_publication_log_entries") == 3
    assert value(samples, "algoreg_harvest_sources", state="healthy") == 1
    assert value(samples, "algoreg_harvest_sources", state="unhealthy") == 1
    assert value(samples, "algoreg_harvest_sources", state="disabled") == 1
    newest = value(samples, "algoreg_harvest_last_success_age_seconds")
    stalest = value(samples, "algoreg_harvest_stalest_source_age_seconds")
    assert newest is not None and 3600 <= newest < 3600 + 120, (
        "the disabled source's fresh success does not count"
    )
    assert stalest is not None and 3 * 86400 <= stalest < 3 * 86400 + 120


def test_a_database_that_cannot_be_reached_is_reported_not_fatal() -> None:
    # given metrics on a database nobody listens for (a closed port)
    unreachable = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    metrics = create_metrics(UnitOfWork(session_factory(unreachable)), None)
    # when they are scraped
    text = generate_latest(metrics.registry).decode()
    # then the scrape still answers, with the database reported down and no register figures
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert value(samples, "algoreg_database_up") == 0
    assert value(samples, "algoreg_published_algorithms") is None
    unreachable.dispose()


def test_a_metrics_token_is_required_when_configured(engine: Engine) -> None:
    # given an instance configured with a metrics token
    settings = get_settings().model_copy(update={"metrics_token": SecretStr("metrics-geheim-123")})
    with TestClient(create_app(engine, settings)) as client:
        # when the metrics are asked without it, with another, and with it
        missing = client.get("/metrics")
        wrong = client.get("/metrics", headers={"Authorization": "Bearer iets-anders"})
        samples = scrape(client, {"Authorization": "Bearer metrics-geheim-123"})
    # then only the right token gets them
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert wrong.status_code == 401 and "algoreg_" not in wrong.text
    assert value(samples, "algoreg_database_up") == 1


def test_metrics_are_not_in_the_public_api_description(client: TestClient) -> None:
    assert "/metrics" not in client.get("/api/v1/openapi.json").json()["paths"]
