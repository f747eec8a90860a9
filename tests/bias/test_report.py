"""Bias reports as HTML and PDF: every mode in Dutch and English, checked against figures computed by
hand from the generated data, for structure (headings in order, a table beside every chart, captions,
header scopes, text alternatives) and for what a report must never claim."""

import base64
import datetime as dt
import itertools
import json
import re
import zlib
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.numbers import format_decimal, format_percent
from playwright.sync_api import sync_playwright
from scipy import stats
from sklearn.metrics import roc_auc_score

import algoreg.web.reports.bias
from algoreg.bias.aggregate import StageCounts, analyse_stages
from algoreg.bias.analysis import analyse
from algoreg.bias.document import to_document
from algoreg.bias.messages import LEGAL_QUESTION_IDS, TEMPLATES, Message, render
from algoreg.bias.monitoring import analyse_periods
from algoreg.bias.results import BiasAnalysis
from algoreg.errors import InvalidInput
from algoreg.web.i18n import catalog, translations
from algoreg.web.reports.bias import build_report, render_fragment, render_html, render_pdf
from algoreg.web.templating import TEMPLATES as TEMPLATE_DIR
from tests.browser.conftest import AXE, CHROMIUM, WCAG_TAGS

CREATED = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
FORBIDDEN = re.compile(r"lawful|rechtmatig", re.IGNORECASE)


# --- data and analyses --------------------------------------------------------------------------------


def decisions(seed: int = 5) -> pl.DataFrame:
    """1,200 people in Noord, 800 in Zuid, 40 in Oost; selection depends on the district; 7 lack one."""
    rng = np.random.default_rng(seed)
    district = np.array(["Noord"] * 1200 + ["Zuid"] * 800 + ["Oost"] * 40)
    nationality = rng.choice(["NL", "TR", "MA"], district.size, p=[0.6, 0.2, 0.2])
    label = (rng.random(district.size) < 0.35).astype(int)
    score = np.round(np.clip(rng.normal(0.35 + 0.3 * label, 0.18), 0, 1), 2)
    boost = np.where(district == "Zuid", 0.12, 0.0)
    selected = ((score + boost) > 0.55).astype(float)
    selected[[3, 9, 1500, 1501, 1502, 2001, 2002]] = np.nan
    return pl.DataFrame(
        {
            "district": district,
            "nationaliteit": nationality,
            "label": label,
            "score": score,
            "selected": selected,
        }
    ).with_columns(pl.col("selected").fill_nan(None))


SETTINGS: dict[str, Any] = {
    "roles": {
        "protected": ["district", "nationaliteit"],
        "outcome": "selected",
        "label": "label",
        "score": "score",
    },
    "score": {"bootstrap_resamples": 200, "calibration_bins": 5},
    "origin": {"check": True},
}


def months() -> pl.DataFrame:
    """Three months; in March group B is selected half as often as before."""
    rows = []
    for month, b_selected in ((1, 80), (2, 80), (3, 40)):
        rows += [(dt.date(2024, month, 10), "A", 1 if i < 80 else 0) for i in range(200)]
        rows += [(dt.date(2024, month, 12), "B", 1 if i < b_selected else 0) for i in range(200)]
    return pl.DataFrame(rows, schema=["day", "groep", "selected"], orient="row")


STAGES = StageCounts(
    stages=("aanvraag", "controle", "afwijzing"),
    groups=("NL", "TR", "MA"),
    counts=((1000, 200, 50), (300, 90, 30), (200, 40, 10)),
)


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return decisions()


@pytest.fixture(scope="module")
def analysis(frame: pl.DataFrame) -> BiasAnalysis:
    return analyse(frame, SETTINGS)


@pytest.fixture(scope="module")
def document(analysis: BiasAnalysis) -> dict[str, Any]:
    return to_document(analysis, created=CREATED)


@pytest.fixture(scope="module")
def monitoring_document() -> dict[str, Any]:
    result = analyse_periods(months(), {"roles": {"protected": ["groep"], "outcome": "selected"}}, "day")
    return to_document(result, created=CREATED)


@pytest.fixture(scope="module")
def aggregate_document() -> dict[str, Any]:
    return to_document(analyse_stages(STAGES), created=CREATED)


@pytest.fixture(scope="module")
def pages(
    document: dict[str, Any], monitoring_document: dict[str, Any], aggregate_document: dict[str, Any]
) -> dict[tuple[str, str], str]:
    """Every mode in both languages, rendered once."""
    return {
        (mode, lang): render_html(source, lang)  # type: ignore[arg-type]
        for mode, source in (
            ("decisions", document),
            ("monitoring", monitoring_document),
            ("aggregate", aggregate_document),
        )
        for lang in ("nl", "en")
    }


# --- reading HTML -------------------------------------------------------------------------------------


class Page(HTMLParser):
    """The parts of an HTML page the tests look at: language, headings, elements in order, and text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.headings: list[tuple[int, str]] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.cells: list[tuple[str, str]] = []
        self._texts: list[str] = []
        self._heading: tuple[int, list[str]] | None = None
        self._cell: tuple[str, list[str]] | None = None
        self._skip = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.elements.append((tag, values))
        if tag == "html":
            self.lang = values.get("lang")
        if tag in ("style", "script"):
            self._skip += 1
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = (int(tag[1]), [])
        if tag in ("td", "th"):
            self._cell = (tag, [])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1
        if self._heading is not None and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], " ".join("".join(self._heading[1]).split())))
            self._heading = None
        if self._cell is not None and tag == self._cell[0]:
            self.cells.append((self._cell[0], " ".join("".join(self._cell[1]).split())))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self._texts.append(data)
        if self._heading is not None:
            self._heading[1].append(data)
        if self._cell is not None:
            self._cell[1].append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._texts).split())

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [values for name, values in self.elements if name == tag]


def percent(value: float, lang: str) -> str:
    return str(format_percent(value, format="#,##0.#%", locale=lang))


def count(value: int, lang: str) -> str:
    return str(format_decimal(value, format="#,##0", locale=lang))


def sentence(message: Message, lang: str) -> str:
    return render(message, locale=lang, translations=translations(lang))  # type: ignore[arg-type]


# --- structure and accessibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["decisions", "monitoring", "aggregate"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_report_is_an_ordered_accessible_page(
    pages: dict[tuple[str, str], str], mode: str, lang: str
) -> None:
    # given
    page = Page(pages[(mode, lang)])

    # then the page states its language and has one h1, then headings that never skip a level
    assert page.lang == lang
    levels = [level for level, _ in page.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(levels))
    # every table has a caption and every header cell a scope
    assert len(page.all("table")) == len(page.all("caption")) > 0
    assert all(values.get("scope") in ("col", "row") for values in page.all("th"))
    # every chart is an SVG image with a text alternative, and the next table after it holds its figures
    images = page.all("img")
    assert images, "every mode has at least one chart"
    for values in images:
        assert values["alt"] and str(values["src"]).startswith("data:image/svg+xml;base64,")
        svg = base64.b64decode(str(values["src"]).split(",", 1)[1]).decode()
        assert svg.startswith("<svg") and "<script" not in svg
    order = [name for name, _ in page.elements if name in ("figure", "table")]
    assert all(order[index + 1] == "table" for index, name in enumerate(order) if name == "figure")
    # ids are unique, and the page holds no script
    ids = [values["id"] for _, values in page.elements if values.get("id")]
    assert len(ids) == len(set(ids))
    assert not page.all("script")


@pytest.mark.parametrize("mode", ["decisions", "monitoring", "aggregate"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_report_claims_that_a_system_is_lawful_and_each_asks_the_legal_questions(
    pages: dict[tuple[str, str], str], mode: str, lang: str
) -> None:
    # given
    page = Page(pages[(mode, lang)])

    # then
    assert FORBIDDEN.search(page.text) is None
    for question in ("bias.legal.intro", *LEGAL_QUESTION_IDS):
        assert sentence(Message(question), lang) in page.text
    heading = (
        "Vragen die de organisatie zelf moet beantwoorden"
        if lang == "nl"
        else ("Questions the organisation must answer itself")
    )
    assert (2, heading) in page.headings


# --- decision data ---------------------------------------------------------------------------------------


def test_the_english_report_shows_what_was_analysed_with_figures_computed_by_hand(
    pages: dict[tuple[str, str], str], frame: pl.DataFrame, analysis: BiasAnalysis
) -> None:
    # given
    page = Page(pages[("decisions", "en")])
    counted = frame.filter(pl.col("selected").is_not_null())
    zuid = counted.filter(pl.col("district") == "Zuid")
    selected, n = int(zuid["selected"].sum()), zuid.height
    wilson = stats.binomtest(selected, n).proportion_ci(0.95, method="wilson")
    highest = max(
        counted.filter(pl.col("district") == name)["selected"].mean()  # type: ignore[type-var]
        for name in ("Noord", "Zuid", "Oost")
    )
    noord = counted.filter(pl.col("district") == "Noord")
    impact = float(noord["selected"].mean()) / float(highest)  # type: ignore[arg-type]
    auc = roc_auc_score(noord["label"].to_numpy(), noord["score"].to_numpy())

    # then the headings in order
    titles = [title for _, title in page.headings]
    expected = [
        "Bias test report",
        "Summary",
        "What was analysed",
        "Results per grouping",
        "Grouping: district",
        "Findings",
        "Four-fifths rule",
        "Fairness criteria",
        "How well the score separates (AUC)",
        "Calibration",
        "Grouping: nationaliteit",
        "Intersection: district × nationaliteit",
        "Origin-related data",
        "Questions the organisation must answer itself",
        "How to read this report",
    ]
    positions = [titles.index(title) for title in expected]
    assert positions == sorted(positions)
    # rows read and left out, and why
    assert "2,040 rows were read; 7 were left out because they lack an outcome, label or score" in page.text
    assert ("th", "outcome (selected)") in page.cells and ("td", "7") in page.cells
    # groups and their sizes, and the settings
    assert ("th", "Noord (reference)") in page.cells and ("td", count(noord.height, "en")) in page.cells
    assert ("td", "ratio 0.8 to 1.25") in page.cells
    assert ("td", "0.05") in page.cells and ("td", "30") in page.cells
    # the rate of a group with its Wilson interval and its counts, in the table beside the chart
    assert ("td", percent(selected / n, "en")) in page.cells
    assert ("td", f"{percent(wilson.low, 'en')} – {percent(wilson.high, 'en')}") in page.cells
    assert ("td", f"{count(selected, 'en')} / {count(n, 'en')}") in page.cells
    # every finding in plain language, the four-fifths rule and the AUC
    for finding in analysis.findings:
        assert render(finding.message) in page.text
    assert ("td", f"{impact:.2f}") in page.cells
    assert ("td", f"{auc:.3f}") in page.cells
    # the summary counts the verdicts, and the origin check names the column
    assert ("td", str(analysis.summary.comparisons)) in page.cells
    assert "These protected columns hold origin-related personal data: nationaliteit." in page.text


def test_the_dutch_report_is_in_dutch_with_dutch_numbers(
    pages: dict[tuple[str, str], str], frame: pl.DataFrame, analysis: BiasAnalysis
) -> None:
    # given
    page = Page(pages[("decisions", "nl")])
    noord = frame.filter(pl.col("district") == "Noord", pl.col("selected").is_not_null())
    selected = int(noord["selected"].sum())

    # then
    titles = [title for _, title in page.headings]
    for title in ("Rapport biastoets", "Samenvatting", "Wat is geanalyseerd", "Indeling: district"):
        assert title in titles
    assert "Combinatie: district × nationaliteit" in titles
    assert "Herkomstgegevens" in titles
    assert ("td", f"{count(selected, 'nl')} / {count(noord.height, 'nl')}") in page.cells
    assert count(noord.height, "nl") == "1.198"
    assert ("td", "verhouding 0,8 tot 1,25") in page.cells
    for finding in analysis.findings:
        dutch = sentence(finding.message, "nl")
        assert dutch in page.text and dutch != render(finding.message)
    # no English sentence or verdict is left
    assert "Group '" not in page.text and "Inconclusive" not in page.text
    assert "Gemaakt op" in page.text and "1 maart 2025, 09:30 UTC" in page.text


def test_a_report_of_an_analysis_itself_says_it_has_no_document(analysis: BiasAnalysis) -> None:
    # when
    html = render_html(analysis, "en", title="Parkeervergunningen 2024")

    # then
    page = Page(html)
    assert page.headings[0] == (1, "Parkeervergunningen 2024")
    assert "made directly from an analysis, without a document" in page.text


def test_the_fragment_fits_inside_a_page_of_the_site(document: dict[str, Any]) -> None:
    # when
    fragment = render_fragment(document, "nl")
    deeper = render_fragment(document, "en", heading_level=3)

    # then
    page = Page(fragment)
    assert "<html" not in fragment and "<style" not in fragment and "<h1" not in fragment
    assert page.headings[0] == (2, "Samenvatting")
    assert Page(deeper).headings[0] == (3, "Summary")
    assert all(str(values["id"]).startswith("bias-") for _, values in page.elements if values.get("id"))
    with pytest.raises(InvalidInput) as refused:
        render_fragment(document, "nl", heading_level=5)
    assert refused.value.problems[0].field == "heading_level"


def test_a_changed_document_or_an_unknown_language_is_refused(document: dict[str, Any]) -> None:
    # given a figure changed after the document was made
    changed = json.loads(json.dumps(document))
    changed["body"]["data"]["rows"] += 1

    # then
    with pytest.raises(InvalidInput) as tampered:
        render_html(changed, "nl")
    assert tampered.value.problems[0].field == "integrity.digest"
    with pytest.raises(InvalidInput) as language:
        build_report(document, "de")  # type: ignore[arg-type]
    assert language.value.problems[0].field == "lang"


# --- the other modes --------------------------------------------------------------------------------------


def test_the_monitoring_report_shows_the_trend_per_group_and_the_latest_period(
    pages: dict[tuple[str, str], str],
) -> None:
    # given
    english, dutch = Page(pages[("monitoring", "en")]), Page(pages[("monitoring", "nl")])

    # then
    titles = [title for _, title in english.headings]
    assert (
        titles.index("Trends")
        < titles.index("groep: selection rate")
        < titles.index("The latest period on its own: 2024-03")
    )
    assert ("th", "2024-01") in english.cells and ("th", "2024-03") in english.cells
    # group B in March: 40 of 200 selected, against 160 of 400 in the earlier months
    assert ("td", "40 / 200") in english.cells and ("td", "20%") in english.cells
    assert "Group 'B' has a selection rate in period 2024-03 of 20%" in english.text
    assert "the same group in the earlier periods together (40%" in english.text
    assert "Verloop" in [title for _, title in dutch.headings]
    assert "Groep 'B' heeft een selectiepercentage in periode 2024-03 van 20%" in dutch.text


def test_the_aggregate_report_shows_the_counts_per_stage_and_the_shift_in_the_mix(
    pages: dict[tuple[str, str], str],
) -> None:
    # given
    page = Page(pages[("aggregate", "en")])
    fit = stats.chisquare([200, 90, 40], [1000 / 1500 * 330, 300 / 1500 * 330, 200 / 1500 * 330])

    # then
    titles = [title for _, title in page.headings]
    assert (
        "Stage 'controle' (after 'aanvraag')" in titles and "Stage 'afwijzing' (after 'controle')" in titles
    )
    assert (
        ("th", "aanvraag") in page.cells and ("td", "1,000") in page.cells and ("td", "1,500") in page.cells
    )
    p_value = str(format_decimal(fit.pvalue, format="@#", locale="en"))
    assert f"chi-square p = {p_value}" in page.text
    # TR: 90 of 300 passed to 'controle', against 240 of 1,200 of the others
    assert ("td", "90 / 300") in page.cells and ("td", "30%") in page.cells
    assert "Fase 'controle' (na 'aanvraag')" in [
        title for _, title in Page(pages[("aggregate", "nl")]).headings
    ]


# --- translations -------------------------------------------------------------------------------------------


def test_every_message_and_report_text_has_a_dutch_translation_with_the_same_placeholders() -> None:
    # given every message template and every text of the report code and templates
    texts: list[str | tuple[str, str]] = [
        template.text if template.plural is None else (template.text, template.plural)
        for template in TEMPLATES.values()
    ]
    for path in sorted(Path(algoreg.web.reports.bias.__file__).parent.glob("*.py")):
        for _line, message, _comments, _context in extract_from_file(
            "python", path, keywords={"_": None, "ngettext": (1, 2)}
        ):
            texts.append(message)  # type: ignore[arg-type]
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(TEMPLATE_DIR / "bias"),
        method_map=[("**.html", "jinja2")],
        keywords={"_": None},
    ):
        texts.append(message)  # type: ignore[arg-type]
    assert len(texts) > 150

    # then
    dutch = catalog("nl")
    for text in texts:
        found = dutch.get(text)
        assert found is not None and found.string, f"no Dutch translation of {text!r}"
        sources = text if isinstance(text, tuple) else (text,)
        translated = found.string if isinstance(found.string, tuple) else (found.string,)
        wanted = set(PLACEHOLDER.findall(" ".join(sources)))
        for form in translated:
            assert set(PLACEHOLDER.findall(form)) <= wanted, f"{form!r} uses unknown placeholders"
            assert set(PLACEHOLDER.findall(form)) >= wanted - {"count"}, f"{form!r} lacks placeholders"


# --- PDF -------------------------------------------------------------------------------------------------


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's compressed streams (object streams among them), inflated and joined."""
    inflated = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(inflated)


def laid_out_text(html: str) -> tuple[int, str]:
    """The number of pages WeasyPrint lays the page out on, and the text on them."""
    from weasyprint import HTML  # only the PDF tests need it

    document = HTML(string=html).render()
    texts: list[str] = []

    def walk(box: Any) -> None:
        text = getattr(box, "text", None)
        if isinstance(text, str):
            texts.append(text)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return len(document.pages), " ".join(" ".join(texts).split())


@pytest.fixture(scope="module")
def small_document(frame: pl.DataFrame) -> dict[str, Any]:
    """One protected attribute, with a label and a score: every kind of block on few pages."""
    settings = {**SETTINGS, "roles": {**SETTINGS["roles"], "protected": ["nationaliteit"]}}
    return to_document(analyse(frame.drop("district"), settings), created=CREATED)


def test_the_pdf_holds_the_report_on_tagged_pages_in_its_language(
    frame: pl.DataFrame, small_document: dict[str, Any]
) -> None:
    # given
    turkish = frame.filter(pl.col("nationaliteit") == "TR", pl.col("selected").is_not_null())
    selected = int(turkish["selected"].sum())

    # when
    pdf = render_pdf(small_document, "nl")
    pages, text = laid_out_text(render_html(small_document, "nl"))

    # then the file is a tagged PDF in Dutch with the report's headings as its outline
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    objects = pdf_objects(pdf)
    assert b"/Lang (nl)" in objects and b"/Marked true" in objects
    assert b"/Title (Samenvatting)" in objects and b"/Title (Wat is geanalyseerd)" in objects
    assert int(re.findall(rb"/Type /Pages[^>]*?/Count (\d+)", objects)[0]) == pages >= 2
    # and the pages hold the key figures
    assert f"{count(selected, 'nl')} / {count(turkish.height, 'nl')}" in text
    assert percent(selected / turkish.height, "nl") in text
    assert "Vragen die de organisatie zelf moet beantwoorden" in text
    assert FORBIDDEN.search(text) is None


# --- in a real browser ------------------------------------------------------------------------------------


def axe_violations(pages: dict[str, str]) -> dict[str, list[str]]:
    """Run axe-core (WCAG 2.1 A and AA) on each page in Debian's chromium, without a network.

    Playwright runs in a thread of its own, so that it never meets the browser that the browser tests
    of the same worker keep open in the main thread.
    """

    def run() -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                for name, html in pages.items():
                    tab = chromium.new_page()
                    tab.route("**/*", lambda route: route.abort())
                    tab.set_content(html)
                    tab.add_script_tag(path=str(AXE))
                    result = tab.evaluate(
                        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
                    )
                    found[name] = [f"{item['id']}: {item['help']}" for item in result["violations"]]
                    tab.close()
            finally:
                chromium.close()
        return found

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}; install Debian's chromium (apt-get install chromium)")
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(run).result(timeout=120)


@pytest.mark.browser
def test_axe_finds_no_violations_in_any_report(
    pages: dict[tuple[str, str], str], small_document: dict[str, Any]
) -> None:
    # given every mode as a standalone page (decisions: one with every kind of block, on few pages)
    standalone = {
        "decisions": render_html(small_document, "nl"),
        "monitoring": pages[("monitoring", "nl")],
        "aggregate": pages[("aggregate", "en")],
    }

    # when
    violations = axe_violations(standalone)

    # then
    assert violations == {"decisions": [], "monitoring": [], "aggregate": []}
