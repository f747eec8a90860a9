"""The harvester: brings sources' published records into this register, incrementally and safely.

One run visits each due source once. Workers (threads here; more processes or machines on one
PostgreSQL work the same way) claim sources through row leases (:mod:`.leases`), so no source is
harvested twice at once. For each source:

* an ``algoreg`` source is read from its change feed from the stored cursor on; each page is
  applied in ONE transaction together with the new cursor and a renewal of the lease, so a run
  that stops anywhere resumes cleanly and never half-applies a page. When the feed's ``head_seq``
  falls below the cursor, or the first new entry does not chain to the last one applied, the
  register was reset: it is read again from the start and what vanished is withdrawn.
* a ``file`` source is fetched with a conditional request (304: nothing to do), read whole, and
  reconciled in one transaction: records no longer in the file are withdrawn. Of two records with
  the same id in one file the first is kept and the duplicate reported.
* a ``delivery`` source (the official delivery API's shape) is listed; only the published records
  whose last update time changed are fetched, a page of them per transaction; when the whole list
  was read, records no longer published there are withdrawn. A record that could not be fetched
  keeps its last version.

Faults never lose data and never stop other sources: each fault ends that source's run with an
error in its report, leaves what was harvested before as it was, and counts toward the source's
health. Invalid records are quarantined with their reasons while the last valid version stays.
"""

import logging
import os
import socket
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial as partial_call
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import Algorithm, HarvestItem, HarvestRun, HarvestSource, utcnow
from algoreg.db.session import transaction
from algoreg.errors import AlgoregError
from algoreg.federation import leases, run_upkeep
from algoreg.federation.fetch import Fetched, FetchError, FetchSettings, fetch, make_client
from algoreg.federation.harvest_apply import (
    Incoming,
    Outcome,
    apply_record,
    withdraw,
    withdraw_missing,
    withdraw_unseen,
)
from algoreg.federation.harvest_delivery import (
    Delivered,
    DeliveryShapeError,
    MissingToken,
    Summary,
    auth_headers,
    list_url,
    parse_summaries,
    published_url,
    standard_record,
)
from algoreg.federation.harvest_feed import FeedError, FeedPageIn, feed_url, parse_page
from algoreg.federation.sources import UNHEALTHY_AFTER, SourceKind
from algoreg.register.algorithms import is_public
from algoreg.standard.tabular import TabularError, read_rows

log = logging.getLogger(__name__)

_MAX_MESSAGES = 100
_CONTENT_TYPES = {
    "application/json": "records.json",
    "application/x-ndjson": "records.jsonl",
    "application/jsonl": "records.jsonl",
    "text/csv": "records.csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "records.xlsx",
}


@dataclass(frozen=True)
class HarvestSettings:
    """How a run behaves: HTTP limits, page size, lease length and bounds."""

    fetch: FetchSettings = field(default_factory=FetchSettings)
    page_size: int = 200
    lease_seconds: float = 300.0
    max_pages: int = 10_000
    #: Stop a source's run after this many pages (for tests of interrupted runs); None: no stop.
    stop_after_pages: int | None = None
    unhealthy_after: int = UNHEALTHY_AFTER


@dataclass
class RunReport:
    """What one run of one source did."""

    source_id: int
    url: str = ""
    outcome: str = "running"
    new: int = 0
    updated: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    invalid: int = 0
    skipped: int = 0
    pages: int = 0
    cursor_before: int | None = None
    cursor_after: int | None = None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    def count(self, outcome: Outcome) -> None:
        """Add one record's outcome to the tally."""
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def add(self, other: "RunReport") -> None:
        """Add another (partial) report's tallies and messages to this one."""
        for name in ("new", "updated", "withdrawn", "unchanged", "invalid", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors = (self.errors + other.errors)[:_MAX_MESSAGES]
        self.notes = (self.notes + other.notes)[:_MAX_MESSAGES]

    def error(self, message: str) -> None:
        """Record an error (the first ones are kept)."""
        if len(self.errors) < _MAX_MESSAGES:
            self.errors.append(message)

    def note(self, message: str) -> None:
        """Record something worth knowing that is not an error."""
        if len(self.notes) < _MAX_MESSAGES:
            self.notes.append(message)


_writers: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()
_writers_guard = threading.Lock()


@contextmanager
def _unit(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction; on SQLite, the harvest threads of this process take turns to write.

    SQLite has a single writer and its busy handler polls, so threads queueing on it can starve
    past the busy timeout; a lock queues them fairly instead. Several processes on one SQLite
    file still rely on the busy timeout: run more workers than that on PostgreSQL.
    """
    engine = factory.kw["bind"]
    if engine.dialect.name != "sqlite":
        with transaction(factory) as session:
            yield session
        return
    with _writers_guard:
        lock = _writers.setdefault(engine, threading.Lock())
    with lock, transaction(factory) as session:
        yield session


class LeaseLost(Exception):
    """Another worker took this source over (our lease expired); stop without writing."""


class _Stop(Exception):
    """End this source's run with the given report outcome."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


@dataclass
class _Context:
    factory: sessionmaker[Session]
    source_id: int
    owner: str
    settings: HarvestSettings
    client: httpx.Client
    report: RunReport


def _hold(session: Session, ctx: _Context) -> HarvestSource:
    """Renew the lease inside the caller's transaction and return the source row, or raise."""
    if not leases.renew(session, ctx.source_id, ctx.owner, ctx.settings.lease_seconds):
        raise LeaseLost(f"the lease on source {ctx.source_id} was taken over by another worker")
    source = session.get(HarvestSource, ctx.source_id, populate_existing=True)
    assert source is not None
    return source


def _apply_guarded(session: Session, report: RunReport, label: str, step: Callable[[], Outcome]) -> None:
    """Apply one record in a savepoint; an unexpected domain error is reported, not fatal."""
    try:
        with session.begin_nested():
            report.count(step())
    except AlgoregError as error:
        report.error(f"{label}: {error.message}")


# --- algoreg sources: the change feed --------------------------------------------------------------


def _restart(ctx: _Context, reason: str) -> None:
    """Start reading the feed again from 0; what is not seen again gets withdrawn at the end."""
    with _unit(ctx.factory) as session:
        source = _hold(session, ctx)
        source.cursor = 0
        source.last_entry_hash = None
        source.etag = None
        source.resync_since = source.resync_since or utcnow()
    ctx.report.note(f"{reason}; reading the whole feed again and withdrawing what vanished")


def _apply_page(ctx: _Context, page: FeedPageIn, fetched: Fetched, fetched_at: datetime) -> int:
    """Apply one page with the cursor in one transaction; return the new cursor."""
    partial = RunReport(ctx.source_id)
    with _unit(ctx.factory) as session:
        source = _hold(session, ctx)
        cursor = source.cursor
        repeated = 0
        for entry in page.entries:
            if entry.seq <= cursor:
                repeated += 1
                continue
            label = f"entry {entry.seq} ({entry.id})"
            if entry.kind == "withdrawn":
                _apply_guarded(session, partial, label, partial_call(withdraw, session, source, entry.id))
            elif entry.record is None:
                partial.skipped += 1  # superseded by a later entry
            else:
                incoming = Incoming(
                    remote_id=entry.id,
                    record=entry.record,
                    organisation_code=entry.organisation,
                    organisation_name=entry.record.get("organization")
                    if isinstance(entry.record, dict)
                    else None,
                    fetched_at=fetched_at,
                    remote_version=entry.version,
                    expected_hash=entry.record_hash,
                )
                _apply_guarded(session, partial, label, partial_call(apply_record, session, source, incoming))
            cursor = entry.seq
            source.last_entry_hash = entry.entry_hash
        if repeated:
            partial.note(f"skipped {repeated} repeated entries (seq at or before {source.cursor})")
        source.cursor = cursor
        # A validator is only good for the same request: keep it when this page was the empty one
        # at our cursor, so that the next run gets a 304 while nothing changed.
        source.etag = fetched.etag if not page.entries else None
        if source.resync_since is not None and cursor >= page.head_seq:
            gone = withdraw_unseen(session, source, source.resync_since)
            partial.withdrawn += gone
            source.resync_since = None
            if gone:
                partial.note(f"withdrew {gone} records that vanished from the register")
    ctx.report.add(partial)
    return cursor


def _harvest_feed(ctx: _Context, source: HarvestSource) -> None:
    settings = ctx.settings
    cursor, last_hash, etag = source.cursor, source.last_entry_hash, source.etag
    restarted = False
    for _ in range(settings.max_pages):
        if settings.stop_after_pages is not None and ctx.report.pages >= settings.stop_after_pages:
            raise _Stop("stopped")
        url = feed_url(source.url, cursor, settings.page_size)
        fetched_at = utcnow()
        fetched = fetch(ctx.client, url, settings.fetch, {"If-None-Match": etag} if etag else None)
        if fetched.status == 304:
            if ctx.report.pages == 0:
                raise _Stop("not_modified")
            return
        page = parse_page(fetched.content, url)
        first = page.entries[0] if page.entries else None
        broken_chain = (
            first is not None
            and first.seq == cursor + 1
            and last_hash is not None
            and first.previous_hash is not None
            and first.previous_hash != last_hash
        )
        if (page.head_seq < cursor or broken_chain) and not restarted:
            why = (
                f"the feed's head is at {page.head_seq}, before our cursor {cursor}"
                if page.head_seq < cursor
                else f"entry {first.seq if first else '?'} does not continue the history we read"
            )
            _restart(ctx, why)
            restarted, cursor, last_hash, etag = True, 0, None, None
            continue
        new_cursor = _apply_page(ctx, page, fetched, fetched_at)
        ctx.report.pages += 1
        ctx.report.cursor_after = new_cursor
        if page.entries and page.entries[-1].entry_hash:
            last_hash = page.entries[-1].entry_hash
        if not page.entries:
            return
        if new_cursor <= cursor:
            raise FeedError(f"the feed did not advance past seq {cursor}; stopped to avoid a loop")
        cursor, etag = new_cursor, None
    ctx.report.note(f"stopped after {settings.max_pages} pages; the next run continues")


# --- file sources ------------------------------------------------------------------------------------


def file_name_for(url: str, content_type: str | None) -> str:
    """Return a file name whose suffix tells :func:`read_rows` the format, from the URL or type."""
    name = PurePosixPath(urlsplit(url).path).name
    if PurePosixPath(name).suffix.lower() in (".json", ".jsonl", ".ndjson", ".csv", ".xlsx"):
        return name
    media = (content_type or "").split(";")[0].strip().lower()
    if media in _CONTENT_TYPES:
        return _CONTENT_TYPES[media]
    raise TabularError(
        f"cannot tell the format of {url} (type '{media or 'none'}'): "
        "name the file .json, .jsonl, .csv or .xlsx, or serve it with its media type"
    )


def remote_id_of(row: dict[str, Any]) -> str | None:
    """Return a file record's identity: its ``lars`` id, else its name; ``None`` when it has neither."""
    for key, prefix in (("lars", ""), ("name", "name:")):
        value = row.get(key)
        if isinstance(value, str | int) and str(value).strip():
            return f"{prefix}{str(value).strip()}"[:200]
    return None


def _harvest_file(ctx: _Context, source: HarvestSource) -> None:
    headers: dict[str, str] = {}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    fetched_at = utcnow()
    fetched = fetch(ctx.client, source.url, ctx.settings.fetch, headers)
    if fetched.status == 304:
        raise _Stop("not_modified")
    rows = read_rows(fetched.content, filename=file_name_for(fetched.url, fetched.content_type))
    partial = RunReport(ctx.source_id)
    with _unit(ctx.factory) as session:
        source = _hold(session, ctx)
        seen: dict[str, int] = {}
        for number, row in enumerate(rows, start=1):
            remote_id = remote_id_of(row)
            if remote_id is None:
                partial.invalid += 1
                partial.error(f"record {number} has neither lars nor name, so it cannot be identified")
                continue
            if remote_id in seen:
                partial.error(
                    f"record {number} repeats id '{remote_id}' of record {seen[remote_id]}; kept the first"
                )
                continue
            seen[remote_id] = number
            incoming = Incoming(
                remote_id=remote_id,
                record=row,
                organisation_code=source.organisation_code,
                organisation_name=source.organisation_name,
                fetched_at=fetched_at,
            )
            _apply_guarded(
                session,
                partial,
                f"record {number} ({remote_id})",
                partial_call(apply_record, session, source, incoming),
            )
        partial.withdrawn += withdraw_missing(session, source, set(seen))
        source.etag = fetched.etag
        source.last_modified = fetched.last_modified
    ctx.report.add(partial)
    ctx.report.pages = 1


# --- delivery-API sources ---------------------------------------------------------------------------


def _current_markers(ctx: _Context) -> dict[str, str]:
    """Return the marker of every record of the source that is public here now."""
    with _unit(ctx.factory) as session:
        rows = session.execute(
            select(HarvestItem.remote_id, HarvestItem.remote_marker, Algorithm)
            .join(Algorithm, Algorithm.id == HarvestItem.algorithm_id)
            .where(HarvestItem.source_id == ctx.source_id)
        ).all()
        return {remote_id: marker for remote_id, marker, algorithm in rows if marker and is_public(algorithm)}


def _apply_delivered(ctx: _Context, batch: list[tuple[Summary, Delivered]], fetched_at: datetime) -> None:
    """Apply one page of fetched records in one transaction."""
    partial = RunReport(ctx.source_id)
    with _unit(ctx.factory) as session:
        held = _hold(session, ctx)
        for summary, delivered in batch:
            record = delivered.record
            name = record.get("organization") if isinstance(record, dict) else None
            incoming = Incoming(
                remote_id=summary.lars,
                record=record,
                organisation_code=held.organisation_code,
                organisation_name=held.organisation_name or name,
                fetched_at=fetched_at,
                remote_marker=summary.marker or None,
                problems=({"field": "", "reason": delivered.problem},) if delivered.problem else (),
            )
            step = partial_call(apply_record, session, held, incoming)
            _apply_guarded(session, partial, summary.lars, step)
            for loss in delivered.losses[:5]:
                partial.note(f"{summary.lars}, upgraded to standard 1.0, lost {loss}")
    ctx.report.add(partial)
    ctx.report.pages += 1


def _harvest_delivery(ctx: _Context, source: HarvestSource) -> None:
    assert source.organisation_code is not None
    headers = auth_headers(source.token_env)
    listed = fetch(ctx.client, list_url(source.url, source.organisation_code), ctx.settings.fetch, headers)
    published = [summary for summary in parse_summaries(listed.content, listed.url) if summary.published]
    markers = _current_markers(ctx)
    changed = [s for s in published if not s.marker or markers.get(s.lars) != s.marker]
    ctx.report.unchanged += len(published) - len(changed)
    failed = 0
    for start in range(0, len(changed), ctx.settings.page_size):
        if ctx.settings.stop_after_pages is not None and ctx.report.pages >= ctx.settings.stop_after_pages:
            raise _Stop("stopped")
        fetched_at = utcnow()
        batch: list[tuple[Summary, Delivered]] = []
        for summary in changed[start : start + ctx.settings.page_size]:
            url = published_url(source.url, source.organisation_code, summary.lars)
            try:
                got = fetch(ctx.client, url, ctx.settings.fetch, headers)
            except FetchError as fault:
                failed += 1
                ctx.report.error(f"{summary.lars}: {fault}; its last version stays")
                continue
            batch.append((summary, standard_record(got.content)))
        if batch:
            _apply_delivered(ctx, batch, fetched_at)
    if changed and failed == len(changed):
        raise FetchError(f"none of the {failed} changed records could be fetched; see the errors above")
    with _unit(ctx.factory) as session:
        held = _hold(session, ctx)
        ctx.report.withdrawn += withdraw_missing(session, held, {s.lars for s in published})


# --- one source, start to end ------------------------------------------------------------------------


def _start(ctx: _Context) -> tuple[HarvestSource, int]:
    with _unit(ctx.factory) as session:
        source = _hold(session, ctx)
        run = HarvestRun(
            source_id=ctx.source_id,
            worker=ctx.owner,
            outcome="running",
            cursor_before=source.cursor,
            new=0,
            updated=0,
            withdrawn=0,
            unchanged=0,
            invalid=0,
            skipped=0,
            pages=0,
            errors=[],
            notes=[],
        )
        session.add(run)
        session.flush()
        session.expunge(source)
        return source, run.id


def _finish(ctx: _Context, run_id: int) -> None:
    report = ctx.report
    with _unit(ctx.factory) as session:
        run = session.get(HarvestRun, run_id)
        assert run is not None
        for name in ("outcome", "new", "updated", "withdrawn", "unchanged", "invalid", "skipped", "pages"):
            setattr(run, name, getattr(report, name))
        run.cursor_after = report.cursor_after
        run.errors = list(report.errors)
        run.notes = list(report.notes)
        run.finished_at = utcnow()
        run.duration_ms = int(report.duration_s * 1000)
        if report.outcome == "lost_lease":
            return
        source = session.get(HarvestSource, ctx.source_id)
        if source is None or source.lease_owner != ctx.owner:
            return
        every = source.every_minutes
        source.next_due_at = utcnow() + timedelta(minutes=every) if every else None
        if report.outcome == "failed":
            source.consecutive_failures += 1
            source.last_error = report.errors[-1] if report.errors else "failed"
            source.unhealthy = source.consecutive_failures >= ctx.settings.unhealthy_after
        elif report.outcome in ("ok", "not_modified"):
            source.consecutive_failures = 0
            source.unhealthy = False
            source.last_error = None
            source.last_success_at = utcnow()
        report.cursor_after = source.cursor
        run.cursor_after = source.cursor
        leases.release(session, ctx.source_id, ctx.owner)


def harvest_source(
    factory: sessionmaker[Session],
    source_id: int,
    owner: str,
    settings: HarvestSettings,
    client: httpx.Client,
) -> RunReport:
    """Harvest one source whose lease ``owner`` holds; record the run and the source's health.

    Never raises for a fault of the source: the report's ``outcome`` is ``ok``, ``not_modified``,
    ``failed`` (with ``errors``), ``stopped`` (``stop_after_pages`` reached) or ``lost_lease``.
    The lease is released at the end.
    """
    started = time.monotonic()
    ctx = _Context(factory, source_id, owner, settings, client, RunReport(source_id))
    try:
        source, run_id = _start(ctx)
    except LeaseLost:
        return replace(ctx.report, outcome="lost_lease")
    ctx.report.url = source.url
    ctx.report.cursor_before = source.cursor
    ctx.report.cursor_after = source.cursor
    try:
        if source.kind == SourceKind.ALGOREG.value:
            _harvest_feed(ctx, source)
        elif source.kind == SourceKind.DELIVERY.value:
            _harvest_delivery(ctx, source)
        else:
            _harvest_file(ctx, source)
        ctx.report.outcome = "ok"
    except _Stop as stop:
        ctx.report.outcome = stop.outcome
    except LeaseLost as lost:
        ctx.report.outcome = "lost_lease"
        ctx.report.error(str(lost))
    except (FetchError, FeedError, TabularError, DeliveryShapeError, MissingToken) as fault:
        ctx.report.outcome = "failed"
        ctx.report.error(str(fault))
    except Exception as unexpected:  # a fault of one source must never stop the others
        log.exception("harvest of source %s failed unexpectedly", source_id)
        ctx.report.outcome = "failed"
        ctx.report.error(f"unexpected {type(unexpected).__name__}: {unexpected}")
    ctx.report.duration_s = time.monotonic() - started
    try:
        _finish(ctx, run_id)
    except Exception:  # the report is best effort; the lease expires by itself
        log.exception("could not record the harvest run of source %s", source_id)
    return ctx.report


def worker_name(index: int = 0) -> str:
    """Return a name for a worker that is unique across processes and machines."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}:{index}"


def run_harvest(
    factory: sessionmaker[Session],
    settings: HarvestSettings | None = None,
    *,
    workers: int = 1,
    source_ids: Collection[int] | None = None,
    on_report: Callable[[RunReport], None] | None = None,
) -> list[RunReport]:
    """Harvest every enabled source (or those in ``source_ids``) once, with ``workers`` threads.

    Runs left ``running`` by a worker that died are first marked ``interrupted``
    (:func:`.run_upkeep.mark_interrupted`). Sources leased by another worker are left to it.
    Returns the report of each source harvested;
    ``on_report`` is called as each finishes (from the worker's thread).
    """
    settings = settings or HarvestSettings()
    with _unit(factory) as session:
        run_upkeep.mark_interrupted(session)
    run_started = utcnow()
    reports: list[RunReport] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        owner = worker_name(index)
        with make_client(settings.fetch) as client:
            while True:
                with _unit(factory) as session:
                    claimed = leases.claim(
                        session,
                        owner,
                        settings.lease_seconds,
                        not_attempted_since=run_started,
                        source_ids=source_ids,
                    )
                if claimed is None:
                    return
                report = harvest_source(factory, claimed, owner, settings, client)
                with lock:
                    reports.append(report)
                if on_report is not None:
                    on_report(report)

    threads = [threading.Thread(target=work, args=(i,), name=f"harvest-{i}") for i in range(max(1, workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(reports, key=lambda r: r.source_id)


def due_sources(session: Session, source_ids: Collection[int] | None = None) -> list[int]:
    """Return the ids of the sources a run would visit (for progress displays)."""
    query = select(HarvestSource.id).order_by(HarvestSource.id)
    if source_ids is not None:
        query = query.where(HarvestSource.id.in_(list(source_ids)))
    else:
        query = query.where(HarvestSource.enabled.is_(True), leases.due(utcnow()))
    return list(session.scalars(query))
