"""The publication log: an append-only, hash-chained record of what the public can see.

Every time a version becomes public (publish, or unarchive of a public algorithm) a ``published``
entry is appended with the hash of the public record; every time a public algorithm stops being
public (retract, archive) a ``withdrawn`` entry (a tombstone) is appended. ``seq`` numbers are
gapless and follow commit order — appends are serialised — so readers of the change feed can
page with ``after=seq`` and never miss an entry. Each entry's hash covers its content and the
previous entry's hash, so :func:`verify` detects a rewritten, removed or inserted entry, and a
published version edited directly in the database.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, AlgorithmVersion, PublicationEntry, utcnow

GENESIS_HASH = "0" * 64
_LOCK_KEY = 715_001  # PostgreSQL advisory lock that serialises appends


class EntryKind(StrEnum):
    """What happened to the public register."""

    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


def canonical_json(value: Any) -> bytes:
    """Return ``value`` as canonical JSON bytes (sorted keys, no spaces, UTF-8), for hashing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: dict[str, Any]) -> str:
    """Return the SHA-256 of a public record's canonical JSON."""
    return hashlib.sha256(canonical_json(record)).hexdigest()


@dataclass(frozen=True)
class EntryContent:
    """The hashed content of an entry."""

    seq: int
    at: datetime
    kind: str
    reason: str
    public_id: str
    organisation_code: str
    version_number: int | None
    record_hash: str | None
    previous_hash: str

    def digest(self) -> str:
        """Return the entry hash: SHA-256 over the canonical JSON of all fields."""
        data = {**self.__dict__, "at": self.at.isoformat()}
        return hashlib.sha256(canonical_json(data)).hexdigest()


def _content(entry: PublicationEntry) -> EntryContent:
    return EntryContent(
        seq=entry.seq,
        at=entry.at,
        kind=entry.kind,
        reason=entry.reason,
        public_id=entry.public_id,
        organisation_code=entry.organisation_code,
        version_number=entry.version_number,
        record_hash=entry.record_hash,
        previous_hash=entry.previous_hash,
    )


def _serialise_appends(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    # SQLite allows one writer at a time, so appends are serialised already.


def append(
    session: Session,
    algorithm: Algorithm,
    kind: EntryKind,
    reason: str,
    public_record: dict[str, Any] | None,
) -> PublicationEntry:
    """Append an entry for ``algorithm`` in the caller's transaction and return it."""
    _serialise_appends(session)
    last = session.scalar(select(PublicationEntry).order_by(PublicationEntry.seq.desc()).limit(1))
    content = EntryContent(
        seq=(last.seq + 1) if last else 1,
        at=utcnow().replace(microsecond=0),
        kind=kind.value,
        reason=reason,
        public_id=algorithm.public_id,
        organisation_code=algorithm.organisation.code,
        version_number=algorithm.public_version_number if kind is EntryKind.PUBLISHED else None,
        record_hash=record_hash(public_record) if public_record is not None else None,
        previous_hash=last.entry_hash if last else GENESIS_HASH,
    )
    entry = PublicationEntry(algorithm_id=algorithm.id, entry_hash=content.digest(), **content.__dict__)
    session.add(entry)
    session.flush()
    return entry


def entries_after(session: Session, after: int, limit: int) -> list[PublicationEntry]:
    """Return up to ``limit`` entries with ``seq`` greater than ``after``, in order."""
    query = (
        select(PublicationEntry)
        .where(PublicationEntry.seq > after)
        .order_by(PublicationEntry.seq)
        .limit(limit)
    )
    return list(session.scalars(query))


def last_seq(session: Session) -> int:
    """Return the newest entry's ``seq``, or 0 when the log is empty."""
    return session.scalar(select(func.max(PublicationEntry.seq))) or 0


@dataclass(frozen=True)
class ChainProblem:
    """Something wrong in the log: at which entry, and what."""

    seq: int
    problem: str


def verify_chain(entries: Iterable[EntryContent], stored_hashes: Iterable[str]) -> list[ChainProblem]:
    """Check that entries are numbered 1, 2, 3, … and each links to and matches its hash."""
    problems: list[ChainProblem] = []
    previous = GENESIS_HASH
    expected_seq = 1
    for content, stored in zip(entries, stored_hashes, strict=True):
        if content.seq != expected_seq:
            problems.append(ChainProblem(content.seq, f"expected entry {expected_seq}; entries are missing"))
        if content.previous_hash != previous:
            problems.append(ChainProblem(content.seq, "does not link to the previous entry's hash"))
        if content.digest() != stored:
            problems.append(ChainProblem(content.seq, "its content does not match its hash (it was changed)"))
        previous = stored
        expected_seq = content.seq + 1
    return problems


def verify(session: Session, public_record_of: Any) -> list[ChainProblem]:
    """Check the whole chain and that every published version still hashes as logged.

    ``public_record_of(version)`` must return the public record of a stored version exactly as it
    was served when published.
    """
    entries = list(session.scalars(select(PublicationEntry).order_by(PublicationEntry.seq)))
    problems = verify_chain((_content(e) for e in entries), (e.entry_hash for e in entries))
    for entry in entries:
        if entry.kind != EntryKind.PUBLISHED or entry.version_number is None:
            continue
        version = session.scalar(
            select(AlgorithmVersion).where(
                AlgorithmVersion.algorithm_id == entry.algorithm_id,
                AlgorithmVersion.number == entry.version_number,
            )
        )
        if version is None:
            problems.append(ChainProblem(entry.seq, "the published version is missing from the database"))
        elif record_hash(public_record_of(version)) != entry.record_hash:
            problems.append(
                ChainProblem(
                    entry.seq,
                    f"version {entry.version_number} of {entry.public_id} was changed after publication",
                )
            )
    return problems


def start_log_from_current_state(session: Session) -> int:
    """Append a ``published`` entry for every algorithm that is public now, oldest publication first.

    For a database made before the log existed; returns how many entries were appended.
    """
    from algoreg.register.algorithms import get_published, is_public

    public = [a for a in session.scalars(select(Algorithm).order_by(Algorithm.id)) if is_public(a)]
    records = [(a, get_published(session, a.public_id)) for a in public]
    records.sort(key=lambda pair: pair[1].published_at)
    for algorithm, published in records:
        append(session, algorithm, EntryKind.PUBLISHED, "start", published.record)
    return len(records)
