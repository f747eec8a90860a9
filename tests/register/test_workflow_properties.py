"""The workflow under random sequences of actions by random roles, on the real database.

A Hypothesis state machine creates algorithms and edits, submits, rejects, approves, publishes,
retracts, archives and unarchives them as a viewer, editor, publisher or admin of the
organisation, or as an admin of another one. After every step it checks:

* the public sees only published versions, each exactly as it was when published;
* a stored version never changes;
* every step that succeeded is in the audit log once, with its action and who took it;
* every step that was refused changed nothing at all (algorithm, versions, audit log, feed);
* a step succeeds exactly when the workflow's rules and the role allow it.
"""

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.models import Algorithm, AlgorithmVersion, AuditEvent, PublicationEntry
from algoreg.db.session import session_factory, transaction
from algoreg.errors import AlgoregError
from algoreg.register import algorithms, organisations
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import SYSTEM, Principal, Role
from algoreg.register.workflow import RULES, Action, State
from tests.database import emptied
from tests.samples import sample_record

OWN_NAME = "Gemeente Voorbeeld"
ACTORS = ("viewer", "editor", "publisher", "admin", "other")
STEPS = [action for action in Action if action is not Action.EDIT]
#: The step that takes an algorithm on towards publication (or back from the archive).
FORWARD = {
    State.CONCEPT: Action.SUBMIT,
    State.RETRACTED: Action.SUBMIT,
    State.IN_REVIEW: Action.APPROVE,
    State.APPROVED: Action.PUBLISH,
    State.ARCHIVED: Action.UNARCHIVE,
}
#: The steps that take an algorithm back: out of review, out of public view, out of use.
BACK = (Action.REJECT, Action.RETRACT, Action.ARCHIVE)
GOALS = ("<p>Sneller beslissen.</p>", "<p>Zorgvuldig beslissen.</p>", "<p>Eerlijk beslissen.</p>")


@dataclass(frozen=True)
class Snapshot:
    """Everything a step may change, for one algorithm and for the register as a whole."""

    algorithm: tuple[Any, ...]
    versions: int
    audit_events: int
    feed_entries: int


def snapshot(session: Session, public_id: str | None) -> Snapshot:
    row: tuple[Any, ...] = ()
    if public_id is not None:
        a = session.scalar(select(Algorithm).where(Algorithm.public_id == public_id))
        assert a is not None
        row = (
            a.state,
            a.lock_version,
            a.latest_version_number,
            a.public_version_number,
            a.retracted_at,
            a.archived_at,
            a.state_before_archive,
        )
    return Snapshot(
        algorithm=row,
        versions=session.scalar(select(func.count()).select_from(AlgorithmVersion)) or 0,
        audit_events=session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        feed_entries=session.scalar(select(func.count()).select_from(PublicationEntry)) or 0,
    )


class Workflow(RuleBasedStateMachine):
    """Random steps by random roles on a few algorithms of one organisation."""

    algorithms = Bundle("algorithms")

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.factory: sessionmaker[Session] = session_factory(emptied(engine))
        with transaction(self.factory) as session:
            own = organisations.create_organisation(
                session,
                SYSTEM,
                OrganisationIn(code="gm0001", name=OWN_NAME, kind=OrganisationKind.GEMEENTE),
            ).id
            other = organisations.create_organisation(
                session,
                SYSTEM,
                OrganisationIn(code="gm0002", name="Gemeente Anders", kind=OrganisationKind.GEMEENTE),
            ).id
        self.actors = {
            name: Principal(name=f"{name}-user", roles={own: Role(name)})
            for name in ACTORS
            if name != "other"
        }
        self.actors["other"] = Principal(name="other-user", roles={other: Role.ADMIN})
        #: Every version seen, as first stored: (public id, number) -> record.
        self.stored: dict[tuple[str, int], dict[str, Any]] = {}
        #: The public record of every version when it was published: (public id, number) -> record.
        self.published: dict[tuple[str, int], dict[str, Any]] = {}

    # --- steps ------------------------------------------------------------------------------------

    def _attempt(self, public_id: str | None, actor: str, expected_action: str, work: Any) -> Any:
        """Run ``work`` in one transaction; check the audit log if it succeeded, or that nothing changed."""
        with transaction(self.factory) as session:
            before = snapshot(session, public_id)
        try:
            with transaction(self.factory) as session:
                result = work(session, self.actors[actor])
        except AlgoregError:
            with transaction(self.factory) as session:
                assert snapshot(session, public_id) == before, f"{expected_action} by {actor} was refused"
            return None
        with transaction(self.factory) as session:
            after = snapshot(session, public_id or result)
            events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)))
            if after.audit_events != before.audit_events:
                assert after.audit_events == before.audit_events + 1
                assert events[0].action == expected_action and events[0].actor == self.actors[actor].name
            else:  # only an edit that changes nothing may leave no trace, for it changed nothing
                assert expected_action == "algorithm.edit" and after == before
        return result if result is not None else True

    @rule(target=algorithms, actor=st.sampled_from(ACTORS))
    def create(self, actor: str) -> Any:
        public_id = self._attempt(
            None,
            actor,
            "algorithm.create",
            lambda s, who: (
                algorithms.create_algorithm(s, who, "gm0001", sample_record(organization=OWN_NAME)).public_id
            ),
        )
        may = actor in ("editor", "publisher", "admin")
        assert (public_id is not None) == may, f"create by {actor}"
        return public_id if public_id is not None else self._fallback()

    def _fallback(self) -> str:
        """An algorithm made by the system, so the bundle always has one to act on."""
        with transaction(self.factory) as session:
            return algorithms.create_algorithm(
                session, SYSTEM, "gm0001", sample_record(organization=OWN_NAME)
            ).public_id

    @rule(public_id=algorithms, actor=st.sampled_from(ACTORS), goal=st.sampled_from(GOALS))
    def edit(self, public_id: str, actor: str, goal: str) -> None:
        state = self._state(public_id)
        done = self._attempt(
            public_id,
            actor,
            "algorithm.edit",
            lambda s, who: algorithms.update_algorithm(s, who, public_id, sample_record(goal=goal), None),
        )
        allowed = self._role_allows(actor, Role.EDITOR) and state in RULES[Action.EDIT].allowed_from
        assert (done is not None) == allowed, f"edit by {actor} in {state}"

    @rule(public_id=algorithms, actor=st.sampled_from(ACTORS), action=st.sampled_from(STEPS))
    def any_step(self, public_id: str, actor: str, action: Action) -> None:
        self._step(public_id, actor, action)

    @rule(public_id=algorithms, data=st.data())
    def a_step_forward(self, public_id: str, data: st.DataObject) -> None:
        # random steps by random roles seldom get an algorithm through review to publication
        action = FORWARD.get(self._state(public_id))
        if action is not None:
            may = [actor for actor in ACTORS if self._role_allows(actor, RULES[action].role)]
            self._step(public_id, data.draw(st.sampled_from(may), label="actor"), action)

    @rule(public_id=algorithms, actor=st.sampled_from(["publisher", "admin"]), action=st.sampled_from(BACK))
    def a_step_back(self, public_id: str, actor: str, action: Action) -> None:
        self._step(public_id, actor, action)

    def _step(self, public_id: str, actor: str, action: Action) -> None:
        state, public = self._state(public_id), self._is_public(public_id)
        done = self._attempt(
            public_id,
            actor,
            f"algorithm.{action.value}",
            lambda s, who: algorithms.perform(s, who, public_id, action),
        )
        allowed = (
            self._role_allows(actor, RULES[action].role)
            and state in RULES[action].allowed_from
            and (action is not Action.RETRACT or public)
        )
        assert (done is not None) == allowed, f"{action.value} by {actor} in {state}"
        if done is not None and action is Action.PUBLISH:
            with transaction(self.factory) as session:
                current = algorithms.get_published(session, public_id)
                self.published.setdefault((public_id, current.version_number), current.record)

    def _role_allows(self, actor: str, needed: Role) -> bool:
        return actor != "other" and Role(actor).rank >= needed.rank

    def _state(self, public_id: str) -> State:
        with transaction(self.factory) as session:
            return algorithms.view(session, SYSTEM, public_id).state

    def _is_public(self, public_id: str) -> bool:
        with transaction(self.factory) as session:
            return algorithms.view(session, SYSTEM, public_id).is_public

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def versions_never_change(self) -> None:
        with transaction(self.factory) as session:
            for algorithm in session.scalars(select(Algorithm)):
                for version in session.scalars(
                    select(AlgorithmVersion).where(AlgorithmVersion.algorithm_id == algorithm.id)
                ):
                    key = (algorithm.public_id, version.number)
                    assert self.stored.setdefault(key, version.record) == version.record, key

    @invariant()
    def the_public_sees_only_published_versions_as_published(self) -> None:
        with transaction(self.factory) as session:
            listed = algorithms.list_published(session, limit=500).items
            for item in listed:
                key = (item.public_id, item.version_number)
                assert key in self.published, f"{key} is public but was never published"
                assert item.record == self.published[key]
            visible = {item.public_id for item in listed}
            for algorithm in session.scalars(select(Algorithm)):
                view = algorithms.view(session, SYSTEM, algorithm.public_id)
                assert (algorithm.public_id in visible) == view.is_public
                if view.state in (State.ARCHIVED, State.RETRACTED):
                    assert not view.is_public


def test_the_workflow_keeps_its_promises_under_any_sequence_of_steps(migrated_engine: Engine) -> None:
    run_state_machine_as_test(
        lambda: Workflow(migrated_engine),
        settings=settings(
            max_examples=20,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    emptied(migrated_engine)
