"""The inventory of origin-data uses on a real database: recording, access by role, determination with
history, listing with filters and totals, and proposals from the bias tool's origin scan."""

from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select

from algoreg.bias.origin import scan_frame
from algoreg.db.models import AuditEvent, OriginDataUse
from algoreg.db.session import transaction
from algoreg.errors import Conflict, Forbidden, InvalidInput, NotFound
from algoreg.inventory import origin_uses
from algoreg.inventory.origin_common import DataKind, Determination
from algoreg.inventory.origin_scan import proposals_from_scan
from algoreg.inventory.origin_uses import DeterminationIn, UseFilter, UseIn, UseSource, UseStatus
from algoreg.register.roles import SYSTEM, Principal, Role
from tests.inventory.origin_support import (
    Factory,
    determined,
    manual_use,
    organisation_with_algorithm,
    principal,
)


@pytest.fixture
def algorithm(factory: Factory, make_organisation: Callable[..., str]) -> str:
    return organisation_with_algorithm(factory, make_organisation)


def applicants() -> pl.DataFrame:
    """A data set of a risk model: one nationality column by name, one country column by content only."""
    return pl.DataFrame(
        {
            "klantnummer": [f"K{i:04d}" for i in range(40)],
            "Nationaliteit": ["Nederlandse", "Marokkaanse", "Turkse", "Poolse"] * 10,
            "land_code_x": ["Nederland", "Marokko", "Turkije", "Suriname"] * 10,
            "GeboortelandMoeder": ["Nederland", "Turkije"] * 20,
            "inkomen": list(range(40)),
        }
    )


# --- recording and access ---------------------------------------------------------------------------


def test_an_editor_records_a_use_and_every_write_is_in_the_history_and_audit_log(
    factory: Factory, algorithm: str
) -> None:
    # given an editor of gm0001
    editor = principal(factory, Role.EDITOR)
    # when they record a use in the algorithm
    with transaction(factory) as session:
        view = origin_uses.create_use(
            session,
            editor,
            "gm0001",
            UseIn(
                data_kind="inferred_origin",
                data_detail="afgeleid uit achternaam",
                algorithm=algorithm,
                purpose="Selectie voor huisbezoek",
                legal_basis="Geen",
                column_name="achternaam",
            ),
        )
    # then it is confirmed, manual, linked to the algorithm with its name
    assert view.status is UseStatus.CONFIRMED and view.source is UseSource.MANUAL
    assert view.data_kind is DataKind.INFERRED_ORIGIN and view.algorithm_public_id == algorithm
    assert view.system == "Risicomodel bijstand" and view.determination is None and view.remediation is None
    # and a change is recorded field by field
    with transaction(factory) as session:
        changed = origin_uses.update_use(
            session, editor, view.id, UseIn(**{**_fields(view), "purpose": "Selectie voor controle"})
        )
        history = origin_uses.use_history(session, editor, view.id)
        audit = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("origin_use.%"))
                .order_by(AuditEvent.id)
            )
        )
    assert changed.purpose == "Selectie voor controle"
    assert [event.action for event in history] == ["create", "update"]
    assert history[1].changes == {"purpose": ["Selectie voor huisbezoek", "Selectie voor controle"]}
    assert history[0].actor == "editor@gm0001"
    assert audit == ["origin_use.create", "origin_use.update"]


def _fields(view: origin_uses.UseView) -> dict[str, Any]:
    return {
        "data_kind": view.data_kind.value,
        "data_detail": view.data_detail,
        "algorithm": view.algorithm_public_id,
        "system_name": view.system_name,
        "purpose": view.purpose,
        "legal_basis": view.legal_basis,
        "dataset_name": view.dataset_name,
        "column_name": view.column_name,
    }


def test_bad_input_names_every_field_and_stores_nothing(factory: Factory, algorithm: str) -> None:
    with transaction(factory) as session:
        other = origin_uses.create_use(
            session, SYSTEM, "gm0002", UseIn(data_kind="nationality", purpose="x", system_name="Systeem twee")
        )
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        origin_uses.create_use(
            session,
            SYSTEM,
            "gm0001",
            UseIn(data_kind="religion", purpose=" ", algorithm="bestaat-niet", column_name="x" * 201),
        )
    fields = {problem.field for problem in refused.value.problems}
    assert fields == {"data_kind", "purpose", "algorithm", "column_name"}
    # "other" needs a description; neither algorithm nor system is refused
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        origin_uses.create_use(session, SYSTEM, "gm0001", UseIn(data_kind="other", purpose="Doel"))
    assert {problem.field for problem in refused.value.problems} == {"data_detail", "system_name"}
    # an algorithm of another organisation is not this organisation's
    with pytest.raises(InvalidInput, match="not stored") as refused, transaction(factory) as session:
        origin_uses.create_use(
            session, SYSTEM, "gm0002", UseIn(data_kind="nationality", purpose="Doel", algorithm=algorithm)
        )
    assert refused.value.problems[0].field == "algorithm"
    with transaction(factory) as session:
        assert [use.id for use in session.scalars(select(OriginDataUse))] == [other.id]


def test_one_column_of_one_system_is_inventoried_once(factory: Factory, algorithm: str) -> None:
    first = manual_use(factory, algorithm=algorithm, column="Nationaliteit")
    # the same column (case and spaces ignored) of the same algorithm is refused
    with pytest.raises(Conflict, match=f"use {first.id}"), transaction(factory) as session:
        origin_uses.create_use(
            session,
            SYSTEM,
            "gm0001",
            UseIn(
                data_kind="nationality",
                purpose="Ander doel",
                algorithm=algorithm,
                column_name=" nationaliteit ",
            ),
        )
    # the same column of another system is another use
    second = manual_use(factory, column="Nationaliteit")
    assert second.id != first.id


def test_viewers_and_other_organisations_see_nothing_and_editors_may_not_determine(
    factory: Factory, algorithm: str
) -> None:
    use = manual_use(factory, algorithm=algorithm)
    viewer = principal(factory, Role.VIEWER)
    stranger = principal(factory, Role.ADMIN, "gm0002")
    editor = principal(factory, Role.EDITOR)
    with transaction(factory) as session:
        for nobody in (viewer, stranger, None):
            with pytest.raises(NotFound):
                origin_uses.get_use(session, nobody, use.id)
            with pytest.raises(NotFound):
                origin_uses.use_history(session, nobody, use.id)
        # a viewer cannot record either, and is not told the organisation's inventory exists
        with pytest.raises(NotFound):
            origin_uses.create_use(
                session, viewer, "gm0001", UseIn(data_kind="nationality", purpose="x", system_name="y")
            )
        assert origin_uses.list_uses(session, viewer).items == []
        assert origin_uses.list_uses(session, stranger).items == []
        with pytest.raises(NotFound):
            origin_uses.list_uses(session, stranger, UseFilter(organisation_code="gm0001"))
        # an editor reads, but may not determine
        assert origin_uses.get_use(session, editor, use.id).id == use.id
        with pytest.raises(Forbidden, match="publisher"):
            origin_uses.determine_use(
                session,
                editor,
                use.id,
                DeterminationIn("lawful", "Grondslag in wet.", "De editor", date(2026, 1, 1)),
            )
    # a superuser reads every organisation's inventory
    superuser = Principal(name="root", is_superuser=True)
    with transaction(factory) as session:
        assert [item.id for item in origin_uses.list_uses(session, superuser).items] == [use.id]


# --- determination ----------------------------------------------------------------------------------


def test_a_publisher_determines_and_a_redetermination_keeps_the_history(
    factory: Factory, algorithm: str
) -> None:
    use = manual_use(factory, algorithm=algorithm)
    publisher = principal(factory, Role.PUBLISHER)
    with transaction(factory) as session:
        first = origin_uses.determine_use(
            session,
            publisher,
            use.id,
            DeterminationIn("lawful", "Wettelijke taak.", "Jurist A", date(2026, 1, 10)),
        )
    assert first.determination is not None and first.determination.outcome is Determination.LAWFUL
    assert first.remediation is None  # a lawful use is not remedied
    with transaction(factory) as session:
        second = origin_uses.determine_use(
            session,
            publisher,
            use.id,
            DeterminationIn("improper", "Gebruikt voor een ander doel.", "Jurist B", date(2026, 2, 1)),
        )
        history = origin_uses.use_history(session, publisher, use.id)
    assert [item.outcome for item in second.determinations] == [Determination.IMPROPER, Determination.LAWFUL]
    assert (
        second.determinations[1].decided_by == "Jurist A"
        and second.determinations[0].recorded_by == "publisher@gm0001"
    )
    # an improper use is remedied: its case opened with three steps to do
    assert second.remediation is not None and [step.step.value for step in second.remediation.steps] == [
        "use_ended",
        "people_informed",
        "data_cleaned",
    ]
    assert [event.action for event in history] == ["create", "determine", "determine", "case_opened"]
    assert history[2].changes["determination"] == ["lawful", "improper"]


def test_a_determination_needs_reasoning_a_decider_and_a_day_not_in_the_future(
    factory: Factory, algorithm: str
) -> None:
    use = manual_use(factory, algorithm=algorithm)
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        origin_uses.determine_use(
            session,
            SYSTEM,
            use.id,
            DeterminationIn("forbidden", " ", "", date(2026, 5, 1)),
            today=date(2026, 4, 1),
        )
    assert {problem.field for problem in refused.value.problems} == {
        "outcome",
        "reasoning",
        "decided_by",
        "decided_on",
    }


# --- listing ----------------------------------------------------------------------------------------


def test_the_list_filters_on_determination_and_remediation_with_totals(
    factory: Factory, algorithm: str
) -> None:
    lawful = manual_use(factory, algorithm=algorithm, column="nationaliteit")
    unlawful = manual_use(factory, algorithm=algorithm, column="geboorteland")
    open_ = manual_use(factory, column="migratieachtergrond")
    determined(factory, lawful.id, "lawful")
    determined(factory, unlawful.id, "unlawful")
    editor = principal(factory, Role.EDITOR)
    with transaction(factory) as session:
        everything = origin_uses.list_uses(session, editor)
        only_unlawful = origin_uses.list_uses(session, editor, UseFilter(determination="unlawful"))
        undetermined = origin_uses.list_uses(session, editor, UseFilter(determination="none"))
        in_remediation = origin_uses.list_uses(session, editor, UseFilter(remediation="open"))
        with pytest.raises(InvalidInput) as refused:
            origin_uses.list_uses(session, editor, UseFilter(determination="maybe", remediation="half"))
    assert [item.id for item in everything.items] == [open_.id, unlawful.id, lawful.id]
    assert [item.id for item in only_unlawful.items] == [unlawful.id]
    assert [item.id for item in undetermined.items] == [open_.id]
    assert [item.id for item in in_remediation.items] == [unlawful.id]
    assert everything.totals.total == 3
    assert everything.totals.by_determination == {"lawful": 1, "unlawful": 1, "none": 1}
    assert everything.totals.by_remediation == {"none": 2, "open": 1}
    assert {problem.field for problem in refused.value.problems} == {"determination", "remediation"}


# --- proposals from the origin scan ----------------------------------------------------------------


def test_the_scan_maps_flagged_columns_to_kinds() -> None:
    proposals = {item.column: item for item in proposals_from_scan(scan_frame(applicants()))}
    assert set(proposals) == {"Nationaliteit", "land_code_x", "GeboortelandMoeder"}
    assert proposals["Nationaliteit"].kind is DataKind.NATIONALITY
    assert proposals["GeboortelandMoeder"].kind is DataKind.PARENTS_COUNTRY_OF_BIRTH
    # a column of countries, found by content only, cannot say which origin data it is
    assert (
        proposals["land_code_x"].kind is DataKind.OTHER and "country name" in proposals["land_code_x"].detail
    )
    assert any("nationalit" in reason for reason in proposals["Nationaliteit"].reasons)


def test_a_scan_of_a_data_set_with_a_nationality_column_proposes_uses_once(
    factory: Factory, algorithm: str
) -> None:
    editor = principal(factory, Role.EDITOR)
    scan = scan_frame(applicants())
    # when the scan proposes uses for the algorithm
    with transaction(factory) as session:
        outcome = origin_uses.propose_from_scan(
            session, editor, "gm0001", scan, dataset_name="aanvragen.csv", algorithm=algorithm
        )
    proposed = {view.column_name: view for view in outcome.created}
    assert set(proposed) == {"Nationaliteit", "land_code_x", "GeboortelandMoeder"}
    nationality = proposed["Nationaliteit"]
    assert nationality.status is UseStatus.PROPOSED and nationality.source is UseSource.SCAN
    assert nationality.data_kind is DataKind.NATIONALITY and nationality.dataset_name == "aanvragen.csv"
    assert nationality.algorithm_public_id == algorithm and nationality.scan_reasons
    assert outcome.columns_checked == 5 and outcome.skipped == []
    # a proposal is not determined before a person confirms it, and confirming needs a purpose
    with pytest.raises(Conflict, match="Confirm it first"), transaction(factory) as session:
        origin_uses.determine_use(
            session, SYSTEM, nationality.id, DeterminationIn("lawful", "x", "y", date(2026, 1, 1))
        )
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        origin_uses.confirm_use(session, editor, nationality.id)
    assert [problem.field for problem in refused.value.problems] == ["purpose"]
    with transaction(factory) as session:
        confirmed = origin_uses.confirm_use(
            session, editor, nationality.id, UseIn(**{**_fields(nationality), "purpose": "Risicoscore"})
        )
        dismissed = origin_uses.dismiss_use(
            session, editor, proposed["land_code_x"].id, "Is het land van de bank."
        )
    assert confirmed.status is UseStatus.CONFIRMED and dismissed.status is UseStatus.DISMISSED
    # when the same data set is scanned again, nothing is proposed twice — dismissed columns neither
    with transaction(factory) as session:
        again = origin_uses.propose_from_scan(
            session, editor, "gm0001", scan, dataset_name="aanvragen-2.csv", algorithm=algorithm
        )
    assert again.created == []
    assert {item.column: item.use_id for item in again.skipped} == {
        name: view.id for name, view in proposed.items()
    }
    # but the same data in another system is proposed for that system
    with transaction(factory) as session:
        elsewhere = origin_uses.propose_from_scan(
            session, editor, "gm0001", scan, dataset_name="aanvragen.csv", system_name="Handhavingslijst"
        )
    assert len(elsewhere.created) == 3 and all(
        view.system_name == "Handhavingslijst" for view in elsewhere.created
    )


def test_a_viewer_cannot_have_proposals_stored(factory: Factory, algorithm: str) -> None:
    viewer = principal(factory, Role.VIEWER)
    with pytest.raises(NotFound), transaction(factory) as session:
        origin_uses.propose_from_scan(
            session, viewer, "gm0001", scan_frame(applicants()), dataset_name="x.csv", algorithm=algorithm
        )
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        origin_uses.propose_from_scan(
            session, SYSTEM, "gm0001", scan_frame(applicants()), dataset_name="x.csv", algorithm="onbekend"
        )
    assert refused.value.problems[0].field == "algorithm"
