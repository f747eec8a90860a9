"""The change feed: the publication log as JSON, paged by a cursor, for harvesters and auditors."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field

from algoreg.errors import NotFound
from algoreg.register import algorithms, publication_log
from algoreg.web.api.params import MAX_INTEGER
from algoreg.web.api.responses import NOT_MODIFIED
from algoreg.web.deps import UoW

router = APIRouter(prefix="/api/v1", tags=["federation"])


class FeedEntry(BaseModel):
    """One change of what the public sees; ``withdrawn`` entries are tombstones."""

    seq: int = Field(description="Position in the feed; gapless and increasing.")
    at: datetime
    kind: str = Field(description="'published' or 'withdrawn'.")
    reason: str = Field(description="The step that caused it: publish, unarchive, retract, archive, start.")
    id: str = Field(description="The algorithm's stable id.")
    organisation: str = Field(description="Code of the organisation.")
    version: int | None
    record_hash: str | None = Field(description="SHA-256 of the canonical JSON of the published record.")
    previous_hash: str
    entry_hash: str
    record: dict[str, Any] | None = Field(
        description="The published record, while this version is still the public one; otherwise null."
    )


class FeedPage(BaseModel):
    """A page of the feed; ask again with ``after=last_seq`` for more."""

    entries: list[FeedEntry]
    last_seq: int = Field(description="The seq of the last entry on this page (or 'after' when empty).")
    head_seq: int = Field(description="The newest seq in the whole feed.")


@router.get("/feed", response_model=FeedPage, responses=NOT_MODIFIED)
def feed(
    uow: UoW,
    response: Response,
    after: Annotated[int, Query(ge=0, le=MAX_INTEGER, description="Return entries after this seq.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Any:
    """Changes of the public register in order, with tombstones, from a cursor."""
    with uow() as session:
        head = publication_log.last_seq(session)
        entries = publication_log.entries_after(session, after, limit)
        last = entries[-1].seq if entries else after
        etag = f'"feed-{after}-{last}-{head}"'
        if if_none_match == etag:
            return Response(status_code=304, headers={"ETag": etag})
        items = []
        for entry in entries:
            record = None
            if entry.kind == publication_log.EntryKind.PUBLISHED:
                try:
                    current = algorithms.get_published(session, entry.public_id)
                    record = current.record if current.version_number == entry.version_number else None
                except NotFound:
                    record = None
            items.append(
                FeedEntry(
                    seq=entry.seq,
                    at=entry.at,
                    kind=entry.kind,
                    reason=entry.reason,
                    id=entry.public_id,
                    organisation=entry.organisation_code,
                    version=entry.version_number,
                    record_hash=entry.record_hash,
                    previous_hash=entry.previous_hash,
                    entry_hash=entry.entry_hash,
                    record=record,
                )
            )
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    return FeedPage(entries=items, last_seq=last, head_seq=head)
