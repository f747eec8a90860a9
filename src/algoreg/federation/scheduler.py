"""A harvest scheduler that runs inside ``algoreg serve``.

Every ``interval`` seconds it harvests all enabled sources once, and then deletes the oldest
finished run reports beyond ``keep_runs`` per source. Several app processes may each run it: the
row leases make sure no source is harvested twice at once. It stops when asked, and a failing run
never stops the next one.
"""

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.federation.harvester import HarvestSettings, run_harvest
from algoreg.federation.run_upkeep import DEFAULT_KEEP_RUNS, prune_runs

log = logging.getLogger(__name__)


class HarvestScheduler:
    """Harvests on a fixed interval in a background thread."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        interval: float,
        settings: HarvestSettings | None = None,
        workers: int = 2,
        keep_runs: int = DEFAULT_KEEP_RUNS,
    ) -> None:
        if interval <= 0:
            raise ValueError("the harvest interval must be a positive number of seconds")
        if keep_runs < 1:
            raise ValueError("the number of run reports kept per source must be at least 1")
        self.factory = factory
        self.interval = interval
        self.settings = settings or HarvestSettings()
        self.workers = workers
        self.keep_runs = keep_runs
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
                with transaction(self.factory) as session:
                    pruned = prune_runs(session, self.keep_runs)
                if pruned:
                    log.info("deleted %s old harvest run reports", pruned)
            except Exception:  # a failing run must not end the schedule
                log.exception("harvest run failed")
            self.runs += 1
            self._stop.wait(self.interval)
