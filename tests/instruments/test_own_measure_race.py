"""Two people adding the same own measure at the same moment: one is stored, the other is told."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import Organisation, OwnMeasure
from algoreg.db.session import transaction
from algoreg.errors import Conflict
from algoreg.instruments.framework.own_measures import OwnMeasureIn, add_own_measure
from algoreg.register.roles import SYSTEM


def test_a_code_taken_between_the_check_and_the_write_is_a_conflict_and_nothing_is_stored(
    engine: Engine, factory: sessionmaker[Session], make_organisation: object
) -> None:
    make_organisation("gm0001")  # type: ignore[operator]
    with transaction(factory) as session:
        organisation_id = session.scalar(select(Organisation.id).where(Organisation.code == "gm0001"))

    def the_other_person_is_first(session: Session, *_: object) -> None:
        # someone else's request stores the same code after this one checked it and before it writes
        with engine.begin() as connection:
            connection.execute(
                insert(OwnMeasure).values(
                    organisation_id=organisation_id,
                    code="eigen-toets",
                    name="Van de ander",
                    description="",
                    phases=[],
                    created_at=datetime.now(UTC),
                    created_by="ander",
                )
            )

    def add_mine() -> None:
        given = OwnMeasureIn(code="eigen-toets", name="Van mij", description="", phases=())
        with transaction(factory) as session:
            event.listen(session, "before_flush", the_other_person_is_first, once=True)
            add_own_measure(session, SYSTEM, "gm0001", given)

    with pytest.raises(Conflict, match="added at the same moment"):
        add_mine()

    with transaction(factory) as session:
        names = list(session.scalars(select(OwnMeasure.name)))
        events = session.scalar(select(func.count()).select_from(OwnMeasure))
    assert names == ["Van de ander"] and events == 1
