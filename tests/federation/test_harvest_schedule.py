"""A schedule per source: harvested at most once per so many minutes, set by CLI, API or on adding."""

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import HarvestSource, utcnow
from algoreg.db.session import transaction
from algoreg.errors import InvalidInput
from algoreg.federation import sources
from algoreg.federation.harvester import due_sources
from algoreg.register.roles import SYSTEM, Role
from tests.federation.fault_server import FaultServer, add_source, harvest, running
from tests.samples import sample_record

Headers = dict[str, str]


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with running(FaultServer()) as started:
        yield started


def test_a_scheduled_source_is_left_out_until_it_is_due_and_an_unscheduled_one_is_not(
    server: FaultServer, factory: sessionmaker[Session]
) -> None:
    # given a source harvested at most hourly and one harvested in every run
    for name in ("hourly", "always"):
        server.register(name, organisation="gm0031").publish(
            "een", sample_record(name=f"Bron {name}", organization="Gemeente Eenendertig")
        )
    hourly = add_source(factory, server.url("hourly"), every_minutes=60)
    always = add_source(factory, server.url("always"))
    # when both are harvested, and a run follows at once
    first = harvest(factory)
    second = harvest(factory)
    # then the first run takes both, the second only the one without a schedule
    assert set(first) == {hourly, always}
    assert set(second) == {always}
    with transaction(factory) as session:
        assert due_sources(session) == [always]
    # when the hour has passed, the scheduled source is due again
    with transaction(factory) as session:
        session.execute(
            update(HarvestSource)
            .where(HarvestSource.id == hourly)
            .values(next_due_at=utcnow() - timedelta(seconds=1))
        )
    assert set(harvest(factory)) == {hourly, always}


def test_naming_a_source_harvests_it_whatever_its_schedule(
    server: FaultServer, factory: sessionmaker[Session]
) -> None:
    server.register("named", organisation="gm0032")
    source_id = add_source(factory, server.url("named"), every_minutes=60 * 24)
    harvest(factory)
    from algoreg.federation.harvester import run_harvest
    from tests.federation.fault_server import fast_settings

    again = run_harvest(factory, fast_settings(), source_ids=[source_id])
    assert [report.source_id for report in again] == [source_id]


def test_a_schedule_out_of_range_is_refused_and_only_admins_set_it(factory: sessionmaker[Session]) -> None:
    source_id = add_source(factory, "http://127.0.0.1:9/register")
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        sources.set_schedule(session, SYSTEM, source_id, 0)
    assert refused.value.problems[0].field == "every_minutes"
    with transaction(factory) as session:
        sources.set_schedule(session, SYSTEM, source_id, 15)
        assert sources.get_source(session, source_id).every_minutes == 15


def test_the_api_sets_and_clears_a_schedule(
    client: TestClient, factory: sessionmaker[Session], make_token: Callable[..., Headers]
) -> None:
    # given a source and an instance administrator
    source_id = add_source(factory, "http://127.0.0.1:9/register")
    admin = make_token(None, Role.ADMIN)
    path = f"/api/v1/harvest/sources/{source_id}"
    # when a schedule is set, then cleared
    scheduled = client.patch(path, json={"every_minutes": 90}, headers=admin)
    cleared = client.patch(path, json={"every_minutes": None}, headers=admin)
    # then each answer shows it; switching on or off leaves the schedule alone
    assert scheduled.status_code == 200 and scheduled.json()["every_minutes"] == 90
    assert cleared.status_code == 200 and cleared.json()["every_minutes"] is None
    client.patch(path, json={"every_minutes": 30}, headers=admin)
    switched = client.patch(path, json={"enabled": False}, headers=admin)
    assert (switched.json()["enabled"], switched.json()["every_minutes"]) == (False, 30)
    # and bad changes are refused naming the field
    for body, field in (
        ({"every_minutes": 0}, "every_minutes"),
        ({}, "body"),
        ({"enabled": None}, "enabled"),
    ):
        refused = client.patch(path, json=body, headers=admin)
        assert refused.status_code == 422, body
        assert field in refused.text
