"""HTTP for the conformance checker: bounded concurrency, time, response size and number of requests.

Nothing is retried: a checker measures how a register answers, so a timeout or a 5xx is evidence,
not something to hide. Every request is kept as an :class:`Exchange` for the report.
"""

import asyncio
import json
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

USER_AGENT = "Algoreg-check-register/1"


class UnsupportedUrl(ValueError):
    """A register address the checker refuses (not http or https, or without a host)."""


def checked_url(url: str) -> str:
    """Return ``url`` stripped of spaces when it is an http(s) URL with a host; raise otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "none"
        raise UnsupportedUrl(
            f"'{url}' is not a register address: the scheme is {shown}; only http:// and https:// URLs "
            "are allowed, such as https://register.example.nl"
        )
    if not parts.hostname:
        raise UnsupportedUrl(f"'{url}' has no host name; give a URL such as https://register.example.nl")
    return url


@dataclass(frozen=True)
class Limits:
    """How far a check may go: time per request, size, requests, records, feed entries, parallelism."""

    timeout: float = 10.0
    max_bytes: int = 20 * 1024 * 1024
    max_requests: int = 2000
    max_records: int = 1000
    max_feed_entries: int = 10_000
    concurrency: int = 8
    page_size: int = 100


@dataclass(frozen=True)
class Exchange:
    """One request and its answer: status (``None`` when no HTTP answer came), time, headers, body."""

    url: str
    status: int | None
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    skipped: bool = False

    def header(self, name: str) -> str | None:
        """Return a response header by case-insensitive name."""
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """Return the body as JSON; raise ``ValueError`` saying why when it is not."""
        if self.status is None:
            raise ValueError(self.error or "no answer")
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"the body is not JSON ({error})") from None

    def describe(self) -> str:
        """Say in a few words how the request went, e.g. ``HTTP 404`` or ``no answer within 10 s``."""
        if self.status is None:
            return self.error or "no answer"
        return f"HTTP {self.status}"


class Probe:
    """An async HTTP client that keeps every exchange and refuses to exceed the limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.exchanges: list[Exchange] = []
        self._semaphore = asyncio.Semaphore(limits.concurrency)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(limits.timeout),
            follow_redirects=True,
            max_redirects=5,
            limits=httpx.Limits(max_connections=limits.concurrency),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        self._sent = 0

    async def __aenter__(self) -> "Probe":
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self._client.aclose()

    @property
    def remaining(self) -> int:
        """How many more requests may be sent."""
        return max(0, self.limits.max_requests - self._sent)

    async def get(self, url: str, headers: dict[str, str] | None = None) -> Exchange:
        """GET ``url`` within the limits; failures are returned as exchanges, never raised."""
        if self._sent >= self.limits.max_requests:
            return Exchange(url, None, 0.0, error="not sent: the request limit was reached", skipped=True)
        self._sent += 1
        async with self._semaphore:
            exchange = await self._fetch(url, headers or {})
        self.exchanges.append(exchange)
        return exchange

    async def _fetch(self, url: str, headers: dict[str, str]) -> Exchange:
        started = time.perf_counter()
        timeout = self.limits.timeout
        try:
            async with asyncio.timeout(timeout):
                async with self._client.stream("GET", url, headers=headers) as response:
                    body = await self._read(response)
                    return Exchange(
                        str(response.url),
                        response.status_code,
                        time.perf_counter() - started,
                        {k.lower(): v for k, v in response.headers.items()},
                        body,
                    )
        except (TimeoutError, httpx.TimeoutException):
            error = f"no answer within {timeout:g} s"
        except httpx.TooManyRedirects:
            error = "more than 5 redirects"
        except _TooLarge as too_large:
            error = str(too_large)
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}".rstrip(": ")
        return Exchange(url, None, time.perf_counter() - started, error=error)

    async def _read(self, response: httpx.Response) -> bytes:
        limit = self.limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _TooLarge(f"the answer announces {int(declared):,} bytes, more than the limit of {limit:,}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise _TooLarge(f"the answer is larger than the limit of {limit:,} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


class _TooLarge(Exception):
    """A response body over the byte limit."""
