"""Benchmark of the harvester: many simulated registers on loopback, harvested into one register.

One uvicorn server in a subprocess on 127.0.0.1 serves ``--registers`` simulated registers under
``/r/{n}/api/v1/feed``, each with ``--records`` published records (generated deterministically),
in the harvest protocol's feed shape, with an ETag per page that is answered with 304 on
``If-None-Match``. The central register is a fresh SQLite file (or a temporary PostgreSQL
database with ``--database postgres``) with one ``algoreg`` source per simulated register.

Measured in the same run, each with ``--workers`` threads (one HTTP client per thread):

1. fetch only: every feed read once with the harvester's own ``fetch`` and ``parse_page`` and the
   same settings, storing nothing (the peer: the cost of HTTP and JSON alone);
2. the first full harvest (``run_harvest``): every record is published into the central register;
3. a re-harvest with nothing changed: every source should answer 304.

For each: wall time, records per second, HTTP requests and 304s (counted by the server), and
memory: the peak resident set size (sampled every 20 ms) above what the process held when the
phase began, and with ``--tracemalloc`` the peak of Python allocations (slows the run down).

Usage::

    .venv/bin/python benchmarks/harvest.py [--registers 1000] [--records 100] [--workers 8] \
        [--database sqlite|postgres]

PostgreSQL: a temporary database is created next to ``--postgres-url`` (default the test server)
and dropped afterwards.
"""

import argparse
import json
import os
import queue
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import ip_network
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from sqlalchemy import create_engine, func, select, text

from algoreg.db.migrate import migrate
from algoreg.db.models import HarvestItem
from algoreg.db.session import make_engine, session_factory, transaction
from algoreg.federation import sources
from algoreg.federation.fetch import FetchSettings, fetch, make_client
from algoreg.federation.harvest_feed import feed_url, parse_page
from algoreg.federation.harvester import HarvestSettings, run_harvest
from algoreg.federation.sources import SourceIn, SourceKind
from algoreg.register.publication_log import record_hash
from algoreg.register.roles import SYSTEM

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GENESIS = "0" * 64
CATEGORIES = ("Hoog-risico AI-systeem", "Impactvolle algoritmes")
SUBJECTS = ("parkeervergunningen", "uitkeringen", "toeslagen", "bouwaanvragen", "meldingen", "boetes")
THEMES = (["Verkeer"], ["Sociale zekerheid"], ["Overheidsfinanciën"], ["Ruimte en infrastructuur", "Wonen"])

# --- the simulated registers (served in a subprocess) --------------------------------------------


def organisation_of(register: int) -> str:
    """The organisation code of simulated register ``register``."""
    return f"gm{register:05d}"


def make_record(register: int, number: int) -> dict[str, Any]:
    """Record ``number`` of register ``register``: a valid standard record, always the same."""
    subject = SUBJECTS[(register + number) % len(SUBJECTS)]
    return {
        "lars": f"r{register}-{number}",
        "name": f"Controle {subject} {register}-{number}",
        "description_short": f"Het algoritme helpt aanvragen voor {subject} te controleren ({number}).",
        "organization": f"Gemeente Bench {register}",
        "category": THEMES[number % len(THEMES)],
        "status": "In gebruik",
        "begin_date": "2024-03",
        "contact_email": f"algoritmes@bench{register}.example",
        "publication_category": CATEGORIES[number % 2],
        "goal": f"<p>Aanvragen over {subject} sneller beoordelen, zodat inwoners eerder antwoord hebben.</p>",
        "lang": "nld",
    }


def make_log(register: int, records: int) -> list[dict[str, Any]]:
    """The change feed of one register: one ``published`` entry per record, hash-chained."""
    log: list[dict[str, Any]] = []
    previous = GENESIS
    for number in range(1, records + 1):
        record = make_record(register, number)
        entry: dict[str, Any] = {
            "seq": number,
            "at": "2026-01-01T00:00:00+00:00",
            "kind": "published",
            "reason": "publish",
            "id": record["lars"],
            "organisation": organisation_of(register),
            "version": 1,
            "record_hash": record_hash(record),
            "previous_hash": previous,
        }
        entry["entry_hash"] = record_hash(entry)
        previous = entry["entry_hash"]
        log.append({**entry, "record": record})
    return log


def make_app(registers: int, records: int) -> Callable[..., Any]:
    """A bare ASGI app serving the feeds, and ``/stats`` (``?reset=1`` zeroes the counters)."""
    logs = [make_log(n, records) for n in range(registers)]
    stats = {"requests": 0, "not_modified": 0, "ok": 0, "not_found": 0}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
        status, body, headers = 404, b"{}", [(b"content-type", b"application/json")]
        parts = path.strip("/").split("/")
        if path == "/stats":
            status, body = 200, json.dumps(stats).encode()
            if query.get("reset"):
                for key in stats:
                    stats[key] = 0
        elif (
            len(parts) == 5 and parts[0] == "r" and parts[2:] == ["api", "v1", "feed"] and parts[1].isdigit()
        ):
            stats["requests"] += 1
            log = logs[int(parts[1])] if int(parts[1]) < registers else None
            if log is None:
                stats["not_found"] += 1
            else:
                after = max(0, int(query.get("after", "0")))
                limit = max(1, min(1000, int(query.get("limit", "100"))))
                entries = log[after : after + limit]
                last = entries[-1]["seq"] if entries else after
                etag = f'"feed-{after}-{last}-{len(log)}"'.encode()
                headers.append((b"etag", etag))
                sent = dict(scope["headers"]).get(b"if-none-match")
                if sent == etag:
                    stats["not_modified"] += 1
                    status, body = 304, b""
                else:
                    stats["ok"] += 1
                    page = {"entries": entries, "last_seq": last, "head_seq": len(log)}
                    status, body = 200, json.dumps(page).encode()
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def serve(port: int, registers: int, records: int) -> None:
    """Serve the simulated registers on 127.0.0.1:``port`` until killed."""
    import uvicorn

    app = make_app(registers, records)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def registers_server(registers: int, records: int) -> Iterator[str]:
    """Start the simulated registers in a subprocess; yield the base address; stop it after."""
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", str(port)]
    command += ["--registers", str(registers), "--records", str(records)]
    process = subprocess.Popen(command)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the simulated registers exited with {process.returncode}")
            try:
                if httpx.get(f"{base}/stats", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the simulated registers did not start within 120 s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def server_stats(base: str, reset: bool = False) -> dict[str, int]:
    """The server's request counters (and zero them when ``reset``)."""
    response = httpx.get(f"{base}/stats", params={"reset": "1"} if reset else None, timeout=10)
    return dict(response.json())


# --- measuring ------------------------------------------------------------------------------------


def rss_bytes() -> int:
    """The resident set size of this process now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Phase:
    """What one measured phase took."""

    name: str
    seconds: float = 0.0
    records: int = 0
    requests: int = 0
    not_modified: int = 0
    rss_start_mb: float = 0.0
    rss_peak_mb: float = 0.0
    traced_peak_mb: float | None = None

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def row(self) -> str:
        traced = f"{self.traced_peak_mb:.1f}" if self.traced_peak_mb is not None else "-"
        return (
            f"{self.name:<14} {self.seconds:8.2f} s {self.records:8d} rec "
            f"{self.records_per_second:9.0f} rec/s "
            f"{self.requests:7d} req {self.not_modified:7d} x304  RSS {self.rss_start_mb:6.1f} → "
            f"peak {self.rss_peak_mb:6.1f} MB (+{self.rss_peak_mb - self.rss_start_mb:.1f})  "
            f"traced peak {traced} MB"
        )


def measure(name: str, base: str, trace: bool, work: Callable[[], int]) -> Phase:
    """Run ``work`` (which returns the records it handled), timing it and sampling memory."""
    phase = Phase(name)
    server_stats(base, reset=True)
    phase.rss_start_mb = rss_bytes() / 2**20
    peak = [rss_bytes()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], rss_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        phase.records = work()
    finally:
        phase.seconds = time.perf_counter() - started
        if trace:
            phase.traced_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        done.set()
        sampler.join(timeout=5)
    phase.rss_peak_mb = max(peak[0], rss_bytes()) / 2**20
    counted = server_stats(base)
    phase.requests, phase.not_modified = counted["requests"], counted["not_modified"]
    print(phase.row(), flush=True)
    return phase


def fetch_only(base: str, registers: int, settings: HarvestSettings, workers: int) -> int:
    """Read every register's feed once, as the harvester does, storing nothing; return the records."""
    todo: queue.Queue[int] = queue.Queue()
    for number in range(registers):
        todo.put(number)
    counts: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        seen = 0
        try:
            with make_client(settings.fetch) as client:
                while True:
                    try:
                        number = todo.get_nowait()
                    except queue.Empty:
                        break
                    cursor = 0
                    for _ in range(settings.max_pages):
                        url = feed_url(f"{base}/r/{number}", cursor, settings.page_size)
                        page = parse_page(fetch(client, url, settings.fetch).content, url)
                        if not page.entries:
                            break
                        seen += len(page.entries)
                        cursor = page.entries[-1].seq
        except BaseException as error:  # reported after the threads end
            errors.append(error)
        counts.append(seen)

    threads = [threading.Thread(target=work) for _ in range(max(1, workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(counts)


# --- the central register -------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{Path(directory) / 'central.sqlite3'}"


@contextmanager
def postgres_database(base_url: str) -> Iterator[str]:
    name = f"algoreg_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(database_url: str, label: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run the three phases against the central register at ``database_url``; return the figures."""
    loopback = (ip_network("127.0.0.0/8"),)  # the simulated registers; the harvester refuses it by default
    fetch_limits = FetchSettings(timeout=60, total_timeout=300, allowed_networks=loopback)
    settings = HarvestSettings(fetch=fetch_limits, lease_seconds=600)
    engine = make_engine(database_url)
    try:
        migrate(engine)
        factory = session_factory(engine)
        print(
            f"{label}: {args.registers} registers × {args.records} records, {args.workers} workers, "
            f"page size {settings.page_size}",
            flush=True,
        )
        with registers_server(args.registers, args.records) as base:
            with transaction(factory) as session:
                for number in range(args.registers):
                    data = SourceIn(url=f"{base}/r/{number}", kind=SourceKind.ALGOREG)
                    sources.add_source(session, SYSTEM, data, loopback)

            runs: list[tuple[int, int]] = []

            def harvest() -> int:
                reports = run_harvest(factory, settings, workers=args.workers)
                failed = [r for r in reports if r.outcome == "failed" or r.invalid]
                if failed:
                    raise RuntimeError(f"{len(failed)} sources failed, the first: {failed[0]}")
                runs.append((len(reports), len({r.source_id for r in reports})))
                return sum(r.new + r.updated + r.unchanged for r in reports)

            peer = measure(
                "fetch only",
                base,
                args.tracemalloc,
                lambda: fetch_only(base, args.registers, settings, args.workers),
            )
            first = measure("first harvest", base, args.tracemalloc, harvest)
            again = measure("re-harvest", base, args.tracemalloc, harvest)
        with transaction(factory) as session:
            stored = int(session.scalar(select(func.count()).select_from(HarvestItem)) or 0)
    finally:
        engine.dispose()
    expected = args.registers * args.records
    if first.records != expected or stored != expected:
        raise RuntimeError(f"expected {expected} records harvested, got {first.records} ({stored} stored)")
    ratio = first.seconds / peer.seconds if peer.seconds else 0.0
    share_304 = again.not_modified / again.requests if again.requests else 0.0
    print(
        f"first harvest / fetch only: {ratio:.1f}×; re-harvest: {again.not_modified} of {again.requests} "
        f"requests were 304 ({share_304:.1%}); process peak RSS {peak_rss_mb():.0f} MB; "
        f"source runs (runs, distinct sources) per harvest: {runs}",
        flush=True,
    )
    return {
        "database": label,
        "registers": args.registers,
        "records": args.records,
        "workers": args.workers,
        "stored": stored,
        "phases": {
            p.name: {**vars(p), "records_per_second": p.records_per_second} for p in (peer, first, again)
        },
        "harvest_over_fetch": ratio,
        "reharvest_304_share": share_304,
        "peak_rss_mb": peak_rss_mb(),
        "source_runs": runs,
    }


def peak_rss_mb() -> float:
    """The peak resident set size of this process so far (``getrusage``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--registers", type=int, default=1000, help="simulated registers (sources)")
    parser.add_argument("--records", type=int, default=100, help="published records per register")
    parser.add_argument("--workers", type=int, default=8, help="harvest worker threads (and fetch threads)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("ALGOREG_TEST_DATABASE_URL") or DEFAULT_POSTGRES
    )
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ("registers", "records", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.serve is not None:
        serve(args.serve, args.registers, args.records)
        return {}
    if args.database == "postgres":
        with postgres_database(args.postgres_url) as url:
            return run(url, "PostgreSQL", args)
    with sqlite_database() as url:
        return run(url, "SQLite", args)


if __name__ == "__main__":
    main()
