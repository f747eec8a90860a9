"""Load test of the public register with locust: search, algorithm pages and the JSON API.

Fills a fresh database with N published algorithms (the bulk fill of ``benchmarks/search.py``),
starts the real server (``algoreg serve``) on loopback, and runs locust headless in a subprocess
with 10, 50 and 200 concurrent clients, each sending its next request as soon as the previous
one is answered. The mix: the search page with words and facets (HTML), algorithm pages (HTML),
the API's list with filters and pages (JSON) and single algorithms (JSON). For every number of
clients it reports requests per second, median and p95, and the same for ``/health`` with as many
clients on the same server (the peer: the framework's ceiling in the same setting), and their
ratio. Any failed request (an error status, a refused or dropped connection, a timeout after
120 s) makes the benchmark end with an error after printing every figure: they hold only with zero
errors.

On PostgreSQL it also runs several app processes (``algoreg serve`` on different ports, the
clients spread evenly over them) on the one database.

Usage::

    .venv/bin/python benchmarks/load.py [--rows 50000] [--database sqlite|postgres|both]
        [--clients 10,50,200] [--seconds 30] [--processes 3]

PostgreSQL: a temporary database is created next to ``--postgres-url`` (default the test server)
and dropped afterwards.
"""

import argparse
import contextlib
import csv
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import httpx

from algoreg.db.migrate import migrate
from algoreg.db.session import make_engine
from algoreg.standard.enums import PublicationCategory, Status

HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE / "load_locustfile.py"
ALGOREG = Path(sys.executable).with_name("algoreg")
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KINDS = ("search", "algorithm", "api_list", "api_algorithm")
ERRORS: list[str] = []  # failed requests of every run, reported together at the end


def _load_search_benchmark() -> ModuleType:
    """The search benchmark's register generator and bulk fill, reused as they are."""
    spec = importlib.util.spec_from_file_location("search_benchmark", HERE / "search.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


search = _load_search_benchmark()


def plan(rows: int, seed: int = 17) -> dict[str, list[str]]:
    """The URLs the clients choose from: varied searches, algorithms all over the register, API pages."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    codes = [organisation["code"] for organisation in search.make_organisations()]
    api_list = []
    for _ in range(300):
        params: dict[str, str | int] = {"limit": rng.choice((20, 50, 100))}
        if rng.random() < 0.4:
            params["organisation"] = rng.choice(codes)
        if rng.random() < 0.4:
            params["publication_category"] = rng.choice([c.value for c in PublicationCategory])
        if rng.random() < 0.3:
            params["status"] = rng.choice([s.value for s in Status])
        if "organisation" not in params and rng.random() < 0.5:
            params["offset"] = rng.randrange(0, min(rows, 5000), 50)
        api_list.append("/api/v1/algorithms?" + urlencode(params))
    ids = [f"{rng.randint(1, rows):08d}" for _ in range(500)]
    return {
        "search": search.search_urls(300, seed=seed),
        "algorithm": [f"/algoritme/{public_id}" for public_id in ids],
        "api_list": api_list,
        "api_algorithm": [f"/api/v1/algorithms/{public_id}" for public_id in reversed(ids)],
    }


@contextmanager
def servers(database_url: str, processes: int, folder: Path) -> Iterator[list[str]]:
    """Run ``algoreg serve`` ``processes`` times on the database, each on its own port; yield the roots."""
    started: list[subprocess.Popen[bytes]] = []
    roots = []
    try:
        for number in range(processes):
            port = search.free_port()
            started.append(
                subprocess.Popen(
                    [str(ALGOREG), "serve", "--host", "127.0.0.1", "--port", str(port)],
                    env={**os.environ, "ALGOREG_DATABASE_URL": database_url},
                    stdout=subprocess.DEVNULL,
                    stderr=(folder / f"serve-{port}-{number}.log").open("wb"),
                )
            )
            roots.append(f"http://127.0.0.1:{port}")
            _wait_until_healthy(roots[-1], started[-1])
        yield roots
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_until_healthy(root: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(root + "/health", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"algoreg serve did not start at {root}")
        time.sleep(0.2)


def warm_up(roots: list[str], urls: dict[str, list[str]], each: int = 10) -> None:
    """Ask every server for a few URLs of each kind first, so that no run pays for a cold start."""
    for root in roots:
        with httpx.Client(base_url=root, timeout=120) as client:
            for kind in KINDS:
                for url in urls[kind][:each]:
                    response = client.get(url)
                    if response.status_code != 200:
                        raise RuntimeError(f"warm-up: {url} answered {response.status_code}")


def _number(text: str) -> float:
    """A figure from locust's CSV; ``N/A`` (no successful request to time) becomes NaN."""
    return float("nan") if text == "N/A" else float(text)


def locust(
    roots: list[str], plan_file: Path, mode: str, clients: int, seconds: int, folder: Path
) -> dict[str, Any]:
    """Run locust headless with ``clients`` users for ``seconds``; return its figures per request kind."""
    prefix = folder / f"{mode}-{len(roots)}-{clients}"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(clients),
        "--spawn-rate",
        str(clients),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "120",
        "--host",
        roots[0],
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
        "HealthCheck" if mode == "health" else "Visitor",
    ]
    env = {**os.environ, "LOAD_PLAN": str(plan_file), "LOAD_HOSTS": ",".join(roots)}
    finished = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, timeout=seconds + 600
    )
    if finished.returncode != 0:
        raise RuntimeError(f"locust failed ({finished.returncode}): {finished.stderr[-3000:]}")
    with open(f"{prefix}_stats.csv", newline="") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    figures = {
        name: {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "rps": _number(row["Requests/s"]),
            "median_ms": _number(row["50%"]),
            "p95_ms": _number(row["95%"]),
        }
        for name, row in rows.items()
        if row["Request Count"] != "0" or name == "Aggregated"
    }
    if figures["Aggregated"]["failures"] or figures["Aggregated"]["requests"] == 0:
        failures = Path(f"{prefix}_failures.csv").read_text()
        ERRORS.append(
            f"{mode} on {len(roots)} process(es) with {clients} clients: {figures['Aggregated']['failures']} "
            f"failed of {figures['Aggregated']['requests']} requests\n{failures}"
        )
    return figures


def measure(
    label: str,
    roots: list[str],
    plan_file: Path,
    levels: list[int],
    seconds: int,
    health_seconds: int,
    folder: Path,
) -> list[dict[str, Any]]:
    """The mix and the peer (``/health``) at every number of clients, on the same servers."""
    results = []
    for clients in levels:
        mix = locust(roots, plan_file, "mix", clients, seconds, folder)
        health = locust(roots, plan_file, "health", clients, health_seconds, folder)
        total, peer = mix["Aggregated"], health["Aggregated"]
        result = {
            "label": label,
            "processes": len(roots),
            "clients": clients,
            "rps": total["rps"],
            "median_ms": total["median_ms"],
            "p95_ms": total["p95_ms"],
            "requests": total["requests"],
            "failures": total["failures"] + peer["failures"],
            "health_rps": peer["rps"],
            "health_median_ms": peer["median_ms"],
            "ratio": total["rps"] / peer["rps"] if peer["rps"] else 0.0,
            "kinds": {name: figures for name, figures in mix.items() if name != "Aggregated"},
        }
        results.append(result)
        print(
            f"[{label}, {len(roots)} process{'es' if len(roots) > 1 else ''}] {clients:>3} clients: "
            f"{result['rps']:7.1f} req/s, median {result['median_ms']:6.0f} ms, "
            f"p95 {result['p95_ms']:6.0f} ms, "
            f"{result['requests']} requests, {result['failures']} errors "
            f"| /health {result['health_rps']:7.1f} req/s "
            f"(median {result['health_median_ms']:.0f} ms) | mix / health {result['ratio']:.1%}",
            flush=True,
        )
        for name, figures in result["kinds"].items():
            print(
                f"      {name:<40} {figures['rps']:7.1f} req/s, median {figures['median_ms']:6.0f} ms, "
                f"p95 {figures['p95_ms']:6.0f} ms",
                flush=True,
            )
    return results


def run(
    label: str, url: str, args: argparse.Namespace, process_counts: list[int], folder: Path
) -> list[dict[str, Any]]:
    """Fill the database, then measure with each number of app processes."""
    engine = make_engine(url)
    migrate(engine)
    seconds = search.fill(engine, args.rows)
    engine.dispose()
    print(f"[{label}] filled {args.rows:,} published algorithms in {seconds:.1f} s", flush=True)
    urls = plan(args.rows)
    plan_file = folder / "plan.json"
    plan_file.write_text(json.dumps(urls))
    levels = [int(level) for level in args.clients.split(",")]
    results = []
    for processes in process_counts:
        with servers(url, processes, folder) as roots:
            warm_up(roots, urls)
            results += measure(label, roots, plan_file, levels, args.seconds, args.health_seconds, folder)
    return results


def main(argv: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000, help="published algorithms to generate")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("ALGOREG_TEST_DATABASE_URL") or DEFAULT_POSTGRES
    )
    parser.add_argument("--clients", default="10,50,200", help="numbers of concurrent clients, by commas")
    parser.add_argument("--seconds", type=int, default=30, help="length of each run of the mix")
    parser.add_argument("--health-seconds", type=int, default=10, help="length of each run of /health")
    parser.add_argument(
        "--processes", type=int, default=3, help="app processes for the extra PostgreSQL run (1: none)"
    )
    args = parser.parse_args(argv)
    results: dict[str, list[dict[str, Any]]] = {}
    ERRORS.clear()
    with tempfile.TemporaryDirectory(prefix="algoreg-load-") as directory:
        folder = Path(directory)
        if args.database in ("sqlite", "both"):
            with search.sqlite_database() as url:
                results["sqlite"] = run("SQLite", url, args, [1], folder)
        if args.database in ("postgres", "both"):
            counts = [1] if args.processes <= 1 else [1, args.processes]
            with search.postgres_database(args.postgres_url) as url:
                results["postgres"] = run("PostgreSQL", url, args, counts, folder)
    every = [result for runs in results.values() for result in runs]
    print(
        f"{sum(r['requests'] for r in every):,} requests of the mix in {len(every)} runs, "
        f"{sum(r['failures'] for r in every)} errors; median of the runs' mix / health ratios "
        f"{statistics.median(r['ratio'] for r in every):.1%}",
        flush=True,
    )
    if ERRORS:
        raise AssertionError("requests failed; the figures above do not hold:\n" + "\n".join(ERRORS))
    return results


if __name__ == "__main__":
    main()
