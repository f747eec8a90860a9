"""Fetching a URL for the harvester: bounded in time, size, redirects and retries, and never internal.

Transient faults (timeouts, connection errors, HTTP 5xx and 429) are retried with exponential
backoff up to a fixed number of attempts; everything else fails at once. A response larger than
the byte limit is refused while it streams in, so an oversized answer never fills memory. Every
connection, for the first request and for each redirect hop, goes only to an address that is not
internal or lies in ``allowed_networks`` (:mod:`.addresses`); a refused one fails at once.
"""

import time
from collections.abc import Collection
from dataclasses import dataclass, field

import httpx

from algoreg.config import Settings
from algoreg.federation.addresses import (
    BlockedAddress,
    GuardedTransport,
    IPNetwork,
    Resolver,
    system_resolver,
)

USER_AGENT = "Algoreg-harvester/1"


@dataclass(frozen=True)
class FetchSettings:
    """Limits of one fetch: timeouts (seconds), size, redirects and the retry schedule."""

    timeout: float = 20.0
    total_timeout: float = 120.0
    max_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    #: Internal networks that may be reached all the same (by default none: only public addresses).
    allowed_networks: Collection[IPNetwork] = ()


def fetch_settings_from(settings: Settings) -> FetchSettings:
    """Return the default fetch limits, allowing the internal networks that ``settings`` allow."""
    return FetchSettings(allowed_networks=settings.harvest_networks)


@dataclass(frozen=True)
class Fetched:
    """A response read whole: status (200 or 304), body and the headers that matter."""

    status: int
    content: bytes
    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    attempts: int = 1
    retried_because: list[str] = field(default_factory=list)


class FetchError(Exception):
    """A fetch that failed for good; the message says what happened and after how many attempts."""


class _Transient(Exception):
    """A fault worth trying again (timeout, connection error, 5xx, 429)."""


def make_client(settings: FetchSettings, resolver: Resolver = system_resolver) -> httpx.Client:
    """Return an HTTP client that follows at most ``max_redirects`` redirects, times out, and
    connects only to addresses that are public or in ``settings.allowed_networks``.

    ``resolver`` turns host names into addresses (the system's resolver unless a test says otherwise).
    """
    return httpx.Client(
        timeout=httpx.Timeout(settings.timeout),
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        headers={"User-Agent": USER_AGENT},
        transport=GuardedTransport(settings.allowed_networks, resolver),
    )


def backoff_delay(settings: FetchSettings, attempt: int) -> float:
    """Return the pause before retry number ``attempt`` (1-based): base × 2^(attempt-1), capped."""
    return float(min(settings.backoff_max, settings.backoff_base * 2 ** (attempt - 1)))


def _read_limited(response: httpx.Response, settings: FetchSettings, started: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_bytes:
        raise FetchError(
            f"{response.url} announces {int(declared):,} bytes, "
            f"more than the limit of {settings.max_bytes:,} bytes"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > settings.max_bytes:
            raise FetchError(f"{response.url} sent more than the limit of {settings.max_bytes:,} bytes")
        if time.monotonic() - started > settings.total_timeout:
            raise _Transient(f"the response took longer than {settings.total_timeout:g} s in total")
        chunks.append(chunk)
    return b"".join(chunks)


def _once(client: httpx.Client, url: str, headers: dict[str, str], settings: FetchSettings) -> Fetched:
    started = time.monotonic()
    try:
        with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status >= 500 or status == 429:
                raise _Transient(f"HTTP {status}")
            if status == 304:
                return Fetched(304, b"", str(response.url), response.headers.get("etag"))
            if status >= 400:
                raise FetchError(f"{url} answered HTTP {status}")
            content = _read_limited(response, settings, started)
            return Fetched(
                status,
                content,
                str(response.url),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                content_type=response.headers.get("content-type"),
            )
    except BlockedAddress as blocked:
        try:
            hop: httpx.URL | None = blocked.request.url
        except RuntimeError:  # raised outside a request: no hop to name
            hop = None
        redirected = hop is not None and hop != httpx.URL(url)
        where = f"{url} redirected to {hop}, which was refused: " if redirected else f"{url} was refused: "
        raise FetchError(where + str(blocked)) from None
    except httpx.TooManyRedirects:
        raise FetchError(
            f"{url} redirected more than {settings.max_redirects} times (a redirect loop?)"
        ) from None
    except httpx.TimeoutException:
        raise _Transient(f"no answer within {settings.timeout:g} s (timeout)") from None
    except httpx.TransportError as error:
        raise _Transient(f"connection failed ({type(error).__name__}: {error})") from None


def fetch(
    client: httpx.Client,
    url: str,
    settings: FetchSettings,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """GET ``url`` and return its whole body (status 200) or a 304, or raise :class:`FetchError`.

    Transient faults are retried ``max_attempts`` times in all, pausing per :func:`backoff_delay`;
    the error then names the last fault and the number of attempts.
    """
    reasons: list[str] = []
    for attempt in range(1, settings.max_attempts + 1):
        try:
            fetched = _once(client, url, headers or {}, settings)
        except _Transient as transient:
            reasons.append(str(transient))
            if attempt < settings.max_attempts:
                time.sleep(backoff_delay(settings, attempt))
            continue
        return Fetched(
            fetched.status,
            fetched.content,
            fetched.url,
            fetched.etag,
            fetched.last_modified,
            fetched.content_type,
            attempts=attempt,
            retried_because=reasons,
        )
    raise FetchError(f"{url} failed {settings.max_attempts} times; last: {reasons[-1]}")
