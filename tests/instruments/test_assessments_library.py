"""Instruments imported from files in every format the importers read, stored per organisation or for
all, with their register title and signing roles; who may import; the same file twice."""

from pathlib import Path

import pytest

from algoreg.db.models import AuditEvent
from algoreg.db.session import transaction
from algoreg.errors import Conflict, Forbidden, InvalidInput
from algoreg.instruments.assessments import library
from algoreg.instruments.questionnaire import sample_definitions
from algoreg.register.roles import SYSTEM
from algoreg.standard.legacy import DPIA_TITLE, IAMA_TITLE
from tests.conftest import reference_file
from tests.instruments.assessment_support import DEFINITION, Factory, People, people, write_definition

__all__ = ["people"]


def test_our_format_is_imported_for_one_organisation_by_its_admin(
    factory: Factory, people: People, tmp_path: Path
) -> None:
    # given
    path = write_definition(tmp_path)
    # when
    with transaction(factory) as session:
        stored = library.import_instrument_file(session, people.admin, path, organisation_code="gm0001")
        again = library.import_instrument_file(session, people.admin, path, organisation_code="gm0001")
        own = library.list_instruments(session, people.eva)
        others = library.list_instruments(session, people.other)
        audited = session.query(AuditEvent).filter(AuditEvent.action == "instrument.import").count()
    # then
    assert again.id == stored.id and audited == 1
    assert [(item.key, item.version, item.source_format, item.organisation_code) for item in own] == [
        ("test-impact", "1.0", "algoreg", "gm0001")
    ]
    assert own[0].roles == ("Projectleider", "Jurist", "Gemandateerd verantwoordelijke")
    assert own[0].signing_roles == ("Gemandateerd verantwoordelijke",)
    assert own[0].register_assessment_title is None
    assert others == []


def test_who_may_import(factory: Factory, people: People, tmp_path: Path) -> None:
    path = write_definition(tmp_path)
    with pytest.raises(Forbidden), transaction(factory) as session:
        library.import_instrument_file(session, people.jan, path, organisation_code="gm0001")
    with pytest.raises(Forbidden) as everyone, transaction(factory) as session:
        library.import_instrument_file(session, people.admin, path)
    assert "every organisation" in everyone.value.message
    with transaction(factory) as session:
        stored = library.import_instrument_file(session, SYSTEM, path)
        assert stored.organisation_id is None
        assert [item.id for item in library.list_instruments(session, people.other)] == [stored.id]


def test_another_definition_under_the_same_version_is_refused(
    factory: Factory, people: People, tmp_path: Path
) -> None:
    # given
    with transaction(factory) as session:
        library.import_instrument_file(session, SYSTEM, write_definition(tmp_path))
    changed = {**DEFINITION, "title": "Andere toets"}
    # when / then
    with pytest.raises(Conflict) as refused, transaction(factory) as session:
        library.import_instrument_file(session, SYSTEM, write_definition(tmp_path, changed, "andere.yaml"))
    assert "give the changed definition a new version" in refused.value.message
    with transaction(factory) as session:
        library.import_instrument_file(
            session, SYSTEM, write_definition(tmp_path, {**changed, "version": "1.1"}, "nieuw.yaml")
        )
        assert [(item.title, item.version) for item in library.list_instruments(session, SYSTEM)] == [
            ("Andere toets", "1.1"),
            ("Testtoets", "1.0"),
        ]


def test_a_file_in_no_known_format_and_a_bad_definition_are_named(
    factory: Factory, people: People, tmp_path: Path
) -> None:
    unknown = tmp_path / "lijst.yaml"
    unknown.write_text("naam: iets\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught, transaction(factory) as session:
        library.import_instrument_file(session, SYSTEM, unknown)
    assert caught.value.problems[0].field == "lijst.yaml"
    assert "not an instrument definition in a known format" in caught.value.problems[0].reason
    broken = {**DEFINITION, "parts": [{"id": "p", "title": "P", "items": [{"type": "text", "id": "q"}]}]}
    with pytest.raises(InvalidInput) as bad, transaction(factory) as session:
        library.import_instrument_file(session, SYSTEM, write_definition(tmp_path, broken, "kapot.yaml"))
    assert bad.value.problems[0].field.startswith("kapot.yaml: parts[0].items[0]")


def test_our_sample_definition_loads(factory: Factory, people: People) -> None:
    with transaction(factory) as session:
        stored = library.import_instrument_file(session, SYSTEM, sample_definitions()["self-check"])
    assert stored.key == "algoreg-self-check"
    assert stored.signing_roles == ["Gemandateerd verantwoordelijke(n)"]


@pytest.mark.parametrize(
    ("parts", "source_format", "key", "title"),
    [
        (("par-dpia-form", "sources", "iama.yaml"), "assessment-definition", "urn:nl:iama", IAMA_TITLE),
        (("par-dpia-form", "sources", "dpia.yaml"), "assessment-definition", "urn:nl:dpia", DPIA_TITLE),
        (("par-dpia-form", "sources", "prescan.yaml"), "assessment-definition", "urn:nl:prescan", None),
        (("task-registry", "instruments", "iama.yaml"), "task-registry", "urn:nl:aivt:tr:iama", IAMA_TITLE),
        (("task-registry", "instruments", "aiia.yaml"), "task-registry", "urn:nl:aivt:tr:aiia", None),
    ],
)
def test_the_official_files_are_imported_in_their_own_format(
    factory: Factory,
    people: People,
    parts: tuple[str, ...],
    source_format: str,
    key: str,
    title: str | None,
) -> None:
    # given
    path = reference_file(*parts)
    # when
    with transaction(factory) as session:
        stored = library.import_instrument_file(session, SYSTEM, path)
        view = library.instrument_view(stored)
    # then
    assert (view.key, view.source_format, view.register_assessment_title) == (key, source_format, title)
    assert view.source_name == parts[-1]
    assert len(view.digest) == 64


def test_the_register_title_and_signing_roles_can_be_set_at_import(factory: Factory, people: People) -> None:
    path = reference_file("par-dpia-form", "sources", "prescan.yaml")
    with transaction(factory) as session:
        stored = library.import_instrument_file(
            session, SYSTEM, path, register_title=" Pre-scan  DPIA ", signing_roles=["Privacy-officer"]
        )
        assert (stored.register_assessment_title, stored.signing_roles) == (
            "Pre-scan DPIA",
            ["Privacy-officer"],
        )
    with pytest.raises(InvalidInput) as bad, transaction(factory) as session:
        library.import_instrument_file(session, SYSTEM, path, register_title="x" * 501, signing_roles=[""])
    assert {problem.field for problem in bad.value.problems} == {
        "register_assessment_title",
        "signing_roles[0]",
    }
