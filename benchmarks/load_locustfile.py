"""Locust clients for ``benchmarks/load.py``: the public register's mix of HTML pages and JSON API.

Run by ``load.py`` through locust's command line (headless), never imported by it: locust patches
the standard library with gevent when imported. Configured by environment variables:

* ``LOAD_PLAN``: a JSON file with the URLs to ask for (``search``, ``algorithm``, ``api_list``,
  ``api_algorithm``), made by ``load.py`` from the generated register;
* ``LOAD_HOSTS``: the roots of the app processes, separated by commas; each client keeps to one,
  given out in turn, so several processes share the clients evenly.

The user class named on locust's command line says what is asked: ``Visitor`` the register's mix
of pages and API, ``HealthCheck`` only ``/health`` (the peer).

Every client sends its next request as soon as the previous one is answered (no think time), so
the number of clients is the number of requests in flight.
"""

import itertools
import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, constant, task

PLAN: dict[str, list[str]] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
HOSTS = os.environ["LOAD_HOSTS"].split(",")
_next_host = itertools.cycle(HOSTS)


class _Client(FastHttpUser):
    """A client that keeps to one app process and sends its next request without pause."""

    abstract = True
    host = HOSTS[0]
    wait_time = constant(0)
    network_timeout = 120.0
    connection_timeout = 120.0

    def on_start(self) -> None:
        self.client.base_url = next(_next_host)
        self.random = random.Random(id(self))  # noqa: S311 - choosing URLs, not secrets

    def _get(self, url: str, name: str) -> None:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{url}: status {response.status_code}")


class Visitor(_Client):
    """A member of the public, or a program, reading the register; weights say how often each."""

    @task(4)
    def search(self) -> None:
        self._get(self.random.choice(PLAN["search"]), "search page (HTML, words + facets)")

    @task(3)
    def algorithm(self) -> None:
        self._get(self.random.choice(PLAN["algorithm"]), "algorithm page (HTML)")

    @task(2)
    def api_list(self) -> None:
        self._get(self.random.choice(PLAN["api_list"]), "API list (JSON, filters + pages)")

    @task(3)
    def api_algorithm(self) -> None:
        self._get(self.random.choice(PLAN["api_algorithm"]), "API algorithm (JSON)")


class HealthCheck(_Client):
    """The peer: ``/health`` only, the framework's ceiling on the same servers."""

    @task
    def health(self) -> None:
        self._get("/health", "/health")
