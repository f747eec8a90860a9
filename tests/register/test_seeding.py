"""The demo's sample register, seeded into a real database."""

from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.demo.sample import load_sample_register
from algoreg.register import algorithms
from algoreg.register.roles import SYSTEM
from algoreg.register.seeding import seed_sample_register
from algoreg.register.workflow import State


def test_the_sample_register_seeds_with_states_and_history(factory: sessionmaker[Session]) -> None:
    # given the sample register
    sample = load_sample_register()
    # when it is seeded
    with transaction(factory) as session:
        report = seed_sample_register(session, SYSTEM)
    # then every organisation and algorithm is there, in its workflow state
    assert (report.organisations, report.algorithms) == (len(sample.organisations), len(sample.algorithms))
    with transaction(factory) as session:
        states: dict[State, int] = {}
        for organisation in sample.organisations:
            for view in algorithms.list_for_organisation(session, SYSTEM, organisation.code):
                states[view.state] = states.get(view.state, 0) + 1
        expected: dict[State, int] = {}
        for item in sample.algorithms:
            expected[State(item.workflow)] = expected.get(State(item.workflow), 0) + 1
        assert states == expected
        # and the public sees the published ones, with earlier versions in their history
        public = algorithms.list_published(session, limit=500)
        assert public.total == expected[State.PUBLISHED]
        histories = [len(algorithms.published_history(session, item.public_id)) for item in public.items]
        assert max(histories) > 1
