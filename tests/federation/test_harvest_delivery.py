"""Harvesting a register that offers only the official delivery API 1.0 shape.

The remote register is a real Algoreg instance (``algoreg serve`` on loopback) read through its
``/aanleverapi/v1_0`` endpoints with a bearer token, as the harvester would read any register
that implements only the official API.
"""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import HarvestSource
from algoreg.db.session import transaction
from algoreg.federation.harvest_delivery import (
    DeliveryShapeError,
    MissingToken,
    auth_headers,
    parse_summaries,
    standard_record,
)
from algoreg.federation.sources import QuarantineView, SourceIn, SourceKind, list_quarantine
from algoreg.register import accounts, algorithms, organisations
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import SYSTEM, Role
from algoreg.register.workflow import Action
from tests.federation.fault_server import FaultServer, add_source, harvest, public_names, running
from tests.samples import sample_record
from tests.served import ServedInstance, served_instance

pytestmark = pytest.mark.database  # the served register runs on a database beside the test database

TOKEN_ENV = "ALGOREG_TEST_DELIVERY_TOKEN"


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedInstance]:
    with served_instance(tmp_path_factory.mktemp("delivery-remote")) as instance:
        yield instance


@dataclass(frozen=True)
class RemoteOrganisation:
    code: str
    name: str
    token: str


@pytest.fixture
def organisation(remote: ServedInstance) -> RemoteOrganisation:
    """A fresh organisation in the remote register, with a read token for its delivery API."""
    code = f"gm{uuid.uuid4().int % 10_000:04d}"
    name = f"Gemeente Afzender {code}"
    with transaction(remote.factory) as session:
        organisations.create_organisation(
            session, SYSTEM, OrganisationIn(code=code, name=name, kind=OrganisationKind.GEMEENTE)
        )
        token = accounts.issue_token(session, SYSTEM, "harvest", code, Role.VIEWER).secret
    return RemoteOrganisation(code, name, token)


def remote_create(
    remote: ServedInstance, org: RemoteOrganisation, publish: bool = True, **fields: str
) -> str:
    with transaction(remote.factory) as session:
        algorithm = algorithms.create_algorithm(
            session, SYSTEM, org.code, sample_record(organization=org.name, **fields)
        )
        if publish:
            for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH):
                algorithms.perform(session, SYSTEM, algorithm.public_id, action)
        return algorithm.public_id


def remote_act(remote: ServedInstance, public_id: str, *actions: Action, **changes: str) -> None:
    with transaction(remote.factory) as session:
        if changes:
            current = algorithms.view(session, SYSTEM, public_id)
            algorithms.update_algorithm(
                session, SYSTEM, public_id, {**current.latest.record, **changes}, None
            )
        for action in actions:
            algorithms.perform(session, SYSTEM, public_id, action)


def delivery_source(factory: sessionmaker[Session], remote: ServedInstance, org: RemoteOrganisation) -> int:
    return add_source(
        factory,
        f"{remote.root}/aanleverapi/v1_0",
        kind="delivery",
        organisation_code=org.code,
        token_env=TOKEN_ENV,
    )


def test_a_delivery_api_register_is_harvested_incrementally_and_followed(
    remote: ServedInstance,
    organisation: RemoteOrganisation,
    factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a register with two published records of the harvested categories, one of another
    # category and one concept, readable with a token from the environment
    monkeypatch.setenv(TOKEN_ENV, organisation.token)
    high = remote_create(
        remote, organisation, name="Hoog risico", publication_category="Hoog-risico AI-systeem"
    )
    impact = remote_create(remote, organisation, name="Impactvol")
    remote_create(remote, organisation, name="Overig", publication_category="Overige algoritmes")
    remote_create(remote, organisation, publish=False, name="Concept")
    source_id = delivery_source(factory, remote, organisation)

    # when it is harvested
    first = harvest(factory)[source_id]
    # then the two published records of those categories are public here, under the organisation
    assert first.outcome == "ok", first.errors
    assert (first.new, first.skipped, first.withdrawn) == (2, 1, 0)
    assert public_names(factory)[organisation.code] == ["Hoog risico", "Impactvol"]

    # when nothing changed, a second run fetches no record again
    second = harvest(factory)[source_id]
    assert (second.new, second.updated, second.unchanged) == (0, 0, 2)

    # when one record is edited and published again, and the other retracted
    remote_act(remote, high, Action.SUBMIT, Action.APPROVE, Action.PUBLISH, name="Hoog risico, herzien")
    remote_act(remote, impact, Action.RETRACT)
    third = harvest(factory)[source_id]
    # then the edit is taken over and the retracted record withdrawn here
    assert (third.updated, third.withdrawn, third.unchanged) == (1, 1, 0), third
    assert public_names(factory)[organisation.code] == ["Hoog risico, herzien"]

    # when the retracted record is published again, it comes back
    remote_act(remote, impact, Action.SUBMIT, Action.APPROVE, Action.PUBLISH)
    fourth = harvest(factory)[source_id]
    assert fourth.updated == 1
    assert public_names(factory)[organisation.code] == ["Hoog risico, herzien", "Impactvol"]


def test_a_missing_or_refused_token_fails_the_run_and_keeps_what_was_harvested(
    remote: ServedInstance,
    organisation: RemoteOrganisation,
    factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a harvested delivery source
    monkeypatch.setenv(TOKEN_ENV, organisation.token)
    remote_create(remote, organisation, name="Blijft staan")
    source_id = delivery_source(factory, remote, organisation)
    assert harvest(factory)[source_id].new == 1

    # when its token variable is unset
    monkeypatch.delenv(TOKEN_ENV)
    unset = harvest(factory)[source_id]
    # then the run fails naming the variable, and the record stays public
    assert unset.outcome == "failed"
    assert TOKEN_ENV in unset.errors[0]

    # when the token is refused by the register
    monkeypatch.setenv(TOKEN_ENV, "not-a-valid-token")
    refused = harvest(factory)[source_id]
    assert refused.outcome == "failed"
    assert "401" in refused.errors[0]
    assert "not-a-valid-token" not in json.dumps(refused.errors)
    assert public_names(factory)[organisation.code] == ["Blijft staan"]
    with transaction(factory) as session:
        source = session.scalars(select(HarvestSource).where(HarvestSource.id == source_id)).one()
        assert source.consecutive_failures == 2


def test_a_delivery_source_needs_its_organisation_and_only_it_takes_a_token() -> None:
    with pytest.raises(ValueError, match="needs the organisation"):
        SourceIn(url="https://register.example.nl/aanleverapi/v1_0", kind=SourceKind.DELIVERY)
    with pytest.raises(ValueError, match="only a delivery-API source takes a token"):
        SourceIn(url="https://register.example.nl", kind=SourceKind.ALGOREG, token_env="TOKEN")
    with pytest.raises(ValueError, match="token_env"):
        SourceIn(
            url="https://register.example.nl/aanleverapi/v1_0",
            kind=SourceKind.DELIVERY,
            organisation_code="gm0363",
            token_env="not a variable name",
        )


def test_the_token_is_read_from_the_named_variable_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_TOKEN", "s3cret")
    assert auth_headers("SOME_TOKEN") == {"Authorization": "Bearer s3cret"}
    assert auth_headers(None) == {}
    monkeypatch.delenv("SOME_TOKEN")
    with pytest.raises(MissingToken, match="SOME_TOKEN") as missing:
        auth_headers("SOME_TOKEN")
    assert "s3cret" not in str(missing.value)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>", "did not answer with JSON"),
        (b'{"lars": "a"}', "not the list of algorithms"),
        (b'[{"published": true}]', "line 1 of the list has no 'lars'"),
        (b'[{"lars": "a", "published": "ja"}]', "no true/false 'published'"),
        (b'[{"lars": "a", "published": true}, {"lars": "a", "published": false}]', "listed twice"),
    ],
)
def test_a_list_not_in_the_delivery_api_shape_is_refused_with_the_reason(body: bytes, problem: str) -> None:
    with pytest.raises(DeliveryShapeError, match=problem):
        parse_summaries(body, "https://register.example.nl/list")


def test_a_record_of_an_older_standard_is_upgraded_and_api_fields_removed() -> None:
    # given a record as the official API returns it, of standard 0.4 with its server-side fields
    old = {
        "name": "Oud algoritme",
        "organization": "Gemeente Voorbeeld",
        "standard_version": "0.4",
        "lars": "12345678",
        "create_dt": "2024-01-01T00:00:00",
        "state": "PUBLISHED",
    }
    delivered = standard_record(json.dumps(old).encode())
    # then the result is 1.0 data without the API's own fields
    assert delivered.record["standard_version"] == "1.0"
    assert delivered.record["name"] == "Oud algoritme"
    assert not {"lars", "create_dt", "state"} & set(delivered.record)
    assert (delivered.losses, delivered.problem) == ([], None)
    # and what cannot be read or upgraded is passed on with the reason, to be quarantined
    assert "not JSON" in (standard_record(b"not json").problem or "")
    assert "0.4" in (standard_record(b'{"name": 1, "standard_version": "0.4"}').problem or "")


def test_what_an_upgrade_cannot_carry_over_is_noted() -> None:
    # a 0.4 record saying whether it is self-learning, which 1.0 does not record
    old = {"name": "Oud", "organization": "Gemeente Voorbeeld", "standard_version": "0.4", "type": "Ja"}
    delivered = standard_record(json.dumps(old).encode())
    assert "type" not in delivered.record
    assert [loss for loss in delivered.losses if loss.startswith("type: ")], delivered.losses


@pytest.fixture(scope="module")
def fault_server() -> Iterator[FaultServer]:
    with running(FaultServer()) as started:
        yield started


def test_records_that_cannot_be_upgraded_or_fetched_are_held_back_and_the_rest_taken_in(
    fault_server: FaultServer, factory: sessionmaker[Session]
) -> None:
    # given a delivery-API register with a good record, one of an old version the upgrade cannot
    # make valid, one that is not JSON, and one that keeps failing with HTTP 500
    register = fault_server.register("delivery-mixed", organisation="gm0021")
    register.publish("goed", sample_record(name="Goed", organization="Gemeente Eenentwintig"))
    register.raw_records["oud"] = json.dumps({"name": 5, "standard_version": "0.4"}).encode()
    register.raw_records["kapot"] = b"{not json"
    register.publish("stuk", sample_record(name="Stuk", organization="Gemeente Eenentwintig"))
    register.broken_records.add("stuk")
    source_id = add_source(
        factory,
        fault_server.url("delivery-mixed", "/aanleverapi/v1_0"),
        "delivery",
        organisation_code="gm0021",
    )
    # when it is harvested
    report = harvest(factory)[source_id]
    # then the good record is public, the two unreadable ones are quarantined with their reasons,
    # and the one that failed is reported
    assert (report.outcome, report.new, report.invalid) == ("ok", 1, 2), report
    assert public_names(factory) == {"gm0021": ["Goed"]}
    reasons = {q.remote_id: q.problems[0]["reason"] for q in list_quarantine_of(factory, source_id)}
    assert "0.4" in reasons["oud"]
    assert "not JSON" in reasons["kapot"]
    assert any(error.startswith("stuk: ") for error in report.errors)


def test_a_delivery_register_that_fails_as_a_whole_keeps_what_was_harvested(
    fault_server: FaultServer, factory: sessionmaker[Session]
) -> None:
    # given a harvested delivery-API register
    register = fault_server.register("delivery-down", organisation="gm0022")
    register.publish("een", sample_record(name="Een", organization="Gemeente Tweeëntwintig"))
    source_id = add_source(
        factory,
        fault_server.url("delivery-down", "/aanleverapi/v1_0"),
        "delivery",
        organisation_code="gm0022",
    )
    assert harvest(factory)[source_id].new == 1
    # when its list answers malformed JSON, and then every record fails
    register.malformed = True
    assert harvest(factory)[source_id].outcome == "failed"
    register.malformed = False
    register.publish("een", sample_record(name="Een, herzien", organization="Gemeente Tweeëntwintig"))
    register.broken_records.add("een")
    failed = harvest(factory)[source_id]
    # then both runs fail and the record harvested before stays public
    assert failed.outcome == "failed"
    assert public_names(factory) == {"gm0022": ["Een"]}


def list_quarantine_of(factory: sessionmaker[Session], source_id: int) -> list[QuarantineView]:
    with transaction(factory) as session:
        return list_quarantine(session, source_id)
