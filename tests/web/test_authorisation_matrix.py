"""The authorisation matrix: every write endpoint × every role × own and other organisation.

:data:`MATRIX` says, for every route of the app that writes (POST, PUT, PATCH, DELETE) — the JSON API
under ``/api/v1``, the delivery API under ``/aanleverapi``, the management forms under ``/beheer`` and
the login forms — who may use it, and how to call it against a fresh target. The routes are read from
the app itself: a write route without an entry makes :func:`test_every_write_route_is_in_the_matrix`
fail, listing it, so a new endpoint cannot land without saying who may use it.

Each rule is tried by anonymous callers, by a viewer, editor, publisher and admin of organisation
gm0001, and by an instance administrator; a rule that acts within an organisation is tried against
gm0001 (own) and gm0002 (other). API calls carry an API token of that role, form posts a browser
session of a user with that role and a valid CSRF token (CSRF itself is tested elsewhere), so that
only authorisation decides. An allowed call must get the rule's success status (or the validation
error the rule expects); a refused call must get 401 (API, no token), a redirect to the login page
(forms, not signed in), or 403/404 — and must leave every table of the database exactly as it was.

Adding an endpoint: add ``"METHOD /path": (Rule(needs, builder),)`` to :data:`MATRIX`, with a builder
that returns the :class:`Call` for a fresh target in the organisation it is given.
"""

import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, Table, inspect
from sqlalchemy.orm import Session, sessionmaker

from algoreg.config import Settings
from algoreg.db.models import Base
from algoreg.db.session import session_factory, transaction
from algoreg.federation import sources
from algoreg.federation.addresses import parse_networks
from algoreg.federation.sources import SourceIn
from algoreg.instruments import assessments
from algoreg.instruments.framework import own_measures, profile_store, tasks
from algoreg.inventory.campaigns import answers as campaign_answers
from algoreg.inventory.campaigns import campaigns, support
from algoreg.register import accounts, algorithms, bias_reports, organisations
from algoreg.register.bias_reports import ReportDetails
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import SYSTEM, Role
from algoreg.register.sessions import start_session
from algoreg.register.workflow import Action
from algoreg.web.app import create_app
from algoreg.web.security import CSRF_COOKIE, SESSION_COOKIE, new_csrf
from tests.database import emptied
from tests.instruments.assessment_support import COMPLETE, store_test_instrument
from tests.instruments.framework_tasks_support import answers, high_risk_path, import_official
from tests.register.test_bias_reports import bias_document
from tests.samples import sample_record
from tests.web.checklist_matrix import checklist_rules
from tests.web.origin_inventory_matrix import origin_inventory_rules
from tests.web.own_instruments_matrix import own_instrument_rules

OWN, OTHER = "gm0001", "gm0002"
NAMES = {OWN: "Gemeente Een", OTHER: "Gemeente Twee"}
PASSWORD = "een-lang-wachtwoord"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
APPEND_ONLY = frozenset(
    {"audit_event", "publication_entry", "login_attempt", "harvest_run", "harvest_version"}
)
LARGE_DOCUMENTS = frozenset(
    {"record", "document", "definition", "content", "body_text", "summary_text", "search_text"}
)


class Who(StrEnum):
    """Who makes the call: nobody, a role in gm0001, or an administrator of the whole instance."""

    ANONYMOUS = "anonymous"
    VIEWER = "viewer"
    EDITOR = "editor"
    PUBLISHER = "publisher"
    ADMIN = "admin"
    INSTANCE_ADMIN = "instance-admin"


class Scope(StrEnum):
    """Where the target is: in the caller's own organisation, in another, or in no organisation."""

    OWN = "own"
    OTHER = "other"
    INSTANCE = "instance"


ANYONE: Literal["anyone"] = "anyone"
SIGNED_IN: Literal["signed in"] = "signed in"
INSTANCE_ADMIN: Literal["instance admin"] = "instance admin"
Needs = Role | Literal["anyone", "signed in", "instance admin"]


@dataclass(frozen=True)
class Call:
    """One request, and what an allowed caller must get: a status in ``ok``.

    ``writes``: True when an allowed call must change the database, False when it must not,
    None when it may either way. A 422 answer must never change it.
    """

    method: str
    path: str
    ok: frozenset[int]
    json: Any = None
    data: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    writes: bool | None = True
    #: How a signed-in caller without the right is refused (a form whose choices are only the
    #: organisations the caller may pick refuses another one as a wrong choice: 422).
    refused: frozenset[int] = frozenset({403, 404})


@dataclass(frozen=True)
class Rule:
    """Who may use a route (a role in the target's organisation, or one of the three others),
    and how to call it against a fresh target in organisation ``org`` (None for unscoped rules)."""

    needs: Needs
    make: Callable[["World", str | None], Call]
    variant: str = ""

    @property
    def scopes(self) -> tuple[Scope, ...]:
        """Rules that need a role act within an organisation: tried in the own and in another one."""
        return (Scope.OWN, Scope.OTHER) if isinstance(self.needs, Role) else (Scope.INSTANCE,)


def may(needs: Needs, who: Who, scope: Scope) -> bool:
    """Whether ``who`` may use a route that ``needs`` this, on a target in ``scope``."""
    if needs == ANYONE:
        return True
    if who is Who.ANONYMOUS:
        return False
    if needs == SIGNED_IN or who is Who.INSTANCE_ADMIN:
        return True
    if not isinstance(needs, Role):
        return False
    return scope is Scope.OWN and Role(who.value).rank >= needs.rank


# --- the world the calls act in -------------------------------------------------------------------


class World:
    """gm0001 with a user and an API token per role, gm0002, an instance administrator; fresh targets."""

    def __init__(self, factory: sessionmaker[Session], secret: str) -> None:
        self.factory = factory
        self.secret = secret
        self._numbers = itertools.count(1)
        self.tokens: dict[Who, dict[str, str]] = {}
        self.user_ids: dict[Who, int] = {}
        with transaction(factory) as session:
            for code, name in NAMES.items():
                organisations.create_organisation(
                    session, SYSTEM, OrganisationIn(code=code, name=name, kind=OrganisationKind.GEMEENTE)
                )
            for who in Who:
                if who is Who.ANONYMOUS:
                    continue
                instance = who is Who.INSTANCE_ADMIN
                user = accounts.create_user(
                    session, SYSTEM, f"m-{who.value}", who.value, None, is_superuser=instance
                )
                self.user_ids[who] = user.id
                role = Role.ADMIN if instance else Role(who.value)
                if not instance:
                    accounts.grant_role(session, SYSTEM, user.username, OWN, role)
                issued = accounts.issue_token(
                    session, SYSTEM, f"m-{who.value}", None if instance else OWN, role
                )
                self.tokens[who] = {"Authorization": f"Bearer {issued.secret}"}
            accounts.create_user(session, SYSTEM, "m-login", "Inloggen", PASSWORD)
        self.document = bias_document()
        self._profiled: dict[str, str] = {}
        self._tasks_given: set[int] = set()
        self._instrument: int | None = None

    def unique(self, prefix: str) -> str:
        """A name no earlier call used."""
        return f"{prefix}{next(self._numbers)}"

    def session_for(self, who: Who) -> str:
        """A fresh browser session of ``who``'s user (a call may end sessions)."""
        with transaction(self.factory) as session:
            return start_session(session, self.user_ids[who])

    def algorithm(self, org: str, state: str = "concept") -> str:
        """A fresh algorithm of ``org`` in ``state`` (concept, in_review, approved, published, archived)."""
        steps = {
            "concept": [],
            "in_review": [Action.SUBMIT],
            "approved": [Action.SUBMIT, Action.APPROVE],
            "published": [Action.SUBMIT, Action.APPROVE, Action.PUBLISH],
            "archived": [Action.ARCHIVE],
        }[state]
        with transaction(self.factory) as session:
            record = sample_record(organization=NAMES[org], name=self.unique("Algoritme "))
            public_id = algorithms.create_algorithm(session, SYSTEM, org, record).public_id
            if steps:
                algorithms.perform_steps(session, SYSTEM, public_id, steps)
        return public_id

    def lock_version(self, public_id: str) -> int:
        with transaction(self.factory) as session:
            return algorithms.find_algorithm(session, public_id).lock_version

    def report(self, org: str, state: str = "draft") -> tuple[str, int]:
        """A fresh bias report (draft or published) of a fresh published algorithm of ``org``."""
        public_id = self.algorithm(org, "published")
        details = ReportDetails(title=self.unique("Toets "), period="2025", description="")
        with transaction(self.factory) as session:
            report_id = bias_reports.attach_report(session, SYSTEM, public_id, details, self.document).id
            if state == "published":
                bias_reports.publish_report(session, SYSTEM, public_id, report_id)
        return public_id, report_id

    def source(self) -> int:
        with transaction(self.factory) as session:
            data = SourceIn(url=f"https://127.0.0.1:9/{self.unique('bron')}/", kind="algoreg")
            return sources.add_source(session, SYSTEM, data, parse_networks("127.0.0.0/8")).id

    def member(self, org: str) -> str:
        """A fresh account with the viewer role in ``org``."""
        name = self.unique("lid")
        with transaction(self.factory) as session:
            accounts.create_user(session, SYSTEM, name, name, None)
            accounts.grant_role(session, SYSTEM, name, org, Role.VIEWER)
        return name

    def outsider(self) -> str:
        """A fresh account without any role."""
        name = self.unique("nieuw")
        with transaction(self.factory) as session:
            accounts.create_user(session, SYSTEM, name, name, None)
        return name

    def profiled_algorithm(self, org: str) -> str:
        """The algorithm of ``org`` with a high-risk AI Act profile, so with framework tasks (one per
        organisation, made on first use: tasks are many rows, and each call takes a fresh one).

        Needs the official framework and decision tree from the reference data (skips without them).
        """
        if org not in self._profiled:
            if not self._profiled:
                import_official(self.factory)
            public_id = self.algorithm(org)
            with transaction(self.factory) as session:
                profile_store.record_profile(session, SYSTEM, public_id, answers(high_risk_path()))
            self._profiled[org] = public_id
        return self._profiled[org]

    def fresh_task(self, public_id: str) -> int:
        """A task of the algorithm that no earlier call was given."""
        with transaction(self.factory) as session:
            ids = [task.id for task in tasks.list_tasks(session, SYSTEM, public_id)]
        unused = [task_id for task_id in ids if task_id not in self._tasks_given]
        assert unused, "the profile gives enough tasks for every call"
        self._tasks_given.add(unused[0])
        return unused[0]

    def instrument(self) -> int:
        """The test instrument of the assessment tests, for every organisation, without signing roles."""
        if self._instrument is None:
            self._instrument = store_test_instrument(self.factory, organisation=None, signing_roles=[])
        return self._instrument

    def assessment(self, org: str, stage: str = "started") -> tuple[str, int]:
        """A fresh assessment of a fresh algorithm of ``org``: started, answered, or signed off."""
        public_id = self.algorithm(org)
        with transaction(self.factory) as session:
            assessment_id = assessments.start_assessment(session, SYSTEM, public_id, self.instrument()).id
            if stage in ("answered", "signed_off"):
                assessments.record_answers(session, SYSTEM, public_id, assessment_id, COMPLETE)
            if stage == "signed_off":
                assessments.sign_off(session, SYSTEM, public_id, assessment_id)
        return public_id, assessment_id

    def participant(self, org: str) -> tuple[str, int, int]:
        """A fresh assessment in ``org`` with one participant; its ids."""
        public_id, assessment_id = self.assessment(org)
        with transaction(self.factory) as session:
            added = assessments.add_participant(
                session, SYSTEM, public_id, assessment_id, self.member(org), "Projectleider"
            )
        return public_id, assessment_id, added.id

    def campaign(self, runner: str, state: str = "draft") -> int:
        """A fresh campaign run by ``runner`` that asks the other organisation; draft or open."""
        with transaction(self.factory) as session:
            campaign_id = campaigns.create_campaign(session, SYSTEM, runner, campaign_body(self)).id
            campaigns.add_targets(session, SYSTEM, campaign_id, [OTHER if runner == OWN else OWN])
            if state == "open":
                campaigns.open_campaign(session, SYSTEM, campaign_id)
        return campaign_id

    def scoped(self, answering: str) -> tuple[int, str]:
        """An open campaign asking ``answering`` with one of its algorithms in scope."""
        campaign_id = self.campaign(OTHER if answering == OWN else OWN, "open")
        public_id = self.algorithm(answering)
        with transaction(self.factory) as session:
            scope = {"algorithm": public_id, "human_rights_risks": "Uitsluiting van groepen"}
            campaign_answers.add_to_scope(session, SYSTEM, campaign_id, answering, scope)
        return campaign_id, public_id

    def support_request(self, runner: str) -> tuple[int, int]:
        """An open campaign run by ``runner`` with a support request of the organisation it asks."""
        campaign_id = self.campaign(runner, "open")
        with transaction(self.factory) as session:
            asked = OTHER if runner == OWN else OWN
            request = support.request_support(
                session, SYSTEM, campaign_id, asked, {"expertise": True, "reason": "Geen jurist"}
            )
        return campaign_id, request.id

    def token_of(self, org: str) -> int:
        with transaction(self.factory) as session:
            return accounts.issue_token(session, SYSTEM, self.unique("koppeling"), org, Role.VIEWER).id


def _org(org: str | None) -> str:
    assert org is not None, "a scoped rule gets an organisation"
    return org


def record(world: World, org: str) -> dict[str, Any]:
    return sample_record(organization=NAMES[org], name=world.unique("Nieuw algoritme "))


def form_record(world: World, org: str) -> dict[str, Any]:
    """The editor form's fields for a valid algorithm of ``org``."""
    return {
        "name": world.unique("Formulier "),
        "description_short": "Het algoritme helpt aanvragen te controleren.",
        "organization": NAMES[org],
        "category": ["Verkeer"],
        "status": "In gebruik",
        "publication_category": "Impactvolle algoritmes",
        "begin_date": "2024-03",
        "contact_email": "algoritmes@voorbeeld.example",
        "goal": "<p>Sneller beslissen.</p>",
        "lang": "nld",
    }


def records_file(world: World, org: str) -> dict[str, tuple[str, bytes, str]]:
    content = json.dumps([record(world, org)]).encode()
    return {"file": ("algoritmes.json", content, "application/json")}


def decisions_csv() -> bytes:
    rows = [f"Noord,{int(i < 60)}" for i in range(120)] + [f"Zuid,{int(i < 30)}" for i in range(120)]
    return ("wijk,gecontroleerd\n" + "\n".join(rows) + "\n").encode()


ANALYSIS_REQUEST = json.dumps(
    {"settings": {"roles": {"protected": ["wijk"], "outcome": "gecontroleerd"}, "min_group_size": 10}}
)


# --- how each route is called (against a fresh target) ---------------------------------------------

OK = frozenset({200})
CREATED = frozenset({201})
REDIRECT = frozenset({303})
INVALID = frozenset({422})


def api_create_organisation(world: World, _: str | None) -> Call:
    body = {"code": world.unique("org"), "name": world.unique("Waterschap "), "kind": "waterschap"}
    return Call("POST", "/api/v1/organisations", CREATED, json=body)


def api_update_organisation(world: World, org: str | None) -> Call:
    org = _org(org)
    body = {
        "code": org,
        "name": NAMES[org],
        "kind": "gemeente",
        "website": f"https://{world.unique('w')}.example.nl",
    }
    return Call("PUT", f"/api/v1/organisations/{org}", OK, json=body)


def api_create_algorithm(world: World, org: str | None) -> Call:
    org = _org(org)
    return Call("POST", f"/api/v1/organisations/{org}/algorithms", CREATED, json=record(world, org))


def api_update_draft(world: World, org: str | None) -> Call:
    org = _org(org)
    public_id = world.algorithm(org)
    headers = {"If-Match": f'"{world.lock_version(public_id)}"'}
    return Call("PUT", f"/api/v1/algorithms/{public_id}/draft", OK, json=record(world, org), headers=headers)


#: Each workflow action and the state it is taken from.
ACTIONS_FROM = {
    Action.SUBMIT: "concept",
    Action.REJECT: "in_review",
    Action.APPROVE: "in_review",
    Action.PUBLISH: "approved",
    Action.RETRACT: "published",
    Action.ARCHIVE: "concept",
    Action.UNARCHIVE: "archived",
}


def api_action(action: Action) -> Callable[[World, str | None], Call]:
    def make(world: World, org: str | None) -> Call:
        public_id = world.algorithm(_org(org), ACTIONS_FROM[action])
        return Call("POST", f"/api/v1/algorithms/{public_id}/actions/{action.value}", OK)

    return make


def api_import(publish: bool) -> Callable[[World, str | None], Call]:
    def make(world: World, org: str | None) -> Call:
        org = _org(org)
        params = {"publish": "true"} if publish else {}
        return Call(
            "POST", f"/api/v1/organisations/{org}/import", OK, files=records_file(world, org), params=params
        )

    return make


def api_attach_report(world: World, org: str | None) -> Call:
    public_id = world.algorithm(_org(org), "published")
    body = {"title": "Toets per wijk", "period": "2025", "document": world.document}
    return Call("POST", f"/api/v1/algorithms/{public_id}/bias-reports", CREATED, json=body)


def api_edit_report(world: World, org: str | None) -> Call:
    public_id, report_id = world.report(_org(org))
    return Call(
        "PATCH", f"/api/v1/algorithms/{public_id}/bias-reports/{report_id}", OK, json={"title": "Nieuw"}
    )


def api_publish_report(world: World, org: str | None) -> Call:
    public_id, report_id = world.report(_org(org))
    return Call("POST", f"/api/v1/algorithms/{public_id}/bias-reports/{report_id}/publish", OK)


def api_withdraw_report(world: World, org: str | None) -> Call:
    public_id, report_id = world.report(_org(org), "published")
    return Call("POST", f"/api/v1/algorithms/{public_id}/bias-reports/{report_id}/withdraw", OK)


def api_analyse(world: World, _: str | None) -> Call:
    files = {"data": ("besluiten.csv", decisions_csv(), "text/csv")}
    return Call(
        "POST", "/api/v1/bias/analyses", OK, files=files, data={"request": ANALYSIS_REQUEST}, writes=False
    )


def api_analyse_and_attach(world: World, org: str | None) -> Call:
    public_id = world.algorithm(_org(org), "published")
    files = {"data": ("besluiten.csv", decisions_csv(), "text/csv")}
    data = {"request": ANALYSIS_REQUEST, "title": "Toets per wijk", "period": "2025"}
    return Call(
        "POST", f"/api/v1/algorithms/{public_id}/bias-reports/analyses", CREATED, files=files, data=data
    )


def api_add_source(world: World, _: str | None) -> Call:
    body = {"url": f"https://127.0.0.1:9/{world.unique('register')}/", "kind": "algoreg"}
    return Call("POST", "/api/v1/harvest/sources", CREATED, json=body, params={"discover": "false"})


def api_change_source(world: World, _: str | None) -> Call:
    return Call("PATCH", f"/api/v1/harvest/sources/{world.source()}", OK, json={"enabled": False})


def api_put_profile(world: World, org: str | None) -> Call:
    # the same answers again: a new profile in the algorithm's history, its tasks as they are
    public_id = world.profiled_algorithm(_org(org))
    body = {"answers": [{"question": q, "answer": a} for q, a in answers(high_risk_path())]}
    return Call("PUT", f"/api/v1/algorithms/{public_id}/ai-act-profile", OK, json=body)


def api_refresh_tasks(world: World, org: str | None) -> Call:
    public_id = world.profiled_algorithm(_org(org))
    # the tasks already follow the profile, so a refresh may find nothing to change
    return Call("POST", f"/api/v1/algorithms/{public_id}/framework-tasks/refresh", OK, writes=None)


def api_change_task(world: World, org: str | None) -> Call:
    public_id = world.profiled_algorithm(_org(org))
    path = f"/api/v1/algorithms/{public_id}/framework-tasks/{world.fresh_task(public_id)}"
    return Call("PATCH", path, OK, json={"status": "in_progress"})


def api_add_evidence(world: World, org: str | None) -> Call:
    public_id = world.profiled_algorithm(_org(org))
    path = f"/api/v1/algorithms/{public_id}/framework-tasks/{world.fresh_task(public_id)}/evidence"
    body = {"kind": "link", "description": "Verslag van de toets", "url": "https://example.org/verslag"}
    return Call("POST", path, CREATED, json=body)


def api_add_own_measure(world: World, org: str | None) -> Call:
    body = {"code": world.unique("eigen-maatregel-"), "name": "Eigen maatregel", "description": ""}
    return Call("POST", f"/api/v1/organisations/{_org(org)}/own-measures", CREATED, json=body)


def fresh_own_measure(world: World, org: str) -> int:
    """A new own measure of the organisation, for one call to change."""
    given = own_measures.OwnMeasureIn(code=world.unique("eigen-maatregel-"), name="Eigen maatregel")
    with transaction(world.factory) as session:
        return own_measures.add_own_measure(session, SYSTEM, org, given).id


def api_change_own_measure(world: World, org: str | None) -> Call:
    path = f"/api/v1/organisations/{_org(org)}/own-measures/{fresh_own_measure(world, _org(org))}"
    return Call("PATCH", path, OK, json={"name": world.unique("Gewijzigde maatregel ")})


ASSESSMENTS = "/api/v1/algorithms/{public_id}/assessments"


def api_start_assessment(world: World, org: str | None) -> Call:
    public_id = world.algorithm(_org(org))
    return Call(
        "POST", ASSESSMENTS.format(public_id=public_id), CREATED, json={"instrument": world.instrument()}
    )


def api_answer(world: World, org: str | None) -> Call:
    public_id, assessment_id = world.assessment(_org(org))
    path = f"{ASSESSMENTS.format(public_id=public_id)}/{assessment_id}/answers"
    return Call("POST", path, OK, json={"answers": {"purpose": "Aanvragen sneller beoordelen"}})


def api_add_participant(world: World, org: str | None) -> Call:
    org = _org(org)
    public_id, assessment_id = world.assessment(org)
    path = f"{ASSESSMENTS.format(public_id=public_id)}/{assessment_id}/participants"
    return Call("POST", path, CREATED, json={"username": world.member(org), "role": "Projectleider"})


def api_remove_participant(world: World, org: str | None) -> Call:
    public_id, assessment_id, participant_id = world.participant(_org(org))
    path = f"{ASSESSMENTS.format(public_id=public_id)}/{assessment_id}/participants/{participant_id}"
    return Call("DELETE", path, frozenset({204}))


def api_sign_off(world: World, org: str | None) -> Call:
    public_id, assessment_id = world.assessment(_org(org), "answered")
    path = f"{ASSESSMENTS.format(public_id=public_id)}/{assessment_id}/sign-off"
    return Call("POST", path, OK, json={"note": "Akkoord"})


def api_reopen(world: World, org: str | None) -> Call:
    public_id, assessment_id = world.assessment(_org(org), "signed_off")
    path = f"{ASSESSMENTS.format(public_id=public_id)}/{assessment_id}/reopen"
    return Call("POST", path, OK, json={"reason": "Nieuwe gegevens"})


PAGE_ASSESSMENT = "/beheer/algoritme/{public_id}/toets/{assessment_id:int}"


def _assessment_page(public_id: str, assessment_id: int) -> str:
    return f"/beheer/algoritme/{public_id}/toets/{assessment_id}"


def page_start_assessment(world: World, org: str | None) -> Call:
    public_id = world.algorithm(_org(org))
    data = {"instrument": str(world.instrument())}
    return Call("POST", f"/beheer/algoritme/{public_id}/toetsen", REDIRECT, data=data)


def page_answer_part(world: World, org: str | None) -> Call:
    path = _assessment_page(*world.assessment(_org(org))) + "/deel/basics"
    return Call("POST", path, REDIRECT, data={"q.purpose": "Aanvragen sneller beoordelen"})


def page_add_participant(world: World, org: str | None) -> Call:
    org = _org(org)
    path = _assessment_page(*world.assessment(org)) + "/deelnemers"
    return Call("POST", path, REDIRECT, data={"username": world.member(org), "role": "Projectleider"})


def page_remove_participant(world: World, org: str | None) -> Call:
    public_id, assessment_id, participant_id = world.participant(_org(org))
    path = _assessment_page(public_id, assessment_id) + f"/deelnemer/{participant_id}/verwijderen"
    return Call("POST", path, REDIRECT)


def page_sign_off(world: World, org: str | None) -> Call:
    path = _assessment_page(*world.assessment(_org(org), "answered")) + "/aftekenen"
    return Call("POST", path, REDIRECT, data={"note": "Akkoord"})


def page_reopen(world: World, org: str | None) -> Call:
    path = _assessment_page(*world.assessment(_org(org), "signed_off")) + "/heropenen"
    return Call("POST", path, REDIRECT, data={"reason": "Nieuwe gegevens"})


def campaign_body(world: World) -> dict[str, Any]:
    """A campaign with one action the asked organisations report on themselves."""
    return {
        "title": world.unique("Uitvraag "),
        "contact_name": "Team uitvraag",
        "contact_email": "uitvraag@voorbeeld.example",
        "deadline": "2030-12-31",
        "actions": [{"key": "uitleg", "kind": "manual", "title": "Uitleg op de website"}],
    }


def asked_by(runner: str) -> str:
    return OTHER if runner == OWN else OWN


# campaigns: ``org`` is the running organisation for what its publishers do, and the asked one for
# what its editors answer (the campaign then is run by the other organisation)


def api_create_campaign(world: World, org: str | None) -> Call:
    return Call("POST", f"/api/v1/organisations/{_org(org)}/campaigns", CREATED, json=campaign_body(world))


def api_update_campaign(world: World, org: str | None) -> Call:
    return Call("PUT", f"/api/v1/campaigns/{world.campaign(_org(org))}", OK, json=campaign_body(world))


def api_add_targets(world: World, org: str | None) -> Call:
    campaign_id = world.campaign(_org(org))
    extra = world.unique("gm9")
    with transaction(world.factory) as session:
        data = OrganisationIn(code=extra, name=f"Gemeente {extra}", kind=OrganisationKind.GEMEENTE)
        organisations.create_organisation(session, SYSTEM, data)
    return Call("POST", f"/api/v1/campaigns/{campaign_id}/targets", OK, json={"organisations": [extra]})


def api_remove_target(world: World, org: str | None) -> Call:
    org = _org(org)
    return Call(
        "DELETE", f"/api/v1/campaigns/{world.campaign(org)}/targets/{asked_by(org)}", frozenset({204})
    )


def api_open_campaign(world: World, org: str | None) -> Call:
    return Call("POST", f"/api/v1/campaigns/{world.campaign(_org(org))}/open", OK)


def api_close_campaign(world: World, org: str | None) -> Call:
    return Call("POST", f"/api/v1/campaigns/{world.campaign(_org(org), 'open')}/close", OK)


def api_decide_support(world: World, org: str | None) -> Call:
    campaign_id, request_id = world.support_request(_org(org))
    path = f"/api/v1/campaigns/{campaign_id}/support-requests/{request_id}/decision"
    return Call("POST", path, OK, json={"grant": True, "reason": "Jurist beschikbaar"})


def api_add_to_scope(world: World, org: str | None) -> Call:
    org = _org(org)
    campaign_id = world.campaign(asked_by(org), "open")
    body = {"algorithm": world.algorithm(org), "human_rights_risks": "Uitsluiting van groepen"}
    return Call("POST", f"/api/v1/campaigns/{campaign_id}/answers/{org}/algorithms", CREATED, json=body)


def api_update_risks(world: World, org: str | None) -> Call:
    org = _org(org)
    campaign_id, public_id = world.scoped(org)
    path = f"/api/v1/campaigns/{campaign_id}/answers/{org}/algorithms/{public_id}"
    return Call("PATCH", path, OK, json={"human_rights_risks": "Ook privacy"})


def api_remove_from_scope(world: World, org: str | None) -> Call:
    org = _org(org)
    campaign_id, public_id = world.scoped(org)
    path = f"/api/v1/campaigns/{campaign_id}/answers/{org}/algorithms/{public_id}"
    return Call("DELETE", path, frozenset({204}))


def api_report_action(world: World, org: str | None) -> Call:
    org = _org(org)
    campaign_id, public_id = world.scoped(org)
    path = f"/api/v1/campaigns/{campaign_id}/answers/{org}/algorithms/{public_id}/actions/uitleg"
    return Call("PUT", path, OK, json={"status": "in_progress", "note": "Tekst in de maak"})


def api_declare(world: World, org: str | None) -> Call:
    org = _org(org)
    campaign_id = world.campaign(asked_by(org), "open")
    return Call(
        "PUT", f"/api/v1/campaigns/{campaign_id}/answers/{org}/declaration", OK, json={"complete": True}
    )


def api_request_support(world: World, org: str | None) -> Call:
    org = _org(org)
    campaign_id = world.campaign(asked_by(org), "open")
    path = f"/api/v1/campaigns/{campaign_id}/answers/{org}/support-requests"
    return Call("POST", path, CREATED, json={"expertise": True, "reason": "Geen jurist"})


CAMPAIGN_PAGES = "/beheer/uitvraag/{campaign_id:int}"


def page_create_campaign(world: World, org: str | None) -> Call:
    body = campaign_body(world)
    data = {name: body[name] for name in ("title", "contact_name", "contact_email", "deadline")}
    data |= {"organisation": _org(org), "organisations": asked_by(_org(org)), "extra_action": "Uitleg"}
    # the form offers only organisations the caller may start a campaign for: another is a wrong choice
    return Call("POST", "/beheer/uitvragen/nieuw", REDIRECT, data=data, refused=frozenset({403, 404, 422}))


def page_open_campaign(world: World, org: str | None) -> Call:
    return Call("POST", f"/beheer/uitvraag/{world.campaign(_org(org))}/openen", REDIRECT)


def page_close_campaign(world: World, org: str | None) -> Call:
    return Call("POST", f"/beheer/uitvraag/{world.campaign(_org(org), 'open')}/sluiten", REDIRECT)


def page_add_targets(world: World, org: str | None) -> Call:
    campaign_id = world.campaign(_org(org))
    extra = world.unique("gm8")
    with transaction(world.factory) as session:
        data = OrganisationIn(code=extra, name=f"Gemeente {extra}", kind=OrganisationKind.GEMEENTE)
        organisations.create_organisation(session, SYSTEM, data)
    return Call(
        "POST", f"/beheer/uitvraag/{campaign_id}/organisaties", REDIRECT, data={"organisations": extra}
    )


def page_decide_support(world: World, org: str | None) -> Call:
    campaign_id, request_id = world.support_request(_org(org))
    data = {"grant": "1", "reason": "Jurist beschikbaar"}
    return Call("POST", f"/beheer/uitvraag/{campaign_id}/steun/{request_id}", REDIRECT, data=data)


def _answer(world: World, org: str | None, suffix: str) -> tuple[str, str]:
    """The path of an answer form of ``org`` in a fresh open campaign asking it; the algorithm in scope."""
    org = _org(org)
    campaign_id, public_id = world.scoped(org)
    return f"/beheer/uitvraag/{campaign_id}/antwoord/{org}{suffix.format(public_id=public_id)}", public_id


def page_add_to_scope(world: World, org: str | None) -> Call:
    org = _org(org)
    campaign_id = world.campaign(asked_by(org), "open")
    data = {"algorithm": world.algorithm(org), "human_rights_risks": "Uitsluiting van groepen"}
    return Call("POST", f"/beheer/uitvraag/{campaign_id}/antwoord/{org}/algoritmen", REDIRECT, data=data)


def page_update_risks(world: World, org: str | None) -> Call:
    path, _ = _answer(world, org, "/algoritme/{public_id}/risicos")
    return Call("POST", path, REDIRECT, data={"human_rights_risks": "Ook privacy"})


def page_remove_from_scope(world: World, org: str | None) -> Call:
    path, _ = _answer(world, org, "/algoritme/{public_id}/verwijderen")
    return Call("POST", path, REDIRECT)


def page_report_action(world: World, org: str | None) -> Call:
    path, _ = _answer(world, org, "/algoritme/{public_id}/actie/uitleg")
    return Call(
        "POST", path, REDIRECT, data={"status": "in_progress", "note": "Tekst in de maak", "link": ""}
    )


def page_request_support(world: World, org: str | None) -> Call:
    org = _org(org)
    campaign_id = world.campaign(asked_by(org), "open")
    data = {"expertise": "1", "budget_euros": "", "reason": "Geen jurist", "algorithm": ""}
    return Call("POST", f"/beheer/uitvraag/{campaign_id}/antwoord/{org}/steun", REDIRECT, data=data)


def page_declare(world: World, org: str | None) -> Call:
    org = _org(org)
    campaign_id = world.campaign(asked_by(org), "open")
    return Call(
        "POST", f"/beheer/uitvraag/{campaign_id}/antwoord/{org}/verklaring", REDIRECT, data={"complete": "1"}
    )


def page_store_profile(world: World, org: str | None) -> Call:
    public_id = world.profiled_algorithm(_org(org))
    data = {"antwoord": [answer for _question, answer in answers(high_risk_path())]}
    return Call("POST", f"/beheer/algoritme/{public_id}/ai-verordening", REDIRECT, data=data)


def page_refresh_tasks(world: World, org: str | None) -> Call:
    public_id = world.profiled_algorithm(_org(org))
    return Call("POST", f"/beheer/algoritme/{public_id}/maatregelen/verversen", REDIRECT, writes=None)


def _task_path(world: World, org: str | None, suffix: str = "") -> str:
    public_id = world.profiled_algorithm(_org(org))
    return f"/beheer/algoritme/{public_id}/maatregelen/{world.fresh_task(public_id)}{suffix}"


def page_update_task(world: World, org: str | None) -> Call:
    data = {"status": "in_progress", "reason": "", "responsible": "", "reviewer": "", "accountable": ""}
    return Call("POST", _task_path(world, org), REDIRECT, data=data)


def page_add_link(world: World, org: str | None) -> Call:
    data = {"url": "https://example.org/verslag", "description": "Verslag van de toets"}
    return Call("POST", _task_path(world, org, "/bewijs/link"), REDIRECT, data=data)


def page_add_file(world: World, org: str | None) -> Call:
    files = {"file": ("verslag.txt", b"Verslag van de toets", "text/plain")}
    data = {"description": "Verslag van de toets"}
    return Call("POST", _task_path(world, org, "/bewijs/bestand"), REDIRECT, data=data, files=files)


DELIVERY = "/aanleverapi/v1_0/organizations"


def delivery_create(world: World, org: str | None) -> Call:
    org = _org(org)
    return Call("POST", f"{DELIVERY}/{org}/algorithms", OK, json=record(world, org))


def delivery_update(world: World, org: str | None) -> Call:
    org = _org(org)
    public_id = world.algorithm(org)
    return Call("PUT", f"{DELIVERY}/{org}/algorithms/{public_id}", OK, json=record(world, org))


def delivery_archive(restore: bool) -> Callable[[World, str | None], Call]:
    def make(world: World, org: str | None) -> Call:
        org = _org(org)
        public_id = world.algorithm(org, "archived" if restore else "concept")
        step = "unarchive_version" if restore else "archive_version"
        return Call(
            "PUT", f"{DELIVERY}/{org}/algorithms/{public_id}/{step}", OK, json={"algorithm_version_id": 1}
        )

    return make


def delivery_retract(world: World, org: str | None) -> Call:
    org = _org(org)
    public_id = world.algorithm(org, "published")
    return Call("DELETE", f"{DELIVERY}/{org}/published-algorithms/{public_id}/retract", OK)


def delivery_release(world: World, org: str | None) -> Call:
    org = _org(org)
    return Call("PUT", f"{DELIVERY}/{org}/algorithms/{world.algorithm(org)}/release", OK)


def page_login(world: World, _: str | None) -> Call:
    data = {"username": "m-login", "password": PASSWORD, "next": "/beheer"}
    return Call("POST", "/inloggen", REDIRECT, data=data)


def page_logout(world: World, _: str | None) -> Call:
    return Call("POST", "/uitloggen", REDIRECT, writes=None)


def page_action(action: Action) -> Callable[[World, str | None], Call]:
    def make(world: World, org: str | None) -> Call:
        public_id = world.algorithm(_org(org), ACTIONS_FROM[action])
        data = {"action": action.value, "lock_version": str(world.lock_version(public_id))}
        return Call("POST", f"/beheer/algoritme/{public_id}/actie", REDIRECT, data=data)

    return make


def page_create_algorithm(world: World, org: str | None) -> Call:
    org = _org(org)
    return Call("POST", f"/beheer/organisatie/{org}/nieuw", REDIRECT, data=form_record(world, org))


def page_edit_algorithm(world: World, org: str | None) -> Call:
    org = _org(org)
    public_id = world.algorithm(org)
    data = form_record(world, org) | {"lock_version": str(world.lock_version(public_id))}
    return Call("POST", f"/beheer/algoritme/{public_id}/bewerken", REDIRECT, data=data)


def page_add_own_measure(world: World, org: str | None) -> Call:
    data = {"code": world.unique("eigen-maatregel-"), "name": "Eigen maatregel", "description": ""}
    return Call("POST", f"/beheer/organisatie/{_org(org)}/eigen-maatregelen", REDIRECT, data=data)


def page_change_own_measure(world: World, org: str | None) -> Call:
    path = f"/beheer/organisatie/{_org(org)}/eigen-maatregelen/{fresh_own_measure(world, _org(org))}"
    data = {"name": world.unique("Gewijzigde maatregel "), "description": ""}
    return Call("POST", path, REDIRECT, data=data)


def page_import(publish: bool) -> Callable[[World, str | None], Call]:
    def make(world: World, org: str | None) -> Call:
        org = _org(org)
        data = {"mode": "all-or-nothing"} | ({"publish": "yes"} if publish else {})
        return Call(
            "POST", f"/beheer/organisatie/{org}/import", OK, data=data, files=records_file(world, org)
        )

    return make


def page_attach_report(world: World, org: str | None) -> Call:
    public_id = world.algorithm(_org(org), "published")
    files = {"document": ("analyse.json", json.dumps(world.document).encode(), "application/json")}
    data = {"title": "Toets per wijk", "period": "2025", "description": ""}
    return Call("POST", f"/beheer/algoritme/{public_id}/biastoetsen", REDIRECT, data=data, files=files)


def page_edit_report(world: World, org: str | None) -> Call:
    public_id, report_id = world.report(_org(org))
    data = {"title": "Nieuwe titel", "period": "2025", "description": ""}
    return Call("POST", f"/beheer/algoritme/{public_id}/biastoets/{report_id}", REDIRECT, data=data)


def page_publish_report(world: World, org: str | None) -> Call:
    public_id, report_id = world.report(_org(org))
    return Call("POST", f"/beheer/algoritme/{public_id}/biastoets/{report_id}/publiceren", REDIRECT)


def page_withdraw_report(world: World, org: str | None) -> Call:
    public_id, report_id = world.report(_org(org), "published")
    return Call("POST", f"/beheer/algoritme/{public_id}/biastoets/{report_id}/intrekken", REDIRECT)


def page_analyse(world: World, _: str | None) -> Call:
    # without data the tool answers with its form and the problem; the analysis itself stores nothing
    return Call("POST", "/beheer/biastoets/analyseren", INVALID, data={"mode": "decisions"})


def page_analyse_for_algorithm(world: World, org: str | None) -> Call:
    public_id = world.algorithm(_org(org), "published")
    return Call(
        "POST", f"/beheer/algoritme/{public_id}/biastoets/analyseren", INVALID, data={"mode": "decisions"}
    )


def page_attach_analysis(world: World, org: str | None) -> Call:
    public_id = world.algorithm(_org(org), "published")
    data = {"document": json.dumps(world.document), "title": "Toets per wijk", "period": "2025"}
    return Call("POST", f"/beheer/algoritme/{public_id}/biastoets/analyseren/toevoegen", REDIRECT, data=data)


def page_download_analysis(world: World, _: str | None) -> Call:
    data = {"document": json.dumps(world.document), "format": "json"}
    return Call("POST", "/beheer/biastoets/document", OK, data=data, writes=False)


def page_create_user(world: World, _: str | None) -> Call:
    data = {"username": world.unique("account"), "display_name": "Nieuw", "password": PASSWORD}
    return Call("POST", "/beheer/gebruikers", REDIRECT, data=data)


def page_grant_role(world: World, org: str | None) -> Call:
    data = {"username": world.outsider(), "organisation": _org(org), "role": "editor"}
    return Call("POST", "/beheer/gebruikers/rollen", REDIRECT, data=data)


def page_revoke_role(world: World, org: str | None) -> Call:
    org = _org(org)
    return Call(
        "POST", f"/beheer/gebruikers/{world.member(org)}/rol-intrekken", REDIRECT, data={"organisation": org}
    )


def page_deactivate(world: World, org: str | None) -> Call:
    return Call(
        "POST", f"/beheer/gebruikers/{world.member(_org(org))}/status", REDIRECT, data={"active": "false"}
    )


def page_reset_password(world: World, org: str | None) -> Call:
    data = {"new_password": "een-ander-lang-wachtwoord", "new_password_repeat": "een-ander-lang-wachtwoord"}
    return Call("POST", f"/beheer/gebruikers/{world.member(_org(org))}/wachtwoord", REDIRECT, data=data)


def page_change_own_password(world: World, _: str | None) -> Call:
    # the current password is wrong, so every signed-in user reaches the check and gets it back (422)
    data = {
        "current_password": "niet-het-wachtwoord",
        "new_password": PASSWORD + "!",
        "new_password_repeat": PASSWORD + "!",
    }
    return Call("POST", "/beheer/account/wachtwoord", INVALID, data=data)


def page_issue_token(world: World, org: str | None) -> Call:
    data = {"name": world.unique("koppeling"), "organisation": _org(org), "role": "viewer"}
    return Call("POST", "/beheer/tokens", OK, data=data)


def page_revoke_token(world: World, org: str | None) -> Call:
    return Call("POST", f"/beheer/tokens/{world.token_of(_org(org))}/intrekken", REDIRECT)


def page_add_source(world: World, _: str | None) -> Call:
    data = {"url": f"https://127.0.0.1:9/{world.unique('register')}/", "kind": "algoreg"}
    return Call("POST", "/beheer/oogst", REDIRECT, data=data)


def page_toggle_source(world: World, _: str | None) -> Call:
    return Call("POST", f"/beheer/oogst/{world.source()}/aan-uit", REDIRECT, data={"enabled": "0"})


def each_action(make: Callable[[Action], Callable[[World, str | None], Call]]) -> tuple[Rule, ...]:
    """A rule per workflow action, with the role the workflow gives it."""
    needs = {Action.SUBMIT: Role.EDITOR}
    return tuple(Rule(needs.get(a, Role.PUBLISHER), make(a), a.value) for a in ACTIONS_FROM)


# --- the matrix ----------------------------------------------------------------------------------------

#: Every write route of the app, and who may use it. A role means: that role or a higher one in the
#: organisation of the target (instance administrators may everything); ANYONE, SIGNED_IN and
#: INSTANCE_ADMIN are not tied to an organisation.
MATRIX: dict[str, tuple[Rule, ...]] = {
    # the JSON API, with API tokens
    "POST /api/v1/organisations": (Rule(INSTANCE_ADMIN, api_create_organisation),),
    "PUT /api/v1/organisations/{code}": (Rule(Role.ADMIN, api_update_organisation),),
    "POST /api/v1/organisations/{code}/algorithms": (Rule(Role.EDITOR, api_create_algorithm),),
    "PUT /api/v1/algorithms/{public_id}/draft": (Rule(Role.EDITOR, api_update_draft),),
    "POST /api/v1/algorithms/{public_id}/actions/{action}": each_action(api_action),
    "POST /api/v1/organisations/{code}/import": (
        Rule(Role.EDITOR, api_import(publish=False), "concept"),
        Rule(Role.PUBLISHER, api_import(publish=True), "publish"),
    ),
    "POST /api/v1/algorithms/{public_id}/bias-reports": (Rule(Role.EDITOR, api_attach_report),),
    "PATCH /api/v1/algorithms/{public_id}/bias-reports/{report_id}": (Rule(Role.EDITOR, api_edit_report),),
    "POST /api/v1/algorithms/{public_id}/bias-reports/{report_id}/publish": (
        Rule(Role.PUBLISHER, api_publish_report),
    ),
    "POST /api/v1/algorithms/{public_id}/bias-reports/{report_id}/withdraw": (
        Rule(Role.PUBLISHER, api_withdraw_report),
    ),
    "POST /api/v1/bias/analyses": (Rule(SIGNED_IN, api_analyse),),
    "POST /api/v1/algorithms/{public_id}/bias-reports/analyses": (Rule(Role.EDITOR, api_analyse_and_attach),),
    "PUT /api/v1/algorithms/{public_id}/ai-act-profile": (Rule(Role.EDITOR, api_put_profile),),
    "POST /api/v1/algorithms/{public_id}/framework-tasks/refresh": (Rule(Role.EDITOR, api_refresh_tasks),),
    "PATCH /api/v1/algorithms/{public_id}/framework-tasks/{task_id}": (Rule(Role.EDITOR, api_change_task),),
    "POST /api/v1/algorithms/{public_id}/framework-tasks/{task_id}/evidence": (
        Rule(Role.EDITOR, api_add_evidence),
    ),
    "POST /api/v1/organisations/{code}/own-measures": (Rule(Role.EDITOR, api_add_own_measure),),
    "PATCH /api/v1/organisations/{code}/own-measures/{measure_id}": (
        Rule(Role.EDITOR, api_change_own_measure),
    ),
    # assessments: signing off and reopening need the publisher role when the instrument names no
    # signing roles (as here); with signing roles, a participant in such a role with the editor role
    f"POST {ASSESSMENTS}": (Rule(Role.EDITOR, api_start_assessment),),
    f"POST {ASSESSMENTS}/{{assessment_id}}/answers": (Rule(Role.EDITOR, api_answer),),
    f"POST {ASSESSMENTS}/{{assessment_id}}/participants": (Rule(Role.EDITOR, api_add_participant),),
    f"DELETE {ASSESSMENTS}/{{assessment_id}}/participants/{{participant_id}}": (
        Rule(Role.EDITOR, api_remove_participant),
    ),
    f"POST {ASSESSMENTS}/{{assessment_id}}/sign-off": (Rule(Role.PUBLISHER, api_sign_off),),
    f"POST {ASSESSMENTS}/{{assessment_id}}/reopen": (Rule(Role.PUBLISHER, api_reopen),),
    "POST /beheer/algoritme/{public_id}/toetsen": (Rule(Role.EDITOR, page_start_assessment),),
    f"POST {PAGE_ASSESSMENT}/deel/{{part_id}}": (Rule(Role.EDITOR, page_answer_part),),
    f"POST {PAGE_ASSESSMENT}/deelnemers": (Rule(Role.EDITOR, page_add_participant),),
    f"POST {PAGE_ASSESSMENT}/deelnemer/{{participant_id:int}}/verwijderen": (
        Rule(Role.EDITOR, page_remove_participant),
    ),
    f"POST {PAGE_ASSESSMENT}/aftekenen": (Rule(Role.PUBLISHER, page_sign_off),),
    f"POST {PAGE_ASSESSMENT}/heropenen": (Rule(Role.PUBLISHER, page_reopen),),
    # request campaigns: the running organisation's publishers prepare and run them, the asked
    # organisation's editors answer (Role.* is the role in that organisation, see the builders)
    "POST /api/v1/organisations/{code}/campaigns": (Rule(Role.PUBLISHER, api_create_campaign),),
    "PUT /api/v1/campaigns/{campaign_id}": (Rule(Role.PUBLISHER, api_update_campaign),),
    "POST /api/v1/campaigns/{campaign_id}/targets": (Rule(Role.PUBLISHER, api_add_targets),),
    "DELETE /api/v1/campaigns/{campaign_id}/targets/{code}": (Rule(Role.PUBLISHER, api_remove_target),),
    "POST /api/v1/campaigns/{campaign_id}/open": (Rule(Role.PUBLISHER, api_open_campaign),),
    "POST /api/v1/campaigns/{campaign_id}/close": (Rule(Role.PUBLISHER, api_close_campaign),),
    "POST /api/v1/campaigns/{campaign_id}/support-requests/{request_id}/decision": (
        Rule(Role.PUBLISHER, api_decide_support),
    ),
    "POST /api/v1/campaigns/{campaign_id}/answers/{code}/algorithms": (Rule(Role.EDITOR, api_add_to_scope),),
    "PATCH /api/v1/campaigns/{campaign_id}/answers/{code}/algorithms/{public_id}": (
        Rule(Role.EDITOR, api_update_risks),
    ),
    "DELETE /api/v1/campaigns/{campaign_id}/answers/{code}/algorithms/{public_id}": (
        Rule(Role.EDITOR, api_remove_from_scope),
    ),
    "PUT /api/v1/campaigns/{campaign_id}/answers/{code}/algorithms/{public_id}/actions/{key}": (
        Rule(Role.EDITOR, api_report_action),
    ),
    "PUT /api/v1/campaigns/{campaign_id}/answers/{code}/declaration": (Rule(Role.EDITOR, api_declare),),
    "POST /api/v1/campaigns/{campaign_id}/answers/{code}/support-requests": (
        Rule(Role.EDITOR, api_request_support),
    ),
    "POST /api/v1/harvest/sources": (Rule(INSTANCE_ADMIN, api_add_source),),
    "PATCH /api/v1/harvest/sources/{source_id}": (Rule(INSTANCE_ADMIN, api_change_source),),
    # the official delivery API, with API tokens
    f"POST {DELIVERY}/{{organisation_id}}/algorithms": (Rule(Role.EDITOR, delivery_create),),
    f"PUT {DELIVERY}/{{organisation_id}}/algorithms/{{algorithm_id}}": (Rule(Role.EDITOR, delivery_update),),
    f"PUT {DELIVERY}/{{organisation_id}}/algorithms/{{algorithm_id}}/archive_version": (
        Rule(Role.PUBLISHER, delivery_archive(restore=False)),
    ),
    f"PUT {DELIVERY}/{{organisation_id}}/algorithms/{{algorithm_id}}/unarchive_version": (
        Rule(Role.PUBLISHER, delivery_archive(restore=True)),
    ),
    f"DELETE {DELIVERY}/{{organisation_id}}/published-algorithms/{{algorithm_id}}/retract": (
        Rule(Role.PUBLISHER, delivery_retract),
    ),
    f"PUT {DELIVERY}/{{organisation_id}}/algorithms/{{algorithm_id}}/release": (
        Rule(Role.EDITOR, delivery_release),
    ),
    # logging in and out
    "POST /inloggen": (Rule(ANYONE, page_login),),
    "POST /uitloggen": (Rule(ANYONE, page_logout),),
    # the management forms, with a browser session
    "POST /beheer/algoritme/{public_id}/actie": each_action(page_action),
    "POST /beheer/organisatie/{organisation_code}/nieuw": (Rule(Role.EDITOR, page_create_algorithm),),
    "POST /beheer/algoritme/{public_id}/bewerken": (Rule(Role.EDITOR, page_edit_algorithm),),
    "POST /beheer/organisatie/{organisation_code}/import": (
        Rule(Role.EDITOR, page_import(publish=False), "concept"),
        Rule(Role.PUBLISHER, page_import(publish=True), "publish"),
    ),
    "POST /beheer/organisatie/{organisation_code}/eigen-maatregelen": (
        Rule(Role.EDITOR, page_add_own_measure),
    ),
    "POST /beheer/organisatie/{organisation_code}/eigen-maatregelen/{measure_id:int}": (
        Rule(Role.EDITOR, page_change_own_measure),
    ),
    "POST /beheer/algoritme/{public_id}/biastoetsen": (Rule(Role.EDITOR, page_attach_report),),
    "POST /beheer/algoritme/{public_id}/biastoets/{report_id:int}": (Rule(Role.EDITOR, page_edit_report),),
    "POST /beheer/algoritme/{public_id}/biastoets/{report_id:int}/publiceren": (
        Rule(Role.PUBLISHER, page_publish_report),
    ),
    "POST /beheer/algoritme/{public_id}/biastoets/{report_id:int}/intrekken": (
        Rule(Role.PUBLISHER, page_withdraw_report),
    ),
    "POST /beheer/biastoets/analyseren": (Rule(SIGNED_IN, page_analyse),),
    "POST /beheer/algoritme/{public_id}/biastoets/analyseren": (
        Rule(Role.EDITOR, page_analyse_for_algorithm),
    ),
    "POST /beheer/algoritme/{public_id}/biastoets/analyseren/toevoegen": (
        Rule(Role.EDITOR, page_attach_analysis),
    ),
    "POST /beheer/biastoets/document": (Rule(SIGNED_IN, page_download_analysis),),
    "POST /beheer/uitvragen/nieuw": (Rule(Role.PUBLISHER, page_create_campaign),),
    f"POST {CAMPAIGN_PAGES}/openen": (Rule(Role.PUBLISHER, page_open_campaign),),
    f"POST {CAMPAIGN_PAGES}/sluiten": (Rule(Role.PUBLISHER, page_close_campaign),),
    f"POST {CAMPAIGN_PAGES}/organisaties": (Rule(Role.PUBLISHER, page_add_targets),),
    f"POST {CAMPAIGN_PAGES}/steun/{{request_id:int}}": (Rule(Role.PUBLISHER, page_decide_support),),
    f"POST {CAMPAIGN_PAGES}/antwoord/{{code}}/algoritmen": (Rule(Role.EDITOR, page_add_to_scope),),
    f"POST {CAMPAIGN_PAGES}/antwoord/{{code}}/algoritme/{{public_id}}/risicos": (
        Rule(Role.EDITOR, page_update_risks),
    ),
    f"POST {CAMPAIGN_PAGES}/antwoord/{{code}}/algoritme/{{public_id}}/verwijderen": (
        Rule(Role.EDITOR, page_remove_from_scope),
    ),
    f"POST {CAMPAIGN_PAGES}/antwoord/{{code}}/algoritme/{{public_id}}/actie/{{key}}": (
        Rule(Role.EDITOR, page_report_action),
    ),
    f"POST {CAMPAIGN_PAGES}/antwoord/{{code}}/steun": (Rule(Role.EDITOR, page_request_support),),
    f"POST {CAMPAIGN_PAGES}/antwoord/{{code}}/verklaring": (Rule(Role.EDITOR, page_declare),),
    "POST /beheer/algoritme/{public_id}/ai-verordening": (Rule(Role.EDITOR, page_store_profile),),
    "POST /beheer/algoritme/{public_id}/maatregelen/verversen": (Rule(Role.EDITOR, page_refresh_tasks),),
    "POST /beheer/algoritme/{public_id}/maatregelen/{task_id:int}": (Rule(Role.EDITOR, page_update_task),),
    "POST /beheer/algoritme/{public_id}/maatregelen/{task_id:int}/bewijs/link": (
        Rule(Role.EDITOR, page_add_link),
    ),
    "POST /beheer/algoritme/{public_id}/maatregelen/{task_id:int}/bewijs/bestand": (
        Rule(Role.EDITOR, page_add_file),
    ),
    "POST /beheer/gebruikers": (Rule(INSTANCE_ADMIN, page_create_user),),
    "POST /beheer/gebruikers/rollen": (Rule(Role.ADMIN, page_grant_role),),
    "POST /beheer/gebruikers/{username}/rol-intrekken": (Rule(Role.ADMIN, page_revoke_role),),
    "POST /beheer/gebruikers/{username}/status": (Rule(Role.ADMIN, page_deactivate),),
    "POST /beheer/gebruikers/{username}/wachtwoord": (Rule(Role.ADMIN, page_reset_password),),
    "POST /beheer/account/wachtwoord": (Rule(SIGNED_IN, page_change_own_password),),
    "POST /beheer/tokens": (Rule(Role.ADMIN, page_issue_token),),
    "POST /beheer/tokens/{token_id}/intrekken": (Rule(Role.ADMIN, page_revoke_token),),
    "POST /beheer/oogst": (Rule(INSTANCE_ADMIN, page_add_source),),
    "POST /beheer/oogst/{source_id}/aan-uit": (Rule(INSTANCE_ADMIN, page_toggle_source),),
}
MATRIX.update(origin_inventory_rules(Rule, Call, OK, CREATED, REDIRECT))
MATRIX.update(own_instrument_rules(Rule, Call, OK, CREATED, REDIRECT))
MATRIX.update(checklist_rules(Rule, Call, OK, REDIRECT))


def write_routes(app: FastAPI) -> set[str]:
    """Every ``"METHOD /path"`` of the app whose method writes."""
    found: set[str] = set()
    for route in iter_route_contexts(app.routes):
        for method in (route.methods or set()) & WRITE_METHODS:
            found.add(f"{method} {route.path}")
    return found


def _cases() -> Iterator[Any]:
    for key, rules in MATRIX.items():
        for index, rule in enumerate(rules):
            for who in Who:
                for scope in rule.scopes:
                    label = f"{key}{f' [{rule.variant}]' if rule.variant else ''} {who.value} {scope.value}"
                    yield pytest.param(key, index, who, scope, id=label)


# --- fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix_engine(migrated_engine: Engine) -> Engine:
    """The test database, emptied once for this module (its calls work on fresh targets)."""
    return emptied(migrated_engine)


@pytest.fixture(scope="module")
def matrix_app(matrix_engine: Engine) -> FastAPI:
    settings = Settings(harvest_allowed_networks="127.0.0.0/8", login_max_attempts=1000)
    return create_app(matrix_engine, settings)


@pytest.fixture(scope="module")
def matrix_client(matrix_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(matrix_app) as client:
        yield client


@pytest.fixture(scope="module")
def world(matrix_engine: Engine, matrix_app: FastAPI) -> World:
    return World(session_factory(matrix_engine), matrix_app.state.secret)


@pytest.fixture(scope="module")
def tables(matrix_engine: Engine) -> list[Table]:
    present = set(inspect(matrix_engine).get_table_names())
    return [t for t in Base.metadata.sorted_tables if t.name in present]


def _snapshot_query(engine: Engine, table: Table) -> str:
    """SQL for ``table``'s name, row count and rows as one text (for a table only appended to: its newest id).

    The database builds the text, sorted, so that a snapshot stays fast as the tables grow. Large
    documents stand for themselves by their length: they are records, analysis documents and search
    text, kept beside columns that change with them (a digest, a state, a time, a new row).
    """
    quote = engine.dialect.identifier_preparer.quote
    name = quote(table.name)
    label = f"'{table.name}'"
    if table.name in APPEND_ONLY:
        (key,) = table.primary_key.columns
        return f"SELECT {label}, count(*), CAST(max({quote(key.name)}) AS TEXT) FROM {name}"
    values = [
        f"length(CAST({quote(c.name)} AS TEXT))" if c.name in LARGE_DOCUMENTS else quote(c.name)
        for c in table.columns
    ]
    if engine.dialect.name == "postgresql":
        row = f"CAST(ROW({', '.join(values)}) AS TEXT)"
        # the sum of the rows' hashes: independent of row order, so nothing needs sorting
        digest = "CAST(sum(CAST(CAST('x' || substr(md5(r), 1, 15) AS bit(60)) AS bigint)) AS TEXT)"
        return f"SELECT {label}, count(*), {digest} FROM (SELECT {row} AS r FROM {name}) AS s"
    row = " || ',' || ".join(f"quote({value})" for value in values)
    return (
        f"SELECT {label}, count(*), group_concat(r, char(10)) FROM (SELECT {row} AS r FROM {name} ORDER BY 1)"
    )


def snapshot(engine: Engine, tables: list[Table]) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its rows, read in one query (see :func:`_snapshot_query`)."""
    query = " UNION ALL ".join(
        f"SELECT * FROM ({_snapshot_query(engine, table)}) AS t{i}" for i, table in enumerate(tables)
    )
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(query).all()
    return {name: (count, hashlib.sha256((text or "").encode()).hexdigest()) for name, count, text in rows}


def changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    """The tables whose rows differ, with their counts."""
    differences = []
    for name, (count, digest) in before.items():
        if (count, digest) != after[name]:
            same_count = count == after[name][0]
            differences.append(f"{name}: {count} → {after[name][0]} rows{' (contents changed)' * same_count}")
    return differences


def is_api(path: str) -> bool:
    return path.startswith(("/api/", "/aanleverapi/"))


def send(client: TestClient, world: World, who: Who, call: Call) -> Callable[[], Response]:
    """Prepare the caller's credentials (an API token, or a session and a CSRF token) and return the send."""
    client.cookies.clear()
    headers = dict(call.headers)
    data = dict(call.data or {})
    if is_api(call.path):
        if who is not Who.ANONYMOUS:
            headers.update(world.tokens[who])
    else:
        csrf = new_csrf(world.secret)
        client.cookies.set(CSRF_COOKIE, csrf)
        data["csrf_token"] = csrf
        if who is not Who.ANONYMOUS:
            client.cookies.set(SESSION_COOKIE, world.session_for(who))

    def go() -> Response:
        response: Response = client.request(
            call.method,
            call.path,
            json=call.json,
            data=data or None,
            files=call.files,
            params=call.params,
            headers=headers,
            follow_redirects=False,
        )
        return response

    return go


def route_pattern(key: str) -> tuple[str, re.Pattern[str]]:
    method, path = key.split(" ", 1)
    return method, re.compile(re.sub(r"\{[^}]+\}", "[^/]+", path))


# --- the tests ---------------------------------------------------------------------------------------------


def test_every_write_route_is_in_the_matrix(matrix_app: FastAPI) -> None:
    routes = write_routes(matrix_app)
    assert len(routes) >= 40, "the routes were found"
    unclassified = sorted(routes - MATRIX.keys())
    assert not unclassified, (
        "These write routes have no rule in MATRIX (tests/web/test_authorisation_matrix.py); "
        "add who may use them and how to call them: " + ", ".join(unclassified)
    )
    gone = sorted(MATRIX.keys() - routes)
    assert not gone, "MATRIX has rules for routes the app no longer has: " + ", ".join(gone)


@pytest.mark.parametrize(("key", "index", "who", "scope"), list(_cases()))
def test_a_write_is_allowed_exactly_to_whom_the_matrix_says(
    matrix_client: TestClient,
    world: World,
    matrix_engine: Engine,
    tables: list[Table],
    key: str,
    index: int,
    who: Who,
    scope: Scope,
) -> None:
    rule = MATRIX[key][index]
    # given a fresh target in the organisation of the case, and the caller's credentials
    call = rule.make(world, {Scope.OWN: OWN, Scope.OTHER: OTHER, Scope.INSTANCE: None}[scope])
    method, pattern = route_pattern(key)
    assert call.method == method and pattern.fullmatch(call.path), f"{call.method} {call.path} is not {key}"
    go = send(matrix_client, world, who, call)
    before = snapshot(matrix_engine, tables)
    # when the caller makes the call
    response = go()
    after = snapshot(matrix_engine, tables)
    # then it is allowed or refused as the matrix says
    if may(rule.needs, who, scope):
        assert response.status_code in call.ok, (
            f"allowed, but got {response.status_code}: {response.text[:800]}"
        )
        if response.status_code == 422 or call.writes is False:
            assert changed(before, after) == [], "an answer without a change changed the database"
        elif call.writes:
            assert changed(before, after), "the allowed call changed nothing"
        return
    if is_api(call.path):
        expected = {401} if who is Who.ANONYMOUS else call.refused
        assert response.status_code in expected, (
            f"refused expected, got {response.status_code}: {response.text[:800]}"
        )
    elif who is Who.ANONYMOUS:
        assert response.status_code == 303, f"login redirect expected, got {response.status_code}"
        assert response.headers["location"].startswith("/inloggen?next=")
    else:
        assert response.status_code in call.refused, (
            f"refused expected, got {response.status_code}: {response.text[:800]}"
        )
    # and a refused call changes nothing at all
    assert changed(before, after) == []
