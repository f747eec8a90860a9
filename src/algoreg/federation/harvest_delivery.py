"""Reading a register that offers only the official delivery API 1.0 shape ("aanlever-API").

Such a register has no change feed: it lists one organisation's algorithms
(``GET …/organizations/{organisation}/algorithms``, each line with ``lars``, ``published`` and
``last_update_dt``) and returns each published version
(``GET …/organizations/{organisation}/published-algorithms/{lars}``) in any version of the
standard. This module holds the pure parts: addresses, reading the list, and turning a delivered
record into a 1.0 record with notes of what an upgrade could not carry over. The harvester does
the fetching and applies the records.
"""

import json
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from algoreg.standard.legacy import UpgradeError, upgrade

#: The longest list of algorithms accepted from one organisation.
MAX_SUMMARIES = 100_000


class DeliveryShapeError(ValueError):
    """The register's answer does not have the delivery API's shape; the message says where."""


class MissingToken(ValueError):
    """The environment variable that should hold the source's token is not set."""


@dataclass(frozen=True)
class Summary:
    """One line of the list: the algorithm's id, whether it is published, and its version marker."""

    lars: str
    published: bool
    marker: str


def list_url(base_url: str, organisation_code: str) -> str:
    """Return the address of the organisation's list of algorithms under the API's base address."""
    return f"{base_url.rstrip('/')}/organizations/{quote(organisation_code, safe='')}/algorithms"


def published_url(base_url: str, organisation_code: str, lars: str) -> str:
    """Return the address of one algorithm's published version."""
    return (
        f"{base_url.rstrip('/')}/organizations/{quote(organisation_code, safe='')}"
        f"/published-algorithms/{quote(lars, safe='')}"
    )


def auth_headers(token_env: str | None) -> dict[str, str]:
    """Return the Authorization header from the named environment variable (none without a name).

    Raises :class:`MissingToken` naming the variable (never a value) when it is unset or empty.
    """
    if not token_env:
        return {}
    token = os.environ.get(token_env, "").strip()
    if not token:
        raise MissingToken(f"the environment variable {token_env} (this source's token) is not set")
    return {"Authorization": f"Bearer {token}"}


def parse_summaries(content: bytes, url: str) -> list[Summary]:
    """Read the list of algorithms; raise :class:`DeliveryShapeError` when it is not the API's shape.

    Every line needs a non-empty ``lars`` and a boolean ``published``; ``last_update_dt`` (any
    string) is the version marker. Lines repeating an id are an error, since the identity of a
    record must be unambiguous.
    """
    try:
        body = json.loads(content)
    except ValueError as error:
        raise DeliveryShapeError(f"{url} did not answer with JSON ({error})") from None
    if not isinstance(body, list):
        raise DeliveryShapeError(f"{url} answered a {type(body).__name__}, not the list of algorithms")
    if len(body) > MAX_SUMMARIES:
        raise DeliveryShapeError(f"{url} lists {len(body):,} algorithms, more than {MAX_SUMMARIES:,}")
    summaries: list[Summary] = []
    seen: set[str] = set()
    for position, line in enumerate(body, start=1):
        lars = line.get("lars") if isinstance(line, dict) else None
        if not isinstance(lars, str) or not lars.strip():
            raise DeliveryShapeError(f"{url}: line {position} of the list has no 'lars' id")
        published = line.get("published")
        if not isinstance(published, bool):
            raise DeliveryShapeError(f"{url}: line {position} ({lars}) has no true/false 'published'")
        if lars in seen:
            raise DeliveryShapeError(f"{url}: algorithm {lars} is listed twice")
        seen.add(lars)
        marker = line.get("last_update_dt")
        summaries.append(Summary(lars.strip(), published, str(marker)[:100] if marker is not None else ""))
    return summaries


@dataclass(frozen=True)
class Delivered:
    """A delivered record as 1.0 data, what an upgrade could not carry over, and reading problems.

    When ``problem`` is set the record could not be read or upgraded; ``record`` is then what was
    received, to be quarantined with that reason.
    """

    record: Any
    losses: list[str]
    problem: str | None = None


def standard_record(content: bytes) -> Delivered:
    """Read a delivered record as standard 1.0 data, upgrading a record of an older version.

    Fields the API adds (``lars``, ``create_dt``, ``state`` …) are removed. Never raises: what
    cannot be read or upgraded comes back with the reason in ``problem``.
    """
    try:
        data = json.loads(content)
    except ValueError as error:
        return Delivered(content[:200].decode("utf-8", "replace"), [], f"the record is not JSON ({error})")
    if not isinstance(data, dict):
        return Delivered(data, [])
    try:
        result = upgrade(data)
    except UpgradeError as error:
        return Delivered(data, [], str(error))
    return Delivered(result.data, [f"{loss.field}: {loss.reason}" for loss in result.losses])
