"""Importing the framework from the real task-registry files, and refusing broken ones clearly."""

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from algoreg.errors import InvalidInput, NotFound
from algoreg.instruments.framework.load import link_discrepancies, load_framework, slug
from algoreg.instruments.framework.model import PROFILE_VOCABULARY, Framework
from tests.conftest import reference_file


@pytest.fixture(scope="module")
def registry() -> Path:
    return reference_file("task-registry")


@pytest.fixture(scope="module")
def framework(registry: Path) -> Framework:
    return load_framework(registry)


@functools.cache
def _raw(folder: Path) -> dict[str, dict[str, Any]]:
    """The files of a folder as plain data, read with PyYAML's safe C loader (cached: read once)."""
    return {
        path.stem: yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for path in sorted(folder.glob("*.yaml"))
    }


# --- the real files -------------------------------------------------------------------------------------


def test_the_task_registry_holds_63_requirements_105_measures_9_phases_and_4_roles(
    framework: Framework,
) -> None:
    assert len(framework.requirements) == 63
    assert len(framework.measures) == 105
    assert framework.phase_ids() == (
        "organisatieverantwoordelijkheden",
        "probleemanalyse",
        "ontwerp",
        "dataverkenning-en-datapreparatie",
        "ontwikkelen",
        "verificatie-en-validatie",
        "implementatie",
        "monitoring-en-beheer",
        "uitfaseren",
    )
    assert [role.id for role in framework.roles] == [
        "beleid-en-advies",
        "jurist",
        "ontwikkelaar",
        "projectleider",
    ]
    assert sum(requirement.always_applicable for requirement in framework.requirements) == 23


@pytest.mark.parametrize(
    ("folder", "schema"),
    [("requirements", "schema_requirements.json"), ("measures", "schema_measures.json")],
)
def test_every_file_is_valid_against_the_official_json_schema(
    registry: Path, folder: str, schema: str
) -> None:
    # given
    validator = jsonschema.Draft7Validator(json.loads((registry / "schemas" / schema).read_text()))
    files = sorted((registry / folder).glob("*.yaml"))

    # when
    errors = {
        path.name: [error.message for error in validator.iter_errors(_raw(path.parent)[path.stem])]
        for path in files
    }

    # then
    assert len(files) == (63 if folder == "requirements" else 105)
    assert {name: found for name, found in errors.items() if found} == {}


def test_our_profile_vocabulary_is_the_official_schema_enum(registry: Path) -> None:
    schema = json.loads((registry / "schemas" / "schema_requirements.json").read_text())
    properties = schema["properties"]["ai_act_profile"]["items"]["properties"]
    assert set(PROFILE_VOCABULARY) == set(properties)
    for attribute, values in PROFILE_VOCABULARY.items():
        assert values == tuple(properties[attribute]["items"]["enum"])


def test_phase_ids_are_the_lifecycle_enum_of_the_schema_and_role_ids_the_slugs_measures_use(
    registry: Path, framework: Framework
) -> None:
    schema = json.loads((registry / "schemas" / "schema_measures.json").read_text())
    assert set(framework.phase_ids()) == set(schema["properties"]["lifecycle"]["items"]["enum"])
    used_roles = {role for item in _raw(registry / "measures").values() for role in item["suggested_roles"]}
    assert used_roles == {role.id for role in framework.roles}
    assert slug("  Dataverkenning en   datapreparatie ") == "dataverkenning-en-datapreparatie"


def test_items_keep_their_file_name_as_id_which_is_also_their_page_name(framework: Framework) -> None:
    for item in (*framework.requirements, *framework.measures):
        assert item.url.rstrip("/").split("/")[-2] == item.id
        assert Path(item.source).stem == item.id


def test_fields_are_taken_over_from_the_file(registry: Path, framework: Framework) -> None:
    # given
    raw = _raw(registry / "requirements")["aia-05-data-kwaliteitscriteria"]

    # when
    requirement = framework.requirement("aia-05-data-kwaliteitscriteria")

    # then
    assert requirement.urn == "urn:nl:ak:ver:aia-05" and requirement.code == "aia-05"
    assert requirement.name == raw["name"].strip()
    assert requirement.phases == ("dataverkenning-en-datapreparatie", "verificatie-en-validatie")
    assert requirement.always_applicable is False
    assert requirement.ai_act_profile[0].restrictions() == {
        "type": ("AI-systeem", "AI-systeem voor algemene doeleinden"),
        "risk_group": ("hoog-risico AI",),
        "role": ("aanbieder",),
    }
    assert requirement.declared_measure_urns == tuple(raw["links"])


def test_each_measure_links_to_the_requirements_its_file_names(registry: Path, framework: Framework) -> None:
    # given: the links as the files state them, by file name
    requirement_by_urn = {item["urn"]: stem for stem, item in _raw(registry / "requirements").items()}
    expected = {
        stem: {requirement_by_urn[urn] for urn in item["links"]}
        for stem, item in _raw(registry / "measures").items()
    }

    # then
    assert {measure.id: set(measure.requirement_ids) for measure in framework.measures} == expected
    assert {m.id for m in framework.measures_for("grw-02-non-discriminatie")} == {
        stem for stem, links in expected.items() if "grw-02-non-discriminatie" in links
    }
    assert framework.measure("5-ver-03-biasanalyse").phases == (
        "ontwerp",
        "verificatie-en-validatie",
        "monitoring-en-beheer",
    )
    assert framework.measure("5-ver-03-biasanalyse").roles == (
        "projectleider",
        "beleid-en-advies",
        "ontwikkelaar",
        "jurist",
    )


def test_three_pairs_of_measure_files_share_a_urn_and_urn_lookups_refuse_to_guess(
    framework: Framework,
) -> None:
    assert framework.duplicate_measure_urns() == {
        "urn:nl:ak:mtr:mon-05": ("7-mon-04-evaluatieplan", "7-mon-05-evalueer-bij-veranderingen-in-data"),
        "urn:nl:ak:mtr:owk-09": (
            "4-owk-09-adversarial-aanvallen",
            "4-owk-10-voorkom-lekken-op-basis-van-output",
        ),
        "urn:nl:ak:mtr:owp-11": ("2-owp-02-data-beschikbaarheid", "2-owp-11-gebruikte-data"),
    }
    assert len({measure.urn for measure in framework.measures}) == 102
    with pytest.raises(InvalidInput) as ambiguous:
        framework.measure("urn:nl:ak:mtr:mon-05")
    assert "7-mon-04-evaluatieplan" in ambiguous.value.problems[0].reason
    assert framework.measure("urn:nl:ak:mtr:dat-01").id == "3-dat-01-datakwaliteit"
    assert framework.measure("dat-01").id == "3-dat-01-datakwaliteit"
    assert framework.requirement("urn:nl:ak:ver:grw-02").id == "grw-02-non-discriminatie"
    with pytest.raises(NotFound):
        framework.requirement("grw-99")


def test_both_sides_of_every_link_agree_once_compared_by_urn(framework: Framework) -> None:
    assert link_discrepancies(framework) == []


def test_a_loaded_framework_survives_a_json_round_trip(framework: Framework) -> None:
    again = Framework.model_validate_json(framework.model_dump_json())
    assert again == framework
    assert again.measure("5-ver-03-biasanalyse") == framework.measure("5-ver-03-biasanalyse")


# --- broken files ---------------------------------------------------------------------------------------


def _copy_registry(source: Path, target: Path, names: tuple[str, ...]) -> Path:
    for folder in ("lifecycles", "roles"):
        (target / folder).mkdir(parents=True)
        (target / folder / f"{folder}.yaml").write_text((source / folder / f"{folder}.yaml").read_text())
    for folder in ("requirements", "measures"):
        (target / folder).mkdir()
    for name in names:
        folder = "requirements" if (source / "requirements" / name).exists() else "measures"
        (target / folder / name).write_text(
            (source / folder / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    return target


def _write(root: Path, folder: str, stem: str, raw: dict[str, Any]) -> Path:
    path = root / folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_a_small_consistent_registry_loads(registry: Path, tmp_path: Path) -> None:
    # given: one requirement and one measure that name each other
    root = _copy_registry(registry, tmp_path, ())
    requirement = _raw(registry / "requirements")["grw-02-non-discriminatie"]
    measure = _raw(registry / "measures")["5-ver-03-biasanalyse"]
    _write(root, "requirements", "grw-02-non-discriminatie", {**requirement, "links": [measure["urn"]]})
    _write(root, "measures", "5-ver-03-biasanalyse", {**measure, "links": [requirement["urn"]]})

    # when
    framework = load_framework(root)

    # then
    assert [r.id for r in framework.requirements] == ["grw-02-non-discriminatie"]
    assert framework.measures_for("grw-02-non-discriminatie") == (framework.measure("5-ver-03-biasanalyse"),)
    assert link_discrepancies(framework) == []


def test_problems_in_several_files_are_all_reported_with_file_and_place(
    registry: Path, tmp_path: Path
) -> None:
    # given: a requirement with a value outside the vocabulary, a YAML syntax error and a dangling link
    root = _copy_registry(registry, tmp_path, ("bzk-01-algoritmeregister.yaml",))
    good = yaml.safe_load((registry / "requirements" / "aia-38-testen.yaml").read_text())
    good["ai_act_profile"][0]["risk_group"] = ["hoog-risico AI", "hoog risico"]
    (root / "requirements" / "aia-38-testen.yaml").write_text(yaml.safe_dump(good, allow_unicode=True))
    (root / "requirements" / "zz-01-broken.yaml").write_text("name: [unclosed\n")
    measure = yaml.safe_load(
        (registry / "measures" / "6-imp-04-publiceren-algoritmeregister.yaml").read_text()
    )
    measure["links"] = ["urn:nl:ak:ver:bzk-01", "urn:nl:ak:ver:zzz-09"]
    measure["lifecycle"] = ["implementatie", "afbouw"]
    (root / "measures" / "6-imp-04-publiceren-algoritmeregister.yaml").write_text(yaml.safe_dump(measure))

    # when
    with pytest.raises(InvalidInput) as refused:
        load_framework(root)

    # then
    problems = {problem.field: problem.reason for problem in refused.value.problems}
    assert f"{root / 'requirements' / 'aia-38-testen.yaml'}: ai_act_profile[0].risk_group" in problems
    assert (
        "item 1: 'hoog risico' is not one of"
        in problems[f"{root / 'requirements' / 'aia-38-testen.yaml'}: ai_act_profile[0].risk_group"]
    )
    broken = [field for field in problems if "zz-01-broken.yaml" in field]
    assert broken == [f"{root / 'requirements' / 'zz-01-broken.yaml'}: line 2, column 1"]
    assert "not valid YAML" in problems[broken[0]]
    measure_file = root / "measures" / "6-imp-04-publiceren-algoritmeregister.yaml"
    assert problems[f"{measure_file}: links[1]"] == "no requirement has the URN 'urn:nl:ak:ver:zzz-09'"
    assert "phase 'afbouw'" in problems[f"{measure_file}: lifecycle[1]"]
    assert str(root) in refused.value.summary


def test_a_missing_field_and_a_missing_folder_are_named(registry: Path, tmp_path: Path) -> None:
    root = _copy_registry(registry, tmp_path, ())
    raw = yaml.safe_load((registry / "requirements" / "bzk-01-algoritmeregister.yaml").read_text())
    del raw["always_applicable"]
    (root / "requirements" / "bzk-01-algoritmeregister.yaml").write_text(yaml.safe_dump(raw))
    (root / "measures").rmdir()

    with pytest.raises(InvalidInput) as refused:
        load_framework(root)

    problems = {problem.field: problem.reason for problem in refused.value.problems}
    assert problems[f"{root / 'requirements' / 'bzk-01-algoritmeregister.yaml'}: always_applicable"] == (
        "is required but missing"
    )
    assert problems[str(root / "measures")] == "the folder does not exist"
