"""Benchmark of the public search page on a large register, on SQLite and PostgreSQL.

Fills a fresh database with N published algorithms (bulk inserts straight into the register's
tables and the search index), starts the real application with uvicorn on loopback, and measures
in the same run:

* the time of the search page with words and facets over many varied requests, one at a time
  (median and p95), beside the time of ``/health``;
* requests per second of the search page and of ``/health`` (the framework's ceiling) under a
  bounded number of concurrent clients, and their ratio.

Usage::

    .venv/bin/python benchmarks/search.py [--rows 50000] [--database sqlite|postgres|both]

PostgreSQL: a temporary database is created next to ``--postgres-url`` (default the test server)
and dropped afterwards.
"""

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import Engine, create_engine, insert, text

from algoreg.db.migrate import migrate
from algoreg.db.models import Algorithm, AlgorithmVersion, Organisation
from algoreg.db.session import make_engine
from algoreg.register.search_index import IndexRows, index_rows, write_index_rows
from algoreg.standard.enums import Category, PublicationCategory, Status

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# --- a realistic, varied Dutch register ------------------------------------------------------------

PLACES = [
    a + b
    for a in (
        "Noord",
        "Zuid",
        "Oost",
        "West",
        "Hoog",
        "Laag",
        "Groen",
        "Oud",
        "Nieuw",
        "Berg",
        "Zand",
        "Klei",
    )
    for b in (
        "dam",
        "veen",
        "wijk",
        "dorp",
        "hoven",
        "broek",
        "meer",
        "haven",
        "zijl",
        "loo",
        "rode",
        "horst",
    )
]
KINDS = {
    "ministerie": (
        "Ministerie van",
        [
            "Binnenlandse Zaken",
            "Financiën",
            "Justitie",
            "Onderwijs",
            "Zorg",
            "Infrastructuur",
            "Sociale Zaken",
            "Landbouw",
            "Economische Zaken",
            "Defensie",
            "Buitenlandse Zaken",
            "Klimaat",
        ],
    ),
    "provincie": ("Provincie", PLACES[:12]),
    "gemeente": ("Gemeente", PLACES),
    "waterschap": ("Waterschap", [p + "-Delfland" for p in PLACES[:21]]),
    "zbo": ("Dienst", [f"{w} {p}" for w in ("Uitvoering", "Toezicht", "Registratie") for p in PLACES[:14]]),
    "other": ("Omgevingsdienst", PLACES[:15]),
}
SUBJECTS = [
    "vergunningen",
    "uitkeringen",
    "toeslagen",
    "parkeervergunningen",
    "bijstandsaanvragen",
    "belastingaanslagen",
    "subsidieaanvragen",
    "bouwaanvragen",
    "meldingen openbare ruimte",
    "verkeersstromen",
    "afvalinzameling",
    "schuldhulpverlening",
    "leerlingenvervoer",
    "huurwoningen",
    "inspecties",
    "handhavingsverzoeken",
    "energielabels",
    "waterkwaliteit",
    "dijkinspecties",
    "grondwaterstanden",
    "fraudesignalen",
    "zorgindicaties",
    "jeugdhulp",
    "re-integratietrajecten",
    "wegonderhoud",
    "evenementenvergunningen",
    "milieucontroles",
    "asielaanvragen",
    "verblijfsvergunningen",
    "boetes",
    "rijbewijzen",
    "kentekens",
]
ACTIONS = [
    "Controle van",
    "Beoordeling van",
    "Risicoselectie voor",
    "Voorspelling van",
    "Prioritering van",
    "Automatische toekenning van",
    "Signalering bij",
    "Planning van",
    "Toewijzing van",
    "Analyse van",
    "Classificatie van",
    "Herkenning van",
    "Berekening van",
    "Detectie van afwijkingen in",
]
VERBS = [
    "controleert",
    "beoordeelt",
    "selecteert",
    "voorspelt",
    "rangschikt",
    "signaleert",
    "berekent",
    "vergelijkt",
    "herkent",
    "plant",
    "verdeelt",
    "toetst",
]
OBJECTS = [
    "aanvragen",
    "dossiers",
    "meldingen",
    "adressen",
    "bedrijven",
    "wegvakken",
    "containers",
    "percelen",
    "betalingen",
    "facturen",
    "kentekens",
    "camerabeelden",
    "sensorgegevens",
    "persoonsgegevens",
]
PURPOSES = [
    "zodat medewerkers sneller kunnen beslissen",
    "om fouten en fraude vroeg te ontdekken",
    "zodat inwoners eerder duidelijkheid krijgen",
    "om de inzet van inspecteurs te verdelen",
    "zodat het onderhoud beter gepland wordt",
    "om risico's voor de veiligheid te beperken",
    "zodat de kosten voorspelbaar blijven",
    "om wachttijden te verkorten",
]
HUMAN = [
    "Een medewerker beoordeelt elke uitkomst voordat er een besluit valt.",
    "Het systeem geeft alleen advies; de ambtenaar beslist.",
    "Afwijzingen worden altijd door twee medewerkers gecontroleerd.",
    "Inwoners kunnen bezwaar maken en krijgen dan een menselijke herbeoordeling.",
]
RISKS = [
    "Er is een risico op discriminatie door indirecte kenmerken zoals postcode.",
    "Onjuiste gegevens kunnen tot verkeerde selecties leiden.",
    "Het model kan verouderen als de omstandigheden veranderen.",
    "Bij storingen worden aanvragen handmatig verwerkt.",
]
METHODS = [
    "Een beslisboom met regels uit de wet.",
    "Een logistisch regressiemodel getraind op historische dossiers.",
    "Een random forest dat risicoscores berekent.",
    "Beeldherkenning met een neuraal netwerk.",
    "Een optimalisatiemodel voor routes.",
    "Eenvoudige rekenregels in een spreadsheet.",
]
ASSESSMENTS = [
    "Data Protection Impact Assessment (DPIA)",
    "Impact Assessment Mensenrechten en Algoritmes (IAMA)",
    "Pre-scan DPIA",
    "Risicoanalyse informatiebeveiliging",
]
QUERY_WORDS = [
    "vergunning",
    "uitkering",
    "controle",
    "toeslag",
    "fraude",
    "risico",
    "parkeren",
    "afval",
    "water",
    "belasting",
    "subsidie",
    "jeugdhulp",
    "inspectie",
    "discriminatie",
    "model",
    "beslisboom",
    "woning",
    "verkeer",
    "planning",
    "signalering",
    "aanvragen",
    "dijk",
    "boetes",
    "zorg",
]


def make_organisations() -> list[dict[str, Any]]:
    """Organisations of every kind, with unique codes and names."""
    rows = []
    for kind, (prefix, names) in KINDS.items():
        for number, name in enumerate(names):
            rows.append({"code": f"{kind[:2]}{number:04d}", "name": f"{prefix} {name}", "kind": kind})
    now = datetime.now(UTC)
    return [{"id": i + 1, **row, "created_at": now, "updated_at": now} for i, row in enumerate(rows)]


def make_record(rng: random.Random, organisation: str) -> dict[str, Any]:
    """A valid-looking record of standard 1.0 with varied Dutch text."""
    subject = rng.choice(SUBJECTS)
    verb, obj, purpose = rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(PURPOSES)
    themes = rng.sample([c.value for c in Category], k=rng.choice((0, 1, 1, 2, 3)))
    assessments = rng.sample(ASSESSMENTS, k=rng.choice((0, 0, 1, 2)))
    return {
        "name": f"{rng.choice(ACTIONS)} {subject}"[:100],
        "description_short": f"Het algoritme {verb} {obj} bij {subject}, {purpose}.",
        "organization": organisation,
        "category": themes or None,
        "status": rng.choice([s.value for s in Status]),
        "begin_date": f"20{rng.randint(15, 25)}-{rng.randint(1, 12):02d}",
        "contact_email": "algoritmes@voorbeeld.example",
        "publication_category": rng.choice([c.value for c in PublicationCategory]),
        "goal": f"<p>Het doel is dat de organisatie {obj} {purpose}.</p><p>{rng.choice(HUMAN)}</p>",
        "proportionality": f"<p>De inzet weegt op tegen de nadelen omdat {rng.choice(PURPOSES)}.</p>",
        "human_intervention": f"<p>{rng.choice(HUMAN)}</p>",
        "risks": f"<p>{rng.choice(RISKS)} {rng.choice(RISKS)}</p>",
        "impacttoetsen_grouping": [{"title": title} for title in assessments] or None,
        "source_data": f"<p>Gegevens uit {rng.choice(OBJECTS)} en {rng.choice(SUBJECTS)}.</p>",
        "methods_and_models": f"<p>{rng.choice(METHODS)}</p>",
        "provider": rng.choice([None, "Leverancier BV", "Eigen ontwikkeling"]),
        "lang": "nld",
        "standard_version": "1.0",
        "tags": ", ".join(rng.sample(QUERY_WORDS, k=2)),
    }


def fill(engine: Engine, rows: int, seed: int = 7) -> float:
    """Insert ``rows`` published algorithms with their index rows; return the seconds it took."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    started = time.perf_counter()
    stem_words = engine.dialect.name != "postgresql"
    organisations = make_organisations()
    published = datetime(2024, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(insert(Organisation), organisations)
        batch = 5000
        for start in range(0, rows, batch):
            algorithms: list[dict[str, Any]] = []
            versions: list[dict[str, Any]] = []
            index: list[IndexRows] = []
            for number in range(start, min(rows, start + batch)):
                organisation = organisations[rng.randrange(len(organisations))]
                record = make_record(rng, organisation["name"])
                public_id = f"{number + 1:08d}"
                at = published + timedelta(minutes=number)
                algorithms.append(
                    {
                        "id": number + 1,
                        "public_id": public_id,
                        "organisation_id": organisation["id"],
                        "state": "published",
                        "lock_version": 1,
                        "latest_version_number": 1,
                        "public_version_number": 1,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
                versions.append(
                    {
                        "algorithm_id": number + 1,
                        "number": 1,
                        "standard_version": "1.0",
                        "record": {**record, "lars": public_id, "publication_dt": None},
                        "name": record["name"],
                        "status": record["status"],
                        "publication_category": record["publication_category"],
                        "created_at": at,
                        "created_by": "benchmark",
                        "published_at": at,
                        "published_by": "benchmark",
                    }
                )
                index.append(
                    index_rows(
                        algorithm_id=number + 1,
                        organisation_id=organisation["id"],
                        public_id=public_id,
                        published_at=at,
                        record=record,
                        stem_words=stem_words,
                    )
                )
            connection.execute(insert(Algorithm), algorithms)
            connection.execute(insert(AlgorithmVersion), versions)
            write_index_rows(connection, index)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


# --- the requests ----------------------------------------------------------------------------------


def search_urls(count: int, seed: int = 11) -> list[str]:
    """Varied search-page URLs: one or two words, facets, sort orders and pages."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    kinds = list(KINDS)
    urls = []
    for _ in range(count):
        params: list[tuple[str, str]] = [("q", " ".join(rng.sample(QUERY_WORDS, k=rng.choice((1, 1, 2)))))]
        if rng.random() < 0.6:
            params += [("theme", t) for t in rng.sample([c.value for c in Category], k=rng.choice((1, 2)))]
        if rng.random() < 0.4:
            params.append(("status", rng.choice([s.value for s in Status])))
        if rng.random() < 0.3:
            params.append(("kind", rng.choice(kinds)))
        if rng.random() < 0.3:
            params.append(("category", rng.choice([c.value for c in PublicationCategory])))
        if rng.random() < 0.2:
            params.append(("assessment", "yes"))
        params.append(("sort", rng.choice(("relevance", "relevance", "name", "newest"))))
        if rng.random() < 0.3:
            params.append(("page", str(rng.randint(2, 5))))
        urls.append("/?" + urlencode(params))
    return urls


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server(database_url: str) -> Iterator[str]:
    """Run the real app with uvicorn on loopback in a subprocess; yield its base URL."""
    port = free_port()
    env = {**os.environ, "ALGOREG_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "algoreg.web.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def latencies(base: str, urls: list[str]) -> list[float]:
    """Seconds per request, one request at a time (warm connection)."""
    times = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for url in urls[:5]:
            client.get(url)
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
    return times


async def _throughput(base: str, urls: list[str], concurrency: int) -> float:
    queue = list(urls)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def worker() -> None:
            while queue:
                response = await client.get(queue.pop())
                assert response.status_code == 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(urls) / (time.perf_counter() - started)


def throughput(base: str, urls: list[str], concurrency: int) -> float:
    """Requests per second with ``concurrency`` clients at once."""
    return asyncio.run(_throughput(base, urls, concurrency))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(label: str, url: str, rows: int, requests: int, concurrency: int) -> dict[str, float]:
    engine = make_engine(url)
    migrate(engine)
    seconds = fill(engine, rows)
    engine.dispose()
    print(f"[{label}] filled {rows:,} published algorithms in {seconds:.1f} s")
    searches = search_urls(requests)
    with server(url) as base:
        search_times = latencies(base, searches)
        health_times = latencies(base, ["/health"] * requests)
        search_rps = throughput(base, search_urls(requests * 2, seed=13), concurrency)
        health_rps = throughput(base, ["/health"] * (requests * 2), concurrency)
    result = {
        "median_ms": statistics.median(search_times) * 1000,
        "p95_ms": percentile(search_times, 0.95) * 1000,
        "health_median_ms": statistics.median(health_times) * 1000,
        "search_rps": search_rps,
        "health_rps": health_rps,
    }
    print(
        f"[{label}] search page, one at a time ({requests} varied requests): "
        f"median {result['median_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms "
        f"(/health median {result['health_median_ms']:.2f} ms)"
    )
    print(
        f"[{label}] throughput with {concurrency} concurrent clients: search {search_rps:.0f} req/s, "
        f"/health {health_rps:.0f} req/s; "
        f"search reaches {search_rps / health_rps:.1%} of the framework's ceiling"
    )
    return result


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{Path(directory) / 'bench.sqlite3'}"


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


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000, help="published algorithms to generate")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("ALGOREG_TEST_DATABASE_URL") or DEFAULT_POSTGRES
    )
    parser.add_argument("--requests", type=int, default=300, help="search requests per measurement")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients for throughput")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    if args.database in ("sqlite", "both"):
        with sqlite_database() as url:
            results["sqlite"] = run("SQLite", url, args.rows, args.requests, args.concurrency)
    if args.database in ("postgres", "both"):
        with postgres_database(args.postgres_url) as url:
            results["postgres"] = run("PostgreSQL", url, args.rows, args.requests, args.concurrency)
    if len(results) == 2:
        ratio = results["postgres"]["median_ms"] / results["sqlite"]["median_ms"]
        print(f"median search time PostgreSQL / SQLite: {ratio:.2f}")
    return results


if __name__ == "__main__":
    main()
