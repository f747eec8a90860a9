"""Shared setup of the framework-task tests: the official definitions imported, organisations,
people and algorithms, and paths of the official decision tree picked by what they conclude."""

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.instruments.decision_tree.analysis import Path, explore
from algoreg.instruments.decision_tree.model import DecisionTree, parse_decision_tree
from algoreg.instruments.decision_tree.profile import (
    AIActProfile,
    profile_from_labels,
    propose_publication_category,
)
from algoreg.instruments.framework import definitions
from algoreg.instruments.framework.audit import AuditItem, load_audit_items
from algoreg.instruments.framework.load import load_framework
from algoreg.instruments.framework.model import Framework
from algoreg.register import accounts, algorithms
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import SYSTEM, Principal, Role
from algoreg.register.workflow import Action
from algoreg.standard.enums import PublicationCategory
from tests.conftest import reference_file
from tests.samples import sample_record

Factory = sessionmaker[Session]
ORGANISATIONS = {"gm0001": "Gemeente Een", "gm0002": "Gemeente Twee"}


@cache
def official_framework() -> Framework:
    """The Algoritmekader's requirements and measures from the reference task registry."""
    return load_framework(reference_file("task-registry"))


@cache
def official_tree_data() -> Any:
    """The official decision tree as its YAML file parses."""
    return yaml.safe_load(
        reference_file("ai-verordening-beslishulp", "decision-tree.yaml").read_text("utf-8")
    )


@cache
def official_tree() -> DecisionTree:
    return parse_decision_tree(official_tree_data(), "decision-tree.yaml")


@cache
def official_paths() -> tuple[Path, ...]:
    """Every path of the official tree, shortest first."""
    return tuple(sorted(explore(official_tree()).paths, key=lambda path: (len(path.moves), path.moves)))


@cache
def audit_items() -> tuple[AuditItem, ...]:
    return load_audit_items(reference_file("algoritmekader", "script", "maatregelen-adr-ark.csv"))


def profile_of(path: Path) -> AIActProfile:
    return profile_from_labels(path.labels, path.conclusion_id)


def shortest_path(predicate: Callable[[AIActProfile], bool]) -> Path:
    """The shortest path of the official tree whose outcome satisfies ``predicate``."""
    return next(path for path in official_paths() if predicate(profile_of(path)))


def high_risk_path() -> Path:
    return shortest_path(lambda profile: profile.is_high_risk)


def provider_high_risk_path() -> Path:
    """A high-risk path on which the organisation is the provider (more requirements apply then)."""
    return shortest_path(lambda profile: profile.is_high_risk and "aanbieder" in profile.role)


def impactful_path() -> Path:
    """A path the AI Act applies to, not high-risk, whose outcome proposes "Impactvolle algoritmes"."""
    return shortest_path(
        lambda p: (
            bool(p.ai_act_applies)
            and not p.is_high_risk
            and propose_publication_category(p).category is PublicationCategory.IMPACTFUL
        )
    )


def other_path() -> Path:
    """A path the AI Act applies to whose outcome proposes "Overige algoritmes"."""
    return shortest_path(
        lambda p: (
            bool(p.ai_act_applies) and propose_publication_category(p).category is PublicationCategory.OTHER
        )
    )


def outside_act_path() -> Path:
    """The shortest path ending in a conclusion that says the AI Act does not apply."""
    return shortest_path(lambda p: p.ai_act_applies is False)


def answers(path: Path) -> list[tuple[str, str]]:
    return [(question, answer) for question, answer in path.moves]


def import_official(factory: Factory, *, tree: bool = True, framework: bool = True) -> None:
    """Import the official task registry and decision tree as the register's administrator."""
    with transaction(factory) as session:
        if framework:
            definitions.import_task_registry(session, SYSTEM, official_framework(), version="940ae02")
        if tree:
            definitions.import_decision_tree(session, SYSTEM, official_tree_data(), "decision-tree.yaml")


def make_orgs(make_organisation: Callable[..., str]) -> None:
    for code, name in ORGANISATIONS.items():
        make_organisation(code, name)


def principal(factory: Factory, name: str, roles: dict[str, Role]) -> Principal:
    with transaction(factory) as session:
        ids = {get_organisation(session, code).id: role for code, role in roles.items()}
    return Principal(name=name, roles=ids)


def make_user(factory: Factory, username: str, roles: dict[str, Role]) -> int:
    """Create a user account with roles in organisations; return its id."""
    with transaction(factory) as session:
        user = accounts.create_user(session, SYSTEM, username, username.title(), None)
        for code, role in roles.items():
            accounts.grant_role(session, SYSTEM, username, code, role)
        return user.id


def make_algorithm(
    factory: Factory,
    organisation: str = "gm0001",
    category: str = "Impactvolle algoritmes",
    publish: bool = False,
) -> str:
    with transaction(factory) as session:
        record = sample_record(organization=ORGANISATIONS[organisation], publication_category=category)
        public_id = algorithms.create_algorithm(session, SYSTEM, organisation, record).public_id
        if publish:
            algorithms.perform_steps(
                session, SYSTEM, public_id, (Action.SUBMIT, Action.APPROVE, Action.PUBLISH)
            )
    return public_id


@pytest.fixture
def editor(factory: Factory, make_organisation: Callable[..., str]) -> Principal:
    """An editor of gm0001 (gm0002 exists as well)."""
    make_orgs(make_organisation)
    return principal(factory, "eva", {"gm0001": Role.EDITOR})
