"""Benchmark of the public search page and the JSON list of algorithms on a large register.

Fills a fresh database with N published algorithms (the bulk fill of ``benchmarks/search.py``,
which ``benchmarks/load.py`` uses too), starts the real application with uvicorn on loopback and
times, one request at a time over a warm connection, in the same run:

* the search page: first page without a query, with a text query, with facets only, with a text
  query and facets, and page 200 without a query;
* the JSON list ``/api/v1/algorithms``: its first page, a deep page by ``offset`` and, when the
  API offers it, the same deep page by its ``after`` cursor;
* the peers: ``/health`` over HTTP (the framework's floor) and a bare
  ``SELECT algorithm_id FROM search_entry ORDER BY algorithm_id LIMIT 20`` on the same database
  (the database's floor).

It prints the median and p95 of every case and its ratio to both peers' medians.

Usage::

    .venv/bin/python benchmarks/search_scale.py [--rows 50000] [--database sqlite|postgres|both]
        [--repeats 25]

PostgreSQL: a temporary database is created next to ``--postgres-url`` (default the test server)
and dropped afterwards. ``--sqlite-file PATH`` keeps the SQLite database in PATH and, when it
already holds algorithms, measures it without filling it again (migrations are still applied).
"""

import argparse
import contextlib
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import urlencode

import httpx
from sqlalchemy import Engine, func, select, text

from algoreg.db.migrate import migrate
from algoreg.db.models import SearchEntry
from algoreg.db.session import make_engine

HERE = Path(__file__).resolve().parent
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
API_LIMIT = 50


def _load_search_benchmark() -> ModuleType:
    """The search benchmark's register generator, bulk fill and server, reused as they are."""
    spec = importlib.util.spec_from_file_location("search_benchmark", HERE / "search.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


search = _load_search_benchmark()


def cases(rows: int) -> dict[str, str]:
    """The URLs timed, by name; the deep API page lies near the end of the register."""
    deep = max(0, (rows - 2 * API_LIMIT) // API_LIMIT * API_LIMIT)
    return {
        "search, no query": "/",
        "search, text": "/?" + urlencode({"q": "vergunning"}),
        "search, facets": "/?"
        + urlencode([("theme", "Sociale zekerheid"), ("status", "In gebruik"), ("kind", "gemeente")]),
        "search, text + facets": "/?"
        + urlencode([("q", "controle"), ("theme", "Sociale zekerheid"), ("status", "In gebruik")]),
        "search, page 200": "/?page=200",
        "API list, first page": f"/api/v1/algorithms?limit={API_LIMIT}",
        "API list, deep offset": f"/api/v1/algorithms?limit={API_LIMIT}&offset={deep}",
    }


def timed(client: httpx.Client, url: str, repeats: int) -> list[float]:
    """Seconds per request of ``url``, ``repeats`` times after one warm-up request."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return times


def bare_select(engine: Engine, repeats: int) -> list[float]:
    """Seconds per bare ``SELECT … LIMIT 20`` on the search table, over one open connection."""
    statement = select(SearchEntry.algorithm_id).order_by(SearchEntry.algorithm_id).limit(20)
    times = []
    with engine.connect() as connection:
        connection.execute(statement).all()
        for _ in range(repeats):
            started = time.perf_counter()
            connection.execute(statement).all()
            times.append(time.perf_counter() - started)
    return times


def cursor_url(client: httpx.Client, deep_url: str) -> str | None:
    """The deep API page asked for by its ``after`` cursor, when the API gives one (else ``None``)."""
    offset = int(deep_url.rsplit("offset=", 1)[1])
    if offset < API_LIMIT:
        return None
    before = client.get(f"/api/v1/algorithms?limit={API_LIMIT}&offset={offset - API_LIMIT}").json()
    cursor = before.get("next_after")
    if not cursor:
        return None
    by_offset = client.get(deep_url).json()["items"]
    url = f"/api/v1/algorithms?{urlencode({'limit': API_LIMIT, 'after': cursor})}"
    by_cursor = client.get(url).json()["items"]
    assert [i["id"] for i in by_cursor] == [i["id"] for i in by_offset], "cursor != offset"
    return url


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(label: str, url: str, rows: int, repeats: int) -> dict[str, dict[str, float]]:
    """Fill (unless already filled), serve and time every case and both peers."""
    engine = make_engine(url)
    migrate(engine)
    with engine.connect() as connection:
        present = connection.scalar(select(func.count()).select_from(SearchEntry)) or 0
    if present:
        print(f"[{label}] measuring the {present:,} algorithms already there", flush=True)
        rows = present
    else:
        seconds = search.fill(engine, rows)
        print(f"[{label}] filled {rows:,} published algorithms in {seconds:.1f} s", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    results: dict[str, list[float]] = {}
    with search.server(url) as base, httpx.Client(base_url=base, timeout=120) as client:
        urls = cases(rows)
        deep_cursor = cursor_url(client, urls["API list, deep offset"])
        if deep_cursor:
            urls["API list, deep cursor"] = deep_cursor
        # The peers are measured between the cases too, so that a busy moment hits both.
        results["/health (peer)"] = timed(client, "/health", repeats)
        for name, case_url in urls.items():
            results[name] = timed(client, case_url, repeats)
        results["/health (peer)"] += timed(client, "/health", repeats)
    results["bare SELECT LIMIT 20 (peer)"] = bare_select(engine, repeats * 2)
    engine.dispose()
    summary = {
        name: {"median_ms": statistics.median(times) * 1000, "p95_ms": percentile(times, 0.95) * 1000}
        for name, times in results.items()
    }
    health = summary["/health (peer)"]["median_ms"]
    bare = summary["bare SELECT LIMIT 20 (peer)"]["median_ms"]
    print(f"[{label}] {rows:,} algorithms, {repeats} requests per case, one at a time")
    print(f"  {'case':<30} {'median':>10} {'p95':>10} {'÷ /health':>10} {'÷ SELECT':>10}")
    for name, figures in summary.items():
        figures["health_ratio"] = figures["median_ms"] / health
        figures["select_ratio"] = figures["median_ms"] / bare
        print(
            f"  {name:<30} {figures['median_ms']:8.2f} ms {figures['p95_ms']:7.2f} ms "
            f"{figures['health_ratio']:9.1f}x {figures['select_ratio']:9.0f}x",
            flush=True,
        )
    return summary


@contextlib.contextmanager
def sqlite_file(path: str | None) -> Iterator[str]:
    """A SQLite URL: the given file (kept), or a temporary one."""
    if path:
        yield f"sqlite:///{Path(path).resolve()}"
    else:
        with search.sqlite_database() as url:
            yield url


def main(argv: list[str] | None = None) -> dict[str, dict[str, dict[str, float]]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000, help="published algorithms to generate")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("ALGOREG_TEST_DATABASE_URL") or DEFAULT_POSTGRES
    )
    parser.add_argument("--repeats", type=int, default=25, help="timed requests per case")
    parser.add_argument("--sqlite-file", help="keep (or reuse) the SQLite database in this file")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} CPU cores, load average {load:.1f}, Python {sys.version.split()[0]}")
    results: dict[str, dict[str, dict[str, float]]] = {}
    if args.database in ("sqlite", "both"):
        with sqlite_file(args.sqlite_file) as url:
            results["sqlite"] = run("SQLite", url, args.rows, args.repeats)
    if args.database in ("postgres", "both"):
        with search.postgres_database(args.postgres_url) as url:
            results["postgres"] = run("PostgreSQL", url, args.rows, args.repeats)
    return results


if __name__ == "__main__":
    main()
