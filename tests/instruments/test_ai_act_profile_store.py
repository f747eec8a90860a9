"""The AI Act profile of an algorithm: the official decision aid run on given answers, stored with its
outcome and proposed publication category, its history kept, bad answers refused, access by role."""

import pytest
from sqlalchemy import func, select

from algoreg.db.models import AiActProfileRecord, AuditEvent, FrameworkDefinition
from algoreg.db.session import transaction
from algoreg.errors import Forbidden, InvalidInput, NotFound
from algoreg.instruments.decision_tree.analysis import Path
from algoreg.instruments.decision_tree.profile import FAMILIES, LabelFamily, propose_publication_category
from algoreg.instruments.framework import definitions
from algoreg.instruments.framework.definitions import NotImported, content_digest
from algoreg.instruments.framework.profile_store import current_profile, profile_history, record_profile
from algoreg.register.roles import Principal, Role
from algoreg.standard.enums import PublicationCategory
from tests.instruments.framework_tasks_support import (
    Factory,
    answers,
    editor,
    high_risk_path,
    impactful_path,
    import_official,
    make_algorithm,
    official_tree,
    official_tree_data,
    other_path,
    outside_act_path,
    principal,
    profile_of,
)

__all__ = ["editor"]


def record(factory: Factory, who: Principal, public_id: str, path: Path) -> None:
    with transaction(factory) as session:
        record_profile(session, who, public_id, answers(path))


@pytest.mark.parametrize(
    ("pick", "category"),
    [
        (high_risk_path, "Hoog-risico AI-systeem"),
        (impactful_path, "Impactvolle algoritmes"),
        (other_path, "Overige algoritmes"),
        (outside_act_path, "Overige algoritmes"),
    ],
)
def test_a_path_of_the_official_tree_is_stored_with_its_outcome_and_proposed_category(
    factory: Factory, editor: Principal, pick: object, category: str
) -> None:
    # given the official tree imported and an algorithm of the editor's organisation
    import_official(factory, framework=False)
    public_id = make_algorithm(factory)
    path: Path = pick()  # type: ignore[operator]
    expected = profile_of(path)

    # when the editor records the answers of that path
    with transaction(factory) as session:
        stored = record_profile(session, editor, public_id, answers(path))

    # then the conclusion, the label families and the category are those of the tree, spelled as given
    assert stored.conclusion_id == path.conclusion_id
    assert stored.profile == expected
    assert stored.proposal.category.value == category
    assert stored.proposal.category in set(PublicationCategory)
    assert stored.answers == tuple(path.moves)
    tree = official_tree()
    assert (stored.tree_name, stored.tree_version) == (tree.name, tree.version)
    assert stored.tree_digest == content_digest(official_tree_data())
    assert stored.conclusion == tree.conclusions_by_id[path.conclusion_id].conclusion
    assert stored.refresh is None  # no framework imported, so no tasks
    with transaction(factory) as session:
        again = current_profile(session, editor, public_id)
        row = session.scalars(select(AiActProfileRecord)).one()
    assert again.profile == expected and again.is_current
    assert row.proposed_category == category
    assert row.created_by == "eva"


def test_the_stored_outcome_keeps_role_risk_group_and_obligations(
    factory: Factory, editor: Principal
) -> None:
    import_official(factory, framework=False)
    public_id = make_algorithm(factory)
    path = high_risk_path()

    record(factory, editor, public_id, path)

    with transaction(factory) as session:
        view = current_profile(session, editor, public_id)
    assert "hoog-risico AI" in view.profile.risk_group
    roles = {label for label in path.labels if label in FAMILIES[LabelFamily.ROLE]}
    assert roles and set(view.profile.role) == roles
    assert view.profile.ai_act_applies is True
    assert view.proposal.organisation_decides is False


def test_history_is_kept_and_the_newest_profile_is_current(factory: Factory, editor: Principal) -> None:
    import_official(factory, framework=False)
    public_id = make_algorithm(factory)

    record(factory, editor, public_id, high_risk_path())
    record(factory, editor, public_id, other_path())

    with transaction(factory) as session:
        history = profile_history(session, editor, public_id)
        current = current_profile(session, editor, public_id)
        audited = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ai_act_profile.record")
        )
    assert [view.conclusion_id for view in history] == [
        other_path().conclusion_id,
        high_risk_path().conclusion_id,
    ]
    assert [view.is_current for view in history] == [True, False]
    assert current.id == history[0].id
    assert current.proposal == propose_publication_category(profile_of(other_path()))
    assert audited == 2


def test_answers_off_the_tree_are_refused_naming_the_answer_and_nothing_is_stored(
    factory: Factory, editor: Principal
) -> None:
    import_official(factory, framework=False)
    public_id = make_algorithm(factory)
    first = official_tree().start

    with pytest.raises(InvalidInput) as wrong_answer, transaction(factory) as session:
        record_profile(session, editor, public_id, [(first.question_id, "Misschien")])
    with pytest.raises(InvalidInput) as unfinished, transaction(factory) as session:
        record_profile(session, editor, public_id, answers(high_risk_path())[:-1])
    with pytest.raises(InvalidInput) as wrong_question, transaction(factory) as session:
        record_profile(session, editor, public_id, [("9.9", "Ja")])
    with pytest.raises(InvalidInput) as empty, transaction(factory) as session:
        record_profile(session, editor, public_id, [])

    assert wrong_answer.value.problems[0].field == "answer"
    assert "'Misschien'" in wrong_answer.value.problems[0].reason
    assert first.answers[0].answer_id in wrong_answer.value.problems[0].reason
    last_question = high_risk_path().moves[-1][0]
    assert f"question {last_question} is still open" in unfinished.value.problems[0].reason
    assert wrong_question.value.problems[0].field == "answers[0]"
    assert empty.value.problems[0].field == "answers"
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(AiActProfileRecord)) == 0


def test_without_an_imported_tree_the_action_says_how_to_import_one(
    factory: Factory, editor: Principal
) -> None:
    public_id = make_algorithm(factory)

    with pytest.raises(NotImported) as missing, transaction(factory) as session:
        record_profile(session, editor, public_id, answers(high_risk_path()))

    assert "algoreg framework import --decision-tree" in missing.value.message


def test_viewers_read_but_do_not_record_and_other_organisations_are_refused(
    factory: Factory, editor: Principal
) -> None:
    import_official(factory, framework=False)
    public_id = make_algorithm(factory)
    record(factory, editor, public_id, high_risk_path())
    viewer = principal(factory, "vera", {"gm0001": Role.VIEWER})
    stranger = principal(factory, "otto", {"gm0002": Role.ADMIN})

    with transaction(factory) as session:
        assert current_profile(session, viewer, public_id).conclusion_id == high_risk_path().conclusion_id
    with pytest.raises(Forbidden), transaction(factory) as session:
        record_profile(session, viewer, public_id, answers(other_path()))
    with pytest.raises(Forbidden), transaction(factory) as session:
        current_profile(session, stranger, public_id)
    with pytest.raises(Forbidden), transaction(factory) as session:
        record_profile(session, stranger, public_id, answers(other_path()))
    with pytest.raises(NotFound), transaction(factory) as session:
        current_profile(session, editor, "no-such-algorithm")


def test_an_algorithm_without_a_profile_is_not_found(factory: Factory, editor: Principal) -> None:
    public_id = make_algorithm(factory)
    with pytest.raises(NotFound, match="no AI Act profile"), transaction(factory) as session:
        current_profile(session, editor, public_id)


def test_importing_the_same_tree_twice_stores_it_once_and_only_administrators_import(
    factory: Factory, editor: Principal
) -> None:
    import_official(factory, framework=False)
    with transaction(factory) as session:
        again = definitions.import_decision_tree(
            session, definitions_admin(), official_tree_data(), "tree.yaml"
        )
        count = session.scalar(select(func.count()).select_from(FrameworkDefinition))
    assert again.added is False and count == 1
    with pytest.raises(Forbidden), transaction(factory) as session:
        definitions.import_decision_tree(session, editor, official_tree_data(), "tree.yaml")
    with pytest.raises(InvalidInput) as broken, transaction(factory) as session:
        definitions.import_decision_tree(session, definitions_admin(), {"name": "x"}, "broken.yaml")
    assert all(problem.field.startswith("broken.yaml") for problem in broken.value.problems)


def definitions_admin() -> Principal:
    return Principal(name="admin", is_superuser=True)
