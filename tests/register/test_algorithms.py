"""Algorithms, versions, workflow, public visibility, audit and authorisation in the domain."""

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import AlgorithmVersion, AuditEvent, PublicationEntry
from algoreg.db.session import transaction
from algoreg.errors import Conflict, Forbidden, InvalidInput, NotFound, StaleWrite
from algoreg.register import algorithms, audit
from algoreg.register.roles import Principal, Role
from algoreg.register.search import SearchQuery, search
from algoreg.register.workflow import Action, State
from tests.samples import sample_record

Factory = sessionmaker[Session]


@pytest.fixture
def org_id(make_organisation: Callable[..., str], factory: Factory) -> int:
    make_organisation("gm0001", "Gemeente Voorbeeld")
    make_organisation("gm0002", "Gemeente Anders")
    with transaction(factory) as session:
        from algoreg.register.organisations import get_organisation

        return get_organisation(session, "gm0001").id


def person(name: str, org_id: int, role: Role) -> Principal:
    return Principal(name=name, roles={org_id: role})


def create(factory: Factory, actor: Principal, **overrides: object) -> str:
    with transaction(factory) as session:
        return algorithms.create_algorithm(session, actor, "gm0001", sample_record(**overrides)).public_id


def act(factory: Factory, actor: Principal, public_id: str, *actions: Action) -> None:
    for action in actions:
        with transaction(factory) as session:
            algorithms.perform(session, actor, public_id, action)


def test_a_new_algorithm_is_a_concept_not_visible_to_the_public(factory: Factory, org_id: int) -> None:
    # given an editor
    editor = person("eva", org_id, Role.EDITOR)
    # when she registers an algorithm
    public_id = create(factory, editor)
    # then it is a concept with a stable 8-digit id, and the public does not see it
    with transaction(factory) as session:
        view = algorithms.view(session, editor, public_id)
        assert view.state is State.CONCEPT and len(public_id) == 8 and public_id.isdigit()
        assert view.latest.record["lars"] == public_id
        with pytest.raises(NotFound):
            algorithms.get_published(session, public_id)
        assert algorithms.list_published(session).total == 0


def test_publish_flow_makes_it_public_and_is_recorded_in_the_audit_log(factory: Factory, org_id: int) -> None:
    # given an editor's algorithm
    editor, publisher = person("eva", org_id, Role.EDITOR), person("piet", org_id, Role.PUBLISHER)
    public_id = create(factory, editor)
    # when the editor submits it and the publisher approves and publishes it
    act(factory, editor, public_id, Action.SUBMIT)
    act(factory, publisher, public_id, Action.APPROVE, Action.PUBLISH)
    # then the public sees version 1 with a publication date
    with transaction(factory) as session:
        public = algorithms.get_published(session, public_id)
        assert public.version_number == 1 and public.record["publication_dt"]
        events = audit.events_for_algorithm(session, algorithms.find_algorithm(session, public_id).id)
    # and every step is in the audit log with who did it
    assert [(e.actor, e.action) for e in events] == [
        ("eva", "algorithm.create"),
        ("eva", "algorithm.submit"),
        ("piet", "algorithm.approve"),
        ("piet", "algorithm.publish"),
    ]


def test_editing_a_published_algorithm_keeps_the_public_version_until_the_new_one_is_published(
    factory: Factory, org_id: int
) -> None:
    # given a published algorithm
    publisher = person("piet", org_id, Role.PUBLISHER)
    public_id = create(factory, publisher)
    act(factory, publisher, public_id, Action.SUBMIT, Action.APPROVE, Action.PUBLISH)
    # when it is edited
    with transaction(factory) as session:
        algorithms.update_algorithm(
            session, publisher, public_id, sample_record(status="Buiten gebruik"), None
        )
    # then the public still sees version 1 while the draft is version 2
    with transaction(factory) as session:
        assert algorithms.get_published(session, public_id).record["status"] == "In gebruik"
        assert algorithms.view(session, publisher, public_id).latest.number == 2
    # and after publishing version 2 the history holds both, with the difference
    act(factory, publisher, public_id, Action.SUBMIT, Action.APPROVE, Action.PUBLISH)
    with transaction(factory) as session:
        history = algorithms.published_history(session, public_id)
        assert [h.version_number for h in history] == [1, 2]
        assert history[-1].record["status"] == "Buiten gebruik"


def test_versions_are_immutable_rows(factory: Factory, org_id: int) -> None:
    # given an algorithm edited twice
    editor = person("eva", org_id, Role.EDITOR)
    public_id = create(factory, editor)
    for name in ("Tweede naam", "Derde naam"):
        with transaction(factory) as session:
            algorithms.update_algorithm(session, editor, public_id, sample_record(name=name), None)
    # then three versions are stored with their own contents
    with transaction(factory) as session:
        rows = session.scalars(select(AlgorithmVersion).order_by(AlgorithmVersion.number)).all()
        assert [r.record["name"] for r in rows] == [
            "Controle parkeervergunningen",
            "Tweede naam",
            "Derde naam",
        ]


def test_saving_an_unchanged_record_stores_no_new_version(factory: Factory, org_id: int) -> None:
    editor = person("eva", org_id, Role.EDITOR)
    public_id = create(factory, editor)
    with transaction(factory) as session:
        algorithms.update_algorithm(session, editor, public_id, sample_record(), None)
    with transaction(factory) as session:
        assert algorithms.view(session, editor, public_id).latest.number == 1


def test_a_stale_edit_is_refused_and_stores_nothing(factory: Factory, org_id: int) -> None:
    # given two editors who loaded the same lock version
    editor = person("eva", org_id, Role.EDITOR)
    public_id = create(factory, editor)
    with transaction(factory) as session:
        loaded = algorithms.view(session, editor, public_id).lock_version
    # when the first saves
    with transaction(factory) as session:
        algorithms.update_algorithm(session, editor, public_id, sample_record(name="Eerste"), loaded)
    # then the second, based on the old lock version, is refused with a clear message
    with pytest.raises(StaleWrite) as refused, transaction(factory) as session:
        algorithms.update_algorithm(session, editor, public_id, sample_record(name="Tweede"), loaded)
    assert "changed by someone else" in refused.value.message
    with transaction(factory) as session:
        assert algorithms.view(session, editor, public_id).latest.record["name"] == "Eerste"


def test_concurrent_sessions_never_lose_an_update(factory: Factory, org_id: int) -> None:
    # given two sessions that read the algorithm at the same time
    editor = person("eva", org_id, Role.EDITOR)
    public_id = create(factory, editor)
    first, second = factory(), factory()
    try:
        first.begin()
        second.begin()
        algorithms.update_algorithm(first, editor, public_id, sample_record(name="Eerste"), None)
        algorithm_in_second = algorithms.find_algorithm(second, public_id)
        assert algorithm_in_second.lock_version == 1
        first.commit()
        # when the second writes based on what it read
        with pytest.raises(StaleWrite):
            algorithms.update_algorithm(second, editor, public_id, sample_record(name="Tweede"), None)
    finally:
        second.rollback()
        first.close()
        second.close()
    # then the first update is kept
    with transaction(factory) as session:
        assert algorithms.view(session, editor, public_id).latest.record["name"] == "Eerste"


def test_retract_hides_it_from_the_public_but_keeps_the_history(factory: Factory, org_id: int) -> None:
    publisher = person("piet", org_id, Role.PUBLISHER)
    public_id = create(factory, publisher)
    act(factory, publisher, public_id, Action.SUBMIT, Action.APPROVE, Action.PUBLISH, Action.RETRACT)
    with transaction(factory) as session:
        with pytest.raises(NotFound):
            algorithms.get_published(session, public_id)
        assert algorithms.view(session, publisher, public_id).state is State.RETRACTED
        assert len(algorithms.versions(session, publisher, public_id)) == 1
    # and retracting twice is refused
    with pytest.raises(Conflict), transaction(factory) as session:
        algorithms.perform(session, publisher, public_id, Action.RETRACT)


def test_archive_hides_and_unarchive_restores(factory: Factory, org_id: int) -> None:
    publisher = person("piet", org_id, Role.PUBLISHER)
    public_id = create(factory, publisher)
    act(factory, publisher, public_id, Action.SUBMIT, Action.APPROVE, Action.PUBLISH, Action.ARCHIVE)
    with transaction(factory) as session:
        assert algorithms.list_published(session).total == 0
    act(factory, publisher, public_id, Action.UNARCHIVE)
    with transaction(factory) as session:
        assert algorithms.view(session, publisher, public_id).state is State.PUBLISHED
        assert algorithms.list_published(session).total == 1


@pytest.mark.parametrize(
    ("role", "action"),
    [(Role.VIEWER, Action.SUBMIT), (Role.EDITOR, Action.APPROVE), (Role.EDITOR, Action.PUBLISH)],
)
def test_roles_limit_the_workflow_steps(factory: Factory, org_id: int, role: Role, action: Action) -> None:
    # given an algorithm in review
    publisher = person("piet", org_id, Role.PUBLISHER)
    public_id = create(factory, publisher)
    if action is not Action.SUBMIT:
        act(factory, publisher, public_id, Action.SUBMIT)
    if action is Action.PUBLISH:
        act(factory, publisher, public_id, Action.APPROVE)
    # when someone with too low a role tries the step, it is refused
    with pytest.raises(Forbidden) as refused, transaction(factory) as session:
        algorithms.perform(session, person("x", org_id, role), public_id, action)
    assert f"your role there is {role.value}" in refused.value.message


def test_a_viewer_cannot_edit_and_another_organisation_cannot_touch_it(factory: Factory, org_id: int) -> None:
    editor = person("eva", org_id, Role.EDITOR)
    public_id = create(factory, editor)
    with pytest.raises(Forbidden), transaction(factory) as session:
        algorithms.update_algorithm(
            session, person("v", org_id, Role.VIEWER), public_id, sample_record(), None
        )
    outsider = Principal(name="o", roles={org_id + 1: Role.ADMIN})
    with pytest.raises(Forbidden), transaction(factory) as session:
        algorithms.update_algorithm(session, outsider, public_id, sample_record(), None)
    with pytest.raises(NotFound), transaction(factory) as session:
        algorithms.view(session, outsider, public_id)


def test_invalid_records_store_nothing_and_name_every_problem(factory: Factory, org_id: int) -> None:
    editor = person("eva", org_id, Role.EDITOR)
    bad = sample_record(status="Actief", name="x" * 101, organization="Gemeente Anders")
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        algorithms.create_algorithm(session, editor, "gm0001", bad)
    fields = {p.field for p in refused.value.problems}
    assert {"status", "name", "organization"} <= fields
    with transaction(factory) as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action.like("algorithm.%"))).all() == []
        assert session.scalars(select(AlgorithmVersion)).all() == []


def test_missing_organization_is_filled_with_the_organisations_name(factory: Factory, org_id: int) -> None:
    editor = person("eva", org_id, Role.EDITOR)
    public_id = create(factory, editor, organization="")
    with transaction(factory) as session:
        assert (
            algorithms.view(session, editor, public_id).latest.record["organization"] == "Gemeente Voorbeeld"
        )


def test_steps_taken_together_are_each_audited_and_indexed_once(factory: Factory, org_id: int) -> None:
    # given a publisher's concept
    publisher = person("piet", org_id, Role.PUBLISHER)
    public_id = create(factory, publisher, name="Samen gepubliceerd")
    # when submit, approve and publish are taken as one change
    with transaction(factory) as session:
        algorithms.perform_steps(
            session, publisher, public_id, [Action.SUBMIT, Action.APPROVE, Action.PUBLISH]
        )
    # then it is public and searchable, each step is audited, and one publication is logged
    with transaction(factory) as session:
        assert algorithms.get_published(session, public_id).version_number == 1
        found = search(session, SearchQuery(text="gepubliceerd")).items
        assert [item.public_id for item in found] == [public_id]
        algorithm = algorithms.find_algorithm(session, public_id)
        events = [e.action for e in audit.events_for_algorithm(session, algorithm.id)]
        assert events == ["algorithm.create", "algorithm.submit", "algorithm.approve", "algorithm.publish"]
        logged = session.scalars(
            select(PublicationEntry).where(PublicationEntry.algorithm_id == algorithm.id)
        ).all()
        assert [entry.kind for entry in logged] == ["published"]


def test_a_step_not_allowed_in_a_run_of_steps_writes_nothing(factory: Factory, org_id: int) -> None:
    # given an editor's concept
    editor = person("eva", org_id, Role.EDITOR)
    public_id = create(factory, editor)
    # when she submits and then tries to approve, which needs a publisher
    with pytest.raises(Forbidden), transaction(factory) as session:
        algorithms.perform_steps(session, editor, public_id, [Action.SUBMIT, Action.APPROVE])
    # then not even the submit was stored
    with transaction(factory) as session:
        assert algorithms.view(session, editor, public_id).state is State.CONCEPT
