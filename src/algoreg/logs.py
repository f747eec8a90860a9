"""Logging for operators: JSON lines or readable text on standard error, with secrets scrubbed.

:func:`configure_logging` installs one handler on the root logger. Every record carries the id of
the request it belongs to (when there is one, from :data:`request_id`). Whatever a record says,
bearer tokens, Algoreg API tokens and ``password=`` / ``token=`` style values are replaced by
``[redacted]`` before it is written: a last line of defence, not a licence to log secrets.
"""

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

#: The id of the request being handled in this context, or ``None`` outside a request.
request_id: ContextVar[str | None] = ContextVar("algoreg_request_id", default=None)

#: Extra fields a request log record may carry (``logger.info(..., extra={...})``), in output order.
REQUEST_FIELDS = ("method", "path", "route", "status", "duration_ms")

REDACTED = "[redacted]"
_SECRETS = (
    re.compile(r"\b([Bb]earer|BEARER|[Bb]asic)\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\balgoreg_[A-Za-z0-9_-]{8,}"),
    re.compile(
        r"(?i)\b(password|passwd|secret|token|access_token|refresh_token|id_token|code|cookie|authorization)"
        r"(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s&;,]+)"
    ),
)

#: Libraries whose output may echo bodies, headers or whole URLs with their query strings (httpx logs
#: every outgoing request's URL at INFO): they log warnings and errors only.
_QUIET_LIBRARIES = ("python_multipart", "multipart", "httpcore", "httpx", "hpack", "urllib3")


def scrub(text: str) -> str:
    """Return ``text`` with anything that looks like a credential replaced by ``[redacted]``."""
    text = _SECRETS[0].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _SECRETS[1].sub(REDACTED, text)
    return _SECRETS[2].sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


class RequestIdFilter(logging.Filter):
    """Attach the current request id to every record that has none."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; add ``record.request_id``."""
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


def _message(record: logging.LogRecord, formatter: logging.Formatter) -> str:
    message = record.getMessage()
    if record.exc_info:
        message = f"{message}\n{formatter.formatException(record.exc_info)}"
    return scrub(message)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the request fields when present."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record, self),
        }
        rid = getattr(record, "request_id", None)
        if rid is not None:
            entry["request_id"] = rid
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = scrub(value) if isinstance(value, str) else value
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A readable line: time, level, logger, message, and the request id in brackets."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line of text (more when it carries a traceback)."""
        moment = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        rid = getattr(record, "request_id", None)
        where = f" [{rid}]" if rid else ""
        return f"{moment} {record.levelname:<7} {record.name}{where}: {_message(record, self)}"


def configure_logging(
    format: Literal["text", "json"] = "text",
    level: str = "INFO",
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send all logs at ``level`` and above to ``stream`` (standard error) as ``format``.

    Replaces the handlers of the root logger and lets the server's own loggers (uvicorn) pass
    through it, so that every line has the same shape. Returns the handler installed.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if format == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    # uvicorn's access log would repeat every request with its query string; the request log replaces it.
    logging.getLogger("uvicorn.access").disabled = True
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    logging.captureWarnings(True)  # Python's warnings, too, as log records of the same shape
    return handler
