"""A harvest scheduler that runs inside ``algoreg serve``.

Every ``interval`` seconds it harvests all enabled sources once. Several app processes may each
run it: the row leases make sure no source is harvested twice at once. It stops when asked, and a
failing run never stops the next one.
"""

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from algoreg.federation.harvester import HarvestSettings, run_harvest

log = logging.getLogger(__name__)


class HarvestScheduler:
    """Harvests on a fixed interval in a background thread."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        interval: float,
        settings: HarvestSettings | None = None,
        workers: int = 2,
    ) -> None:
        if interval <= 0:
            raise ValueError("the harvest interval must be a positive number of seconds")
        self.factory = factory
        self.interval = interval
        self.settings = settings or HarvestSettings()
        self.workers = workers
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="harvest-scheduler", daemon=True)

    def start(self) -> None:
        """Start harvesting: once at once, then every interval."""
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the scheduler to stop and wait for a running harvest to finish."""
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                reports = run_harvest(self.factory, self.settings, workers=self.workers)
                log.info("harvest run: %s sources", len(reports))
            except Exception:  # a failing run must not end the schedule
                log.exception("harvest run failed")
            self.runs += 1
            self._stop.wait(self.interval)
