"""The audit mapping Algoreg ships: our proposed link from ADR and Rekenkamer items to measures."""

from typing import Any

import pytest
import yaml

from algoreg.errors import InvalidInput
from algoreg.instruments.framework.audit import (
    PROPOSED_MAPPING_PATH,
    AuditItem,
    AuditMapping,
    audit_mapping_from_data,
    audit_readiness,
    load_audit_items,
    proposed_audit_mapping,
)
from algoreg.instruments.framework.load import load_framework
from algoreg.instruments.framework.model import Framework
from tests.conftest import reference_file


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(reference_file("task-registry"))


@pytest.fixture(scope="module")
def items() -> tuple[AuditItem, ...]:
    return load_audit_items(reference_file("algoritmekader", "script", "maatregelen-adr-ark.csv"))


@pytest.fixture(scope="module")
def proposal(framework: Framework, items: tuple[AuditItem, ...]) -> AuditMapping:
    return proposed_audit_mapping(framework, items)


# --- the shipped file -----------------------------------------------------------------------------------


def test_the_shipped_file_says_it_is_our_proposal_and_how_to_replace_it() -> None:
    header = PROPOSED_MAPPING_PATH.read_text(encoding="utf-8").split("\nmeasures:", 1)[0]
    assert "PROPOSED" in header
    assert "judgement" in header
    assert "--audit-mapping" in header
    assert "docs/instruments/audit-mapping.md" in header


def test_the_shipped_file_loads_against_the_official_registry_and_items(proposal: AuditMapping) -> None:
    # proposed_audit_mapping raises InvalidInput on any problem; reaching here means there were none
    assert len(proposal.links) >= 60
    assert proposal.unmapped


def test_every_item_of_the_items_file_is_judged_mapped_or_unmapped(
    items: tuple[AuditItem, ...], proposal: AuditMapping
) -> None:
    # fails when the items file gains an item we have not judged: add it to the mapping or to unmapped
    assert proposal.unjudged(items) == ()
    mapped = {key for keys in proposal.links.values() for key in keys}
    assert mapped.isdisjoint(proposal.unmapped)
    assert mapped | set(proposal.unmapped) == {item.key for item in items}
    assert all(len(reason) > 20 for reason in proposal.unmapped.values())


def test_a_new_item_in_the_items_file_shows_as_unjudged(
    items: tuple[AuditItem, ...], proposal: AuditMapping
) -> None:
    new = AuditItem(framework="ADR", number="IB.31", text="Nieuw", source="Onderzoekskader Auditdienst Rijk")
    assert proposal.unjudged((*items, new)) == ("ADR:IB.31",)


def test_every_measure_named_exists_and_each_mapped_item_has_one_to_three(
    framework: Framework, items: tuple[AuditItem, ...], proposal: AuditMapping
) -> None:
    ids = {measure.id for measure in framework.measures}
    assert set(proposal.links) <= ids
    raw = yaml.safe_load(PROPOSED_MAPPING_PATH.read_text(encoding="utf-8"))
    assert set(raw["measures"]) == set(proposal.links)  # named by id, not by URN or code
    for item in items:
        if item.key not in proposal.unmapped:
            assert 1 <= len(proposal.measures_for(item.key)) <= 3, item.key


SPOT_CHECKS = [
    # privacy risk analysis / DPIA
    ("ADR:PRI.2", "4-owk-03-privacyrisico"),
    ("ARK:3.03", "4-owk-03-privacyrisico"),
    # impact of the algorithm
    ("ADR:SV.4", "2-owp-06-impactanalyse"),
    # logging
    ("ADR:IB.27", "4-owk-04-logging"),
    ("ARK:4.06", "4-owk-04-logging"),
    # bias
    ("ADR:DM.19", "5-ver-03-biasanalyse"),
    ("ARK:2.18", "5-ver-03-biasanalyse"),
    # back-ups
    ("ADR:IB.26", "7-mon-01-backups-maken"),
    ("ARK:4.08", "7-mon-01-backups-maken"),
    # separate training, validation and test data
    ("ADR:DM.5", "3-dat-07-training-validatie-en-testdata"),
    ("ARK:2.15", "3-dat-07-training-validatie-en-testdata"),
    # security by design
    ("ADR:IB.28", "4-owk-01-security-by-design"),
    ("ARK:4.09", "4-owk-01-security-by-design"),
    # problem, goal, legal basis, stopping, retention, change process, passwords, user management
    ("ADR:SV.1", "1-pba-01-formuleren-probleemdefinitie"),
    ("ARK:1.01", "1-pba-02-formuleren-doelstelling"),
    ("ADR:SV.7", "1-pba-05-wettelijke-grondslag"),
    ("ADR:SV.18", "4-owk-02-stopzetten-gebruik"),
    ("ADR:PRI.11", "3-dat-03-bewaartermijnen-persoonsgegevens"),
    ("ARK:4.07", "0-org-14-wijzigingenproces"),
    ("ARK:4.03", "0-org-13-wachtwoordbeheer"),
    ("ADR:IB.13", "0-org-11-gebruikersbeheer"),
    ("ARK:3.04", "6-imp-08-vermelding-in-verwerkingsregister"),
]


@pytest.mark.parametrize(("item_key", "measure_id"), SPOT_CHECKS)
def test_obvious_pairs_are_in_the_proposal(proposal: AuditMapping, item_key: str, measure_id: str) -> None:
    assert measure_id in proposal.measures_for(item_key)


def test_publishing_the_code_is_unmapped_on_purpose(proposal: AuditMapping) -> None:
    assert proposal.measures_for("ARK:2.11") == ()
    reason = proposal.unmapped_reason("ARK:2.11")
    assert reason is not None and "code" in reason
    assert proposal.unmapped_reason("ADR:SV.1") is None


def test_with_the_proposal_only_the_unmapped_items_lack_measures_in_readiness(
    items: tuple[AuditItem, ...], proposal: AuditMapping
) -> None:
    # when nothing is recorded for an algorithm
    readiness = audit_readiness(items, proposal, {})

    # then every judged-and-mapped item is "not" and only the unmapped ones are "unmapped"
    unmapped = {f"{row.framework}:{row.number}" for row in readiness.items if row.coverage == "unmapped"}
    assert unmapped == set(proposal.unmapped)
    assert {row.coverage for row in readiness.items} == {"not", "unmapped"}


# --- the unmapped block ---------------------------------------------------------------------------------


def _data(unmapped: Any) -> dict[str, Any]:
    return {"measures": {"5-ver-03-biasanalyse": {"ADR": ["DM.19"]}}, "unmapped": unmapped}


def test_an_unmapped_block_is_read_with_its_reasons(
    framework: Framework, items: tuple[AuditItem, ...]
) -> None:
    mapping = audit_mapping_from_data(
        _data({"ADR": {"IB.22": "Netwerkzonering\n  is generiek."}, "ARK": {"2.11": "Geen maatregel."}}),
        framework,
        items,
    )
    assert mapping.unmapped == {"ADR:IB.22": "Netwerkzonering is generiek.", "ARK:2.11": "Geen maatregel."}
    assert mapping.unmapped_reason("ADR:IB.22") == "Netwerkzonering is generiek."
    assert mapping.unmapped_reason("ADR:DM.19") is None
    assert audit_mapping_from_data(_data(None), framework, items).unmapped == {}


def test_a_wrong_unmapped_block_is_refused_naming_each_place(
    framework: Framework, items: tuple[AuditItem, ...]
) -> None:
    data = _data(
        {
            "ADR": {"DM.19": "al gekoppeld", "IB.99": "bestaat niet", "IB.22": "  ", 2.1: "geen tekst"},
            "NEN": {"1": "onbekend kader"},
            "ARK": ["2.11"],
        }
    )

    with pytest.raises(InvalidInput) as refused:
        audit_mapping_from_data(data, framework, items, where="mapping.yaml")

    problems = {problem.field: problem.reason for problem in refused.value.problems}
    assert problems == {
        "mapping.yaml: unmapped.ADR.DM.19": (
            "'DM.19' is also linked to a measure under measures; an item is either mapped or unmapped"
        ),
        "mapping.yaml: unmapped.ADR.IB.99": "'IB.99' is not an item of ADR",
        "mapping.yaml: unmapped.ADR.IB.22": "needs a reason: why no measure serves this item",
        "mapping.yaml: unmapped.ADR.2.1": '2.1 must be a quoted string, e.g. "2.10"',
        "mapping.yaml: unmapped.NEN": "is not an audit framework; known are ADR, ARK",
        "mapping.yaml: unmapped.ARK": "must map item numbers to the reason they are unmapped",
    }

    with pytest.raises(InvalidInput) as refused:
        audit_mapping_from_data(_data(["ADR:IB.22"]), framework, items, where="mapping.yaml")
    assert [problem.field for problem in refused.value.problems] == ["mapping.yaml: unmapped"]
