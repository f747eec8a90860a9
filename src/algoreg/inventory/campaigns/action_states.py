"""The state of every asked action for every algorithm in scope, read from the records themselves.

An ``assessment`` action is done when an assessment of the algorithm with one of the action's
instruments is signed off, and in progress while one is open or reopened. A ``register`` action is
done while the algorithm has a public version, and in progress while it has none yet. A ``manual``
action is what the organisation last reported. Nothing here is stored: reading the records each time
is what keeps a campaign's progress from drifting away from them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import Algorithm, Assessment, CampaignAction, CampaignActionReport, CampaignAlgorithm
from algoreg.inventory.campaigns.inputs import ActionKind


class ActionState(StrEnum):
    """How far an asked action is for one algorithm."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class ActionStatus:
    """An action's state for one algorithm, and what it was read from (``source``: a short text)."""

    state: ActionState
    source: str
    since: datetime | None = None
    link: str | None = None


def _assessment_status(assessments: Sequence[Assessment]) -> ActionStatus:
    signed = [a for a in assessments if a.state == "signed_off"]
    if signed:
        newest = max(signed, key=lambda a: a.updated_at)
        return ActionStatus(
            ActionState.DONE,
            f"assessment {newest.id} signed off",
            newest.updated_at,
            f"/api/v1/assessments/{newest.id}",
        )
    if assessments:
        newest = max(assessments, key=lambda a: a.updated_at)
        return ActionStatus(
            ActionState.IN_PROGRESS, f"assessment {newest.id} {newest.state}", newest.updated_at, None
        )
    return ActionStatus(ActionState.NOT_STARTED, "no assessment")


def _register_status(algorithm: Algorithm) -> ActionStatus:
    if algorithm.public_version_number is not None:
        return ActionStatus(
            ActionState.DONE,
            f"version {algorithm.public_version_number} is public",
            None,
            f"/algoritme/{algorithm.public_id}",
        )
    return ActionStatus(ActionState.IN_PROGRESS, f"in the register, {algorithm.state}, not public")


def _reported_status(report: CampaignActionReport | None) -> ActionStatus:
    if report is None:
        return ActionStatus(ActionState.NOT_STARTED, "nothing reported")
    return ActionStatus(
        ActionState(report.status), f"reported by {report.reported_by}", report.reported_at, report.link
    )


def action_states(
    session: Session, actions: Sequence[CampaignAction], items: Sequence[CampaignAlgorithm]
) -> dict[tuple[int, int], ActionStatus]:
    """The status of each action for each item, keyed by ``(item id, action id)``; three queries in all."""
    algorithm_ids = [item.algorithm_id for item in items]
    algorithms = {a.id: a for a in session.scalars(select(Algorithm).where(Algorithm.id.in_(algorithm_ids)))}
    keys = {key.lower() for action in actions for key in action.instrument_keys}
    assessments: dict[int, list[Assessment]] = {}
    if keys and algorithm_ids:
        for assessment in session.scalars(
            select(Assessment).where(Assessment.algorithm_id.in_(algorithm_ids))
        ):
            assessments.setdefault(assessment.algorithm_id, []).append(assessment)
    reports: dict[tuple[int, int], CampaignActionReport] = {}
    if items:
        newest_last = (
            select(CampaignActionReport)
            .where(CampaignActionReport.campaign_algorithm_id.in_([item.id for item in items]))
            .order_by(CampaignActionReport.reported_at, CampaignActionReport.id)
        )
        for report in session.scalars(newest_last):
            reports[(report.campaign_algorithm_id, report.action_id)] = report  # the newest wins
    states: dict[tuple[int, int], ActionStatus] = {}
    for item in items:
        for action in actions:
            if action.kind == ActionKind.ASSESSMENT:
                wanted = {key.lower() for key in action.instrument_keys}
                found = [
                    a for a in assessments.get(item.algorithm_id, []) if a.instrument_key.lower() in wanted
                ]
                status = _assessment_status(found)
            elif action.kind == ActionKind.REGISTER:
                status = _register_status(algorithms[item.algorithm_id])
            else:
                status = _reported_status(reports.get((item.id, action.id)))
            states[(item.id, action.id)] = status
    return states
