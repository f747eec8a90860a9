"""Origin-related columns: found by name and by content, with reasons, and without false alarms."""

from collections.abc import Sequence

import polars as pl
import pytest

from algoreg.bias.origin import (
    MIN_CODE_SHARE,
    MIN_SHARE,
    check_column,
    classify_value,
    inspect_values,
    is_missing_marker,
    match_name,
    normalise_name,
    scan_frame,
)
from algoreg.errors import InvalidInput

# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("nationaliteit", "nationality"),
        ("Nationality", "nationality"),
        ("nat_code", "nationality"),
        ("NATCode", "nationality"),
        ("natCd", "nationality"),
        ("nat2", "nationality"),
        ("tweede_nationaliteit", "nationality"),
        ("dubbeleNationaliteit", "nationality"),
        ("NationalitätCode", "nationality"),
        ("staatsburgerschap", "nationality"),
        ("geboorteland", "country of birth"),
        ("country_of_birth", "country of birth"),
        ("CountryOfBirth", "country of birth"),
        ("birth-country", "country of birth"),
        ("COB", "country of birth"),
        ("geboorteland_moeder", "parents' country of birth"),
        ("GeboortelandVader", "parents' country of birth"),
        ("geboortelandouders", "parents' country of birth"),
        ("country_of_birth_father", "parents' country of birth"),
        ("cob_mother", "parents' country of birth"),
        ("geboorteplaats", "place of birth"),
        ("migratieachtergrond", "migration background"),
        ("migration_background", "migration background"),
        ("MigAchtergrond", "migration background"),
        ("allochtoon", "migration background"),
        ("autochtoon_jn", "migration background"),
        ("niet_westers", "migration background"),
        ("herkomst", "origin"),
        ("herkomstland", "origin"),
        ("herkomstsland", "origin"),
        ("LandVanHerkomst", "origin"),
        ("herkomstgegevens", "origin"),
        ("afkomst", "origin"),
        ("country-of-origin", "origin"),
        ("etniciteit", "ethnicity"),
        ("ethnicity", "ethnicity"),
        ("etnische_afkomst", "ethnicity"),
        ("verblijfsvergunning", "residence or migration status"),
        ("vreemdelingennummer", "residence or migration status"),
        ("inburgeringsplicht", "civic integration"),
        ("moedertaal", "language"),
    ],
)
def test_origin_names_are_recognised(name: str, category: str) -> None:
    matches = match_name(name)
    assert category in [match.category for match in matches]
    assert check_column(name).flagged


@pytest.mark.parametrize(
    "name",
    [
        "natuur",
        "natuurgebied",
        "signature",
        "national_id",
        "nationale_ombudsman",
        "natte_grond",
        "donatie",
        "coordinate",
        "alternative",
        "designation",
        "senator",
        "data_migratie",
        "migration_date",
        "geboortedatum",
        "autocheck",
        "technical_code",
        "afkomstig_van",
        "herkomst_melding",
        "bron_herkomst",
        "origin_system",
        "hondenras",
        "westerschelde",
        "landbouw",
        "verblijfplaats",
        "jacob",
        "postcode",
        "opleiding",
        "inkomen",
    ],
)
def test_look_alike_names_are_not_flagged(name: str) -> None:
    assert match_name(name) == ()
    assert not check_column(name).flagged


def test_names_are_normalised_into_words() -> None:
    assert normalise_name("GeboortelandMoeder") == "geboorteland_moeder"
    assert normalise_name("NATCode") == "nat_code"
    assert normalise_name("nat2") == "nat_2"
    assert normalise_name("Land-van herkomst") == "land_van_herkomst"
    assert normalise_name("Nationalität") == "nationalitat"


def test_a_name_match_gives_the_pattern_as_reason() -> None:
    column = check_column("GeboortelandMoeder")
    assert column.categories == ("country of birth", "parents' country of birth")
    assert column.by_content is None
    assert column.reasons[0].startswith("name 'GeboortelandMoeder' matches geboorteland")
    assert column.by_name[0].normalised_name == "geboorteland_moeder"


# --- content --------------------------------------------------------------------------------------


def _text(values: Sequence[str | None], name: str = "column") -> pl.Series:
    return pl.Series(name, values, dtype=pl.String)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["Nederland", "Marokko", "Turkije", "Suriname", "Curaçao", "Verenigd Koninkrijk"], "country name"),
        (["Netherlands", "Morocco", "Türkiye", "Turkey", "Syria", "Côte d'Ivoire"], "country name"),
        (["NL", "MA", "TR", "SR", "CW", "DE"], "alpha-2 code"),
        (["nld", "MAR", "TUR", "SUR", "CUW", "DEU"], "alpha-3 code"),
        (["Nederlandse", "Marokkaanse", "Turks", "Surinamer", "Eritrese", "Wit-Russische"], "nationality"),
        (["Dutch", "Moroccan", "Turkish", "Surinamese", "Eritrean", "Cape Verdean"], "nationality"),
        (
            ["Nederlandse achtergrond", "Westerse migratieachtergrond", "Niet-westerse migratieachtergrond"],
            "origin category",
        ),
        (["autochtoon", "allochtoon", "native Dutch", "non-western"], "origin category"),
        (["Europa", "Noord-Afrika", "Caribisch gebied", "Western Asia"], "world region"),
    ],
)
def test_origin_values_are_recognised_in_dutch_and_english(values: list[str | None], kind: str) -> None:
    # given
    series = _text(values * 10)

    # when
    evidence = inspect_values(series)

    # then
    assert all(classify_value(str(value)) == kind for value in values)
    assert evidence.flagged
    assert evidence.share == pytest.approx(1.0)
    assert [item.kind for item in evidence.by_kind] == [kind]
    assert set(evidence.examples) <= set(values)
    assert len(evidence.examples) == min(5, len(values))


def test_a_column_of_only_nl_is_a_country_code_column() -> None:
    evidence = inspect_values(_text(["NL"] * 200))
    assert evidence.flagged
    assert evidence.threshold == MIN_CODE_SHARE
    assert evidence.examples == ("NL",)


@pytest.mark.parametrize(
    "values",
    [
        ["yes", "no"],
        ["no"],
        ["ja", "nee"],
        ["J", "N"],
        ["M", "V", "X"],
        ["true", "false"],
        # Dutch province abbreviations: GR, FR, GD and LB are also country codes, the rest are not
        ["GR", "FR", "DR", "OV", "FL", "GD", "UT", "NH", "ZH", "ZL", "NB", "LB"],
        ["Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Groningen"],
        ["Geboren in Marokko", "Ik kom uit Nederland", "Turkije vakantie"],
        ["vmbo", "havo", "vwo", "mbo", "hbo", "wo"],
    ],
)
def test_look_alike_content_is_not_flagged(values: list[str | None]) -> None:
    evidence = inspect_values(_text(values * 20))
    assert not evidence.flagged
    assert evidence.share < 0.5


def test_ambiguous_codes_count_when_the_column_has_other_countries() -> None:
    # "NO" alone is a no; beside other countries it is Norway
    evidence = inspect_values(_text(["NO", "SE", "DK", "NL"] * 10))
    assert evidence.flagged
    assert evidence.share == pytest.approx(1.0)


def test_thresholds_sit_where_stated() -> None:
    # names and words: 50 %
    assert inspect_values(_text(["Marokko"] * 5 + ["xyz"] * 5)).flagged
    assert not inspect_values(_text(["Marokko"] * 4 + ["xyz"] * 6)).flagged
    # codes only: 80 %
    assert inspect_values(_text(["MA"] * 8 + ["xyz"] * 2)).flagged
    assert not inspect_values(_text(["MA"] * 7 + ["xyz"] * 3)).flagged
    assert MIN_SHARE == 0.5
    assert MIN_CODE_SHARE == 0.8


def test_a_mixed_column_counts_every_kind_and_leaves_missing_out() -> None:
    # given names, codes, a nationality, missing markers, nulls and noise
    values = ["Nederland", "NL", "onbekend", None, "xyz", "Marokko", "MA", "Dutch", "-", "n.v.t."]
    series = _text(values * 10, name="land")

    # when
    evidence = inspect_values(series)

    # then: 5 recognised of 6 non-missing values, 2 of them codes
    assert evidence.values_read == 60
    assert evidence.missing == 40
    assert evidence.distinct == 6
    assert evidence.share == pytest.approx(5 / 6)
    assert evidence.code_share == pytest.approx(2 / 6)
    assert evidence.threshold == MIN_SHARE
    assert {item.kind: item.share for item in evidence.by_kind} == pytest.approx(
        {"country name": 2 / 6, "nationality": 1 / 6, "alpha-2 code": 2 / 6}
    )
    assert evidence.flagged
    column = check_column("land", series)
    assert column.flagged
    assert column.by_name == ()
    assert column.reasons == (
        "83% of 60 non-missing values are origin values (country name 33%, nationality 17%, "
        "alpha-2 code 33%; threshold 50%), e.g. 'Dutch', 'MA', 'Marokko', 'NL', 'Nederland'",
    )


@pytest.mark.parametrize(
    "series",
    [
        pl.Series("empty", [], dtype=pl.String),
        pl.Series("nulls", [None, None, None], dtype=pl.String),
        pl.Series("null_type", [None, None]),
        pl.Series("markers", ["onbekend", "unknown", "", "  ", "N/A"]),
    ],
)
def test_empty_columns_are_not_flagged(series: pl.Series) -> None:
    evidence = inspect_values(series)
    assert evidence.values_read == 0
    assert evidence.share == 0.0
    assert not evidence.flagged
    assert evidence.examples == ()


def test_missing_markers() -> None:
    assert all(is_missing_marker(value) for value in ["", "Onbekend", "UNKNOWN", "n.v.t.", "-", "N/A"])
    assert not any(is_missing_marker(value) for value in ["NA", "Nederland", "no"])


def test_categorical_columns_are_read_and_numbers_are_judged_by_name_only() -> None:
    categorical = pl.Series("c", ["Marokko", "Turkije"] * 5, dtype=pl.Categorical)
    enum = pl.Series("e", ["NL", "BE"] * 5, dtype=pl.Enum(["NL", "BE"]))
    assert inspect_values(categorical).flagged
    assert inspect_values(enum).flagged
    numbers = pl.Series("nationaliteit", [6030, 5022])
    column = check_column("nationaliteit", numbers)
    assert column.flagged
    assert column.by_content is None
    with pytest.raises(InvalidInput) as raised:
        inspect_values(numbers)
    assert raised.value.problems[0].field == "nationaliteit"


def test_thresholds_must_be_shares() -> None:
    with pytest.raises(InvalidInput) as raised:
        inspect_values(_text(["NL"]), min_share=0.0, min_code_share=1.5)
    assert [problem.field for problem in raised.value.problems] == ["min_share", "min_code_share"]


# --- frames ---------------------------------------------------------------------------------------


def test_scan_frame_flags_by_name_and_content_and_samples_large_frames() -> None:
    # given
    n = 3000
    frame = pl.DataFrame(
        {
            "id": list(range(n)),
            "nat_code": ["1"] * n,  # flagged by name only
            "land": ["Nederland", "Marokko", "Turkije"] * (n // 3),  # by content only
            "geboorteland": ["NL", "MA", "TR"] * (n // 3),  # by both
            "antwoord": ["ja", "nee", "no"] * (n // 3),
            "provincie": ["GR", "FR", "UT", "NH", "ZH", "NB"] * (n // 6),
            "leeg": [None] * n,
        }
    )

    # when
    scan = scan_frame(frame, max_rows=1000, seed=1)

    # then
    assert scan.rows_total == n
    assert scan.rows_read == 1000
    assert scan.sampled
    assert [column.column for column in scan.columns] == frame.columns
    assert [column.column for column in scan.flagged] == ["nat_code", "land", "geboorteland"]
    by_column = {column.column: column for column in scan.columns}
    assert by_column["nat_code"].by_content is not None
    assert not by_column["nat_code"].by_content.flagged
    assert len(by_column["geboorteland"].reasons) == 2
    assert by_column["land"].by_content is not None
    assert by_column["land"].by_content.values_read == 1000
    assert by_column["id"].by_content is None
    assert scan_frame(frame, max_rows=1000, seed=1) == scan


def test_scan_frame_refuses_bad_input() -> None:
    with pytest.raises(InvalidInput) as raised:
        scan_frame(pl.DataFrame({"a": ["NL"]}).lazy(), max_rows=0)  # type: ignore[arg-type]
    assert [problem.field for problem in raised.value.problems] == ["frame", "max_rows"]


def test_an_empty_frame_scans_by_name() -> None:
    scan = scan_frame(pl.DataFrame(schema={"herkomst": pl.String, "bedrag": pl.Float64}))
    assert [column.column for column in scan.flagged] == ["herkomst"]
    assert scan.rows_read == 0
