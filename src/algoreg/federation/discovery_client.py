"""Finding a register's change feed from the address an operator gives, before it becomes a source.

An operator may give a register's root address, its discovery document (``/api/v1/register``, or
``/.well-known/algorithm-register`` which redirects there) or its change feed (``/api/v1/feed``).
The discovery document names the feed (a URI reference resolved against the document's final
address, RFC 3986); a register without one is still usable when its feed answers at the default
path. Every way tried is reported when none works. Requests are few and bounded (see
:data:`DISCOVERY_FETCH`), because someone is waiting for the answer.
"""

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.federation.addresses import IPNetwork
from algoreg.federation.fetch import FetchError, FetchSettings, fetch, make_client
from algoreg.federation.harvest_feed import FEED_PATH, FeedError, feed_url, parse_page
from algoreg.federation.principles import PROTOCOL_VERSION, REQUIRED_STANDARD_VERSION

DISCOVERY_PATH = "/api/v1/register"
WELL_KNOWN_PATH = "/.well-known/algorithm-register"

#: Limits of the requests made while adding a source: short, small, and retried once.
DISCOVERY_FETCH = FetchSettings(
    timeout=10.0,
    total_timeout=30.0,
    max_bytes=5 * 1024 * 1024,
    max_redirects=5,
    max_attempts=2,
    backoff_base=0.5,
)

_ACCEPT_JSON = {"Accept": "application/json"}


def discovery_settings(allowed_networks: Collection[IPNetwork] = ()) -> FetchSettings:
    """Return :data:`DISCOVERY_FETCH`, reaching also the internal networks in ``allowed_networks``."""
    return replace(DISCOVERY_FETCH, allowed_networks=tuple(allowed_networks))


@dataclass(frozen=True)
class ResolvedRegister:
    """Where a register's change feed is, and how that was found.

    ``base_url`` is the address to store as the source's URL: the harvester reads the feed at
    ``harvest_feed.feed_url(base_url, …)``. ``discovery_url`` is the discovery document that was
    read (after redirects), or ``None`` when the feed was found without one.
    """

    base_url: str
    feed_url: str
    discovery_url: str | None
    name: str | None
    head_seq: int

    def how(self) -> str:
        """Say in a few words how the feed was found."""
        if self.discovery_url is None:
            return f"its change feed answers at {self.feed_url}"
        named = f" ('{self.name}')" if self.name else ""
        return f"the discovery document at {self.discovery_url}{named} names the change feed {self.feed_url}"


class _Failed(Exception):
    """One way of finding the feed did not work; the message says why, without the address."""


def _reason(error: Exception, url: str) -> str:
    """The fault's message without the address it starts with (the caller names the address)."""
    return str(error).removeprefix(f"{url} ").strip()


def base_of_feed(address: str) -> str:
    """Return the base address the harvester stores for a feed at ``address``.

    The harvester reads ``<base>/api/v1/feed``, so a feed elsewhere cannot be harvested and is
    refused with :class:`ValueError` saying so.
    """
    parts = urlsplit(address)
    path = parts.path.rstrip("/")
    if not path.endswith(FEED_PATH):
        raise ValueError(
            f"the change feed is at {address}, but this harvester reads a feed only at an address "
            f"ending in {FEED_PATH}"
        )
    return urlunsplit((parts.scheme, parts.netloc, path.removesuffix(FEED_PATH), "", ""))


def _check_feed(client: httpx.Client, base: str, settings: FetchSettings) -> int:
    """Read the first entry of the feed under ``base``; return its ``head_seq`` or raise :class:`_Failed`."""
    url = feed_url(base, 0, 1)
    try:
        fetched = fetch(client, url, settings, _ACCEPT_JSON)
        return parse_page(fetched.content, url).head_seq
    except (FetchError, FeedError, httpx.HTTPError, httpx.InvalidURL) as error:
        raise _Failed(_reason(error, url)) from None


def _from_feed(client: httpx.Client, address: str, settings: FetchSettings) -> ResolvedRegister:
    base = base_of_feed(address)
    head = _check_feed(client, base, settings)
    return ResolvedRegister(base, base + FEED_PATH, None, None, head)


def _read_discovery(content: bytes) -> dict[str, Any]:
    try:
        document = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _Failed("did not answer with JSON, so it is not a discovery document") from None
    if not isinstance(document, dict):
        raise _Failed("answered with JSON that is not an object, so it is not a discovery document")
    protocol = document.get("protocol_version")
    if protocol is None:
        raise _Failed("answered with JSON without 'protocol_version', so it is not a discovery document")
    if protocol != PROTOCOL_VERSION:
        raise _Failed(f"speaks protocol {protocol!r}; this harvester reads {PROTOCOL_VERSION}")
    standard = document.get("standard_version")
    if standard is not None and standard != REQUIRED_STANDARD_VERSION:
        raise _Failed(
            f"publishes records of standard version {standard!r}; this harvester reads "
            f"{REQUIRED_STANDARD_VERSION}"
        )
    return document


def _feed_named_by(document: dict[str, Any], document_url: str) -> str:
    """The feed's absolute address: the document's ``endpoints.feed``, else the default path."""
    endpoints = document.get("endpoints")
    named = endpoints.get("feed") if isinstance(endpoints, dict) else None
    if isinstance(named, str) and named.strip():
        return urljoin(document_url, named.strip())
    parts = urlsplit(document_url)
    root = parts.path.rstrip("/").removesuffix(DISCOVERY_PATH)
    return urlunsplit((parts.scheme, parts.netloc, root + FEED_PATH, "", ""))


def _from_discovery(client: httpx.Client, address: str, settings: FetchSettings) -> ResolvedRegister:
    try:
        fetched = fetch(client, address, settings, _ACCEPT_JSON)
    except (FetchError, httpx.HTTPError, httpx.InvalidURL) as error:
        raise _Failed(_reason(error, address)) from None
    document = _read_discovery(fetched.content)
    feed = _feed_named_by(document, fetched.url)
    try:
        base = base_of_feed(feed)
    except ValueError as refused:
        raise _Failed(f"it names the change feed {feed}, but {refused}") from None
    try:
        head = _check_feed(client, base, settings)
    except _Failed as failed:
        raise _Failed(f"it names the change feed {feed}, which {failed}") from None
    name = document.get("name")
    return ResolvedRegister(
        base, base + FEED_PATH, fetched.url, name if isinstance(name, str) else None, head
    )


Attempt = tuple[str, Callable[[httpx.Client, str, FetchSettings], ResolvedRegister], str]


def _attempts(url: str) -> list[Attempt]:
    """The ways to try, in order, for what ``url`` looks like."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path.endswith(FEED_PATH):
        return [("the change feed", _from_feed, url)]
    if path.endswith((DISCOVERY_PATH, WELL_KNOWN_PATH)):
        return [("the discovery document", _from_discovery, url)]
    root = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    attempts: list[Attempt] = [("the discovery document", _from_discovery, root + DISCOVERY_PATH)]
    if not path:
        # A well-known address belongs to the whole host, so it only describes a register at its root.
        attempts.append(("the well-known address", _from_discovery, root + WELL_KNOWN_PATH))
    attempts.append(("the change feed", _from_feed, root + FEED_PATH))
    return attempts


def resolve_register(
    url: str, settings: FetchSettings = DISCOVERY_FETCH, client: httpx.Client | None = None
) -> ResolvedRegister:
    """Find the change feed of the register at ``url`` and return where it is and how it was found.

    ``url`` may be the register's root, its discovery document (``/api/v1/register`` or
    ``/.well-known/algorithm-register``) or its feed (``/api/v1/feed``). A feed found is read once
    (its first entry) to make sure it is one. When nothing works, raises :class:`InvalidInput` on
    field ``url`` naming ``url``, every address tried and why each failed.
    """
    url = url.strip()
    if client is None:
        with make_client(settings) as own:
            return resolve_register(url, settings, own)
    tried: list[str] = []
    for what, attempt, address in _attempts(url):
        try:
            return attempt(client, address, settings)
        except _Failed as failed:
            tried.append(f"{what} at {address}: {failed}")
    reason = (
        "no change feed of the harvest protocol was found; tried "
        + "; ".join(tried)
        + ". Give the register's root address, its discovery document "
        + f"({WELL_KNOWN_PATH} or {DISCOVERY_PATH}) or its change feed ({FEED_PATH})."
    )
    raise InvalidInput(
        problems=[FieldProblem(field="url", reason=reason)],
        summary=f"Could not find the change feed of the register at {url}; nothing was added.",
    )
