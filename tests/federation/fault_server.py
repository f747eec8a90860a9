"""A fault-injecting register for harvester tests: a real HTTP server on 127.0.0.1.

It serves any number of fake registers under ``/r/{name}``: a change feed in the harvest
protocol's shape (``/r/{name}/api/v1/feed``) and a static file of records
(``/r/{name}/records.json`` or ``.csv``) with ETag/Last-Modified and 304s. Each register can be
told to misbehave: answer slowly (timeouts), fail with 503 a number of times or always with 500,
send malformed JSON, send an oversized body, redirect in a loop, repeat its entries, or forget its
history (a cursor reset), or redirect elsewhere. It counts requests and the most requests it ever
served at once.

The harvester refuses internal addresses unless allowed, so the helpers below allow loopback
(:data:`LOOPBACK`) explicitly.
"""

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from ipaddress import ip_network
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.federation import sources
from algoreg.federation.fetch import FetchSettings
from algoreg.federation.harvester import HarvestSettings, RunReport, run_harvest
from algoreg.federation.sources import SourceIn, SourceKind
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM
from tests.helpers import free_port

GENESIS = "0" * 64

#: The networks the test harvests may reach: the loopback servers of these tests.
LOOPBACK = (ip_network("127.0.0.0/8"), ip_network("::1/128"))


def canonical(value: Any) -> bytes:
    """The harvest protocol's canonical JSON, for hashes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha(value: Any) -> str:
    """SHA-256 of a value's canonical JSON."""
    return hashlib.sha256(canonical(value)).hexdigest()


@dataclass
class FakeRegister:
    """One register's published records, its feed, its file, and the faults it does."""

    name: str
    organisation: str = "gm0001"
    log: list[dict[str, Any]] = field(default_factory=list)
    public: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    file_records: list[dict[str, Any]] = field(default_factory=list)
    file_changed_at: float = field(default_factory=time.time)
    # faults
    delay: float = 0.0
    fail_first: int = 0
    always_500: bool = False
    malformed: bool = False
    oversized: int = 0
    redirect_loop: bool = False
    redirect_to: str = ""
    repeat_entries: bool = False
    #: Delivery API shape: records answered with these bytes instead, and records that answer 500.
    raw_records: dict[str, bytes] = field(default_factory=dict)
    broken_records: set[str] = field(default_factory=set)
    # counters
    requests: int = 0
    not_modified: int = 0
    in_flight: int = 0
    max_in_flight: int = 0

    def publish(self, remote_id: str, record: dict[str, Any]) -> None:
        """Publish a (new version of a) record."""
        version = self.versions.get(remote_id, 0) + 1
        self.versions[remote_id] = version
        public = {**record, "lars": remote_id}
        self.public[remote_id] = (version, public)
        self._append("published", remote_id, version, sha(public))

    def withdraw(self, remote_id: str) -> None:
        """Withdraw a record (a tombstone in the feed)."""
        del self.public[remote_id]
        self._append("withdrawn", remote_id, None, None)

    def forget_history(self) -> None:
        """Start the feed anew, as a register restored from an empty database would: only what is
        public now is published again, from seq 1."""
        current = dict(self.public)
        self.log.clear()
        for remote_id, (version, record) in current.items():
            self._append("published", remote_id, version, sha(record))

    def _append(self, kind: str, remote_id: str, version: int | None, record_hash: str | None) -> None:
        previous = self.log[-1]["entry_hash"] if self.log else GENESIS
        entry = {
            "seq": len(self.log) + 1,
            "at": "2026-01-01T00:00:00+00:00",
            "kind": kind,
            "reason": "publish" if kind == "published" else "retract",
            "id": remote_id,
            "organisation": self.organisation,
            "version": version,
            "record_hash": record_hash,
            "previous_hash": previous,
        }
        entry["entry_hash"] = sha(entry)
        self.log.append(entry)

    def page(self, after: int, limit: int) -> dict[str, Any]:
        """The feed page after ``after``, with records only where the version is still public."""
        entries = []
        for entry in self.log[after : after + limit]:
            record = None
            current = self.public.get(entry["id"])
            if entry["kind"] == "published" and current and current[0] == entry["version"]:
                record = current[1]
            entries.append({**entry, "record": record})
        if self.repeat_entries:
            entries = [e for entry in entries for e in (entry, entry)]
        last = entries[-1]["seq"] if entries else after
        return {"entries": entries, "last_seq": last, "head_seq": len(self.log)}


class FaultServer:
    """The app and its registers; make registers with :meth:`register`."""

    def __init__(self) -> None:
        self.registers: dict[str, FakeRegister] = {}
        self.base_url = ""
        self.app = self._build()

    def register(self, name: str, **faults: Any) -> FakeRegister:
        """Create (or replace) a fake register and return it."""
        self.registers[name] = FakeRegister(name, **faults)
        return self.registers[name]

    def url(self, name: str, path: str = "") -> str:
        """Address of a register (or of a path under it)."""
        return f"{self.base_url}/r/{name}{path}"

    def _build(self) -> FastAPI:
        app = FastAPI()

        async def faults(register: FakeRegister, request: Request) -> Response | None:
            if register.delay:
                await asyncio.sleep(register.delay)
            if register.redirect_loop:
                return RedirectResponse(str(request.url), status_code=302)
            if register.redirect_to:
                return RedirectResponse(register.redirect_to + request.url.path, status_code=302)
            if register.always_500:
                return Response("boom", status_code=500)
            if register.fail_first > 0:
                register.fail_first -= 1
                return Response("busy", status_code=503)
            if register.malformed:
                return Response(b'{"entries": [{"seq": 1, "kind": "publ', media_type="application/json")
            if register.oversized:
                size = register.oversized

                async def chunks() -> AsyncIterator[bytes]:
                    yield b'{"entries": [], "pad": "'
                    for _ in range(size // 65536 + 1):
                        yield b"x" * 65536
                    yield b'"}'

                return StreamingResponse(chunks(), media_type="application/json")
            return None

        @contextmanager
        def counted(register: FakeRegister) -> Iterator[None]:
            register.requests += 1
            register.in_flight += 1
            register.max_in_flight = max(register.max_in_flight, register.in_flight)
            try:
                yield
            finally:
                register.in_flight -= 1

        @app.get("/r/{name}/api/v1/feed")
        async def feed(name: str, request: Request, after: int = 0, limit: int = 100) -> Response:
            register = self.registers[name]
            with counted(register):
                fault = await faults(register, request)
                if fault is not None:
                    return fault
                page = register.page(after, limit)
                etag = f'"feed-{after}-{page["last_seq"]}-{page["head_seq"]}"'
                if request.headers.get("if-none-match") == etag:
                    register.not_modified += 1
                    return Response(status_code=304, headers={"ETag": etag})
                return Response(json.dumps(page), media_type="application/json", headers={"ETag": etag})

        @app.get("/r/{name}/records.{suffix}")
        async def records(name: str, suffix: str, request: Request) -> Response:
            register = self.registers[name]
            with counted(register):
                fault = await faults(register, request)
                if fault is not None:
                    return fault
                body = json.dumps(register.file_records).encode()
                etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
                modified = formatdate(register.file_changed_at, usegmt=True)
                if request.headers.get("if-none-match") == etag:
                    register.not_modified += 1
                    return Response(status_code=304, headers={"ETag": etag})
                headers = {"ETag": etag, "Last-Modified": modified}
                return Response(body, media_type="application/json", headers=headers)

        @app.get("/r/{name}/aanleverapi/v1_0/organizations/{organisation}/algorithms")
        async def delivery_list(name: str, organisation: str, request: Request) -> Response:
            register = self.registers[name]
            with counted(register):
                fault = await faults(register, request)
                if fault is not None:
                    return fault
                ids = sorted(set(register.public) | set(register.raw_records))
                summaries = [
                    {
                        "lars": remote_id,
                        "published": True,
                        "last_update_dt": f"2026-01-01T00:00:{register.versions.get(remote_id, 0):02d}",
                        "current_version_released": True,
                        "current_version_published": True,
                    }
                    for remote_id in ids
                ]
                return Response(json.dumps(summaries), media_type="application/json")

        @app.get("/r/{name}/aanleverapi/v1_0/organizations/{organisation}/published-algorithms/{remote_id}")
        async def delivery_record(name: str, organisation: str, remote_id: str) -> Response:
            register = self.registers[name]
            with counted(register):
                if remote_id in register.broken_records:
                    return Response("boom", status_code=500)
                if remote_id in register.raw_records:
                    return Response(register.raw_records[remote_id], media_type="application/json")
                if remote_id not in register.public:
                    return Response('{"detail": "not found"}', status_code=404)
                return Response(json.dumps(register.public[remote_id][1]), media_type="application/json")

        return app


@contextmanager
def running(server: FaultServer, host: str = "127.0.0.1") -> Iterator[FaultServer]:
    """Serve ``server`` with uvicorn in a thread on a free port of ``host`` while the block runs."""
    port = free_port()
    config = uvicorn.Config(server.app, host=host, port=port, log_level="warning", lifespan="off")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uvicorn_server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fault server did not start")
        time.sleep(0.02)
    server.base_url = f"http://{host}:{port}"
    try:
        yield server
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=10)


# --- helpers shared by the harvester tests --------------------------------------------------------


def fast_settings(**overrides: Any) -> HarvestSettings:
    """Harvest settings with small timeouts, pages and pauses, so fault tests stay fast; loopback allowed."""
    fetch = FetchSettings(
        timeout=0.5,
        total_timeout=5,
        max_bytes=200_000,
        max_redirects=3,
        max_attempts=3,
        backoff_base=0.01,
        allowed_networks=LOOPBACK,
    )
    values: dict[str, Any] = {"fetch": fetch, "page_size": 2, "lease_seconds": 30}
    values.update(overrides)
    return HarvestSettings(**values)


def add_source(factory: sessionmaker[Session], url: str, kind: str = "algoreg", **options: Any) -> int:
    """Add a source as the instance administrator, loopback allowed; return its id."""
    data = SourceIn(url=url, kind=SourceKind(kind), **options)
    with transaction(factory) as session:
        return sources.add_source(session, SYSTEM, data, LOOPBACK).id


def harvest(factory: sessionmaker[Session], **settings: Any) -> dict[int, RunReport]:
    """Harvest every source once with fast settings; return the reports by source id."""
    return {r.source_id: r for r in run_harvest(factory, fast_settings(**settings))}


def public_names(factory: sessionmaker[Session]) -> dict[str, list[str]]:
    """Names of the published algorithms here, by organisation code."""
    with transaction(factory) as session:
        page = algorithms.list_published(session, limit=1000)
    names: dict[str, list[str]] = {}
    for item in page.items:
        names.setdefault(item.organisation_code, []).append(item.record["name"])
    return {code: sorted(found) for code, found in names.items()}
