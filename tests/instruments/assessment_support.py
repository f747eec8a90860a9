"""What the assessment tests share: a short instrument of our own, organisations, people, an algorithm."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.instruments.assessments import library
from algoreg.register import accounts, algorithms
from algoreg.register.roles import SYSTEM, Principal, Role
from algoreg.register.workflow import Action
from tests.samples import sample_record

Factory = sessionmaker[Session]
PUBLISH = (Action.SUBMIT, Action.APPROVE, Action.PUBLISH)
REGISTER_TITLE = "Toets op mensenrechten (test)"
SIGNER_ROLE = "Gemandateerd verantwoordelijke"

#: A short instrument written for these tests: a branch, a stop, a repeatable group, a statement.
DEFINITION: dict[str, Any] = {
    "format_version": 1,
    "id": "test-impact",
    "version": "1.0",
    "title": "Testtoets",
    "parts": [
        {
            "id": "basics",
            "title": "Basis",
            "number": "1",
            "roles": ["Projectleider", "Jurist"],
            "items": [
                {"type": "text", "id": "purpose", "number": "1.1", "text": "Waarvoor dient het?"},
                {
                    "type": "single_choice",
                    "id": "learning",
                    "number": "1.2",
                    "text": "Leert het van data?",
                    "options": [{"value": True, "label": "Ja"}, {"value": False, "label": "Nee"}],
                },
                {
                    "type": "text",
                    "id": "training",
                    "number": "1.3",
                    "text": "Met welke data is het getraind?",
                    "multiline": True,
                    "visible_when": {"question": "learning", "equals": True},
                },
                {
                    "type": "single_choice",
                    "id": "prohibited",
                    "number": "1.4",
                    "text": "Is het een verboden praktijk?",
                    "options": [{"value": True, "label": "Ja"}, {"value": False, "label": "Nee"}],
                },
                {
                    "type": "stop",
                    "id": "prohibited_stop",
                    "when": {"question": "prohibited", "equals": True},
                    "reason": "Een verboden praktijk mag niet worden gebruikt.",
                },
                {
                    "type": "number",
                    "id": "per_year",
                    "number": "1.5",
                    "text": "Hoeveel besluiten per jaar?",
                    "integer": True,
                    "minimum": 0,
                    "required": False,
                },
            ],
        },
        {
            "id": "closing",
            "title": "Afsluiting",
            "number": "2",
            "items": [
                {
                    "type": "group",
                    "id": "actions",
                    "title": "Actiepunten",
                    "repeatable": True,
                    "action_points": True,
                    "items": [{"type": "text", "id": "action", "text": "Wat moet er gebeuren?"}],
                },
                {"type": "notice", "id": "closing_notice", "text": "Lees dit voor u tekent."},
                {
                    "type": "statement",
                    "id": "signature",
                    "number": "2.1",
                    "text": "Ik verklaar dit naar waarheid te hebben ingevuld.",
                    "roles": [SIGNER_ROLE],
                },
            ],
        },
    ],
}

COMPLETE = {
    "purpose": "Aanvragen sneller beoordelen",
    "learning": False,
    "prohibited": False,
    "actions": [{"action": "Uitleg op de website zetten"}],
    "signature": {"signed_by": "Jan Jansen", "signed_on": "2026-11-29", "role": SIGNER_ROLE},
}


@dataclass(frozen=True)
class People:
    """Principals of the two organisations, by what they may do."""

    eva: Principal  # editor of gm0001, takes part as Projectleider
    jan: Principal  # publisher of gm0001, takes part as the signer
    piet: Principal  # viewer of gm0001
    admin: Principal  # admin of gm0001
    other: Principal  # editor of gm0002


def write_definition(tmp_path: Path, data: dict[str, Any] | None = None, name: str = "toets.yaml") -> Path:
    """The definition written as a YAML file."""
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data or DEFINITION, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def make_people(factory: Factory, make_organisation: Callable[..., str]) -> People:
    """Two organisations and five users with their roles."""
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    grants = {
        "eva": ("gm0001", Role.EDITOR),
        "jan": ("gm0001", Role.PUBLISHER),
        "piet": ("gm0001", Role.VIEWER),
        "anna": ("gm0001", Role.ADMIN),
        "olga": ("gm0002", Role.EDITOR),
    }
    principals: dict[str, Principal] = {}
    with transaction(factory) as session:
        for name, (code, role) in grants.items():
            accounts.create_user(session, SYSTEM, name, name.title(), None)
            accounts.grant_role(session, SYSTEM, name, code, role)
        session.flush()
        for name in grants:
            user = accounts.find_user(session, name)
            session.refresh(user)
            principals[name] = accounts.principal_of_user(user)
    return People(
        eva=principals["eva"],
        jan=principals["jan"],
        piet=principals["piet"],
        admin=principals["anna"],
        other=principals["olga"],
    )


def make_algorithm(factory: Factory, organisation: str = "gm0001", publish: bool = True) -> str:
    """A registered algorithm (published unless asked not to); its public id."""
    name = {"gm0001": "Gemeente Een", "gm0002": "Gemeente Twee"}[organisation]
    with transaction(factory) as session:
        public_id = algorithms.create_algorithm(
            session, SYSTEM, organisation, sample_record(organization=name)
        ).public_id
        if publish:
            algorithms.perform_steps(session, SYSTEM, public_id, PUBLISH)
    return public_id


def store_test_instrument(
    factory: Factory,
    organisation: str | None = "gm0001",
    register_title: str | None = REGISTER_TITLE,
    signing_roles: list[str] | None = None,
) -> int:
    """The test instrument stored for ``organisation`` (None: for all); its id."""
    instrument, _format, _notes = library.read_instrument(DEFINITION, source="test")
    with transaction(factory) as session:
        return library.store_instrument(
            session,
            SYSTEM,
            instrument,
            source_format="algoreg",
            source_name="toets.yaml",
            organisation_code=organisation,
            register_title=register_title,
            signing_roles=signing_roles,
        ).id


@pytest.fixture
def people(factory: Factory, make_organisation: Callable[..., str]) -> People:
    """Two organisations and their people (see :class:`People`)."""
    return make_people(factory, make_organisation)
