"""The preliminary principles a register must meet to be harvested, as data.

Each principle says what is checked and how ``algoreg check-register`` checks it; the checklist in
``docs/federation/principles.md`` says the same in prose. The ids are stable: reports, tests and
other tools refer to principles by id.
"""

from dataclasses import dataclass

#: The version of the publication standard a register must serve.
REQUIRED_STANDARD_VERSION = "1.0"

#: The protocol this checker and Algoreg implement.
PROTOCOL_VERSION = "algoreg-harvest/1"


@dataclass(frozen=True)
class Principle:
    """One principle: a stable id, a title, what is checked and how."""

    id: str
    title: str
    what: str
    how: str


STANDARD_VERSION = Principle(
    id="standard-version",
    title="Serves standard version 1.0",
    what="The register declares publication standard 1.0 and the harvest protocol in its discovery document.",
    how=(
        "GET /api/v1/register answers 200 with JSON whose standard_version is '1.0' and whose "
        "protocol_version starts with 'algoreg-harvest/1'; every record's standard_version, when present, "
        "is '1.0'."
    ),
)
REQUIRED_FIELDS = Principle(
    id="required-fields",
    title="Required fields complete",
    what="Every published record is a complete, valid record of publication standard 1.0.",
    how="Every snapshot record validates as an AlgorithmRecord (required fields, enum values, formats).",
)
STABLE_IDENTIFIERS = Principle(
    id="stable-identifiers",
    title="Stable identifiers",
    what="Each algorithm has one id that does not change and always names the same record.",
    how=(
        "Ids are unique within the snapshot; fetching /api/v1/algorithms/{id} again returns the same "
        "id and the same record (same SHA-256 of canonical JSON); the ids the feed says are public "
        "are exactly the ids of the snapshot."
    ),
)
PUBLISHED_ONLY = Principle(
    id="published-only",
    title="Published only",
    what="The register serves what is published now, and nothing that was withdrawn.",
    how=(
        "No id whose last feed entry is a 'withdrawn' tombstone is still in the snapshot; every "
        "snapshot record is fetchable on its own at /api/v1/algorithms/{id}."
    ),
)
CHANGE_FEED = Principle(
    id="change-feed",
    title="Change feed ordered, gapless and hash-chained",
    what="The change feed can be followed incrementally and its history cannot be rewritten unseen.",
    how=(
        "Feed entries are numbered 1, 2, 3, … without gaps; each previous_hash is the entry_hash "
        "before it (64 zeros for the first); each entry_hash is the SHA-256 of the entry's canonical "
        "JSON; each included record hashes to its record_hash; head_seq is the last seq."
    ),
)
HTTP_CACHING = Principle(
    id="http-caching",
    title="HTTP caching honoured",
    what="Harvesters can ask again cheaply: unchanged resources answer 304 Not Modified.",
    how=(
        "The snapshot, a record and the feed carry an ETag; repeating the request with "
        "If-None-Match answers 304 without a body; a missing Last-Modified on a record is noted "
        "(recommended, not required)."
    ),
)
AVAILABILITY = Principle(
    id="availability",
    title="Available",
    what="The register answers promptly and without server errors.",
    how="Every request of the check answers within the time limit and none answers 5xx.",
)

#: All principles, in the order a report lists them.
PRINCIPLES: tuple[Principle, ...] = (
    STANDARD_VERSION,
    REQUIRED_FIELDS,
    STABLE_IDENTIFIERS,
    PUBLISHED_ONLY,
    CHANGE_FEED,
    HTTP_CACHING,
    AVAILABILITY,
)


def principle(principle_id: str) -> Principle:
    """Return the principle with ``principle_id``; raise ``KeyError`` naming the known ids otherwise."""
    for item in PRINCIPLES:
        if item.id == principle_id:
            return item
    known = ", ".join(p.id for p in PRINCIPLES)
    raise KeyError(f"There is no principle '{principle_id}'; known principles: {known}.")
