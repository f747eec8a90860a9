"""Fill a register with the sample register shipped for the demo."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from algoreg.demo.sample import SampleAlgorithm, load_sample_register
from algoreg.register import algorithms, organisations
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import Principal
from algoreg.register.workflow import Action, State

_PATH_TO: dict[State, list[Action]] = {
    State.CONCEPT: [],
    State.IN_REVIEW: [Action.SUBMIT],
    State.APPROVED: [Action.SUBMIT, Action.APPROVE],
    State.PUBLISHED: [Action.SUBMIT, Action.APPROVE, Action.PUBLISH],
    State.RETRACTED: [Action.SUBMIT, Action.APPROVE, Action.PUBLISH, Action.RETRACT],
    State.ARCHIVED: [Action.SUBMIT, Action.APPROVE, Action.PUBLISH, Action.ARCHIVE],
}
_PUBLISH = _PATH_TO[State.PUBLISHED]


@dataclass(frozen=True)
class SeedReport:
    """How much the seeding created."""

    organisations: int
    algorithms: int
    versions: int


def _seed_algorithm(session: Session, principal: Principal, sample: SampleAlgorithm) -> int:
    history = [*sample.earlier_versions, sample.record]
    first, *later = history
    algorithm = algorithms.create_algorithm(session, principal, sample.organisation, first.to_json())
    for record in later:
        for action in _PUBLISH:
            algorithms.perform(session, principal, algorithm.public_id, action)
        algorithms.update_algorithm(session, principal, algorithm.public_id, record.to_json(), None)
    for action in _PATH_TO[State(sample.workflow)]:
        algorithms.perform(session, principal, algorithm.public_id, action)
    return len(history)


def seed_sample_register(session: Session, principal: Principal) -> SeedReport:
    """Create the sample organisations and algorithms, each brought to its workflow state.

    Algorithms with earlier versions get each earlier version published before the next one is
    written, so the public history shows them.
    """
    register = load_sample_register()
    for sample_organisation in register.organisations:
        organisations.create_organisation(
            session,
            principal,
            OrganisationIn(
                code=sample_organisation.code,
                name=sample_organisation.name,
                kind=OrganisationKind(sample_organisation.kind),
                website=sample_organisation.website,
                contact_email=sample_organisation.contact_email,
            ),
        )
    versions = sum(_seed_algorithm(session, principal, sample) for sample in register.algorithms)
    return SeedReport(len(register.organisations), len(register.algorithms), versions)
