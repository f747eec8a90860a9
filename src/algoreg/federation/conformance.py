"""Checking a register against the harvest protocol and the standard, principle by principle.

:func:`check_register` reads a register over HTTP (discovery document, snapshot, every record on
its own, the change feed, conditional repeats) within :class:`Limits`, then judges each principle
of :mod:`algoreg.federation.principles` with pure functions over what it read. Each judgement is
pass, fail or not checked, with evidence: counts, the first offending ids, status codes, timings.
"""

import asyncio
import hashlib
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from algoreg.federation import principles as p
from algoreg.federation.conformance_http import Exchange, Limits, Probe, UnsupportedUrl, checked_url
from algoreg.register.publication_log import GENESIS_HASH, EntryContent, canonical_json
from algoreg.standard.validation import problems_of

__all__ = ["ConformanceReport", "Limits", "Outcome", "PrincipleResult", "UnsupportedUrl", "check_register"]

DISCOVERY_PATH = "/api/v1/register"
WELL_KNOWN_PATH = "/.well-known/algorithm-register"
DEFAULT_ENDPOINTS = {
    "snapshot": "/api/v1/algorithms",
    "record": "/api/v1/algorithms/{id}",
    "feed": "/api/v1/feed",
}
_SHOWN = 5  # offending ids shown per problem


class Outcome(StrEnum):
    """The verdict on one principle."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class PrincipleResult:
    """The verdict on one principle, with the evidence for it."""

    principle: p.Principle
    outcome: Outcome
    evidence: list[str]


@dataclass(frozen=True)
class ConformanceReport:
    """Everything a check found: whether the register answered at all, and a result per principle."""

    url: str
    reachable: bool
    results: list[PrincipleResult]
    requests: int
    seconds: float

    @property
    def passed(self) -> bool:
        """Whether the register answered and passed every principle."""
        return self.reachable and all(r.outcome is Outcome.PASS for r in self.results)

    def result(self, principle_id: str) -> PrincipleResult:
        """Return the result of one principle by id."""
        return next(r for r in self.results if r.principle.id == principle_id)

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "url": self.url,
            "reachable": self.reachable,
            "passed": self.passed,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "principles": [
                {
                    "id": r.principle.id,
                    "title": r.principle.title,
                    "outcome": r.outcome.value,
                    "evidence": r.evidence,
                }
                for r in self.results
            ],
        }


# --- what was read -------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """The snapshot as read: items, the total it announced, whether all were read, and problems."""

    items: list[dict[str, Any]] = field(default_factory=list)
    total: int | None = None
    complete: bool = False
    first_page: Exchange | None = None
    error: str | None = None


@dataclass
class Feed:
    """The change feed as read, page by page."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    head_seq: int | None = None
    complete: bool = False
    first_page: Exchange | None = None
    problems: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class Observations:
    """Everything read from a register, for the judges."""

    discovery: Exchange
    document: dict[str, Any] | None
    snapshot: Snapshot
    feed: Feed
    singles: dict[str, Exchange]
    repeats: dict[str, tuple[Exchange, Exchange | None]]
    limits: Limits
    exchanges: list[Exchange]


# --- reading -------------------------------------------------------------------------------------


def discovery_url(url: str) -> str:
    """Return where the discovery document of the register at ``url`` is (the URL itself if it is one)."""
    path = urlsplit(url).path.rstrip("/")
    if path.endswith((DISCOVERY_PATH, WELL_KNOWN_PATH)):
        return url
    return url.rstrip("/") + DISCOVERY_PATH


def _endpoint(document: dict[str, Any] | None, name: str, base: str) -> str:
    endpoints = document.get("endpoints") if document else None
    value = endpoints.get(name) if isinstance(endpoints, dict) else None
    return urljoin(base, value if isinstance(value, str) and value else DEFAULT_ENDPOINTS[name])


def _with_query(url: str, **query: object) -> str:
    joiner = "&" if "?" in url else "?"
    return url + joiner + "&".join(f"{key}={value}" for key, value in query.items())


def _json_object(exchange: Exchange, what: str) -> tuple[dict[str, Any] | None, str | None]:
    if exchange.status != 200:
        return None, f"{what} answered {exchange.describe()}"
    try:
        data = exchange.json()
    except ValueError as error:
        return None, f"{what}: {error}"
    if not isinstance(data, dict):
        return None, f"{what} is not a JSON object"
    return data, None


async def _read_snapshot(probe: Probe, url: str, limits: Limits) -> Snapshot:
    snapshot = Snapshot()
    offset = 0
    while len(snapshot.items) < limits.max_records:
        size = min(limits.page_size, limits.max_records - len(snapshot.items))
        exchange = await probe.get(_with_query(url, offset=offset, limit=size))
        snapshot.first_page = snapshot.first_page or exchange
        page, error = _json_object(exchange, f"the snapshot page at offset {offset}")
        if page is None:
            snapshot.error = error
            return snapshot
        items, total = page.get("items"), page.get("total")
        if not isinstance(items, list) or not isinstance(total, int):
            snapshot.error = "a snapshot page must be an object with 'items' (a list) and 'total' (a number)"
            return snapshot
        snapshot.total = total
        snapshot.items.extend(item if isinstance(item, dict) else {"record": item} for item in items)
        offset += len(items)
        if not items or offset >= total:
            snapshot.complete = True
            return snapshot
    return snapshot


async def _read_feed(probe: Probe, url: str, limits: Limits) -> Feed:
    feed = Feed()
    after = 0
    while len(feed.entries) < limits.max_feed_entries:
        exchange = await probe.get(_with_query(url, after=after, limit=limits.page_size))
        feed.first_page = feed.first_page or exchange
        page, error = _json_object(exchange, f"the feed page after {after}")
        if page is None:
            feed.error = error
            return feed
        entries, last, head = page.get("entries"), page.get("last_seq"), page.get("head_seq")
        if not isinstance(entries, list) or not isinstance(last, int) or not isinstance(head, int):
            feed.error = "a feed page must have 'entries' (a list), 'last_seq' and 'head_seq' (numbers)"
            return feed
        feed.head_seq = head
        feed.entries.extend(entries)
        if not entries or last >= head:
            feed.complete = True
            return feed
        if last <= after:
            feed.problems.append(
                f"the page after {after} ends at last_seq {last}: the cursor does not advance"
            )
            return feed
        after = last
    return feed


def _record_url(template: str, public_id: str) -> str:
    return template.replace("{id}", quote(public_id, safe=""))


async def _repeat(probe: Probe, url: str) -> tuple[Exchange, Exchange | None]:
    first = await probe.get(url)
    etag = first.header("etag")
    if first.status != 200 or not etag:
        return first, None
    return first, await probe.get(url, {"If-None-Match": etag})


async def observe(url: str, limits: Limits) -> Observations:
    """Read the register at ``url`` within ``limits``: everything the judges need."""
    async with Probe(limits) as probe:
        discovery = await probe.get(discovery_url(url))
        if discovery.status is None:
            return Observations(discovery, None, Snapshot(), Feed(), {}, {}, limits, probe.exchanges)
        document, _ = _json_object(discovery, "the discovery document")
        base = discovery.url if document else url
        snapshot_url = _endpoint(document, "snapshot", base)
        record_template = _endpoint(document, "record", base)
        feed_url = _endpoint(document, "feed", base)
        snapshot, feed = await asyncio.gather(
            _read_snapshot(probe, snapshot_url, limits), _read_feed(probe, feed_url, limits)
        )
        ids = list(dict.fromkeys(str(i["id"]) for i in snapshot.items if isinstance(i.get("id"), str)))
        ids = ids[: max(0, probe.remaining - 6)]
        fetched = await asyncio.gather(*(probe.get(_record_url(record_template, i)) for i in ids))
        singles = dict(zip(ids, fetched, strict=True))
        targets = {"snapshot": _with_query(snapshot_url, offset=0, limit=limits.page_size)}
        targets["feed"] = _with_query(feed_url, after=0, limit=limits.page_size)
        if ids:
            targets["record"] = _record_url(record_template, ids[0])
        repeats = dict(
            zip(targets, await asyncio.gather(*(_repeat(probe, u) for u in targets.values())), strict=True)
        )
        return Observations(discovery, document, snapshot, feed, singles, repeats, limits, probe.exchanges)


# --- judging -------------------------------------------------------------------------------------


def _hash(value: Any) -> str:
    """The SHA-256 of any JSON value's canonical JSON (equal to ``record_hash`` for records)."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def _first(values: list[str]) -> str:
    shown = ", ".join(values[:_SHOWN])
    return shown + (f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else "")


def _verdict(principle: p.Principle, failures: list[str], notes: list[str]) -> PrincipleResult:
    return PrincipleResult(principle, Outcome.FAIL if failures else Outcome.PASS, failures + notes)


def _not_checked(principle: p.Principle, why: str) -> PrincipleResult:
    return PrincipleResult(principle, Outcome.NOT_CHECKED, [why])


def judge_standard_version(seen: Observations) -> PrincipleResult:
    """Judge whether the register declares standard 1.0 and the harvest protocol, and its records agree."""
    document = seen.document
    if document is None:
        _, error = _json_object(seen.discovery, f"the discovery document ({seen.discovery.url})")
        return _verdict(p.STANDARD_VERSION, [error or "no discovery document"], [])
    failures: list[str] = []
    version = document.get("standard_version")
    if version != p.REQUIRED_STANDARD_VERSION:
        failures.append(f"standard_version is {version!r}; it must be '{p.REQUIRED_STANDARD_VERSION}'")
    protocol = document.get("protocol_version")
    if not isinstance(protocol, str) or not protocol.startswith(p.PROTOCOL_VERSION):
        failures.append(f"protocol_version is {protocol!r}; it must be '{p.PROTOCOL_VERSION}'")
    other = [
        str(item.get("id"))
        for item in seen.snapshot.items
        if isinstance(item.get("record"), dict)
        and item["record"].get("standard_version", p.REQUIRED_STANDARD_VERSION) != p.REQUIRED_STANDARD_VERSION
    ]
    if other:
        failures.append(f"{len(other)} records declare another standard_version: {_first(other)}")
    notes = [f"discovery document declares standard {version!r}, protocol {protocol!r}"]
    return _verdict(p.STANDARD_VERSION, failures, notes)


def _snapshot_unreadable(principle: p.Principle, snapshot: Snapshot) -> PrincipleResult | None:
    if snapshot.error and not snapshot.items:
        return _verdict(principle, [f"the snapshot could not be read: {snapshot.error}"], [])
    return None


def _scope(snapshot: Snapshot) -> str:
    if snapshot.complete:
        return f"all {len(snapshot.items)} records of the snapshot"
    return f"the first {len(snapshot.items)} of {snapshot.total} records (the --max-records limit)"


def judge_required_fields(seen: Observations) -> PrincipleResult:
    """Judge whether every snapshot record validates as a standard 1.0 record."""
    snapshot = seen.snapshot
    if unreadable := _snapshot_unreadable(p.REQUIRED_FIELDS, snapshot):
        return unreadable
    if not snapshot.items:
        return _not_checked(p.REQUIRED_FIELDS, "the snapshot holds no records")
    invalid: list[str] = []
    for position, item in enumerate(snapshot.items, start=1):
        problems = problems_of(item.get("record"), position)
        if problems:
            first = problems[0]
            invalid.append(f"{item.get('id', f'#{position}')} ({first.field or 'record'}: {first.reason})")
    failures = [f"{len(invalid)} invalid records: {_first(invalid)}"] if invalid else []
    if snapshot.error:
        failures.append(f"reading the snapshot stopped: {snapshot.error}")
    return _verdict(p.REQUIRED_FIELDS, failures, [f"validated {_scope(snapshot)}"])


def _public_ids(entries: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """Return the ids whose last feed entry is ``published`` and those whose last is ``withdrawn``."""
    last: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            last[entry["id"]] = str(entry.get("kind"))
    published = {i for i, kind in last.items() if kind == "published"}
    return published, {i for i, kind in last.items() if kind == "withdrawn"}


def judge_stable_identifiers(seen: Observations) -> PrincipleResult:
    """Judge unique ids, the same record under the same id again, and feed ids matching snapshot ids."""
    snapshot = seen.snapshot
    if unreadable := _snapshot_unreadable(p.STABLE_IDENTIFIERS, snapshot):
        return unreadable
    failures: list[str] = []
    notes: list[str] = [f"read {_scope(snapshot)}"]
    ids = [item.get("id") for item in snapshot.items]
    missing = [str(n) for n, i in enumerate(ids, start=1) if not isinstance(i, str) or not i]
    if missing:
        failures.append(f"{len(missing)} records have no id (positions {_first(missing)})")
    counts = Counter(i for i in ids if isinstance(i, str))
    duplicates = sorted(i for i, n in counts.items() if n > 1)
    if duplicates:
        failures.append(f"{len(duplicates)} ids occur more than once: {_first(duplicates)}")
    by_id = {item["id"]: item for item in snapshot.items if isinstance(item.get("id"), str)}
    changed: list[str] = []
    for public_id, exchange in seen.singles.items():
        if exchange.status != 200:
            continue  # judged under published-only
        try:
            body = exchange.json()
            same = body.get("id") == public_id and _hash(body.get("record")) == _hash(
                by_id[public_id].get("record")
            )
        except (ValueError, AttributeError, TypeError):
            same = False
        if not same:
            changed.append(public_id)
    if changed:
        failures.append(f"{len(changed)} ids give another record when fetched again: {_first(changed)}")
    notes.append(f"fetched {len(seen.singles)} records again on their own")
    feed = seen.feed
    if feed.complete and snapshot.complete and not feed.error:
        published, _ = _public_ids(feed.entries)
        only_feed = sorted(published - set(counts))
        only_snapshot = sorted(set(counts) - published)
        if only_feed:
            failures.append(
                f"{len(only_feed)} ids public in the feed are not in the snapshot: {_first(only_feed)}"
            )
        if only_snapshot:
            failures.append(
                f"{len(only_snapshot)} snapshot ids are not public in the feed: {_first(only_snapshot)}"
            )
        notes.append(f"compared {len(published)} ids public in the feed with the snapshot")
    else:
        notes.append("feed and snapshot ids not compared: one of them was not read whole")
    return _verdict(p.STABLE_IDENTIFIERS, failures, notes)


def judge_published_only(seen: Observations) -> PrincipleResult:
    """Judge that nothing withdrawn is in the snapshot and every snapshot record can be fetched."""
    snapshot = seen.snapshot
    if unreadable := _snapshot_unreadable(p.PUBLISHED_ONLY, snapshot):
        return unreadable
    failures: list[str] = []
    notes: list[str] = []
    unfetchable = [f"{i} ({e.describe()})" for i, e in seen.singles.items() if e.status != 200]
    if unfetchable:
        failures.append(
            f"{len(unfetchable)} snapshot records cannot be fetched on their own: {_first(unfetchable)}"
        )
    notes.append(f"fetched {len(seen.singles)} snapshot records on their own")
    if seen.feed.error and not seen.feed.entries:
        notes.append(f"tombstones not checked: the feed could not be read ({seen.feed.error})")
    else:
        _, withdrawn = _public_ids(seen.feed.entries)
        present = sorted(withdrawn & {str(i.get("id")) for i in snapshot.items})
        if present:
            failures.append(f"{len(present)} withdrawn ids are still in the snapshot: {_first(present)}")
        scope = "" if seen.feed.complete else " (of the part of the feed read)"
        notes.append(f"{len(withdrawn)} ids withdrawn in the feed{scope}")
    if not seen.singles and not failures:
        return _not_checked(p.PUBLISHED_ONLY, "the snapshot holds no records")
    return _verdict(p.PUBLISHED_ONLY, failures, notes)


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("'at' is not a string")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"'at' ({value}) has no time zone")
    return moment.astimezone(UTC)


def entry_digest(entry: dict[str, Any]) -> str:
    """Return the entry hash a feed entry must carry (see the protocol); raise on malformed entries."""
    content = EntryContent(
        seq=entry["seq"],
        at=_parse_time(entry["at"]),
        kind=entry["kind"],
        reason=entry["reason"],
        public_id=entry["id"],
        organisation_code=entry["organisation"],
        version_number=entry["version"],
        record_hash=entry["record_hash"],
        previous_hash=entry["previous_hash"],
    )
    return content.digest()


def chain_problems(entries: list[Any]) -> list[str]:
    """Return what is wrong with feed entries read from the start: order, gaps, links, hashes, records."""
    problems: list[str] = []
    previous, expected = GENESIS_HASH, 1
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(f"entry {position} is not a JSON object")
            continue
        seq = entry.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            problems.append(f"entry {position} has no numeric seq")
            continue
        if seq != expected:
            problems.append(f"seq {seq} follows {expected - 1}: expected {expected} (a gap or disorder)")
        if entry.get("previous_hash") != previous:
            problems.append(f"seq {seq}: previous_hash does not match the entry_hash before it")
        try:
            if entry_digest(entry) != entry.get("entry_hash"):
                problems.append(f"seq {seq}: entry_hash does not match the entry's content")
        except (KeyError, TypeError, ValueError) as error:
            problems.append(f"seq {seq}: malformed entry ({type(error).__name__}: {error})")
        kind, record = entry.get("kind"), entry.get("record")
        if kind not in ("published", "withdrawn"):
            problems.append(f"seq {seq}: kind is {kind!r}; it must be 'published' or 'withdrawn'")
        elif kind == "withdrawn" and (record is not None or entry.get("record_hash") is not None):
            problems.append(f"seq {seq}: a tombstone carries a record or record_hash")
        if record is not None and _hash(record) != entry.get("record_hash"):
            problems.append(f"seq {seq}: the record does not hash to record_hash")
        previous, expected = str(entry.get("entry_hash")), seq + 1
    return problems


def judge_change_feed(seen: Observations) -> PrincipleResult:
    """Judge that the feed is ordered, gapless and hash-chained, and that its head matches."""
    feed = seen.feed
    if feed.error and not feed.entries:
        return _verdict(p.CHANGE_FEED, [f"the feed could not be read: {feed.error}"], [])
    failures = chain_problems(feed.entries) + feed.problems
    if feed.error:
        failures.append(f"reading the feed stopped: {feed.error}")
    last = feed.entries[-1].get("seq") if feed.entries and isinstance(feed.entries[-1], dict) else 0
    if feed.complete and feed.head_seq != last:
        failures.append(f"head_seq is {feed.head_seq} but the last entry is {last}")
    scope = "all" if feed.complete else "the first"
    notes = [f"checked {scope} {len(feed.entries)} entries (head_seq {feed.head_seq})"]
    if len(failures) > _SHOWN:
        failures = [*failures[:_SHOWN], f"and {len(failures) - _SHOWN} more problems"]
    return _verdict(p.CHANGE_FEED, failures, notes)


def judge_http_caching(seen: Observations) -> PrincipleResult:
    """Judge that snapshot, feed and a record carry an ETag and answer a repeat with 304."""
    failures: list[str] = []
    notes: list[str] = []
    for name, (first, again) in seen.repeats.items():
        if first.status != 200:
            failures.append(f"{name}: answered {first.describe()}")
        elif again is None:
            failures.append(f"{name}: no ETag")
        elif again.status != 304:
            failures.append(f"{name}: a repeat with If-None-Match answered {again.describe()}, not 304")
        elif again.body:
            failures.append(f"{name}: the 304 answer has a body")
        else:
            notes.append(f"{name}: ETag {first.header('etag')} and 304 on repeat")
        if name == "record" and first.status == 200 and not first.header("last-modified"):
            notes.append("record: no Last-Modified (recommended)")
    if "record" not in seen.repeats:
        notes.append("record: not checked, the snapshot holds no records")
    return _verdict(p.HTTP_CACHING, failures, notes)


def judge_availability(seen: Observations) -> PrincipleResult:
    """Judge that every request answered within the time limit and none with 5xx."""
    sent = [e for e in seen.exchanges if not e.skipped]
    if not sent:
        return _not_checked(p.AVAILABILITY, "no request was sent")
    failed = [f"{e.url} ({e.describe()})" for e in sent if e.status is None or e.status >= 500]
    codes = Counter(str(e.status) if e.status is not None else "none" for e in sent)
    times = sorted(e.seconds for e in sent)
    notes = [
        f"{len(sent)} requests; status codes "
        + ", ".join(f"{code}×{n}" for code, n in sorted(codes.items()))
        + f"; median {statistics.median(times) * 1000:.0f} ms, slowest {times[-1] * 1000:.0f} ms"
        + f" (limit {seen.limits.timeout:g} s)"
    ]
    failures = [f"{len(failed)} requests failed: {_first(failed)}"] if failed else []
    return _verdict(p.AVAILABILITY, failures, notes)


JUDGES = (
    judge_standard_version,
    judge_required_fields,
    judge_stable_identifiers,
    judge_published_only,
    judge_change_feed,
    judge_http_caching,
    judge_availability,
)


def judge(url: str, seen: Observations, seconds: float) -> ConformanceReport:
    """Turn observations into a report with one result per principle."""
    requests = len([e for e in seen.exchanges if not e.skipped])
    if seen.discovery.status is None:
        why = f"the register did not answer: {seen.discovery.describe()}"
        results = [_not_checked(principle, why) for principle in p.PRINCIPLES[:-1]]
        results.append(PrincipleResult(p.AVAILABILITY, Outcome.FAIL, [f"{seen.discovery.url}: {why}"]))
        return ConformanceReport(url, False, results, requests, seconds)
    return ConformanceReport(url, True, [j(seen) for j in JUDGES], requests, seconds)


async def check_register(url: str, limits: Limits | None = None) -> ConformanceReport:
    """Check the register at ``url`` (http or https) against every principle, within ``limits``.

    Raises :class:`UnsupportedUrl` for any other kind of address; never raises for what the
    register answers — every failure is evidence in the report.
    """
    url = checked_url(url)
    limits = limits or Limits()
    started = asyncio.get_running_loop().time()
    seen = await observe(url, limits)
    return judge(url, seen, asyncio.get_running_loop().time() - started)
