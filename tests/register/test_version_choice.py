"""Choosing two published versions to compare."""

from datetime import UTC, datetime

from algoreg.register.algorithms import PublicAlgorithm
from algoreg.register.version_choice import MISSING, NOT_A_NUMBER, NOT_PUBLISHED, choose_versions


def history(*numbers: int) -> list[PublicAlgorithm]:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    return [PublicAlgorithm("12345678", "gm0001", "Gemeente", n, moment, {}) for n in numbers]


def test_by_default_the_newest_is_compared_with_the_one_before() -> None:
    assert (choose_versions(history(1, 3, 4), None, None).from_number, 4) == (3, 4)
    only = choose_versions(history(2), None, None)
    assert (only.from_number, only.to_number, only.errors) == (2, 2, [])


def test_given_versions_are_checked() -> None:
    # when good and bad values are given
    good = choose_versions(history(1, 3), " 3 ", "1")
    bad = choose_versions(history(1, 3), "2", "x")
    missing = choose_versions(history(1, 3), "1", None)
    # then good values are used, bad ones named with their reason
    assert (good.from_number, good.to_number, good.errors) == (3, 1, [])
    assert [(p.parameter, p.message, p.given) for p in bad.errors] == [
        ("van", NOT_PUBLISHED, "2"),
        ("naar", NOT_A_NUMBER, "x"),
    ]
    assert bad.from_number is None and bad.error_for("naar") is not None
    assert [(p.parameter, p.message) for p in missing.errors] == [("naar", MISSING)]
    assert missing.from_number == 1 and missing.error_for("van") is None
