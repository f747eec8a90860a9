"""The harvest scheduler inside ``algoreg serve``."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from algoreg.federation.scheduler import HarvestScheduler
from tests.federation.fault_server import FaultServer, add_source, free_port, running
from tests.samples import sample_record


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with running(FaultServer()) as started:
        yield started


def test_serve_harvests_on_its_schedule(
    server: FaultServer, engine: Engine, database_url: str, factory: sessionmaker[Session]
) -> None:
    # given a source with one record, and the register served with a harvest every second
    register = server.register("scheduled")
    register.file_records = [
        sample_record(name="Volgens schema", lars="s1", organization="Waterschap Voorbeeld")
    ]
    add_source(
        factory, server.url("scheduled", "/records.json"), "file",
        organisation_code="ws0001", organisation_name="Waterschap Voorbeeld",
    )  # fmt: skip
    port = free_port()
    env = {
        **os.environ,
        "ALGOREG_DATABASE_URL": database_url,
        "ALGOREG_HARVEST_ALLOWED_NETWORKS": "127.0.0.0/8",  # the fault server
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("algoreg")),
            "serve",
            "--port",
            str(port),
            "--harvest-every",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # when we wait, without running a harvest ourselves
        names: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not names:
            time.sleep(0.5)
            try:
                items = httpx.get(f"http://127.0.0.1:{port}/api/v1/algorithms", timeout=2).json()["items"]
            except httpx.TransportError:
                continue
            names = [item["record"]["name"] for item in items]
        # then the served register has harvested the record by itself
        assert names == ["Volgens schema"]
        # and a change at the source arrives on a later run
        register.file_records = [
            sample_record(
                name="Volgens schema", lars="s1", organization="Waterschap Voorbeeld", status="Buiten gebruik"
            )
        ]
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and status != "Buiten gebruik":
            time.sleep(0.5)
            status = httpx.get(f"http://127.0.0.1:{port}/api/v1/algorithms", timeout=2).json()["items"][0][
                "record"
            ]["status"]
        assert status == "Buiten gebruik"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_interval_must_be_positive(factory: sessionmaker[Session]) -> None:
    with pytest.raises(ValueError, match="positive"):
        HarvestScheduler(factory, 0)


def test_the_scheduler_stops_when_asked(factory: sessionmaker[Session]) -> None:
    scheduler = HarvestScheduler(factory, 60)
    scheduler.start()
    time.sleep(0.5)
    scheduler.stop(timeout=10)
    assert scheduler.runs == 1
