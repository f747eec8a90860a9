"""ASGI middleware that bounds request bodies and insists on the right content type."""

import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BodyTooLarge(HTTPException):
    """Raised inside the app when the body grows past the limit while it is read.

    It is an HTTP exception so that FastAPI passes it on as a 413 instead of a parse error.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than the {limit} bytes accepted.")


async def _send_json(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """Refuse bodies over ``max_body_bytes`` with 413, and API writes that are not JSON with 415.

    Paths under ``json_prefixes`` must send ``application/json`` on POST, PUT and PATCH, except the
    paths listed in ``upload_suffixes``, which take ``multipart/form-data`` (file uploads) and may
    be up to ``max_upload_bytes`` — or, for paths ending in a key of ``larger_uploads``, up to its
    value (data for analyses, which may be much larger than an import of records).
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        max_upload_bytes: int,
        json_prefixes: tuple[str, ...] = ("/api/", "/aanleverapi/"),
        upload_suffixes: tuple[str, ...] = ("/import",),
        larger_uploads: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.json_prefixes = json_prefixes
        self.larger_uploads = dict(larger_uploads or {})
        self.upload_suffixes = (*upload_suffixes, *self.larger_uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        is_upload = path.endswith(self.upload_suffixes)
        limit = self.max_upload_bytes if is_upload else self.max_body_bytes
        for suffix, larger in self.larger_uploads.items():
            if path.endswith(suffix):
                limit = larger
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_json(
                send, 413, f"The request body is {declared} bytes; at most {limit} bytes are accepted."
            )
            return
        if scope["method"] in _WRITE_METHODS and path.startswith(self.json_prefixes):
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            expected = "multipart/form-data" if is_upload else "application/json"
            has_body = declared not in (None, "0") or "transfer-encoding" in headers
            if has_body and content_type != expected:
                await _send_json(
                    send,
                    415,
                    f"The content type is '{content_type or 'missing'}'; this endpoint accepts {expected}.",
                )
                return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as too_large:
            if not response_started:
                await _send_json(send, 413, str(too_large.detail))
