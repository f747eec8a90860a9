"""Reading the change feed of a register that speaks the harvest protocol: pure parsing.

A page is ``{"entries": [...], "last_seq": N, "head_seq": M}``; each entry has a gapless,
increasing ``seq``, a ``kind`` (``published`` or ``withdrawn``), the record's ``id`` and
``organisation`` code, and for ``published`` entries the ``record`` while that version is still
the public one (``null`` once superseded) with its ``record_hash``.
"""

import json
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FEED_PATH = "/api/v1/feed"


class FeedEntryIn(BaseModel):
    """One entry of a feed page, as this harvester needs it; unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    seq: int = Field(ge=1)
    kind: Literal["published", "withdrawn"]
    id: str = Field(min_length=1, max_length=200)
    organisation: str = Field(default="", max_length=64)
    version: int | None = None
    record_hash: str | None = None
    previous_hash: str | None = None
    entry_hash: str | None = None
    record: Any = None


class FeedPageIn(BaseModel):
    """A feed page."""

    model_config = ConfigDict(extra="ignore")

    entries: list[FeedEntryIn]
    last_seq: int = Field(ge=0)
    head_seq: int = Field(ge=0)


class FeedError(ValueError):
    """A feed page that cannot be read; the message says where and what is wrong."""


def feed_url(base_url: str, after: int, limit: int) -> str:
    """Return the address of the feed page after ``after`` for a register at ``base_url``.

    ``base_url`` may be the register's root or its feed address itself.
    """
    parts = urlsplit(base_url)
    path = parts.path.rstrip("/")
    if not path.endswith(FEED_PATH):
        path += FEED_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode({"after": after, "limit": limit}), ""))


def parse_page(content: bytes, url: str) -> FeedPageIn:
    """Return the page in ``content`` or raise :class:`FeedError` naming what is malformed."""
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FeedError(f"{url} did not return valid JSON: {error}") from None
    try:
        return FeedPageIn.model_validate(data)
    except ValidationError as invalid:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(page)'}: {e['msg']}" for e in invalid.errors()[:5]
        )
        raise FeedError(f"{url} did not return a feed page: {problems}") from None
