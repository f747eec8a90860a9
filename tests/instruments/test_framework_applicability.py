"""Which requirements apply to an AI Act profile, and the measures that follow, on the real files."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from algoreg.errors import InvalidInput
from algoreg.instruments.framework.applicability import (
    applicable_measures,
    applicable_requirements,
    normalise_profile,
    plan_for_profile,
)
from algoreg.instruments.framework.load import load_framework
from algoreg.instruments.framework.model import Framework
from tests.conftest import reference_file


@pytest.fixture(scope="module")
def registry() -> Path:
    return reference_file("task-registry")


@pytest.fixture(scope="module")
def framework(registry: Path) -> Framework:
    return load_framework(registry)


@pytest.fixture(scope="module")
def raw_requirements(registry: Path) -> dict[str, dict[str, Any]]:
    return {
        path.stem: yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for path in sorted((registry / "requirements").glob("*.yaml"))
    }


# Read off the files by hand: the 23 requirements with always_applicable 1, and aia-37, whose profile
# restricts nothing (every attribute list is empty), so it applies to every profile.
ALWAYS = {
    "arc-01", "aut-01", "avg-01", "avg-02", "avg-03", "avg-04", "avg-05", "avg-06", "avg-07", "avg-08",
    "avg-09", "avg-10", "avg-11", "avg-12", "avg-13", "awb-01", "awb-02", "bio-01", "bzk-01", "dat-01",
    "grw-01", "grw-02", "woo-01",
}  # fmt: skip
BASE = {*ALWAYS, "aia-37"}
HIGH_RISK_PROVIDER = {
    "aia-01", "aia-03", "aia-04", "aia-05", "aia-06", "aia-07", "aia-08", "aia-09", "aia-10", "aia-11",
    "aia-12", "aia-13", "aia-14", "aia-15", "aia-16", "aia-17", "aia-18", "aia-19", "aia-28", "aia-33",
    "aia-34", "aia-35", "aia-36", "aia-38",
}  # fmt: skip
HIGH_RISK_DEPLOYER = {
    "aia-01", "aia-20", "aia-21", "aia-22", "aia-23", "aia-24", "aia-25", "aia-26", "aia-27", "aia-33",
    "aia-36",
}  # fmt: skip

# profile → the requirement codes that apply, derived by reading each file's ai_act_profile.
PROFILES: list[tuple[str, dict[str, list[str]], set[str]]] = [
    ("no profile at all", {}, BASE),
    ("impactful algorithm, not AI", {"type": ["impactvol algoritme"]}, BASE),
    (
        "high-risk AI system, provider",
        {"type": ["AI-systeem"], "risk_group": ["hoog-risico AI"], "role": ["aanbieder"]},
        BASE | HIGH_RISK_PROVIDER,
    ),
    (
        "high-risk AI system, deployer",
        {"type": ["AI-systeem"], "risk_group": ["hoog-risico AI"], "role": ["gebruiksverantwoordelijke"]},
        BASE | HIGH_RISK_DEPLOYER,
    ),
    (
        "high-risk AI system, provider and deployer",
        {
            "type": ["AI-systeem"],
            "risk_group": ["hoog-risico AI"],
            "role": ["aanbieder", "gebruiksverantwoordelijke"],
        },
        BASE | HIGH_RISK_PROVIDER | HIGH_RISK_DEPLOYER,
    ),
    (
        "prohibited AI system, deployer",
        {"type": ["AI-systeem"], "risk_group": ["verboden AI"], "role": ["gebruiksverantwoordelijke"]},
        BASE | {"aia-00", "aia-01", "aia-33", "aia-36"},
    ),
    (
        "general-purpose AI system, not high-risk, provider",
        {
            "type": ["AI-systeem voor algemene doeleinden"],
            "risk_group": ["geen hoog-risico AI"],
            "role": ["aanbieder"],
        },
        BASE | {"aia-01", "aia-02", "aia-28", "aia-33", "aia-36"},
    ),
    (
        # aia-01 restricts risk_group, and a general-purpose model has none: it does not apply.
        "general-purpose AI model with systemic risk, provider",
        {
            "type": ["AI-model voor algemene doeleinden"],
            "systemic_risk": ["systeemrisico"],
            "role": ["aanbieder"],
        },
        BASE | {"aia-29", "aia-30", "aia-31", "aia-32", "aia-33", "aia-36", "aia-39"},
    ),
]


def _by_set_logic(raw: dict[str, dict[str, Any]], profile: dict[str, list[str]]) -> set[str]:
    """The rule in its plainest form, straight over the YAML: always, or every non-empty list overlaps."""
    found = set()
    for item in raw.values():
        code = item["urn"].rsplit(":", 1)[-1]
        if item["always_applicable"] == 1 or any(
            all(set(values) & set(profile.get(key, [])) for key, values in entry.items() if values)
            for entry in item["ai_act_profile"]
        ):
            found.add(code)
    return found


@pytest.mark.parametrize(("name", "profile", "expected"), PROFILES, ids=[p[0] for p in PROFILES])
def test_the_applicable_requirements_are_the_ones_derived_from_the_files(
    framework: Framework,
    raw_requirements: dict[str, dict[str, Any]],
    name: str,
    profile: dict[str, list[str]],
    expected: set[str],
) -> None:
    # when
    found = applicable_requirements(framework, profile)

    # then
    codes = [framework.requirement(item.requirement_id).code for item in found]
    assert len(codes) == len(set(codes))
    assert set(codes) == expected
    assert set(codes) == _by_set_logic(raw_requirements, profile)


def test_each_applicable_requirement_says_why(framework: Framework) -> None:
    # given
    profile = {"type": ["AI-systeem"], "risk_group": ["hoog-risico AI"], "role": ["aanbieder", "importeur"]}

    # when
    reasons = {item.requirement_id: item for item in applicable_requirements(framework, profile)}

    # then
    assert reasons["grw-02-non-discriminatie"].reason == "always"
    assert reasons["grw-02-non-discriminatie"].overlaps == {}
    assert reasons["aia-37-recht-klacht-indienen-bij-ai-bureau"].reason == "unrestricted"
    quality = reasons["aia-05-data-kwaliteitscriteria"]
    assert quality.reason == "attributes"
    assert quality.urn == "urn:nl:ak:ver:aia-05"
    assert quality.overlaps == {
        "type": ("AI-systeem",),
        "risk_group": ("hoog-risico AI",),
        "role": ("aanbieder",),
    }
    assert reasons["aia-01-ai-geletterdheid"].overlaps["risk_group"] == ("hoog-risico AI",)


def test_a_single_string_counts_as_one_value(framework: Framework) -> None:
    as_lists = applicable_requirements(
        framework, {"type": ["AI-systeem"], "risk_group": ["hoog-risico AI"], "role": ["aanbieder"]}
    )
    as_strings = applicable_requirements(
        framework, {"type": "AI-systeem", "risk_group": "hoog-risico AI", "role": "aanbieder"}
    )
    assert as_strings == as_lists


def test_a_profile_outside_the_vocabulary_is_refused_naming_each_problem(framework: Framework) -> None:
    with pytest.raises(InvalidInput) as refused:
        applicable_requirements(
            framework,
            {"type": ["AI-systeem"], "risk": ["hoog-risico AI"], "role": ["aanbieder", "Aanbieder"]},
        )

    problems = {problem.field: problem.reason for problem in refused.value.problems}
    assert set(problems) == {"profile.risk", "profile.role[1]"}
    assert "allowed are type, open_source, risk_group" in problems["profile.risk"]
    assert problems["profile.role[1]"].startswith(
        "'Aanbieder' is not one of 'aanbieder', 'gebruiksverantwoordelijke'"
    )


def test_a_normalised_profile_has_every_attribute() -> None:
    profile = normalise_profile({"role": ["aanbieder"]})
    assert len(profile) == 7
    assert profile["role"] == frozenset({"aanbieder"})
    assert profile["type"] == frozenset()


def test_measures_follow_from_the_applicable_requirements_grouped_by_phase(
    framework: Framework, registry: Path
) -> None:
    # given: for the base profile, the measures computed straight from the measure files
    requirements = applicable_requirements(framework, {})
    urns = {framework.requirement(item.requirement_id).urn for item in requirements}
    measure_files = {
        path.stem: yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for path in sorted((registry / "measures").glob("*.yaml"))
    }
    expected = {stem: item for stem, item in measure_files.items() if urns & set(item["links"])}

    # when
    phases = applicable_measures(framework, requirements)

    # then
    assert [group.phase for group in phases] == list(framework.phase_ids())
    for group in phases:
        assert [m.measure_id for m in group.measures] == sorted(
            stem for stem, item in expected.items() if group.phase in item["lifecycle"]
        )
    bias = next(
        m
        for g in phases
        if g.phase == "verificatie-en-validatie"
        for m in g.measures
        if m.measure_id == "5-ver-03-biasanalyse"
    )
    assert bias.requirement_ids == (
        "grw-02-non-discriminatie",
        "grw-01-fundamentele-rechten",
    )  # aia-27 does not apply
    assert "4-owk-09-adversarial-aanvallen" in expected  # serves avg-12 and bio-01


def test_a_plan_holds_the_profile_requirements_and_measures_and_is_json(framework: Framework) -> None:
    # given
    profile = {
        "type": ["AI-systeem"],
        "risk_group": ["hoog-risico AI"],
        "role": ["gebruiksverantwoordelijke"],
    }

    # when
    plan = plan_for_profile(framework, profile)

    # then
    assert plan.profile == {
        "type": ("AI-systeem",),
        "risk_group": ("hoog-risico AI",),
        "role": ("gebruiksverantwoordelijke",),
    }
    assert len(plan.requirements) == len(BASE | HIGH_RISK_DEPLOYER)
    measure_ids = plan.measure_ids()
    assert len(measure_ids) == len(set(measure_ids))
    served = {r for m in framework.measures if m.id in measure_ids for r in m.requirement_ids}
    applicable = {item.requirement_id for item in plan.requirements}
    assert all(set(framework.measure(m).requirement_ids) & applicable for m in measure_ids)
    assert served & applicable == {
        r.requirement_id for r in plan.requirements if framework.measures_for(r.requirement_id)
    }
    assert type(plan).model_validate_json(plan.model_dump_json()) == plan
