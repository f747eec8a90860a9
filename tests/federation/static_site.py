"""A plain HTTP server for tests: Python's own static file server on a loopback port.

It knows nothing of the harvest protocol: it serves the files of a folder (so a file named
``api/v1/feed`` answers ``GET /api/v1/feed?after=0&limit=1``) and 404 for everything else. That
makes registers that have a feed but no discovery document, or neither, or a discovery document
of their own making. It counts the requests it received.
"""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class StaticSite:
    """A running static server: its folder, its root address and the paths it was asked for."""

    folder: Path
    root: str
    paths: list[str] = field(default_factory=list)

    def url(self, path: str = "") -> str:
        """The address of ``path`` on this server."""
        return self.root + path

    def write(self, path: str, content: Any) -> None:
        """Serve ``content`` (as JSON) at ``path``."""
        target = self.folder / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(content), encoding="utf-8")


def feed_page(head_seq: int = 0) -> dict[str, Any]:
    """An empty page of a change feed whose head is at ``head_seq``."""
    return {"entries": [], "last_seq": 0, "head_seq": head_seq}


def discovery_document(feed: str | None, protocol: str = "algoreg-harvest/1") -> dict[str, Any]:
    """A discovery document naming ``feed`` as its feed endpoint (or none)."""
    endpoints = {"snapshot": "/api/v1/algorithms"} | ({"feed": feed} if feed is not None else {})
    return {
        "name": "Statisch register",
        "standard_version": "1.0",
        "protocol_version": protocol,
        "organisations": [],
        "endpoints": endpoints,
        "feed": {"head_seq": 0},
        "licence": "CC0-1.0",
    }


@contextmanager
def static_site(folder: Path) -> Iterator[StaticSite]:
    """Serve ``folder`` on a free loopback port while the block runs."""
    site = StaticSite(folder, "")

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            site.paths.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(folder)))
    site.root = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
