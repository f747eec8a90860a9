"""A client for the official delivery API 1.0 ("aanlever-API") of the Algoritmeregister.

One method per official operation this project uses. Promises:

* every request carries the bearer token and has a timeout; the token is never put in an error
  message, a log line or ``repr``;
* server errors (5xx), 429 and connection errors are retried a bounded number of times with
  exponential backoff (``Retry-After`` is honoured, capped); other errors are not retried;
* a failure raises :class:`DeliveryError` naming the operation, the HTTP status (``None`` when the
  server could not be reached) and the server's ``detail``.
"""

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

#: HTTP statuses worth trying again.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class DeliveryError(Exception):
    """An operation of the delivery API failed; ``status`` is ``None`` when no answer came."""

    def __init__(self, operation: str, status: int | None, detail: str) -> None:
        where = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"{operation} failed ({where}): {detail}")
        self.operation = operation
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class RemoteSummary:
    """A line of the remote list of an organisation's algorithms (``AlgorithmSummary``)."""

    lars: str
    source_id: str | None
    name: str | None
    published: bool
    current_version_released: bool
    current_version_published: bool


def _detail_of(response: httpx.Response) -> str:
    """Return the server's explanation: its ``detail`` (joined when a list), else the body's start."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):
        parts = []
        for item in detail[:10]:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []))
                parts.append(f"{loc}: {item.get('msg', '')}" if loc else str(item.get("msg", "")))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    if detail is not None:
        return str(detail)
    return str(body)[:300]


class DeliveryClient:
    """Synchronous client of one delivery API base URL (ending in ``/aanleverapi/v1_0``)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"The delivery API URL must start with http:// or https://, not '{base_url}'.")
        if retries < 0:
            raise ValueError(f"retries must be 0 or more, not {retries}.")
        self.base_url = base_url.rstrip("/")
        self._retries = retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"DeliveryClient({self.base_url!r})"

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> "DeliveryClient":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- transport ----------------------------------------------------------------------------

    def _wait(self, attempt: int, response: httpx.Response | None) -> None:
        delay = min(self._max_backoff, self._backoff * 2**attempt)
        if response is not None and (after := response.headers.get("Retry-After", "")).isdigit():
            delay = min(self._max_backoff, float(after))
        time.sleep(delay)

    def _request(self, operation: str, method: str, path: str, body: Any = None) -> Any:
        """Send one request with bounded retries; return the JSON body or raise DeliveryError."""
        last: DeliveryError | None = None
        for attempt in range(self._retries + 1):
            response: httpx.Response | None = None
            try:
                response = self._http.request(method, path, json=body)
            except httpx.TransportError as exc:
                last = DeliveryError(operation, None, f"{type(exc).__name__}: {exc or 'connection failed'}")
            else:
                if response.is_success:
                    try:
                        return response.json()
                    except ValueError:
                        raise DeliveryError(
                            operation, response.status_code, "the answer is not JSON"
                        ) from None
                last = DeliveryError(operation, response.status_code, _detail_of(response))
                if response.status_code not in RETRYABLE_STATUSES:
                    raise last
            if attempt < self._retries:
                self._wait(attempt, response)
        assert last is not None
        raise last

    @staticmethod
    def _org(organisation_id: str) -> str:
        return f"/organizations/{quote(organisation_id, safe='')}"

    @staticmethod
    def _id(algorithm_id: str) -> str:
        return quote(algorithm_id, safe="")

    # --- the official operations --------------------------------------------------------------

    def get_all_algorithms(self, organisation_id: str) -> list[RemoteSummary]:
        """``get_all_algorithms``: summaries of every algorithm of the organisation."""
        operation = f"get_all_algorithms({organisation_id})"
        body = self._request(operation, "GET", f"{self._org(organisation_id)}/algorithms")
        if not isinstance(body, list):
            raise DeliveryError(operation, 200, "expected a JSON list of algorithm summaries")
        return [
            RemoteSummary(
                lars=str(item["lars"]),
                source_id=item.get("source_id"),
                name=item.get("name"),
                published=bool(item.get("published")),
                current_version_released=bool(item.get("current_version_released")),
                current_version_published=bool(item.get("current_version_published")),
            )
            for item in body
            if isinstance(item, dict) and item.get("lars")
        ]

    def create_one_algorithm(self, organisation_id: str, record: dict[str, Any]) -> str:
        """``create_one_algorithm``: store a new algorithm in concept; return its ``lars`` code."""
        operation = f"create_one_algorithm({organisation_id})"
        body = self._request(operation, "POST", f"{self._org(organisation_id)}/algorithms", record)
        if not isinstance(body, dict) or not body.get("lars_code"):
            raise DeliveryError(operation, 200, "the answer has no lars_code")
        return str(body["lars_code"])

    def get_one_algorithm(self, organisation_id: str, lars: str) -> dict[str, Any]:
        """``get_one_algorithm``: the newest version, published or not, with its state."""
        operation = f"get_one_algorithm({organisation_id}, {lars})"
        body = self._request(operation, "GET", f"{self._org(organisation_id)}/algorithms/{self._id(lars)}")
        if not isinstance(body, dict):
            raise DeliveryError(operation, 200, "expected a JSON object")
        return body

    def get_one_published_algorithm(self, organisation_id: str, lars: str) -> dict[str, Any]:
        """``get_one_published_algorithm``: the version the public sees."""
        operation = f"get_one_published_algorithm({organisation_id}, {lars})"
        path = f"{self._org(organisation_id)}/published-algorithms/{self._id(lars)}"
        body = self._request(operation, "GET", path)
        if not isinstance(body, dict):
            raise DeliveryError(operation, 200, "expected a JSON object")
        return body

    def update_one_algorithm(self, organisation_id: str, lars: str, record: dict[str, Any]) -> None:
        """``update_one_algorithm``: store new data as a new version in concept."""
        operation = f"update_one_algorithm({organisation_id}, {lars})"
        self._request(operation, "PUT", f"{self._org(organisation_id)}/algorithms/{self._id(lars)}", record)

    def release_one_algorithm(self, organisation_id: str, lars: str) -> None:
        """``release_one_algorithm``: offer the newest version for publication (409: nothing to release)."""
        operation = f"release_one_algorithm({organisation_id}, {lars})"
        self._request(operation, "PUT", f"{self._org(organisation_id)}/algorithms/{self._id(lars)}/release")

    def retract_one_published_algorithm(self, organisation_id: str, lars: str) -> None:
        """``retract_one_published_algorithm``: take the published version away from the public."""
        operation = f"retract_one_published_algorithm({organisation_id}, {lars})"
        path = f"{self._org(organisation_id)}/published-algorithms/{self._id(lars)}/retract"
        self._request(operation, "DELETE", path)
