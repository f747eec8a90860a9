"""An organisation's own instruments: add, change, retire, list, import; checked against the imported
Algoritmekader, refused naming the field, written whole or not at all, audited, and shown in the
public catalogue with the organisation as their origin."""

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import AuditEvent, OwnInstrument
from algoreg.db.session import transaction
from algoreg.errors import Conflict, Forbidden, InvalidInput, NotFound
from algoreg.instruments.framework import own_instruments
from algoreg.instruments.framework.catalogue import combine_catalogues, search_instruments
from algoreg.instruments.framework.own_instruments import OwnInstrumentChange, OwnInstrumentIn
from algoreg.register.roles import Principal, Role
from tests.instruments.framework_tasks_support import (
    import_official,
    make_orgs,
    official_framework,
    principal,
)

Factory = sessionmaker[Session]


@pytest.fixture
def people(factory: Factory, make_organisation: Callable[..., str]) -> dict[str, Principal]:
    """A publisher, an editor and a viewer of gm0001, and a publisher of gm0002."""
    make_orgs(make_organisation)
    return {
        "publisher": principal(factory, "petra", {"gm0001": Role.PUBLISHER}),
        "editor": principal(factory, "eva", {"gm0001": Role.EDITOR}),
        "viewer": principal(factory, "victor", {"gm0001": Role.VIEWER}),
        "other": principal(factory, "otto", {"gm0002": Role.PUBLISHER}),
    }


def stored_rows(factory: Factory) -> tuple[int, int]:
    """How many own instruments and audit events there are."""
    with transaction(factory) as session:
        return (
            session.scalar(select(func.count()).select_from(OwnInstrument)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def refused(factory: Factory, action: Callable[[Session], Any]) -> InvalidInput:
    """Run ``action`` expecting InvalidInput, and check that nothing was written."""
    before = stored_rows(factory)
    with pytest.raises(InvalidInput) as caught, transaction(factory) as session:
        action(session)
    assert stored_rows(factory) == before
    return caught.value


def add(factory: Factory, who: Principal, given: OwnInstrumentIn, code: str = "gm0001") -> Any:
    with transaction(factory) as session:
        return own_instruments.add_own_instrument(session, who, code, given)


def test_a_publisher_adds_changes_and_retires_an_instrument_and_each_write_is_audited(
    factory: Factory, people: dict[str, Principal]
) -> None:
    # given the Algoritmekader imported
    import_official(factory, tree=False)
    framework = official_framework()
    measure = framework.measures[0]
    requirement = framework.requirements[0]

    # when a publisher adds an instrument naming a measure by URN and a requirement by id
    given = OwnInstrumentIn(
        title="  Werkwijze   biastoets  ",
        description="Onze stappen.",
        categories=("handreiking",),
        phases=(framework.phases[0].id,),
        topics=("bias-en-non-discriminatie",),
        roles=(framework.roles[0].id,),
        requirement_refs=(requirement.id,),
        measure_refs=(measure.urn, measure.id),
        url="https://intranet.example.org/biastoets",
    )
    added = add(factory, people["publisher"], given)

    # then it is stored with a slug from its title, references as ids, and who and when
    assert (added.slug, added.title) == ("werkwijze-biastoets", "Werkwijze biastoets")
    assert added.measure_refs == (measure.id,) and added.requirement_refs == (requirement.id,)
    assert added.created_by == "petra" and added.retired_at is None
    instrument = added.instrument()
    assert (instrument.origin, instrument.organisation_code, instrument.organisation_name) == (
        "organisation",
        "gm0001",
        "Gemeente Een",
    )
    assert instrument.key == "gm0001:werkwijze-biastoets"

    # a second instrument with the same title gets a free slug
    again = add(factory, people["publisher"], OwnInstrumentIn(title="Werkwijze biastoets"))
    assert again.slug == "werkwijze-biastoets-2"

    # when it is changed
    with transaction(factory) as session:
        changed = own_instruments.change_own_instrument(
            session,
            people["publisher"],
            "gm0001",
            "werkwijze-biastoets",
            OwnInstrumentChange(title="Werkwijze biastoets 2027", url=None),
        )
    assert changed.title == "Werkwijze biastoets 2027" and changed.url is None
    assert changed.description == "Onze stappen." and changed.slug == "werkwijze-biastoets"

    # and retired, it leaves the public catalogue but stays listed for the organisation
    with transaction(factory) as session:
        own_instruments.retire_own_instrument(session, people["publisher"], "gm0001", "werkwijze-biastoets-2")
        public = own_instruments.current_instruments(session)
        listed = own_instruments.list_own_instruments(session, people["viewer"], "gm0001")
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert [item.key for item in public] == ["gm0001:werkwijze-biastoets"]
    assert {view.slug: view.retired_at is not None for view in listed} == {
        "werkwijze-biastoets": False,
        "werkwijze-biastoets-2": True,
    }
    assert actions[-4:] == [
        "own_instrument.add",
        "own_instrument.add",
        "own_instrument.change",
        "own_instrument.retire",
    ]

    # a retired instrument can be neither changed nor retired again, and keeps its slug
    with pytest.raises(Conflict), transaction(factory) as session:
        own_instruments.change_own_instrument(
            session, people["publisher"], "gm0001", "werkwijze-biastoets-2", OwnInstrumentChange(title="X")
        )
    with pytest.raises(Conflict), transaction(factory) as session:
        own_instruments.retire_own_instrument(session, people["publisher"], "gm0001", "werkwijze-biastoets-2")
    problem = refused(
        factory,
        lambda s: own_instruments.add_own_instrument(
            s, people["publisher"], "gm0001", OwnInstrumentIn(title="Nieuw", slug="werkwijze-biastoets-2")
        ),
    )
    assert problem.problems[0].field == "slug" and "already the id" in problem.problems[0].reason


def test_bad_input_is_refused_naming_each_field_and_nothing_is_written(
    factory: Factory, people: dict[str, Principal]
) -> None:
    import_official(factory, tree=False)
    bad = OwnInstrumentIn(
        title="   ",
        slug="Met Spaties",
        description="x" * (own_instruments.MAX_DESCRIPTION_CHARS + 1),
        phases=("ontwerp", "bestaat-niet"),
        roles=("tovenaar",),
        categories=("",),
        requirement_refs=("grw-99-verzonnen",),
        measure_refs=("9-xyz-99-verzonnen",),
        url="ftp://example.org/x",
    )

    invalid = refused(
        factory, lambda s: own_instruments.add_own_instrument(s, people["publisher"], "gm0001", bad)
    )

    reasons = {problem.field: problem.reason for problem in invalid.problems}
    assert set(reasons) == {
        "slug",
        "title",
        "description",
        "categories[0]",
        "phases[1]",
        "roles[0]",
        "requirement_refs[0]",
        "measure_refs[0]",
        "url",
    }
    assert "'bestaat-niet' is not a phase of the imported Algoritmekader" in reasons["phases[1]"]
    assert "ontwerp" in reasons["phases[1]"]  # the allowed values are named
    assert "'9-xyz-99-verzonnen' names no measure" in reasons["measure_refs[0]"]
    assert "'grw-99-verzonnen' names no requirement" in reasons["requirement_refs[0]"]


def test_without_an_imported_framework_phases_are_free_but_references_cannot_resolve(
    factory: Factory, people: dict[str, Principal]
) -> None:
    free = add(factory, people["publisher"], OwnInstrumentIn(title="Vrij", phases=("eigen-fase",)))
    assert free.phases == ("eigen-fase",)

    invalid = refused(
        factory,
        lambda s: own_instruments.add_own_instrument(
            s,
            people["publisher"],
            "gm0001",
            OwnInstrumentIn(title="Met maatregel", measure_refs=("5-ver-03",)),
        ),
    )
    assert [problem.field for problem in invalid.problems] == ["measure_refs"]
    assert "no Algoritmekader has been imported" in invalid.problems[0].reason


def test_only_publishers_and_admins_of_the_organisation_write_and_viewers_read(
    factory: Factory, people: dict[str, Principal]
) -> None:
    given = OwnInstrumentIn(title="Alleen voor uitgevers")
    for who in ("editor", "viewer", "other"):
        before = stored_rows(factory)
        with pytest.raises(Forbidden), transaction(factory) as session:
            own_instruments.add_own_instrument(session, people[who], "gm0001", given)
        assert stored_rows(factory) == before
    add(factory, people["publisher"], given)
    with pytest.raises(Forbidden), transaction(factory) as session:
        own_instruments.retire_own_instrument(session, people["other"], "gm0001", "alleen-voor-uitgevers")
    with pytest.raises(Forbidden), transaction(factory) as session:
        own_instruments.change_own_instrument(
            session, people["editor"], "gm0001", "alleen-voor-uitgevers", OwnInstrumentChange(title="Nee")
        )
    with pytest.raises(Forbidden), transaction(factory) as session:
        own_instruments.list_own_instruments(session, people["other"], "gm0001")
    with transaction(factory) as session:
        assert [
            v.slug for v in own_instruments.list_own_instruments(session, people["viewer"], "gm0001")
        ] == ["alleen-voor-uitgevers"]
        with pytest.raises(NotFound):
            own_instruments.get_own_instrument(session, people["viewer"], "gm0001", "bestaat-niet")


def test_instruments_of_different_organisations_may_share_a_slug_and_are_filtered_by_origin(
    factory: Factory, people: dict[str, Principal]
) -> None:
    add(factory, people["publisher"], OwnInstrumentIn(title="Biastoets", topics=("bias",)))
    add(factory, people["other"], OwnInstrumentIn(title="Biastoets"), code="gm0002")
    with transaction(factory) as session:
        public = own_instruments.current_instruments(session)

    combined = combine_catalogues(public)

    assert [item.key for item in combined] == ["gm0001:biastoets", "gm0002:biastoets"]
    assert [item.key for item in search_instruments(combined, origin="gm0002")] == ["gm0002:biastoets"]
    assert search_instruments(combined, origin="algoritmekader") == []


FILE = """
- id: eigen-biastoets
  title: Werkwijze biastoets
  toelichting: Onze eigen stappen.
  categorie: [handreiking]
  vereiste: [grw-02-non-discriminatie]
  maatregel: [5-ver-03-biasanalyse]
  levenscyclus: [verificatie-en-validatie]
  onderwerp: [bias-en-non-discriminatie]
  rollen: [ontwikkelaar]
  url: https://intranet.example.org/biastoets
- title: Checklist Inkoop
  source_path: docs/hulpmiddelen/Checklist_Inkoop.md
"""


def test_a_file_in_the_hulpmiddelen_shape_is_imported_all_or_nothing_and_again_changes_in_place(
    factory: Factory, people: dict[str, Principal]
) -> None:
    import_official(factory, tree=False)
    data = yaml.safe_load(FILE)

    with transaction(factory) as session:
        first = own_instruments.import_own_instruments(
            session, people["publisher"], "gm0001", data, "eigen.yaml"
        )
    assert first.added == ("eigen-biastoets", "checklist-inkoop")

    # again, with one entry changed: changed in place, the other unchanged
    data[1]["toelichting"] = "Nu met toelichting."
    with transaction(factory) as session:
        second = own_instruments.import_own_instruments(
            session, people["publisher"], "gm0001", data, "eigen.yaml"
        )
        listed = own_instruments.list_own_instruments(session, people["publisher"], "gm0001")
    assert (second.added, second.changed, second.unchanged) == (
        (),
        ("checklist-inkoop",),
        ("eigen-biastoets",),
    )
    assert {view.slug: view.description for view in listed}["checklist-inkoop"] == "Nu met toelichting."

    # one bad entry among good ones: nothing is written, every problem names the file, entry and key
    bad = [
        {"title": "Goed en nieuw"},
        {"title": "", "maatregel": ["9-xyz-99-verzonnen"]},
        {"id": "eigen-biastoets", "title": "Dubbel", "levenscyclus": ["bestaat-niet"]},
        {"id": "Eigen-Biastoets", "title": "Nog eens"},
    ]
    invalid = refused(
        factory,
        lambda s: own_instruments.import_own_instruments(s, people["publisher"], "gm0001", bad, "fout.yaml"),
    )
    fields = [problem.field for problem in invalid.problems]
    assert fields == ["fout.yaml: [1].title"]  # an entry without a title stops before the rest is checked

    bad[1]["title"] = "Zonder maatregel"
    invalid = refused(
        factory,
        lambda s: own_instruments.import_own_instruments(s, people["publisher"], "gm0001", bad, "fout.yaml"),
    )
    assert [problem.field for problem in invalid.problems] == [
        "fout.yaml: [1].maatregel[0]",
        "fout.yaml: [2].levenscyclus[0]",
        "fout.yaml: [3].id",
    ]
    assert "is also the id of entry 2" in invalid.problems[2].reason

    # and another organisation's publisher cannot import into this one
    with pytest.raises(Forbidden), transaction(factory) as session:
        own_instruments.import_own_instruments(session, people["other"], "gm0001", data, "eigen.yaml")
