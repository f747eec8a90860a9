"""The request log: one record per request, and a request id that follows it everywhere.

The id comes from the client's ``X-Request-ID`` header when that is a short token of safe
characters (so a proxy's id carries through), or is generated; it is sent back in the response's
``X-Request-ID`` and attached to every log record made while the request is handled. The record
holds the method, the path WITHOUT its query string, the route template, the status and the
duration — never headers, cookies, query strings or bodies, which may carry credentials.
"""

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from algoreg.logs import request_id

REQUEST_ID_HEADER = "x-request-id"
#: What a client-supplied request id may look like; anything else is replaced by a generated one.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

logger = logging.getLogger("algoreg.request")


def pick_request_id(supplied: str | None) -> str:
    """Return ``supplied`` when it is a valid request id, else a new random one."""
    if supplied is not None and VALID_REQUEST_ID.fullmatch(supplied):
        return supplied
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str | None:
    """Return the path template of the route that handled the request (``/api/v1/algorithms/{public_id}``).

    ``None`` when no route matched. Bounded by the application's routes, unlike the raw path.
    """
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


class RequestLog:
    """ASGI middleware: give each request an id, and log it when its response has been sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle the request with its id set, then log one line about it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = None
        for name, value in scope.get("headers", []):
            if name == REQUEST_ID_HEADER.encode():
                supplied = value.decode("latin-1")
                break
        rid = pick_request_id(supplied)
        scope.setdefault("state", {})["request_id"] = rid
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            level = logging.ERROR if status >= 500 else logging.INFO
            logger.log(
                level,
                "%s %s %s %.0f ms",
                scope["method"],
                scope["path"],
                status,
                duration_ms,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route_template(scope),
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
            request_id.reset(token)
