"""The demo's sample register: complete, valid, varied and consistent."""

import re
from collections import Counter

import pytest

from algoreg.demo.sample import (
    ORGANISATION_KINDS,
    WORKFLOW_STATES,
    SampleRegister,
    SampleRegisterError,
    load_sample_register,
    parse_sample_register,
)
from algoreg.register.workflow import State
from algoreg.standard.enums import Category, PublicationCategory, Status
from algoreg.standard.v1_0 import AlgorithmRecord


@pytest.fixture(scope="module")
def register() -> SampleRegister:
    return load_sample_register()


def test_the_sample_register_loads(register: SampleRegister) -> None:
    # given the sample register shipped with the package (loaded by the fixture)
    # when we look at what was loaded
    # then it holds organisations and algorithms
    assert register.organisations
    assert register.algorithms


def test_every_record_validates_again_from_its_json(register: SampleRegister) -> None:
    # given every current and earlier record of the sample
    records = [r for a in register.algorithms for r in (a.record, *a.earlier_versions)]

    # when each is written as JSON and read back through the standard's model
    again = [AlgorithmRecord.model_validate(record.to_json()) for record in records]

    # then nothing is refused and nothing changes
    assert again == records


def test_about_ten_organisations_of_all_six_kinds(register: SampleRegister) -> None:
    # given the organisations of the sample
    organisations = register.organisations

    # when we count them and their kinds
    kinds = Counter(o.kind for o in organisations)

    # then there are about ten, every kind occurs, and there are several municipalities
    assert 9 <= len(organisations) <= 12
    assert set(kinds) == set(ORGANISATION_KINDS)
    assert kinds["gemeente"] >= 3
    assert len({o.code for o in organisations}) == len(organisations)


def test_there_are_sixty_algorithms(register: SampleRegister) -> None:
    # given / when the sample is loaded
    # then it has sixty algorithms
    assert len(register.algorithms) == 60


@pytest.mark.parametrize("category", list(Category))
def test_every_category_occurs(register: SampleRegister, category: Category) -> None:
    # given the themes of all current records
    used = {c for a in register.algorithms for c in a.record.category or []}

    # when / then this theme is among them
    assert category in used


def test_some_algorithms_have_two_themes(register: SampleRegister) -> None:
    # given / when we count algorithms with more than one theme
    several = [a for a in register.algorithms if len(a.record.category or []) >= 2]

    # then there are some
    assert len(several) >= 5


@pytest.mark.parametrize("status", list(Status))
def test_every_status_occurs(register: SampleRegister, status: Status) -> None:
    # given / when we collect the statuses of the current records
    used = {a.record.status for a in register.algorithms}

    # then this status is among them
    assert status in used


@pytest.mark.parametrize("publication_category", list(PublicationCategory))
def test_every_publication_category_occurs(
    register: SampleRegister, publication_category: PublicationCategory
) -> None:
    # given / when we collect the publication categories of the current records
    used = {a.record.publication_category for a in register.algorithms}

    # then this publication category is among them
    assert publication_category in used


def test_workflow_states_are_those_of_the_workflow() -> None:
    # given the states the loader accepts
    # when compared with the workflow's state machine
    # then they are the same
    assert set(WORKFLOW_STATES) == {state.value for state in State}


def test_every_workflow_state_occurs_and_most_are_published(register: SampleRegister) -> None:
    # given / when we count the workflow states
    states = Counter(a.workflow for a in register.algorithms)

    # then every state occurs and published is the majority
    assert set(states) == set(WORKFLOW_STATES)
    assert states["published"] > len(register.algorithms) / 2


def test_every_algorithm_belongs_to_an_existing_organisation_by_name(register: SampleRegister) -> None:
    # given the organisations by code
    names = {o.code: o.name for o in register.organisations}

    # when / then each algorithm's organisation exists and its record carries that name
    for algorithm in register.algorithms:
        assert algorithm.organisation in names
        assert algorithm.record.organization == names[algorithm.organisation]
        for earlier in algorithm.earlier_versions:
            assert earlier.organization == names[algorithm.organisation]


def test_every_organisation_has_algorithms(register: SampleRegister) -> None:
    # given / when we collect the organisations that have algorithms
    used = {a.organisation for a in register.algorithms}

    # then none is left without
    assert used == {o.code for o in register.organisations}


def test_earlier_versions_differ_from_the_current_one(register: SampleRegister) -> None:
    # given the algorithms that have a version history
    with_history = [a for a in register.algorithms if a.earlier_versions]

    # when / then there are about eight, and each earlier version differs from the current record
    assert 6 <= len(with_history) <= 12
    for algorithm in with_history:
        for earlier in algorithm.earlier_versions:
            assert earlier != algorithm.record
            assert earlier.name == algorithm.record.name


def test_end_dates_only_for_algorithms_out_of_use(register: SampleRegister) -> None:
    # given / when we look at records with an end date
    ended = [a.record for a in register.algorithms if a.record.end_date]

    # then all of them, and only they, are out of use
    assert ended
    assert all(r.status is Status.OUT_OF_USE for r in ended)
    assert all(r.end_date for a in register.algorithms if (r := a.record).status is Status.OUT_OF_USE)


def test_all_links_are_https(register: SampleRegister) -> None:
    # given every link in the sample
    links = [o.website for o in register.organisations]
    for algorithm in register.algorithms:
        record = algorithm.record
        links += [u for u in (record.website, record.url, record.process_index_url, record.publiccode) if u]
        links += [basis.link for basis in record.lawful_basis_grouping or []]
        links += [source.link for source in record.source_data_grouping or []]
        links += [test.link for test in record.impacttoetsen_grouping or [] if test.link]

    # when / then each is an absolute https address
    assert all(link.startswith("https://") for link in links)


def test_rich_text_uses_lists_and_laws_link_to_the_statute_book(register: SampleRegister) -> None:
    # given the current records
    records = [a.record for a in register.algorithms]

    # when we look for lists in rich text and for lawful bases
    with_lists = [r for r in records if "<ul><li>" in (r.risks or "") + (r.source_data or "")]
    law_links = [b.link for r in records for b in r.lawful_basis_grouping or []]

    # then both are well represented
    assert len(with_lists) >= 10
    assert sum("wetten.overheid.nl/BWBR" in link for link in law_links) >= 30


def test_goals_contain_ordinary_dutch_words_for_search(register: SampleRegister) -> None:
    # given all goals and short descriptions as one text
    text = " ".join(
        f"{a.record.goal or ''} {a.record.description_short}" for a in register.algorithms
    ).lower()

    # when / then ordinary Dutch words a visitor would search for occur
    for word in ("vergunning", "aanvragen", "controleren", "subsidie", "afval", "water"):
        assert re.search(word, text), word


_MINIMAL = """
organisations:
  - {code: gm9999, name: Gemeente Proef, kind: gemeente, website: "https://proef.example/",
     contact_email: info@proef.example}
algorithms:
  - organisation: gm9999
    workflow: published
    record:
      name: Proefalgoritme
      description_short: Een proef.
      organization: Gemeente Proef
      status: In gebruik
      begin_date: "%(begin)s"
      contact_email: info@proef.example
      publication_category: Overige algoritmes
      lang: nld
%(extra)s
"""


def test_a_minimal_register_parses() -> None:
    # given a minimal, correct register
    text = _MINIMAL % {"begin": "2024-01", "extra": ""}

    # when it is parsed
    register = parse_sample_register(text)

    # then it has one organisation and one algorithm
    assert [o.code for o in register.organisations] == ["gm9999"]
    assert register.algorithms[0].record.name == "Proefalgoritme"


def test_an_invalid_record_field_is_named_with_its_algorithm() -> None:
    # given a record whose begin date is not a month
    text = _MINIMAL % {"begin": "januari 2024", "extra": ""}

    # when it is parsed
    with pytest.raises(SampleRegisterError) as raised:
        parse_sample_register(text)

    # then the error names the algorithm and the field
    assert "Proefalgoritme" in str(raised.value)
    assert "begin_date" in str(raised.value)


def test_an_unknown_organisation_is_refused() -> None:
    # given an algorithm of an organisation that is not listed
    text = (_MINIMAL % {"begin": "2024-01", "extra": ""}).replace(
        "organisation: gm9999", "organisation: gm0000"
    )

    # when / then parsing names the field and the unknown code
    with pytest.raises(SampleRegisterError, match=r"Proefalgoritme.*'organisation'.*gm0000"):
        parse_sample_register(text)


def test_an_earlier_version_with_an_unknown_field_is_refused() -> None:
    # given an earlier version that overrides a field the standard does not have
    extra = "    earlier_versions:\n      - {summary: Oud}"
    text = _MINIMAL % {"begin": "2024-01", "extra": extra}

    # when / then parsing names the algorithm, the version and the field
    with pytest.raises(SampleRegisterError, match=r"Proefalgoritme.*earlier version #1.*'summary'"):
        parse_sample_register(text)


def test_an_earlier_version_identical_to_the_current_one_is_refused() -> None:
    # given an earlier version that changes nothing
    extra = '    earlier_versions:\n      - {begin_date: "2024-01"}'
    text = _MINIMAL % {"begin": "2024-01", "extra": extra}

    # when / then parsing refuses it
    with pytest.raises(SampleRegisterError, match="identical"):
        parse_sample_register(text)


def test_an_earlier_version_may_lack_an_optional_field() -> None:
    # given an earlier version without a begin date
    extra = "    earlier_versions:\n      - {begin_date: null}"
    text = _MINIMAL % {"begin": "2024-01", "extra": extra}

    # when it is parsed
    algorithm = parse_sample_register(text).algorithms[0]

    # then the earlier version has no begin date and the current one keeps it
    assert algorithm.earlier_versions[0].begin_date is None
    assert algorithm.record.begin_date == "2024-01"


def test_organization_must_match_the_organisation_name() -> None:
    # given a record naming another organisation
    text = (_MINIMAL % {"begin": "2024-01", "extra": ""}).replace(
        "organization: Gemeente Proef", "organization: Gemeente Elders"
    )

    # when / then parsing names the field
    with pytest.raises(SampleRegisterError, match=r"'organization'.*Gemeente Proef"):
        parse_sample_register(text)


def test_text_that_is_not_yaml_is_refused() -> None:
    # given / when / then
    with pytest.raises(SampleRegisterError, match="not valid YAML"):
        parse_sample_register("organisations: [unclosed")
