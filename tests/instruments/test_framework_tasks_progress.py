"""Evidence on framework tasks, progress per lifecycle phase, and audit readiness per algorithm and per
organisation from the ADR/Rekenkamer items with a measure mapping."""

import hashlib

import pytest
from sqlalchemy import select

from algoreg.db.models import FrameworkTaskEvent
from algoreg.db.session import transaction
from algoreg.errors import Conflict, Forbidden, InvalidInput, NotFound
from algoreg.instruments.framework import definitions
from algoreg.instruments.framework.definitions import NotImported
from algoreg.instruments.framework.evidence import (
    MAX_FILE_BYTES,
    EvidenceTooLarge,
    add_file,
    add_link,
    evidence_file,
    list_evidence,
)
from algoreg.instruments.framework.profile_store import record_profile
from algoreg.instruments.framework.progress import (
    algorithm_audit_readiness,
    count_by_phase,
    organisation_audit_readiness,
    phase_progress,
)
from algoreg.instruments.framework.tasks import TaskChange, TaskView, list_tasks, update_task
from algoreg.register.roles import SYSTEM, Principal, Role
from tests.instruments.framework_tasks_support import (
    Factory,
    answers,
    audit_items,
    editor,
    import_official,
    make_algorithm,
    official_framework,
    principal,
    provider_high_risk_path,
)

__all__ = ["editor"]


def algorithm_with_tasks(factory: Factory, who: Principal) -> tuple[str, list[TaskView]]:
    public_id = make_algorithm(factory)
    with transaction(factory) as session:
        record_profile(session, who, public_id, answers(provider_high_risk_path()))
        return public_id, list_tasks(session, who, public_id)


# --- evidence -----------------------------------------------------------------------------------------


def test_links_and_files_are_kept_as_evidence_with_history(factory: Factory, editor: Principal) -> None:
    import_official(factory)
    public_id, tasks = algorithm_with_tasks(factory, editor)
    task_id = tasks[0].id
    content = b"%PDF-1.4 verslag van de toets\n"

    with transaction(factory) as session:
        link = add_link(
            session, editor, public_id, task_id, " https://docs.example/besluit ", "Besluit van de CIO"
        )
        stored = add_file(
            session, editor, public_id, task_id, "toets.pdf", "Application/PDF", content, "Verslag"
        )
    with transaction(factory) as session:
        listed = list_evidence(session, editor, public_id, task_id)
        download = evidence_file(session, editor, public_id, task_id, stored.id)
        events = list(
            session.scalars(
                select(FrameworkTaskEvent)
                .where(FrameworkTaskEvent.task_id == task_id)
                .order_by(FrameworkTaskEvent.id)
            )
        )
        count = next(t for t in list_tasks(session, editor, public_id) if t.id == task_id).evidence_count

    assert link.url == "https://docs.example/besluit" and link.kind == "link"
    assert [item.id for item in listed] == [link.id, stored.id]
    assert download.content == content and download.media_type == "application/pdf"
    assert download.sha256 == hashlib.sha256(content).hexdigest() == stored.sha256
    assert stored.size == len(content)
    assert [event.action for event in events] == ["create", "evidence", "evidence"]
    assert count == 2
    with pytest.raises(NotFound), transaction(factory) as session:
        evidence_file(session, editor, public_id, task_id, link.id)  # a link has no file


def test_bad_evidence_is_refused_naming_the_field(factory: Factory, editor: Principal) -> None:
    import_official(factory)
    public_id, tasks = algorithm_with_tasks(factory, editor)
    task_id = tasks[0].id

    with pytest.raises(InvalidInput) as bad_link, transaction(factory) as session:
        add_link(session, editor, public_id, task_id, "javascript:alert(1)", "")
    with pytest.raises(InvalidInput) as bad_file, transaction(factory) as session:
        add_file(session, editor, public_id, task_id, "../etc/passwd", "pdf", b"", "x")
    with pytest.raises(EvidenceTooLarge) as too_large, transaction(factory) as session:
        add_file(
            session,
            editor,
            public_id,
            task_id,
            "groot.bin",
            "application/octet-stream",
            b"0" * (MAX_FILE_BYTES + 1),
            "x",
        )

    assert [problem.field for problem in bad_link.value.problems] == ["url", "description"]
    assert [problem.field for problem in bad_file.value.problems] == ["content", "file_name", "media_type"]
    assert str(MAX_FILE_BYTES) in too_large.value.problems[0].reason
    with transaction(factory) as session:
        assert list_evidence(session, editor, public_id, task_id) == []


def test_viewers_read_evidence_but_add_none_and_strangers_see_nothing(
    factory: Factory, editor: Principal
) -> None:
    import_official(factory)
    public_id, tasks = algorithm_with_tasks(factory, editor)
    viewer = principal(factory, "vera", {"gm0001": Role.VIEWER})
    stranger = principal(factory, "otto", {"gm0002": Role.EDITOR})

    with transaction(factory) as session:
        assert list_evidence(session, viewer, public_id, tasks[0].id) == []
    for who in (viewer, stranger):
        with pytest.raises(Forbidden), transaction(factory) as session:
            add_link(session, who, public_id, tasks[0].id, "https://docs.example/x", "x")
    with pytest.raises(Forbidden), transaction(factory) as session:
        list_evidence(session, stranger, public_id, tasks[0].id)


# --- progress per phase ---------------------------------------------------------------------------------


def test_counting_by_phase_counts_a_task_under_each_of_its_phases() -> None:
    phases = [("a", "A"), ("b", "B"), ("c", "C")]
    tasks = [
        (["a"], "done"),
        (["a", "b"], "todo"),
        (["b"], "not_applicable"),
        ([], "in_progress"),
        (["x"], "done"),
    ]

    counted = count_by_phase(phases, tasks)

    assert [(p.phase, p.total, p.todo, p.in_progress, p.done, p.not_applicable) for p in counted] == [
        ("a", 2, 1, 0, 1, 0),
        ("b", 2, 1, 0, 0, 1),
        ("c", 0, 0, 0, 0, 0),
        (None, 2, 0, 1, 1, 0),
    ]
    assert counted[1].settled == 1 and counted[1].share_settled == 0.5
    assert counted[2].share_settled == 1.0


def test_progress_per_phase_follows_the_tasks_statuses(factory: Factory, editor: Principal) -> None:
    import_official(factory)
    public_id, tasks = algorithm_with_tasks(factory, editor)
    framework = official_framework()
    first_phase = framework.phase_ids()[0]
    in_first = [task for task in tasks if first_phase in task.phases]
    assert len(in_first) >= 2

    with transaction(factory) as session:
        update_task(session, editor, public_id, in_first[0].id, TaskChange(status="done"))
        update_task(
            session,
            editor,
            public_id,
            in_first[1].id,
            TaskChange(status="not_applicable", reason="Geen inkoop."),
        )
        progress = phase_progress(session, editor, public_id)

    assert [item.phase for item in progress] == list(framework.phase_ids())
    first = progress[0]
    assert first.total == len(in_first)
    assert (first.done, first.not_applicable, first.settled) == (1, 1, 2)
    for item in progress:
        assert item.total == sum(1 for task in tasks if item.phase in task.phases)


# --- audit readiness ------------------------------------------------------------------------------------


def import_audit(factory: Factory, mapping: dict[str, dict[str, list[str]]] | None) -> None:
    with transaction(factory) as session:
        definitions.import_audit(session, SYSTEM, audit_items(), {"measures": mapping} if mapping else None)


def test_readiness_per_item_follows_the_mapped_tasks(factory: Factory, editor: Principal) -> None:
    import_official(factory)
    public_id, tasks = algorithm_with_tasks(factory, editor)
    first, second = tasks[0], tasks[1]
    assert first.measure_id and second.measure_id
    import_audit(
        factory, {first.measure_id: {"ADR": ["SV.1"]}, second.measure_id: {"ADR": ["SV.1"], "ARK": ["1.01"]}}
    )

    with transaction(factory) as session:
        before = algorithm_audit_readiness(session, editor, public_id)
        update_task(session, editor, public_id, first.id, TaskChange(status="done"))
        partly = algorithm_audit_readiness(session, editor, public_id)
        update_task(
            session, editor, public_id, second.id, TaskChange(status="not_applicable", reason="Niet nodig.")
        )
        covered = algorithm_audit_readiness(session, editor, public_id)

    def coverage(readiness: object, key: str) -> str:
        items = readiness.result.items  # type: ignore[attr-defined]
        return next(item.coverage for item in items if f"{item.framework}:{item.number}" == key)

    assert before.mapped and coverage(before, "ADR:SV.1") == "not"
    assert coverage(partly, "ADR:SV.1") == "partly" and coverage(partly, "ARK:1.01") == "not"
    assert coverage(covered, "ADR:SV.1") == "covered" and coverage(covered, "ARK:1.01") == "covered"
    assert coverage(covered, "ADR:SV.2") == "unmapped"
    assert covered.result.summary["ADR"]["covered"] == 1  # type: ignore[union-attr]


def test_without_a_mapping_every_item_is_unmapped_and_without_items_it_says_how_to_import(
    factory: Factory, editor: Principal
) -> None:
    import_official(factory)
    public_id, _ = algorithm_with_tasks(factory, editor)
    with pytest.raises(NotImported, match="--audit-items"), transaction(factory) as session:
        algorithm_audit_readiness(session, editor, public_id)

    import_audit(factory, None)
    with transaction(factory) as session:
        readiness = algorithm_audit_readiness(session, editor, public_id)
    assert readiness.mapped is False
    assert {item.coverage for item in readiness.result.items} == {"unmapped"}
    assert len(readiness.result.items) == len(audit_items())


def test_a_mapping_with_unknown_measures_or_items_is_refused(factory: Factory) -> None:
    import_official(factory)
    with pytest.raises(InvalidInput) as refused, transaction(factory) as session:
        definitions.import_audit(
            session,
            SYSTEM,
            audit_items(),
            {"measures": {"geen-maatregel": {"ADR": ["SV.1"]}}},
            mapping_source="m.yaml",
        )
    assert refused.value.problems[0].field == "m.yaml: measures.geen-maatregel"


def test_organisation_readiness_combines_its_algorithms(factory: Factory, editor: Principal) -> None:
    import_official(factory)
    one, tasks = algorithm_with_tasks(factory, editor)
    two, _ = algorithm_with_tasks(factory, editor)
    measure = tasks[0].measure_id
    assert measure
    import_audit(factory, {measure: {"ADR": ["SV.1"]}})

    with transaction(factory) as session:
        update_task(session, editor, one, tasks[0].id, TaskChange(status="done"))
        readiness = organisation_audit_readiness(session, editor, "gm0001")
    item = next(item for item in readiness.result.items if item.number == "SV.1")  # type: ignore[union-attr]
    assert item.coverage == "partly"
    assert item.by_algorithm == {one: "covered", two: "not"}
    assert item.counts["covered"] == 1 and item.counts["not"] == 1

    stranger = principal(factory, "otto", {"gm0002": Role.ADMIN})
    with pytest.raises(Forbidden), transaction(factory) as session:
        organisation_audit_readiness(session, stranger, "gm0001")
    with pytest.raises(Conflict, match="has framework tasks yet"), transaction(factory) as session:
        organisation_audit_readiness(session, stranger, "gm0002")
