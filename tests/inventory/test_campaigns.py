"""Request campaigns: a central organisation asks, others answer; progress follows the records themselves."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import AuditEvent, CampaignAlgorithm, SupportRequest
from algoreg.db.session import transaction
from algoreg.errors import Conflict, Forbidden, InvalidInput, NotFound
from algoreg.instruments.assessments import library
from algoreg.instruments.assessments.answering import record_answers
from algoreg.instruments.assessments.overview import start_assessment
from algoreg.instruments.assessments.signing import reopen, sign_off
from algoreg.instruments.questionnaire.our_format import parse_definition
from algoreg.inventory.campaigns import answers, campaigns, support
from algoreg.inventory.campaigns.action_states import ActionState
from algoreg.inventory.campaigns.inputs import DEFAULT_ACTIONS
from algoreg.inventory.campaigns.progress import CampaignView, campaign_view
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM, Principal, Role
from algoreg.register.workflow import Action
from tests.conftest import reference_file
from tests.samples import sample_record

Factory = sessionmaker[Session]
PUBLISH = (Action.SUBMIT, Action.APPROVE, Action.PUBLISH)
CENTRAL = Principal("bzk-coordinator", {1: Role.PUBLISHER})
DEADLINE = date(2027, 3, 1)

#: A tiny instrument of our own whose key the campaign's IAMA action names.
IAMA: dict[str, Any] = {
    "format_version": 1,
    "id": "iama",
    "version": "test",
    "title": "Mensenrechtentoets (test)",
    "parts": [
        {
            "id": "one",
            "title": "Eén",
            "number": "1",
            "items": [{"type": "text", "id": "purpose", "number": "1.1", "text": "Waarvoor?"}],
        }
    ],
}


def org_principal(organisation_id: int, role: Role = Role.EDITOR, name: str = "gemeente-editor") -> Principal:
    return Principal(name, {organisation_id: role})


@pytest.fixture
def world(factory: Factory, make_organisation: Callable[..., str]) -> dict[str, Any]:
    """BZK (id 1) runs; gm0001 (id 2) and gm0002 (id 3) are asked; gm0001 has two algorithms."""
    make_organisation("bzk", "Ministerie van BZK", "ministerie")
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    make_organisation("gm0003", "Gemeente Drie")
    with transaction(factory) as session:
        first = algorithms.create_algorithm(
            session, SYSTEM, "gm0001", sample_record(organization="Gemeente Een", name="Bijstandscontrole")
        ).public_id
        second = algorithms.create_algorithm(
            session, SYSTEM, "gm0001", sample_record(organization="Gemeente Een", name="Parkeerboete")
        ).public_id
        other = algorithms.create_algorithm(
            session, SYSTEM, "gm0002", sample_record(organization="Gemeente Twee", name="Anders")
        ).public_id
        campaign = campaigns.create_campaign(
            session,
            CENTRAL,
            "bzk",
            {
                "title": "Uitvraag mensenrechtenrisico's",
                "contact_name": "Coördinator algoritmes",
                "contact_email": "algoritmes@minbzk.nl",
                "deadline": DEADLINE.isoformat(),
            },
        ).id
        campaigns.add_targets(session, CENTRAL, campaign, ["gm0001", "gm0002"])
        campaigns.open_campaign(session, CENTRAL, campaign)
        instrument = library.store_instrument(
            session, SYSTEM, parse_definition(IAMA), source_format="algoreg", source_name="test"
        ).id
    return {"campaign": campaign, "first": first, "second": second, "other": other, "instrument": instrument}


def view(factory: Factory, principal: Principal, campaign: int) -> CampaignView:
    with transaction(factory) as session:
        return campaign_view(session, principal, campaign)


def states(result: CampaignView, organisation: str, key: str) -> dict[str, ActionState]:
    target = next(t for t in result.targets if t.code == organisation)
    return {item.algorithm: item.statuses[key].state for item in target.items}


def test_progress_follows_the_assessments_and_the_register(factory: Factory, world: dict[str, Any]) -> None:
    # given gm0001 puts one algorithm in scope
    editor = org_principal(2)
    with transaction(factory) as session:
        answers.add_to_scope(
            session,
            editor,
            world["campaign"],
            "gm0001",
            {"algorithm": world["first"], "human_rights_risks": "Discriminatie"},
        )
    result = view(factory, CENTRAL, world["campaign"])
    assert states(result, "gm0001", "iama") == {world["first"]: ActionState.NOT_STARTED}
    assert states(result, "gm0001", "register") == {world["first"]: ActionState.IN_PROGRESS}

    # when an IAMA is started, then signed off, and the algorithm published
    with transaction(factory) as session:
        assessment = start_assessment(session, SYSTEM, world["first"], world["instrument"]).id
    assert (
        states(view(factory, CENTRAL, world["campaign"]), "gm0001", "iama")[world["first"]]
        is ActionState.IN_PROGRESS
    )
    with transaction(factory) as session:
        record_answers(session, SYSTEM, world["first"], assessment, {"purpose": "Controle"})
        sign_off(session, SYSTEM, world["first"], assessment, base_url="https://algoreg.example")
        algorithms.perform_steps(session, SYSTEM, world["first"], PUBLISH)
    done = view(factory, CENTRAL, world["campaign"])

    # then both actions are done, read from the records, with where they were read from
    assert states(done, "gm0001", "iama") == {world["first"]: ActionState.DONE}
    assert states(done, "gm0001", "register") == {world["first"]: ActionState.DONE}
    assert done.totals == {"iama": {ActionState.DONE: 1}, "register": {ActionState.DONE: 1}}

    # and reopening the assessment puts the campaign's IAMA back in progress: nothing can drift
    with transaction(factory) as session:
        reopen(session, SYSTEM, world["first"], assessment, reason="Nieuwe gegevensbron")
    assert (
        states(view(factory, CENTRAL, world["campaign"]), "gm0001", "iama")[world["first"]]
        is ActionState.IN_PROGRESS
    )


def test_an_asked_organisation_sees_only_its_own_part(factory: Factory, world: dict[str, Any]) -> None:
    with transaction(factory) as session:
        answers.add_to_scope(
            session,
            org_principal(2),
            world["campaign"],
            "gm0001",
            {"algorithm": world["first"], "human_rights_risks": "x"},
        )
        answers.add_to_scope(
            session,
            org_principal(3),
            world["campaign"],
            "gm0002",
            {"algorithm": world["other"], "human_rights_risks": "y"},
        )
    assert [t.code for t in view(factory, CENTRAL, world["campaign"]).targets] == ["gm0001", "gm0002"]
    own = view(factory, org_principal(3, Role.VIEWER), world["campaign"])
    assert [t.code for t in own.targets] == ["gm0002"] and not own.runs
    with pytest.raises(NotFound):  # an organisation that is not asked
        view(factory, org_principal(4, Role.ADMIN), world["campaign"])
    with transaction(factory) as session, pytest.raises(NotFound):
        answers.find_target(session, org_principal(3), world["campaign"], "gm0001")


def test_answers_are_limited_to_the_organisations_own_algorithms_and_roles(
    factory: Factory, world: dict[str, Any]
) -> None:
    campaign = world["campaign"]
    with transaction(factory) as session, pytest.raises(InvalidInput) as wrong:
        answers.add_to_scope(
            session,
            org_principal(2),
            campaign,
            "gm0001",
            {"algorithm": world["other"], "human_rights_risks": "x"},
        )
    assert wrong.value.problems[0].field == "algorithm"
    with transaction(factory) as session, pytest.raises(Forbidden):
        answers.add_to_scope(
            session,
            org_principal(2, Role.VIEWER),
            campaign,
            "gm0001",
            {"algorithm": world["first"], "human_rights_risks": "x"},
        )
    with transaction(factory) as session, pytest.raises(InvalidInput) as empty:
        answers.add_to_scope(
            session,
            org_principal(2),
            campaign,
            "gm0001",
            {"algorithm": world["first"], "human_rights_risks": ""},
        )
    assert empty.value.problems[0].field == "human_rights_risks"
    with transaction(factory) as session:
        answers.add_to_scope(
            session,
            org_principal(2),
            campaign,
            "gm0001",
            {"algorithm": world["first"], "human_rights_risks": "x"},
        )
    with transaction(factory) as session, pytest.raises(Conflict):
        answers.add_to_scope(
            session,
            org_principal(2),
            campaign,
            "gm0001",
            {"algorithm": world["first"], "human_rights_risks": "x"},
        )
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(CampaignAlgorithm)) == 1


def test_a_support_request_is_granted_or_declined_with_a_reason_once(
    factory: Factory, world: dict[str, Any]
) -> None:
    campaign = world["campaign"]
    with transaction(factory) as session:
        answers.add_to_scope(
            session,
            org_principal(2),
            campaign,
            "gm0001",
            {"algorithm": world["first"], "human_rights_risks": "x"},
        )
    # bad requests name their field
    for bad, field in (
        ({"reason": "Geen kennis"}, "body"),
        ({"expertise": True, "reason": ""}, "reason"),
        ({"budget_euros": 0, "reason": "Geld"}, "budget_euros"),
    ):
        with transaction(factory) as session, pytest.raises(InvalidInput) as raised:
            support.request_support(session, org_principal(2), campaign, "gm0001", bad)
        assert raised.value.problems[0].field == field
    with transaction(factory) as session:
        request = support.request_support(
            session,
            org_principal(2),
            campaign,
            "gm0001",
            {
                "algorithm": world["first"],
                "expertise": True,
                "budget_euros": 25_000,
                "reason": "Geen jurist in huis",
            },
        ).id
    # the asked organisation cannot decide; the central one decides once, with a reason
    with transaction(factory) as session, pytest.raises(Forbidden):
        support.decide_support(
            session, org_principal(2, Role.ADMIN), campaign, request, {"grant": True, "reason": "ja"}
        )
    with transaction(factory) as session, pytest.raises(InvalidInput):
        support.decide_support(session, CENTRAL, campaign, request, {"grant": True, "reason": ""})
    with transaction(factory) as session:
        support.decide_support(
            session, CENTRAL, campaign, request, {"grant": False, "reason": "Budget is op"}
        )
    with transaction(factory) as session, pytest.raises(Conflict):
        support.decide_support(session, CENTRAL, campaign, request, {"grant": True, "reason": "Toch wel"})
    with transaction(factory) as session:
        stored = session.get(SupportRequest, request)
        assert stored is not None and stored.state == "declined" and stored.decision_reason == "Budget is op"
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("campaign.support%"))
                .order_by(AuditEvent.id)
            )
        )
    assert actions == ["campaign.support_request", "campaign.support_decide"]
    shown = view(factory, org_principal(2, Role.VIEWER), campaign).targets[0].support
    assert [(s.state, s.budget_euros, s.algorithm) for s in shown] == [("declined", 25_000, world["first"])]


def test_manual_actions_are_reported_and_record_actions_are_not(
    factory: Factory, world: dict[str, Any]
) -> None:
    # given a draft campaign with a manual action
    with transaction(factory) as session:
        draft = campaigns.create_campaign(
            session,
            CENTRAL,
            "bzk",
            {
                "title": "Tweede uitvraag",
                "contact_name": "BZK",
                "contact_email": "a@b.nl",
                "deadline": "2027-06-01",
                "actions": [
                    {"key": "dpia", "kind": "manual", "title": "DPIA uitgevoerd"},
                    {"key": "register", "kind": "register", "title": "Gepubliceerd"},
                ],
            },
        ).id
        campaigns.add_targets(session, CENTRAL, draft, ["gm0001"])
    # drafts are invisible to the asked organisation and take no answers
    with pytest.raises(NotFound):
        view(factory, org_principal(2), draft)
    with transaction(factory) as session:
        campaigns.open_campaign(session, CENTRAL, draft)
        answers.add_to_scope(
            session,
            org_principal(2),
            draft,
            "gm0001",
            {"algorithm": world["second"], "human_rights_risks": "x"},
        )
        answers.report_action(
            session, org_principal(2), draft, "gm0001", world["second"], "dpia", {"status": "in_progress"}
        )
        answers.report_action(
            session,
            org_principal(2),
            draft,
            "gm0001",
            world["second"],
            "dpia",
            {"status": "done", "link": "https://intranet.example/dpia"},
        )
    assert states(view(factory, CENTRAL, draft), "gm0001", "dpia") == {world["second"]: ActionState.DONE}
    with transaction(factory) as session, pytest.raises(InvalidInput) as record_kind:
        answers.report_action(
            session, org_principal(2), draft, "gm0001", world["second"], "register", {"status": "done"}
        )
    assert record_kind.value.problems[0].field == "action"
    with transaction(factory) as session, pytest.raises(InvalidInput) as no_reason:
        answers.report_action(
            session, org_principal(2), draft, "gm0001", world["second"], "dpia", {"status": "not_applicable"}
        )
    assert "why" in no_reason.value.problems[0].reason
    # closing stops answers
    with transaction(factory) as session:
        campaigns.close_campaign(session, CENTRAL, draft)
    with transaction(factory) as session, pytest.raises(Conflict):
        answers.declare(session, org_principal(2), draft, "gm0001", complete=True)


def test_a_campaign_is_prepared_by_the_central_organisations_publishers(
    factory: Factory, world: dict[str, Any]
) -> None:
    details = {"title": "T", "contact_name": "C", "contact_email": "geen-adres", "deadline": "morgen"}
    with transaction(factory) as session, pytest.raises(InvalidInput) as wrong:
        campaigns.create_campaign(session, CENTRAL, "bzk", details)
    assert {p.field for p in wrong.value.problems} == {"contact_email", "deadline"}
    with transaction(factory) as session, pytest.raises(Forbidden):
        campaigns.create_campaign(
            session,
            Principal("x", {1: Role.EDITOR}),
            "bzk",
            {**details, "contact_email": "a@b.nl", "deadline": "2027-01-01"},
        )
    with transaction(factory) as session, pytest.raises(InvalidInput) as unknown:
        campaigns.add_targets(session, CENTRAL, world["campaign"], ["gm0003", "gm9999", "bzk"])
    assert [p.field for p in unknown.value.problems] == ["organisations.1", "organisations.2"]
    with transaction(factory) as session, pytest.raises(Conflict):
        campaigns.update_campaign(
            session,
            CENTRAL,
            world["campaign"],
            {**details, "contact_email": "a@b.nl", "deadline": "2027-01-01"},
        )
    with transaction(factory) as session:
        assert campaigns.add_targets(session, CENTRAL, world["campaign"], ["gm0003", "gm0001"]) == ["gm0003"]


def test_the_default_iama_action_counts_the_official_iama_files() -> None:
    # given the official IAMA 2.0 and 1.0 files, read as an organisation imports them
    keys = set()
    for parts in (("par-dpia-form", "sources", "iama.yaml"), ("task-registry", "instruments", "iama.yaml")):
        data = yaml.safe_load(reference_file(*parts).read_text(encoding="utf-8"))
        instrument, _format, _notes = library.read_instrument(data, source=parts[-1])
        keys.add(instrument.id)
    # then the campaign's default IAMA action names both
    assert keys <= set(DEFAULT_ACTIONS[0].instrument_keys)
