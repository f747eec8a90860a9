"""Framework tasks per algorithm: one per measure that follows from its AI Act profile, refreshed when
the profile changes (kept, never deleted), status and people, not-applicable only with a reason,
history of every change, own measures, and access by role."""

import pytest
from sqlalchemy import func, select

from algoreg.db.models import AuditEvent, FrameworkTask
from algoreg.db.session import transaction
from algoreg.errors import Conflict, Forbidden, InvalidInput, NotFound
from algoreg.instruments.framework.applicability import plan_for_profile
from algoreg.instruments.framework.definitions import NotImported
from algoreg.instruments.framework.own_measures import OwnMeasureIn, add_own_measure, list_own_measures
from algoreg.instruments.framework.profile_store import record_profile
from algoreg.instruments.framework.tasks import (
    TaskChange,
    TaskStatus,
    list_tasks,
    refresh_tasks,
    registry_profile,
    task_history,
    update_task,
)
from algoreg.register.roles import Principal, Role
from tests.instruments.framework_tasks_support import (
    Factory,
    answers,
    editor,
    import_official,
    make_algorithm,
    make_user,
    official_framework,
    outside_act_path,
    principal,
    profile_of,
    provider_high_risk_path,
)

__all__ = ["editor"]


def with_profile(
    factory: Factory, who: Principal, path_answers: list[tuple[str, str]], **algorithm: str
) -> str:
    public_id = make_algorithm(factory, **algorithm)
    with transaction(factory) as session:
        record_profile(session, who, public_id, path_answers)
    return public_id


def expected_measures(path: object, category: str) -> set[str]:
    profile = registry_profile(profile_of(path), category)  # type: ignore[arg-type]
    return set(plan_for_profile(official_framework(), profile).measure_ids())


def test_recording_a_profile_creates_a_task_per_applicable_measure(
    factory: Factory, editor: Principal
) -> None:
    # given the official framework and tree, and a high-risk profile recorded for an algorithm
    import_official(factory)
    public_id = with_profile(factory, editor, answers(provider_high_risk_path()))

    # when the editor lists its tasks
    with transaction(factory) as session:
        tasks = list_tasks(session, editor, public_id)

    # then there is one task per measure the applicability rule gives, each to do, with its phases
    wanted = expected_measures(provider_high_risk_path(), "Impactvolle algoritmes")
    assert {task.measure_id for task in tasks} == wanted
    assert len(tasks) == len(wanted) > 20
    assert all(task.status is TaskStatus.TODO and task.in_scope for task in tasks)
    framework = official_framework()
    some = tasks[0]
    assert some.measure_id is not None
    measure = framework.measure(some.measure_id)
    assert (some.code, some.name, some.url) == (measure.code, measure.name, measure.url)
    assert set(some.phases) == set(measure.phases)
    assert set(some.requirement_ids) <= set(measure.requirement_ids)
    phase_index = {phase: index for index, phase in enumerate(framework.phase_ids())}
    firsts = [min(phase_index[phase] for phase in task.phases) for task in tasks]
    assert firsts == sorted(firsts)  # lifecycle order


def test_the_registered_category_adds_the_impactful_type_to_the_profile(
    factory: Factory, editor: Principal
) -> None:
    import_official(factory)
    impactful = with_profile(factory, editor, answers(outside_act_path()), category="Impactvolle algoritmes")
    other = with_profile(factory, editor, answers(outside_act_path()), category="Overige algoritmes")

    with transaction(factory) as session:
        impactful_tasks = {task.measure_id for task in list_tasks(session, editor, impactful)}
        other_tasks = {task.measure_id for task in list_tasks(session, editor, other)}

    assert impactful_tasks == expected_measures(outside_act_path(), "Impactvolle algoritmes")
    assert other_tasks == expected_measures(outside_act_path(), "Overige algoritmes")
    # the official requirements restrict no type to these values yet, so the rule's input is checked too
    outside = profile_of(outside_act_path())
    assert registry_profile(outside, "Overige algoritmes")["type"][-1] == "niet-impactvol algoritme"
    assert registry_profile(outside, "Impactvolle algoritmes")["type"][-1] == "impactvol algoritme"
    assert registry_profile(outside, "Hoog-risico AI-systeem")["type"] == list(outside.system_type)


def test_a_new_profile_keeps_tasks_that_no_longer_apply_marked_out_of_scope(
    factory: Factory, editor: Principal
) -> None:
    # given a high-risk algorithm with one task in progress
    import_official(factory)
    public_id = with_profile(factory, editor, answers(provider_high_risk_path()))
    high_risk_only = expected_measures(
        provider_high_risk_path(), "Impactvolle algoritmes"
    ) - expected_measures(outside_act_path(), "Impactvolle algoritmes")
    assert high_risk_only
    with transaction(factory) as session:
        task = next(t for t in list_tasks(session, editor, public_id) if t.measure_id in high_risk_only)
        update_task(session, editor, public_id, task.id, TaskChange(status="in_progress"))

    # when the profile changes to one outside the AI Act
    with transaction(factory) as session:
        stored = record_profile(session, editor, public_id, answers(outside_act_path()))

    # then the high-risk tasks are kept, marked out of scope, with their status and history
    assert stored.refresh is not None and stored.refresh.out_of_scope == len(high_risk_only)
    with transaction(factory) as session:
        tasks = {t.id: t for t in list_tasks(session, editor, public_id)}
        in_scope = {t.measure_id for t in list_tasks(session, editor, public_id, include_out_of_scope=False)}
        history = task_history(session, editor, public_id, task.id)
    assert tasks[task.id].in_scope is False and tasks[task.id].status is TaskStatus.IN_PROGRESS
    assert in_scope == expected_measures(outside_act_path(), "Impactvolle algoritmes")
    assert [event.action for event in history] == ["create", "update", "refresh"]
    assert history[-1].changes == {"in_scope": [True, False]}

    # and back to high risk brings them back, without new tasks
    with transaction(factory) as session:
        back = record_profile(session, editor, public_id, answers(provider_high_risk_path()))
        count = session.scalar(select(func.count()).select_from(FrameworkTask))
    assert back.refresh is not None
    assert (back.refresh.created, back.refresh.back_in_scope) == (0, len(high_risk_only))
    assert count == len(tasks)


def test_not_applicable_needs_a_reason_and_every_change_is_in_the_history(
    factory: Factory, editor: Principal
) -> None:
    import_official(factory)
    public_id = with_profile(factory, editor, answers(provider_high_risk_path()))
    with transaction(factory) as session:
        task_id = list_tasks(session, editor, public_id)[0].id

    for reason in (None, "   "):
        with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
            update_task(
                session, editor, public_id, task_id, TaskChange(status="not_applicable", reason=reason)
            )
        assert [problem.field for problem in refused.value.problems] == ["reason"]
        assert "not_applicable" in refused.value.problems[0].reason
    with pytest.raises(InvalidInput) as unknown, transaction(factory) as session:
        update_task(session, editor, public_id, task_id, TaskChange(status="klaar"))
    assert unknown.value.problems[0].field == "status"
    assert "todo, in_progress, done, not_applicable" in unknown.value.problems[0].reason

    with transaction(factory) as session:
        marked = update_task(
            session,
            editor,
            public_id,
            task_id,
            TaskChange(status="not_applicable", reason="Wij  gebruiken geen\npersoonsgegevens."),
        )
        unchanged = update_task(session, editor, public_id, task_id, TaskChange(status="not_applicable"))
        reopened = update_task(session, editor, public_id, task_id, TaskChange(status="todo"))
        history = task_history(session, editor, public_id, task_id)
        audited = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "framework_task.update")
        )
    assert (
        marked.status is TaskStatus.NOT_APPLICABLE and marked.reason == "Wij gebruiken geen persoonsgegevens."
    )
    assert unchanged.reason == marked.reason
    assert reopened.status is TaskStatus.TODO and reopened.reason is None
    assert [event.action for event in history] == ["create", "update", "update"]
    assert history[1].changes == {
        "status": ["todo", "not_applicable"],
        "reason": [None, "Wij gebruiken geen persoonsgegevens."],
    }
    assert history[1].actor == "eva"
    assert audited == 2


def test_people_must_be_active_users_of_the_organisation(factory: Factory, editor: Principal) -> None:
    import_official(factory)
    public_id = with_profile(factory, editor, answers(provider_high_risk_path()))
    anna = make_user(factory, "anna", {"gm0001": Role.VIEWER})
    bram = make_user(factory, "bram", {"gm0001": Role.EDITOR})
    outsider = make_user(factory, "olaf", {"gm0002": Role.EDITOR})
    with transaction(factory) as session:
        task_id = list_tasks(session, editor, public_id)[0].id

    with transaction(factory) as session:
        view = update_task(
            session, editor, public_id, task_id, TaskChange(responsible=anna, reviewer=bram, accountable=bram)
        )
    assert view.responsible is not None and view.responsible.username == "anna"
    assert view.reviewer is not None and view.reviewer.id == bram

    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        update_task(session, editor, public_id, task_id, TaskChange(responsible=outsider, reviewer=999_999))
    assert {problem.field for problem in refused.value.problems} == {"responsible", "reviewer"}
    assert "no role in the algorithm's organisation" in refused.value.problems[0].reason

    with transaction(factory) as session:
        cleared = update_task(session, editor, public_id, task_id, TaskChange(reviewer=None))
    assert cleared.reviewer is None and cleared.responsible is not None


def test_own_measures_become_tasks_of_the_organisations_algorithms(
    factory: Factory, editor: Principal
) -> None:
    import_official(factory)
    public_id = with_profile(factory, editor, answers(provider_high_risk_path()))
    later = make_algorithm(factory)
    phase = official_framework().phase_ids()[2]

    with transaction(factory) as session:
        measure = add_own_measure(
            session,
            editor,
            "gm0001",
            OwnMeasureIn(code="Eigen-01", name="Toets door de ethische commissie", phases=(phase,)),
        )
        own = [task for task in list_tasks(session, editor, public_id) if task.source == "own"]
    assert measure.code == "eigen-01"
    assert [(task.code, task.name, task.phases) for task in own] == [
        ("eigen-01", "Toets door de ethische commissie", (phase,))
    ]

    # an algorithm that gets its profile later gets the own measure too
    with transaction(factory) as session:
        record_profile(session, editor, later, answers(provider_high_risk_path()))
        assert any(task.own_measure_id == measure.id for task in list_tasks(session, editor, later))
        assert [m.code for m in list_own_measures(session, editor, "gm0001")] == ["eigen-01"]

    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        add_own_measure(
            session, editor, "gm0001", OwnMeasureIn(code="eigen-01", name="", phases=("nergens",))
        )
    assert [problem.field for problem in refused.value.problems] == ["code", "name", "phases[0]"]


def test_viewers_read_tasks_but_change_nothing_and_other_organisations_are_refused(
    factory: Factory, editor: Principal
) -> None:
    import_official(factory)
    public_id = with_profile(factory, editor, answers(provider_high_risk_path()))
    viewer = principal(factory, "vera", {"gm0001": Role.VIEWER})
    stranger = principal(factory, "otto", {"gm0002": Role.ADMIN})
    with transaction(factory) as session:
        task_id = list_tasks(session, viewer, public_id)[0].id

    for who in (viewer, stranger):
        with pytest.raises(Forbidden), transaction(factory) as session:
            update_task(session, who, public_id, task_id, TaskChange(status="done"))
        with pytest.raises(Forbidden), transaction(factory) as session:
            refresh_tasks(session, who, public_id)
        with pytest.raises(Forbidden), transaction(factory) as session:
            add_own_measure(session, who, "gm0001", OwnMeasureIn(code="x", name="X"))
    with pytest.raises(Forbidden), transaction(factory) as session:
        list_tasks(session, stranger, public_id)
    other = make_algorithm(factory, organisation="gm0002")
    root = Principal("root", is_superuser=True)
    with pytest.raises(NotFound), transaction(factory) as session:  # the task belongs to another algorithm
        update_task(session, root, other, task_id, TaskChange(status="done"))


def test_refresh_needs_a_profile_and_a_framework(factory: Factory, editor: Principal) -> None:
    import_official(factory, framework=False)
    public_id = make_algorithm(factory)
    with pytest.raises(NotImported, match="--task-registry"), transaction(factory) as session:
        refresh_tasks(session, editor, public_id)
    import_official(factory, tree=False)
    with pytest.raises(Conflict, match="no AI Act profile"), transaction(factory) as session:
        refresh_tasks(session, editor, public_id)
