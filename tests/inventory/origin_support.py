"""What the origin-inventory tests share: an organisation with an algorithm, principals per role, a use."""

from collections.abc import Callable
from datetime import date

import polars as pl
from sqlalchemy.orm import Session, sessionmaker

from algoreg.bias.origin import scan_frame
from algoreg.db.session import transaction
from algoreg.inventory import origin_uses
from algoreg.inventory.origin_uses import DeterminationIn, UseIn, UseView
from algoreg.register import algorithms
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import SYSTEM, Principal, Role
from tests.samples import sample_record

Factory = sessionmaker[Session]


def organisation_with_algorithm(factory: Factory, make_organisation: Callable[..., str]) -> str:
    """gm0001 with one algorithm (its public id is returned) and gm0002 with none."""
    make_organisation("gm0001", "Gemeente Een")
    make_organisation("gm0002", "Gemeente Twee")
    with transaction(factory) as session:
        record = sample_record(organization="Gemeente Een", name="Risicomodel bijstand")
        return algorithms.create_algorithm(session, SYSTEM, "gm0001", record).public_id


def principal(factory: Factory, role: Role, code: str = "gm0001") -> Principal:
    """A principal with one role in one organisation (no user account needed by the domain)."""
    with transaction(factory) as session:
        organisation_id = get_organisation(session, code).id
    return Principal(name=f"{role.value}@{code}", roles={organisation_id: role})


def manual_use(
    factory: Factory, algorithm: str | None = None, column: str = "nationaliteit", **fields: str
) -> UseView:
    """A confirmed use recorded by an admin of gm0001."""
    given = UseIn(
        data_kind=fields.pop("data_kind", "nationality"),
        purpose=fields.pop("purpose", "Risicoscore bij aanvragen"),
        legal_basis=fields.pop("legal_basis", "Participatiewet art. 17"),
        algorithm=algorithm,
        system_name=fields.pop("system_name", "" if algorithm else "Excel-lijst handhaving"),
        column_name=column,
        **fields,
    )
    with transaction(factory) as session:
        return origin_uses.create_use(session, SYSTEM, "gm0001", given)


def determined(factory: Factory, use_id: int, outcome: str = "unlawful") -> UseView:
    """The use after a determination by the system principal."""
    given = DeterminationIn(
        outcome, "Geen grondslag voor dit onderscheid.", "Functionaris gegevensbescherming", date(2026, 1, 15)
    )
    with transaction(factory) as session:
        return origin_uses.determine_use(session, SYSTEM, use_id, given)


def proposed_use(factory: Factory, system_name: str = "Aanvragenbestand") -> UseView:
    """A use of gm0001 proposed by the origin scan of a small data set with a nationality column."""
    frame = pl.DataFrame({"nationaliteit": ["Nederlandse", "Marokkaanse"], "bedrag": [10, 20]})
    with transaction(factory) as session:
        outcome = origin_uses.propose_from_scan(
            session,
            SYSTEM,
            "gm0001",
            scan_frame(frame),
            dataset_name="aanvragen.csv",
            system_name=system_name,
        )
    return outcome.created[0]
