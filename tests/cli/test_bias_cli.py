"""``algoreg bias …`` in this process through Typer's test runner, on small files in a temporary folder:
each command, the documents it writes (checked by reading them back), and bad input named per option."""

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import Result
from openpyxl import Workbook
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine
from typer.testing import CliRunner

from algoreg.bias.analysis import analyse
from algoreg.bias.document import AggregateAnalysis, from_document
from algoreg.bias.monitoring import MonitoringAnalysis
from algoreg.bias.results import BiasAnalysis
from algoreg.cli import app, context
from algoreg.cli.bias import option_of

Run = Callable[..., Result]


@pytest.fixture
def algoreg(monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run ``algoreg ARGS…`` in this process, with wide consoles so that messages are not wrapped."""
    for console in (context.console, context.errors):
        monkeypatch.setattr(console, "width", 250)
    runner = CliRunner()

    def run(*args: str | Path) -> Result:
        return runner.invoke(app, [str(arg) for arg in args], env={"COLUMNS": "250"})

    return run


def people(rows: int = 600, seed: int = 2) -> pl.DataFrame:
    """District A is selected at about 30 %, B at about 15 %; half of the rows fall in March 2024."""
    rng = np.random.default_rng(seed)
    district = rng.choice(["A", "B"], rows, p=[0.6, 0.4])
    selected = (rng.random(rows) < np.where(district == "A", 0.3, 0.15)).astype(int)
    return pl.DataFrame(
        {
            "id": np.arange(rows),
            "district": district,
            "geboorteland": rng.choice(["Nederland", "Turkije", "Marokko"], rows),
            "selected": selected,
            "day": [f"2024-0{2 + index % 2}-15" for index in range(rows)],
        }
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "besluiten.csv"
    people().write_csv(path)
    return path


def assert_nothing_written(folder: Path, *names: str) -> None:
    left = sorted(path.name for path in folder.iterdir() if path.name in names or path.name.endswith(".tmp"))
    assert not left, f"written despite the error: {left}"


# --- analyse -----------------------------------------------------------------------------------------------


def test_analyse_prints_the_verdicts_and_writes_a_document_that_reads_back(
    algoreg: Run, data: Path, tmp_path: Path
) -> None:
    # given
    out = tmp_path / "rapport.json"
    frame = pl.read_csv(data)

    # when
    result = algoreg(
        "bias", "analyse", data, "--protected", "district", "--outcome", "selected",
        "--reference", "B", "--tolerance", "0.9:1.1", "--min-group", "20", "--q", "0.1", "--out", out,
    )  # fmt: skip

    # then the verdicts are on screen
    assert result.exit_code == 0, result.output
    assert "Findings" in result.stdout and "Verdicts" in result.stdout and "disparity found" in result.stdout
    assert f"Wrote {out}." in result.stdout
    # and the document reads back as the analysis with the options given
    analysis = from_document(json.loads(out.read_text(encoding="utf-8")))
    assert isinstance(analysis, BiasAnalysis)
    assert analysis.settings.tolerance.lower == 0.9 and analysis.settings.tolerance.upper == 1.1
    assert analysis.settings.min_group_size == 20 and analysis.settings.q == 0.1
    (grouping,) = analysis.groupings
    assert grouping.reference == ("B",) and grouping.reference_chosen == "given"
    group_a = next(group for group in grouping.groups if group.values == ("A",))
    in_a = frame.filter(pl.col("district") == "A")
    assert group_a.rates["selection_rate"].successes == in_a["selected"].sum()
    assert group_a.rates["selection_rate"].trials == in_a.height
    assert analysis.origin is not None and not analysis.origin.columns[0].flagged
    # the same analysis as the library gives
    settings = analysis.settings.model_dump()
    assert analyse(data, settings).findings == analysis.findings


def test_analyse_writes_html_and_pdf_reports_from_parquet(algoreg: Run, tmp_path: Path) -> None:
    # given
    data = tmp_path / "besluiten.parquet"
    people().write_parquet(data)

    # when
    html = algoreg("bias", "analyse", data, "--protected", "geboorteland", "--outcome", "selected",
                   "--out", tmp_path / "rapport.html", "--lang", "en",
                   "--title", "Parking permits")  # fmt: skip
    pdf = algoreg("bias", "analyse", data, "--protected", "district", "--outcome", "selected",
                  "--out", tmp_path / "rapport.pdf")  # fmt: skip

    # then
    assert html.exit_code == 0, html.output
    page = (tmp_path / "rapport.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and '<h1 id="bias-title">Parking permits</h1>' in page
    assert "These protected columns hold origin-related personal data: geboorteland." in page
    assert "holds origin-related data" in html.stdout
    assert pdf.exit_code == 0, pdf.output
    assert (tmp_path / "rapport.pdf").read_bytes().startswith(b"%PDF-")


def test_analyse_reads_excel_files_and_sql_databases(algoreg: Run, tmp_path: Path, database_url: str) -> None:
    # given the same rows in an Excel file and in the test database (SQLite, or PostgreSQL when set)
    frame = people(rows=200)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    book.save(tmp_path / "besluiten.xlsx")
    engine = create_engine(database_url)
    table = Table(
        "bias_cli_besluiten",
        MetaData(),
        Column("district", Text),
        Column("selected", Integer),
    )
    table.create(engine)
    try:
        with engine.begin() as connection:
            connection.execute(table.insert(), frame.select("district", "selected").to_dicts())

        # when
        excel = algoreg("bias", "analyse", tmp_path / "besluiten.xlsx", "--protected", "district",
                        "--outcome", "selected", "--no-origin", "--out", tmp_path / "excel.json")  # fmt: skip
        sql = algoreg("bias", "analyse", "--sql", "SELECT * FROM bias_cli_besluiten WHERE selected IN (0, 1)",
                      "--database", database_url, "--protected", "district", "--outcome", "selected",
                      "--no-origin", "--out", tmp_path / "sql.json")  # fmt: skip
    finally:
        table.drop(engine)
        engine.dispose()

    # then both give the same findings
    assert excel.exit_code == 0, excel.output
    assert sql.exit_code == 0, sql.output
    from_excel = from_document(json.loads((tmp_path / "excel.json").read_text()))
    from_sql = from_document(json.loads((tmp_path / "sql.json").read_text()))
    assert isinstance(from_excel, BiasAnalysis) and isinstance(from_sql, BiasAnalysis)
    assert from_excel.findings == from_sql.findings and from_excel.origin is None
    assert from_sql.data.rows == 200


def test_a_settings_file_is_used_and_options_override_it(algoreg: Run, data: Path, tmp_path: Path) -> None:
    # given
    settings = tmp_path / "instellingen.json"
    settings.write_text(
        json.dumps(
            {
                "roles": {"protected": ["district"], "outcome": "selected"},
                "compare_with": ["reference", "rest"],
                "q": 0.2,
                "origin": {"check": False},
            }
        )
    )

    # when
    result = algoreg(
        "bias", "analyse", data, "--settings", settings, "--q", "0.01", "--out", tmp_path / "r.json"
    )

    # then
    assert result.exit_code == 0, result.output
    analysis = from_document(json.loads((tmp_path / "r.json").read_text()))
    assert isinstance(analysis, BiasAnalysis)
    assert analysis.settings.q == 0.01 and analysis.settings.compare_with == ("reference", "rest")
    assert analysis.origin is None


# --- monitor, stages and render ----------------------------------------------------------------------------


def test_monitor_analyses_per_month_and_writes_the_trend(algoreg: Run, data: Path, tmp_path: Path) -> None:
    # when
    result = algoreg("bias", "monitor", data, "--period-column", "day", "--protected", "district",
                     "--outcome", "selected", "--out", tmp_path / "trend.json")  # fmt: skip

    # then
    assert result.exit_code == 0, result.output
    assert "The latest period (2024-03) against the earlier ones" in result.stdout
    analysis = from_document(json.loads((tmp_path / "trend.json").read_text()))
    assert isinstance(analysis, MonitoringAnalysis)
    assert [period.period for period in analysis.periods] == ["2024-02", "2024-03"]
    assert sum(period.rows for period in analysis.periods) == 600


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_stages_analyses_counts_per_group_and_stage(algoreg: Run, tmp_path: Path, layout: str) -> None:
    # given the same counts in both layouts
    path = tmp_path / f"fasen-{layout}.csv"
    if layout == "wide":
        path.write_text("groep,aanvraag,controle,afwijzing\nNL,1000,200,50\nTR,300,90,30\nMA,200,40,10\n")
        options: list[str] = []
    else:
        rows = [("NL", 1000, 200, 50), ("TR", 300, 90, 30), ("MA", 200, 40, 10)]
        lines = ["groep,fase,aantal"] + [
            f"{group},{stage},{count}"
            for group, *counts in rows
            for stage, count in zip(("aanvraag", "controle", "afwijzing"), counts, strict=True)
        ]
        path.write_text("\n".join(lines) + "\n")
        options = ["--long", "--stage-column", "fase", "--count-column", "aantal"]

    # when
    result = algoreg("bias", "stages", path, "--group", "groep", *options, "--out", tmp_path / "fasen.json")

    # then
    assert result.exit_code == 0, result.output
    assert "controle" in result.stdout and "Verdicts" in result.stdout
    analysis = from_document(json.loads((tmp_path / "fasen.json").read_text()))
    assert isinstance(analysis, AggregateAnalysis)
    assert analysis.stage_names == ("aanvraag", "controle", "afwijzing")
    assert analysis.counts == ((1000, 200, 50), (300, 90, 30), (200, 40, 10))
    tr = next(group for group in analysis.stages[0].groups if group.group == "TR")
    assert (tr.from_previous.rate.successes, tr.from_previous.rate.trials) == (90, 300)


def test_render_writes_the_report_of_a_document_and_refuses_a_changed_one(
    algoreg: Run, data: Path, tmp_path: Path
) -> None:
    # given a document
    document = tmp_path / "analyse.json"
    made = algoreg(
        "bias", "analyse", data, "--protected", "district", "--outcome", "selected", "--out", document
    )
    assert made.exit_code == 0, made.output

    # when
    dutch = algoreg("bias", "render", document, "--out", tmp_path / "rapport.html")

    # then
    assert dutch.exit_code == 0, dutch.output
    page = (tmp_path / "rapport.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in page and "Rapport biastoets" in page and "Samenvatting" in page

    # when a figure is changed afterwards
    changed = json.loads(document.read_text())
    changed["body"]["data"]["rows"] = 1
    document.write_text(json.dumps(changed))
    refused = algoreg("bias", "render", document, "--out", tmp_path / "vervalst.html")

    # then
    assert refused.exit_code == 1
    assert "integrity.digest: does not match the document's content" in refused.stderr
    assert_nothing_written(tmp_path, "vervalst.html")


# --- proxies, clusters, origin -----------------------------------------------------------------------------


def test_proxies_finds_a_feature_that_stands_in_for_the_protected_attribute(
    algoreg: Run, tmp_path: Path
) -> None:
    # given a postcode that follows the district, and noise
    rng = np.random.default_rng(4)
    district = rng.choice(["A", "B"], 300)
    postcode = np.where(rng.random(300) < 0.9, np.where(district == "A", "1011", "9999"), "5000")
    path = tmp_path / "kenmerken.csv"
    pl.DataFrame(
        {"district": district, "postcode": postcode, "ruis": rng.random(300), "id": np.arange(300)}
    ).write_csv(path)

    # when
    result = algoreg("bias", "proxies", path, "--protected", "district", "--exclude", "id",
                     "--out", tmp_path / "proxies.json")  # fmt: skip

    # then
    assert result.exit_code == 0, result.output
    assert "Features associated with 'district' (300 rows)" in result.stdout
    assert "All features together predict 'district' with ROC AUC" in result.stdout
    written = json.loads((tmp_path / "proxies.json").read_text())
    strongest = written["associations"]["associations"][0]
    assert strongest["feature"] == "postcode" and strongest["strength"] == "strong"
    assert {item["feature"] for item in written["associations"]["associations"]} == {"postcode", "ruis"}
    assert written["model"]["roc_auc"] > 0.85


def test_clusters_finds_the_worst_treated_rows_and_writes_no_row_level_labels(
    algoreg: Run, tmp_path: Path
) -> None:
    # given errors that are frequent for one kind of housing only
    rng = np.random.default_rng(8)
    housing = rng.choice(["huur", "koop", "sociaal"], 600)
    error = (rng.random(600) < np.where(housing == "sociaal", 0.6, 0.1)).astype(int)
    path = tmp_path / "fouten.csv"
    pl.DataFrame({"wonen": housing, "leeftijd": rng.integers(18, 80, 600), "fout": error}).write_csv(path)

    # when
    result = algoreg("bias", "clusters", path, "--metric", "fout", "--higher-is-worse",
                     "--out", tmp_path / "clusters.json")  # fmt: skip

    # then
    assert result.exit_code == 0, result.output
    assert "0 (top)" in result.stdout and "significantly higher" in result.stdout
    written = json.loads((tmp_path / "clusters.json").read_text())
    assert written["test"]["significant"] is True and "labels" not in written and "held_out" not in written
    assert "wonen = 'sociaal'" in written["description"]


def test_origin_flags_columns_with_origin_data_and_says_why(algoreg: Run, data: Path, tmp_path: Path) -> None:
    # when
    result = algoreg("bias", "origin", data, "--out", tmp_path / "herkomst.json")

    # then
    assert result.exit_code == 0, result.output
    assert "1 of 5 columns hold origin-related data: geboorteland." in result.stdout
    written = json.loads((tmp_path / "herkomst.json").read_text())
    assert written["flagged_columns"] == ["geboorteland"]
    (column,) = [item for item in written["columns"] if item["column"] == "geboorteland"]
    assert column["by_content"]["share"] == 1.0


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            ["--protected", "wijk", "--outcome", "selected"],
            "--protected (protected.0): column 'wijk' (protected)",
        ),
        (
            ["--protected", "district", "--outcome", "geboorteland"],
            "--outcome (outcome): column 'geboorteland'",
        ),
        (["--outcome", "selected"], "--protected (protected): name at least one protected attribute"),
        (
            ["--protected", "district", "--outcome", "selected", "--tolerance", "0.8-1.25"],
            "--tolerance (tolerance): give LOWER:UPPER",
        ),
        (
            ["--protected", "district", "--outcome", "selected", "--tolerance", "1.2:1.5"],
            "--tolerance (tolerance.lower): a ratio tolerance needs 0 < lower < 1 < upper",
        ),
        (
            ["--protected", "district", "--outcome", "selected", "--q", "2"],
            "--q (q): Input should be less than 1",
        ),
        (
            [
                "--protected",
                "district",
                "--protected",
                "geboorteland",
                "--outcome",
                "selected",
                "--reference",
                "A",
            ],
            "--reference (groupings): with several protected attributes, give --reference COLUMN=VALUE",
        ),
        (
            ["--protected", "district", "--outcome", "selected", "--reference", "C"],
            "--reference (groupings.0.reference): no group 'C'",
        ),
        (
            ["--protected", "district", "--outcome", "selected", "--rate", "precision"],
            "--rate (rates.0): 'precision' needs an outcome (or threshold) and a label",
        ),
    ],
)
def test_bad_options_are_named_and_nothing_is_written(
    algoreg: Run, data: Path, tmp_path: Path, arguments: list[str], expected: str
) -> None:
    # given a report written before
    out = tmp_path / "rapport.json"
    out.write_text("oud")

    # when
    result = algoreg("bias", "analyse", data, *arguments, "--out", out)

    # then
    assert result.exit_code == 1, result.output
    assert expected in result.stderr
    assert out.read_text() == "oud"
    assert_nothing_written(tmp_path, "rapport.json.tmp")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            ["bias", "analyse", "--protected", "district", "--outcome", "selected"],
            "DATA (source): give a data file",
        ),
        (
            [
                "bias",
                "analyse",
                "{data}",
                "--sql",
                "SELECT 1",
                "--protected",
                "district",
                "--outcome",
                "selected",
            ],
            "--sql (query): give either a data file or --sql, not both",
        ),
        (
            ["bias", "analyse", "--sql", "SELECT 1", "--protected", "district", "--outcome", "selected"],
            "--database (database): --sql needs --database URL",
        ),
        (
            [
                "bias",
                "analyse",
                "{data}",
                "--protected",
                "district",
                "--outcome",
                "selected",
                "--out",
                "{tmp}/r.txt",
            ],
            "--out (out): 'r.txt' must end in .json, .html, .pdf",
        ),
        (
            ["bias", "analyse", "{tmp}/ontbreekt.csv", "--protected", "district", "--outcome", "selected"],
            "DATA (source): there is no file at",
        ),
        (
            [
                "bias",
                "analyse",
                "{data}",
                "--protected",
                "district",
                "--outcome",
                "selected",
                "--settings",
                "{data}",
            ],
            "--settings (settings):",
        ),
        (
            ["bias", "monitor", "{data}", "--protected", "district", "--outcome", "selected"],
            "--period-column (period_column): name the column that holds the period",
        ),
        (
            [
                "bias",
                "monitor",
                "{data}",
                "--period-column",
                "id",
                "--protected",
                "district",
                "--outcome",
                "selected",
            ],
            "--period-column (period_column): column 'id' holds Int64 values",
        ),
        (["bias", "stages", "{data}", "--group", "wijk"], "--group (column 'wijk'): is not a column"),
        (
            ["bias", "stages", "{data}", "--group", "district", "--stage", "geboorteland"],
            "geboorteland: must hold whole numbers",
        ),
        (["bias", "render", "{data}", "--out", "{tmp}/r.html"], "DOCUMENT (document):"),
        (
            ["bias", "render", "{data}", "--out", "{tmp}/r.json"],
            "--out (out): 'r.json' must end in .html, .pdf",
        ),
        (["bias", "clusters", "{data}", "--metric", "fout", "--higher-is-worse"], "metric"),
        (
            [
                "bias",
                "clusters",
                "{data}",
                "--metric",
                "selected",
                "--higher-is-worse",
                "--min-cluster-size",
                "veel",
            ],
            "min_cluster_size: give a number of rows or a share",
        ),
        (["bias", "proxies", "{data}", "--protected", "wijk"], "wijk"),
    ],
)
def test_bad_input_ends_with_exit_code_1_and_says_what_is_wrong(
    algoreg: Run, data: Path, tmp_path: Path, arguments: list[str], expected: str
) -> None:
    # when
    given = [argument.format(data=data, tmp=tmp_path) for argument in arguments]
    result = algoreg(*given)

    # then
    assert result.exit_code == 1, result.output
    assert expected in result.stderr, result.stderr
    assert_nothing_written(tmp_path, "r.txt", "r.html", "r.json")


def test_errors_name_the_option_of_each_field() -> None:
    assert option_of("roles.protected.1") == "--protected"
    assert option_of("score") == "--score"
    assert option_of("score.bootstrap_resamples") is None
    assert option_of("groupings.2.reference") == "--reference"
    assert option_of("period") == "--period" and option_of("period_column") == "--period-column"
