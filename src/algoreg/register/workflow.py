"""The publication workflow as a pure state machine.

An algorithm's working description moves concept → in review → approved → published. Editing
creates a new version and brings the algorithm back to concept; a version that was published stays
public until a newer one is published or the algorithm is retracted. Retract hides it from the
public (history is kept); archive takes the algorithm out of use and out of the public register,
and unarchive brings it back to the state it had.
"""

from dataclasses import dataclass
from enum import StrEnum

from algoreg.errors import Conflict
from algoreg.register.roles import Role


class State(StrEnum):
    """Workflow state of an algorithm's newest version."""

    CONCEPT = "concept"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"
    RETRACTED = "retracted"
    ARCHIVED = "archived"


class Action(StrEnum):
    """A step a person can take on an algorithm."""

    EDIT = "edit"
    SUBMIT = "submit"
    REJECT = "reject"
    APPROVE = "approve"
    PUBLISH = "publish"
    RETRACT = "retract"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"


@dataclass(frozen=True)
class Rule:
    """When an action is allowed, which role it needs, and the state it leads to."""

    allowed_from: frozenset[State]
    role: Role
    to: State | None  # None: decided by the caller (unarchive returns to the earlier state)


_EDITABLE = frozenset({State.CONCEPT, State.IN_REVIEW, State.APPROVED, State.PUBLISHED, State.RETRACTED})

RULES: dict[Action, Rule] = {
    Action.EDIT: Rule(_EDITABLE, Role.EDITOR, State.CONCEPT),
    # A retracted algorithm can go back through review as it is, without a new version.
    Action.SUBMIT: Rule(frozenset({State.CONCEPT, State.RETRACTED}), Role.EDITOR, State.IN_REVIEW),
    Action.REJECT: Rule(frozenset({State.IN_REVIEW, State.APPROVED}), Role.PUBLISHER, State.CONCEPT),
    Action.APPROVE: Rule(frozenset({State.IN_REVIEW}), Role.PUBLISHER, State.APPROVED),
    Action.PUBLISH: Rule(frozenset({State.APPROVED}), Role.PUBLISHER, State.PUBLISHED),
    # Retract withdraws the public version; the service checks that one is public.
    Action.RETRACT: Rule(_EDITABLE - {State.RETRACTED}, Role.PUBLISHER, State.RETRACTED),
    Action.ARCHIVE: Rule(_EDITABLE, Role.PUBLISHER, State.ARCHIVED),
    Action.UNARCHIVE: Rule(frozenset({State.ARCHIVED}), Role.PUBLISHER, None),
}


def allowed_actions(state: State) -> list[Action]:
    """Return the actions that may be taken in ``state``, in workflow order."""
    return [action for action, rule in RULES.items() if state in rule.allowed_from]


def next_state(state: State, action: Action, state_before_archive: State | None = None) -> State:
    """Return the state after ``action``, or raise :class:`Conflict` naming what is allowed now."""
    rule = RULES[action]
    if state not in rule.allowed_from:
        allowed = ", ".join(a.value for a in allowed_actions(state)) or "none"
        raise Conflict(
            f"'{action.value}' is not possible while the algorithm is {state.value}; possible now: {allowed}."
        )
    if rule.to is not None:
        return rule.to
    return state_before_archive or State.CONCEPT


def steps_to_publish(state: State) -> list[Action]:
    """Return the shortest run of review steps that publishes the newest version from ``state``.

    Empty for a published algorithm and for an archived one (which must be unarchived first).
    Derived from :data:`RULES` through the review path (submit, approve, publish) only, so that a
    publication never skips review steps the workflow has.
    """
    path: list[Action] = []
    current = state
    for action in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH):
        if current in RULES[action].allowed_from:
            path.append(action)
            current = next_state(current, action)
    return path if current is State.PUBLISHED and state is not State.PUBLISHED else []
