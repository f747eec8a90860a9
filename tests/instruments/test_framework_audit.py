"""ADR and Algemene Rekenkamer audit items, their link to measures, and audit readiness."""

from pathlib import Path

import pytest

from algoreg.errors import InvalidInput
from algoreg.instruments.framework.audit import (
    AuditItem,
    AuditMapping,
    MeasureStatus,
    audit_mapping_from_data,
    audit_readiness,
    load_audit_items,
    load_audit_mapping,
    organisation_readiness,
    parse_statuses,
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


# --- the real audit items -------------------------------------------------------------------------------


def test_the_file_lists_84_adr_and_55_rekenkamer_items_in_order(items: tuple[AuditItem, ...]) -> None:
    assert len(items) == 139
    adr = [item for item in items if item.framework == "ADR"]
    ark = [item for item in items if item.framework == "ARK"]
    assert len(adr) == 19 + 11 + 24 + 30  # SV, PRI, DM, IB
    assert len(ark) == 8 + 21 + 17 + 9  # chapters 1 to 4
    assert (items[0].key, items[-1].key) == ("ADR:SV.1", "ARK:4.09")
    assert {item.source for item in adr} == {"Onderzoekskader Auditdienst Rijk"}
    assert {item.source for item in ark} == {"Toetsingskader Algemene Rekenkamer"}
    assert len({item.key for item in items}) == 139


def test_numbers_stay_text_and_quoted_line_breaks_stay_inside_one_item(items: tuple[AuditItem, ...]) -> None:
    by_key = {item.key: item for item in items}
    assert {"ARK:2.10", "ARK:2.01", "ARK:1.01"} <= set(by_key)  # not the numbers 2.1 and 1.0
    assert "\n" in by_key["ADR:PRI.11"].text
    assert by_key["ADR:PRI.11"].text.endswith("conform procedure.")
    assert by_key["ADR:IB.17"].text.startswith("Toegangsrechten op onderliggende componenten")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_with_other_columns_is_refused_naming_them(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "items.csv", "nummer,maatregel,source\nSV.1,Iets,Onderzoekskader Auditdienst Rijk\n"
    )

    with pytest.raises(InvalidInput) as refused:
        load_audit_items(path)

    problem = refused.value.problems[0]
    assert problem.field == f"{path}: header"
    assert "lacks the column(s) nummer, maatregel, source" in problem.reason
    assert "semicolon-separated" in problem.reason


def test_empty_cells_and_repeated_numbers_are_refused_with_their_row(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "items.csv",
        "\ufeffnummer;maatregel;source\r\n"
        "SV.1;Een;Onderzoekskader Auditdienst Rijk\r\n"
        "SV.2;;Onderzoekskader Auditdienst Rijk\r\n"
        "SV.1;Nog eens;Onderzoekskader Auditdienst Rijk\r\n"
        "SV.1;Ander kader;Eigen toetsingskader\r\n",
    )

    with pytest.raises(InvalidInput) as refused:
        load_audit_items(path)

    assert [(p.field, p.record) for p in refused.value.problems] == [
        (f"{path}: maatregel", 2),
        (f"{path}: nummer", 3),
    ]
    assert refused.value.problems[1].reason == "'SV.1' of ADR is already on row 1"


def test_an_unknown_framework_name_becomes_its_own_framework(tmp_path: Path) -> None:
    path = _write(tmp_path, "items.csv", "nummer;maatregel;source\nE.1;Eigen eis;Eigen toetsingskader\n")
    assert load_audit_items(path) == (
        AuditItem(
            framework="Eigen toetsingskader", number="E.1", text="Eigen eis", source="Eigen toetsingskader"
        ),
    )


# --- the measure → audit item mapping -------------------------------------------------------------------

MAPPING = """
measures:
  1-pba-01-formuleren-probleemdefinitie: {ADR: [SV.1]}
  1-pba-02-formuleren-doelstelling: {ADR: [SV.1, SV.3]}
  2-owp-06-impactanalyse: {ADR: SV.4}
  urn:nl:ak:mtr:ver-03: {ADR: [DM.19], ARK: ["2.18"]}
"""


@pytest.fixture
def mapping(tmp_path: Path, framework: Framework, items: tuple[AuditItem, ...]) -> AuditMapping:
    return load_audit_mapping(_write(tmp_path, "mapping.yaml", MAPPING), framework, items)


def test_a_mapping_file_links_measures_by_id_or_unique_urn(mapping: AuditMapping) -> None:
    assert mapping.links == {
        "1-pba-01-formuleren-probleemdefinitie": ("ADR:SV.1",),
        "1-pba-02-formuleren-doelstelling": ("ADR:SV.1", "ADR:SV.3"),
        "2-owp-06-impactanalyse": ("ADR:SV.4",),
        "5-ver-03-biasanalyse": ("ADR:DM.19", "ARK:2.18"),
    }
    assert mapping.measures_for("ADR:SV.1") == (
        "1-pba-01-formuleren-probleemdefinitie",
        "1-pba-02-formuleren-doelstelling",
    )
    assert mapping.measures_for("ADR:SV.2") == ()


def test_a_mapping_with_unknown_or_malformed_entries_is_refused_naming_each(
    framework: Framework, items: tuple[AuditItem, ...]
) -> None:
    data = {
        "measures": {
            "9-xyz-01-bestaat-niet": {"ADR": ["SV.1"]},
            "urn:nl:ak:mtr:mon-05": {"ADR": ["SV.16"]},
            "5-ver-03-biasanalyse": {"ARK": [2.1, "2.99"], "NEN": ["1"]},
            "2-owp-06-impactanalyse": {"ADR": 4},
        }
    }

    with pytest.raises(InvalidInput) as refused:
        audit_mapping_from_data(data, framework, items, where="mapping.yaml")

    problems = {problem.field: problem.reason for problem in refused.value.problems}
    assert problems == {
        "mapping.yaml: measures.9-xyz-01-bestaat-niet": "names no measure of the framework",
        "mapping.yaml: measures.urn:nl:ak:mtr:mon-05": (
            "names several measures (7-mon-04-evaluatieplan, "
            "7-mon-05-evalueer-bij-veranderingen-in-data); use an id"
        ),
        "mapping.yaml: measures.5-ver-03-biasanalyse.ARK[0]": '2.1 must be a quoted string, e.g. "2.10"',
        "mapping.yaml: measures.5-ver-03-biasanalyse.ARK[1]": "'2.99' is not an item of ARK",
        "mapping.yaml: measures.5-ver-03-biasanalyse.NEN": "is not an audit framework; known are ADR, ARK",
        "mapping.yaml: measures.2-owp-06-impactanalyse.ADR": "must be a list of item numbers",
    }
    with pytest.raises(InvalidInput):
        audit_mapping_from_data([], framework, items)


# --- measure statuses -----------------------------------------------------------------------------------


def test_statuses_are_read_from_plain_values_and_checked(framework: Framework) -> None:
    statuses = parse_statuses(
        framework,
        {
            "1-pba-01-formuleren-probleemdefinitie": "done",
            "urn:nl:ak:mtr:owp-06": {"state": "not_applicable", "reason": "geen besluiten over personen"},
        },
    )
    assert statuses == {
        "1-pba-01-formuleren-probleemdefinitie": MeasureStatus(state="done"),
        "2-owp-06-impactanalyse": MeasureStatus(
            state="not_applicable", reason="geen besluiten over personen"
        ),
    }

    with pytest.raises(InvalidInput) as refused:
        parse_statuses(
            framework,
            {
                "1-pba-01-formuleren-probleemdefinitie": "finished",
                "2-owp-06-impactanalyse": {"state": "not_applicable"},
                "mon-05": "done",
            },
        )
    problems = {problem.field: problem.reason for problem in refused.value.problems}
    assert set(problems) == {
        "statuses.1-pba-01-formuleren-probleemdefinitie",
        "statuses.2-owp-06-impactanalyse",
        "statuses.mon-05",
    }
    assert (
        "'todo', 'in_progress', 'done' or 'not_applicable'"
        in problems["statuses.1-pba-01-formuleren-probleemdefinitie"]
    )
    assert problems["statuses.2-owp-06-impactanalyse"] == "a measure marked not_applicable needs a reason"


# --- readiness ------------------------------------------------------------------------------------------

ALGORITHM_A = {
    "1-pba-01-formuleren-probleemdefinitie": MeasureStatus(state="done"),
    "1-pba-02-formuleren-doelstelling": MeasureStatus(state="in_progress"),
    "2-owp-06-impactanalyse": MeasureStatus(state="not_applicable", reason="raakt geen personen"),
    "5-ver-03-biasanalyse": MeasureStatus(state="todo"),
}
ALGORITHM_B = {
    "1-pba-01-formuleren-probleemdefinitie": MeasureStatus(state="done"),
    "1-pba-02-formuleren-doelstelling": MeasureStatus(state="done"),
    "2-owp-06-impactanalyse": MeasureStatus(state="done"),
    "5-ver-03-biasanalyse": MeasureStatus(state="done"),
}


def test_readiness_per_item_for_one_algorithm(items: tuple[AuditItem, ...], mapping: AuditMapping) -> None:
    # when
    readiness = audit_readiness(items, mapping, ALGORITHM_A)

    # then: worked out by hand from the mapping and the statuses
    by_key = {f"{row.framework}:{row.number}": row for row in readiness.items}
    assert [row.framework + ":" + row.number for row in readiness.items] == [item.key for item in items]
    assert (by_key["ADR:SV.1"].coverage, by_key["ADR:SV.1"].settled, by_key["ADR:SV.1"].total) == (
        "partly",
        1,
        2,
    )
    assert [(m.measure_id, m.state) for m in by_key["ADR:SV.1"].measures] == [
        ("1-pba-01-formuleren-probleemdefinitie", "done"),
        ("1-pba-02-formuleren-doelstelling", "in_progress"),
    ]
    assert by_key["ADR:SV.3"].coverage == "partly"
    assert by_key["ADR:SV.4"].coverage == "covered"
    assert by_key["ADR:SV.4"].measures[0].reason == "raakt geen personen"
    assert by_key["ADR:DM.19"].coverage == "not"
    assert by_key["ARK:2.18"].coverage == "not"
    assert (by_key["ADR:SV.2"].coverage, by_key["ADR:SV.2"].measures) == ("unmapped", ())
    assert readiness.summary == {
        "ADR": {"covered": 1, "partly": 2, "not": 1, "unmapped": 80},
        "ARK": {"covered": 0, "partly": 0, "not": 1, "unmapped": 54},
    }


def test_a_measure_without_a_status_counts_as_unrecorded(
    items: tuple[AuditItem, ...], mapping: AuditMapping
) -> None:
    readiness = audit_readiness(
        items, mapping, {"1-pba-01-formuleren-probleemdefinitie": MeasureStatus(state="done")}
    )
    sv1 = next(row for row in readiness.items if row.number == "SV.1")
    assert [m.state for m in sv1.measures] == ["done", "unrecorded"]
    assert sv1.coverage == "partly"
    assert next(row for row in readiness.items if row.number == "SV.4").coverage == "not"


def test_readiness_of_an_organisation_over_its_algorithms(
    items: tuple[AuditItem, ...], mapping: AuditMapping
) -> None:
    # when
    readiness = organisation_readiness(items, mapping, {"a": ALGORITHM_A, "b": ALGORITHM_B})

    # then
    by_key = {f"{row.framework}:{row.number}": row for row in readiness.items}
    assert by_key["ADR:SV.4"].coverage == "covered"  # a: not applicable with a reason, b: done
    assert by_key["ADR:SV.1"].coverage == "partly"
    assert by_key["ADR:SV.1"].by_algorithm == {"a": "partly", "b": "covered"}
    assert by_key["ADR:SV.1"].counts == {"covered": 1, "partly": 1, "not": 0, "unmapped": 0}
    assert by_key["ADR:DM.19"].coverage == "partly"  # a: todo, b: done
    assert by_key["ADR:SV.2"].coverage == "unmapped"
    assert by_key["ARK:2.18"].measures == ("5-ver-03-biasanalyse",)
    assert readiness.summary["ADR"] == {"covered": 1, "partly": 3, "not": 0, "unmapped": 80}
    assert readiness.algorithms["b"].summary["ADR"]["covered"] == 4

    # and when nothing is done anywhere for an item, the organisation is not covered on it
    nothing = organisation_readiness(items, mapping, {"a": ALGORITHM_A, "c": {}})
    dm19 = next(row for row in nothing.items if row.number == "DM.19")
    assert (dm19.coverage, dm19.counts["not"]) == ("not", 2)
    assert type(nothing).model_validate_json(nothing.model_dump_json()) == nothing


def test_an_organisation_needs_at_least_one_algorithm(
    items: tuple[AuditItem, ...], mapping: AuditMapping
) -> None:
    with pytest.raises(InvalidInput):
        organisation_readiness(items, mapping, {})
