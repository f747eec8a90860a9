"""Find columns that hold origin-related personal data, by their name and by their content.

Origin-related data ("herkomstgegevens") are nationality, country of birth (own or parents'),
migration background, ethnicity, "land van herkomst" and data that imply them (residence permit,
civic integration, mother tongue). A privacy officer needs to find them in every data set an
algorithm uses, and to see *why* a column was flagged; every finding therefore lists its reasons.

**By name** (:func:`match_name`): the column name is split into lower-case words (camelCase,
snake_case, kebab-case, digits and accents are all handled), then matched against our own list of
Dutch and English patterns, :data:`NAME_PATTERNS`. Short abbreviations (``nat``, ``cob``, ``etn``)
must be whole words, so ``natuur`` and ``signature`` do not match; Dutch compounds
(``geboortelandmoeder``) match on their stem.

**By content** (:func:`inspect_values`): the share of non-missing values that are origin values —
country names in Dutch or English (Babel's CLDR names plus a short list of older and everyday
names), world regions, ISO 3166 alpha-2 and alpha-3 codes (alpha-3 from CLDR's territory aliases,
as Babel ships them), nationality words and migration-background categories (our own lists: Babel
has no nationality adjectives). Values are compared whole, after folding case, accents and
punctuation. A column is flagged when

* at least :data:`MIN_SHARE` (50 %) of its non-missing values are origin values: then the most
  plausible reading of the column is "a country or origin per row", and because values are matched
  whole, free text that merely mentions a country does not get there; or,
* when most of the recognised values are letter codes, at least :data:`MIN_CODE_SHARE` (80 %):
  two-letter codes collide with Dutch province abbreviations (GR, FR, LI, GE), language codes,
  US states and words such as "no", so codes alone need a clear majority. The codes ``NO``, ``NA``
  and a few others that are also everyday words only count when the column holds other origin
  values as well, so a yes/no column is never a country column.

Missing markers ("onbekend", "unknown", "n.v.t.", "-") count as missing. Only text and
categorical columns are read by content; numeric country codes (CBS/BRP "landcode") are not
recognised — such columns are found by their name.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import polars as pl
from babel import Locale
from babel.core import get_global

from algoreg.errors import FieldProblem, InvalidInput

MIN_SHARE = 0.5
"""Share of non-missing values that must be origin values to flag a column by content."""

MIN_CODE_SHARE = 0.8
"""The share needed instead when most recognised values are letter codes (see module docstring)."""

DEFAULT_MAX_ROWS = 100_000
"""Frames with more rows are sampled (seeded) before their content is read."""

MAX_DISTINCT = 5_000
"""Only the most frequent distinct values of a column are read; the rest count as not recognised.

There are about 250 countries, so a column of countries has few distinct values; a column with
many thousands is identifiers or free text, and its long tail cannot lift it above the threshold.
"""

EXAMPLES = 5
"""Number of recognised example values reported per column."""


@dataclass(frozen=True)
class NamePattern:
    """One name pattern: a regular expression over the normalised name, and what it indicates."""

    label: str
    category: str
    regex: str
    unless: str | None = None


def _word(alternatives: str) -> str:
    return rf"(?:^|_)(?:{alternatives})(?:_|$)"


_PARENT = r"(?:moeder|vader|ouders?|mother|father|parents?|mom|dad)"
_BIRTH_COUNTRY = r"(?:geboorte_?land|country_?of_?birth|birth_?country|country_?birth|geb_?land)"

NAME_PATTERNS: tuple[NamePattern, ...] = (
    # nationality
    NamePattern("nationaliteit / nationality", "nationality", r"nationalit"),
    NamePattern(
        "nat, natcode (abbreviation of nationality)", "nationality", _word(r"nat|natcd|natcode|natio|nation")
    ),
    NamePattern("staatsburgerschap / citizenship", "nationality", r"staatsburgerschap|citizenship"),
    NamePattern(
        "buitenlander / foreigner / foreign national",
        "nationality",
        r"buitenlander|foreigner|foreign_?national",
    ),
    NamePattern("vreemdeling (foreign national)", "residence or migration status", r"vreemdeling"),
    # country of birth
    NamePattern("geboorteland / country of birth", "country of birth", _BIRTH_COUNTRY),
    NamePattern("land van geboorte", "country of birth", _word(r"land_(?:van_)?geboorte")),
    NamePattern("cob (abbreviation of country of birth)", "country of birth", _word(r"cob")),
    NamePattern(
        "geboorteland ouders / parents' country of birth",
        "parents' country of birth",
        rf"{_BIRTH_COUNTRY}.*{_PARENT}|{_PARENT}.*{_BIRTH_COUNTRY}|{_PARENT}_?(?:land|country)(?:_|$)"
        rf"|(?:^|_)cob_{_PARENT}|{_PARENT}_cob(?:_|$)",
    ),
    NamePattern(
        "geboorteplaats / place of birth",
        "place of birth",
        r"geboorte_?plaats|geb_?plaats|place_?of_?birth|birth_?place",
    ),
    # migration background
    NamePattern(
        "migratieachtergrond / migration background",
        "migration background",
        r"mig[a-z]*_?(?:achtergr|background|bgr)",
    ),
    NamePattern("migrant / immigrant / immigratie", "migration background", r"migrant|immigra"),
    NamePattern("allochtoon / autochtoon", "migration background", r"allocht|autocht"),
    NamePattern(
        "(niet-)westers / (non-)western", "migration background", _word(r"(?:niet_?)?westers?e?|non_?western")
    ),
    # origin
    NamePattern(
        "land van herkomst / herkomstland",
        "origin",
        r"land_?van_?herkomst|herkomsts?_?(?:land|groep|gegevens)",
    ),
    NamePattern(
        "herkomst (origin)",
        "origin",
        _word(r"herkomst"),
        unless=_word(r"bron|melding|signaal|data|bestand|record|systeem|document|aanvraag|bericht"),
    ),
    NamePattern("afkomst (descent)", "origin", _word(r"afkomst")),
    NamePattern(
        "country / land of origin",
        "origin",
        r"(?:country|land)_?of_?origin|origin_?country|(?:ethnic|national)_?origin",
    ),
    NamePattern("descent / ancestry", "origin", _word(r"descent|ancestry")),
    # ethnicity
    NamePattern("etniciteit / ethnicity", "ethnicity", r"ethnic|etnic|etnisch|etnie"),
    NamePattern("etn (abbreviation of ethnicity)", "ethnicity", _word(r"etn")),
    NamePattern("ras / race", "ethnicity", _word(r"ras|race|raciale?")),
    NamePattern("huidskleur / skin colour", "ethnicity", r"huidskleur|skin_?colou?r"),
    # status and data that imply migration
    NamePattern(
        "verblijfsvergunning / verblijfsstatus (residence permit or status)",
        "residence or migration status",
        r"verblijfs_?(?:vergunning|titel|status|recht|document|doel)|residence_?(?:permit|status)",
    ),
    NamePattern(
        "asiel / statushouder / vluchteling (asylum, refugee)",
        "residence or migration status",
        r"asiel|asylum|statushouder|vluchteling|refugee",
    ),
    NamePattern("inburgering (civic integration)", "civic integration", r"inburgering|civic_?integration"),
    NamePattern("nt2 (Dutch as a second language)", "civic integration", _word(r"nt_?2")),
    NamePattern(
        "moedertaal / thuistaal / mother tongue",
        "language",
        r"moedertaal|thuistaal|mother_?tongue|native_?language|home_?language|first_?language",
    ),
)
"""Our name patterns, matched against the normalised column name (see :func:`normalise_name`)."""


@dataclass(frozen=True)
class NameMatch:
    """A column name matched a pattern: which one (``pattern``), and what it indicates."""

    pattern: str
    category: str
    normalised_name: str


@dataclass(frozen=True)
class KindShare:
    """Share of the non-missing values that are of one kind of origin value."""

    kind: str
    share: float


@dataclass(frozen=True)
class ContentEvidence:
    """What a column's values say: how many were read, which share is origin values, examples.

    ``share`` counts every recognised value once, ``code_share`` the part that are letter codes;
    ``threshold`` is the share the column had to reach (:data:`MIN_SHARE`, or
    :data:`MIN_CODE_SHARE` when codes dominate), ``flagged`` whether it did.
    """

    values_read: int
    missing: int
    distinct: int
    share: float
    code_share: float
    by_kind: tuple[KindShare, ...]
    examples: tuple[str, ...]
    threshold: float
    flagged: bool


@dataclass(frozen=True)
class ColumnOrigin:
    """The verdict on one column, with the reasons a privacy officer can check."""

    column: str
    flagged: bool
    by_name: tuple[NameMatch, ...]
    by_content: ContentEvidence | None
    reasons: tuple[str, ...]

    @property
    def categories(self) -> tuple[str, ...]:
        """The kinds of origin data the name points to (nationality, country of birth, ...)."""
        return tuple(dict.fromkeys(match.category for match in self.by_name))


@dataclass(frozen=True)
class OriginScan:
    """All columns of a frame, flagged or not, and the rows their content was read from."""

    columns: tuple[ColumnOrigin, ...]
    rows_total: int
    rows_read: int
    seed: int

    @property
    def flagged(self) -> tuple[ColumnOrigin, ...]:
        """The columns flagged by name, by content or both, in frame order."""
        return tuple(column for column in self.columns if column.flagged)

    @property
    def sampled(self) -> bool:
        """Whether content was read from a sample rather than from every row."""
        return self.rows_read < self.rows_total


# --- names ----------------------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """Lower-case words of a column name joined by ``_``: ``GeboortelandMoeder`` → ``geboorteland_moeder``.

    Splits camelCase and acronyms (``NATCode`` → ``nat_code``), letters from digits (``nat2`` →
    ``nat_2``), and any run of other characters; strips accents (``Nationalität`` →
    ``nationalitat``).
    """
    text = _strip_accents(name)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([A-Za-z])([0-9])", r"\1_\2", text)
    text = re.sub(r"([0-9])([A-Za-z])", r"\1_\2", text)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def match_name(name: str) -> tuple[NameMatch, ...]:
    """Every pattern of :data:`NAME_PATTERNS` that the column name matches, in list order."""
    normalised = normalise_name(name)
    return tuple(
        NameMatch(pattern=pattern.label, category=pattern.category, normalised_name=normalised)
        for pattern, compiled, unless in _compiled_patterns()
        if compiled.search(normalised) and not (unless and unless.search(normalised))
    )


@cache
def _compiled_patterns() -> tuple[tuple[NamePattern, re.Pattern[str], re.Pattern[str] | None], ...]:
    return tuple(
        (pattern, re.compile(pattern.regex), re.compile(pattern.unless) if pattern.unless else None)
        for pattern in NAME_PATTERNS
    )


# --- values ---------------------------------------------------------------------------------------

_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}
"""CLDR territories that are not countries: unions, pseudo-regions, "unknown region"."""

_OLD_ALPHA2 = {"AN", "UK", "SU", "YU", "CS", "DD"}
"""Withdrawn or customary two-letter codes still found in data (Antilles, UK, USSR, Yugoslavia...)."""

_AMBIGUOUS_CODES = {
    "NO",
    "NA",
    "ID",
    "IT",
    "IN",
    "IS",
    "AT",
    "BE",
    "TO",
    "AM",
    "PM",
    "ME",
    "MY",
    "AND",
    "ARE",
    "CAN",
}
"""Codes that are also everyday words or abbreviations; they count only next to other origin values."""

_EXTRA_COUNTRY_NAMES = (
    # Dutch: older, everyday and short forms that CLDR does not list
    "Holland, Engeland, Schotland, Wales, Groot-Brittannië, VK, Verenigde Staten van Amerika, VS, "
    "Amerika, Turkije, Nederlandse Antillen, Nederlandse Antillen en Aruba, Antillen, Sovjet-Unie, "
    "Joegoslavië, Tsjechoslowakije, Tsjecho-Slowakije, Oost-Duitsland, West-Duitsland, DDR, Birma, "
    "Macedonië, Swaziland, Kaapverdische Eilanden, Hongkong, Palestina, Congo, Zaïre, Servië en "
    "Montenegro, Koerdistan, Ivoorkust, Bosnië, Suriname, Curaçao, "
    # English
    "Holland, England, Scotland, Great Britain, Britain, UK, U.K., USA, U.S.A., U.S., America, "
    "United States of America, Turkey, Netherlands Antilles, Antilles, Soviet Union, USSR, "
    "Yugoslavia, Czechoslovakia, Czech Republic, East Germany, West Germany, Burma, Macedonia, "
    "Swaziland, Cape Verde, Ivory Coast, Hong Kong, Palestine, Congo, Zaire, Kurdistan, Bosnia, "
    "Serbia and Montenegro, The Netherlands"
)

_NATIONALITY_WORDS = (
    # Dutch adjectives (both forms) and the common nouns for a person
    "nederlands nederlandse nederlander marokkaans marokkaanse marokkaan turks turkse turk "
    "surinaams surinaamse surinamer antilliaans antilliaanse antilliaan arubaans arubaanse "
    "curacaos curacaose indonesisch indonesische indisch indische duits duitse duitser belgisch "
    "belgische belg pools poolse roemeens roemeense bulgaars bulgaarse hongaars hongaarse litouws "
    "litouwse lets letse ests estse tsjechisch tsjechische slowaaks slowaakse kroatisch kroatische "
    "servisch servische bosnisch bosnische albanees albanese kosovaars kosovaarse grieks griekse "
    "italiaans italiaanse spaans spaanse portugees portugese frans franse brits britse engels "
    "engelse iers ierse zweeds zweedse noors noorse deens deense fins finse oostenrijks "
    "oostenrijkse zwitsers zwitserse russisch russische oekraiens oekraiense syrisch syrische "
    "syrier iraaks iraakse irakees iraans iraanse afghaans afghaanse pakistaans pakistaanse "
    "indiaas indiase chinees chinese vietnamees vietnamese japans japanse filipijns filipijnse "
    "thais thaise eritrees eritrese eritreeer ethiopisch ethiopische somalisch somalische "
    "somalier soedanees soedanese egyptisch egyptische algerijns algerijnse tunesisch tunesische "
    "libisch libische nigeriaans nigeriaanse ghanees ghanese kaapverdisch kaapverdische "
    "congolees congolese angolees angolese amerikaans amerikaanse canadees canadese braziliaans "
    "braziliaanse colombiaans colombiaanse venezolaans venezolaanse mexicaans mexicaanse "
    "australisch australische israelisch israelische palestijns palestijnse libanees libanese "
    "jemenitisch jemenitische saoedisch saoedische koerdisch koerdische armeens armeense "
    "georgisch georgische azerbeidzjaans azerbeidzjaanse staatloos staatloze "
    # English adjectives
    "dutch moroccan turkish surinamese antillean aruban curacaoan indonesian german belgian polish "
    "romanian bulgarian hungarian lithuanian latvian estonian czech slovak croatian serbian "
    "bosnian albanian kosovar greek italian spanish portuguese french british english irish "
    "swedish norwegian danish finnish austrian swiss russian ukrainian syrian iraqi iranian afghan "
    "pakistani indian chinese vietnamese japanese filipino thai eritrean ethiopian somali "
    "sudanese egyptian algerian tunisian libyan nigerian ghanaian congolese angolan american "
    "canadian brazilian colombian venezuelan mexican australian israeli palestinian lebanese "
    "yemeni saudi kurdish armenian georgian azerbaijani stateless"
)

_MULTIWORD_NATIONALITIES = (
    "wit-russisch, wit-russische, zuid-afrikaans, zuid-afrikaanse, kaapverdiaans, kaapverdiaanse, "
    "belarusian, belarussian, cape verdean, south african"
)

_ORIGIN_TERMS = (
    # Dutch (CBS categories, old and new)
    "autochtoon, autochtone, allochtoon, allochtone, westers, westerse, niet-westers, "
    "niet-westerse, westerse allochtoon, niet-westerse allochtoon, nederlandse achtergrond, "
    "migratieachtergrond, met migratieachtergrond, zonder migratieachtergrond, "
    "westerse migratieachtergrond, niet-westerse migratieachtergrond, eerste generatie, "
    "tweede generatie, eerste generatie migrant, tweede generatie migrant, geboren in nederland, "
    "geboren buiten nederland, buitenlands, buitenlandse, buitenlander, migrant, immigrant, "
    # English
    "native, native dutch, western, non-western, migration background, no migration background, "
    "western migration background, non-western migration background, dutch background, "
    "first generation, second generation, foreign born, foreign-born, born abroad, "
    "born in the netherlands, foreign, foreigner"
)

_MISSING_MARKERS = frozenset(
    {
        "",
        "onbekend",
        "unknown",
        "onb",
        "unk",
        "nvt",
        "n v t",
        "n a",
        "null",
        "none",
        "nan",
        "leeg",
        "empty",
        "geen",
    }
)
"""Normalised values read as missing. ("na" alone is the code of Namibia; see _AMBIGUOUS_CODES.)"""

_KIND_NAMES = (
    "country name",
    "world region",
    "nationality",
    "origin category",
    "alpha-3 code",
    "alpha-2 code",
)
_CODE_KINDS = frozenset({"alpha-3 code", "alpha-2 code"})


def normalise_value(value: str) -> str:
    """A value folded for comparison: no accents, lower case, punctuation and spaces as one space."""
    text = _strip_accents(value).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@cache
def _vocabulary() -> dict[str, str]:
    """Normalised word → kind of origin value, for the whole-word kinds (names, nationalities...)."""
    vocabulary: dict[str, str] = {}

    def add(words: Iterable[str], kind: str) -> None:
        for word in words:
            key = normalise_value(word)
            if key and key not in vocabulary:
                vocabulary[key] = kind

    for locale in ("nl", "en"):
        territories = _territories(locale)
        countries = [name for code, name in territories.items() if _is_country(code)]
        add(countries, "country name")
        # "Myanmar (Birma)" is also written "Myanmar".
        add((re.sub(r"\s*\(.*\)", "", name) for name in countries), "country name")
        regions = [name for code, name in territories.items() if code.isdigit() and code != "001"]
        add(regions, "world region")
    add(_EXTRA_COUNTRY_NAMES.split(", "), "country name")
    add(_NATIONALITY_WORDS.split(), "nationality")
    add(_MULTIWORD_NATIONALITIES.split(", "), "nationality")
    add(_ORIGIN_TERMS.split(", "), "origin category")
    return vocabulary


@cache
def _codes() -> dict[str, str]:
    """Upper-case ISO 3166 code → "alpha-2 code" or "alpha-3 code"."""
    alpha2 = {code for code in _territories("en") if _is_country(code)} | _OLD_ALPHA2
    aliases = get_global("territory_aliases")
    alpha3 = {
        str(alias)
        for alias, targets in aliases.items()
        if len(alias) == 3 and alias.isalpha() and all(target in alpha2 for target in targets)
    }
    return {**dict.fromkeys(alpha2, "alpha-2 code"), **dict.fromkeys(alpha3, "alpha-3 code")}


def _territories(locale: str) -> dict[str, str]:
    """CLDR territory code → name in ``locale`` (countries, and regions with numeric codes)."""
    return {str(code): str(name) for code, name in Locale(locale).territories.items()}


def _is_country(code: str) -> bool:
    return len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES


def classify_value(value: str) -> str | None:
    """The kind of origin value a single value is ("country name", "alpha-2 code", ...), or None.

    Letter codes are matched case-insensitively; ambiguous codes such as ``NO`` are classified
    here, and discounted by :func:`inspect_values` when they stand alone.
    """
    stripped = value.strip()
    if 2 <= len(stripped) <= 3 and stripped.isascii() and stripped.isalpha():
        kind = _codes().get(stripped.upper())
        if kind is not None:
            return kind
    return _vocabulary().get(normalise_value(stripped))


def is_missing_marker(value: str) -> bool:
    """Whether a text value means "missing" (empty, "onbekend", "unknown", "n.v.t.", "-" ...)."""
    return normalise_value(value) in _MISSING_MARKERS


def inspect_values(
    values: pl.Series,
    *,
    min_share: float = MIN_SHARE,
    min_code_share: float = MIN_CODE_SHARE,
) -> ContentEvidence:
    """Read a text or categorical column and measure how much of it is origin values.

    Shares are of the non-missing values (nulls and missing markers left out), counting every row.
    The column is flagged when the share reaches ``min_share``, or ``min_code_share`` when letter
    codes make up most of the recognised values; ambiguous codes (``NO``, ``NA`` ...) count only
    when the column holds other origin values too. Raises :class:`InvalidInput` for a column that
    is not text or categorical, or thresholds outside (0, 1].
    """
    _check_thresholds(min_share, min_code_share)
    if not _is_text(values.dtype):
        raise InvalidInput(
            problems=[
                FieldProblem(
                    field=values.name,
                    reason=f"column type {values.dtype} cannot be read as text; only text and "
                    "categorical columns are inspected by content",
                )
            ],
            summary="The column cannot be inspected for origin values.",
        )
    counts = (
        values.cast(pl.String)
        .alias("value")
        .drop_nulls()
        .value_counts(name="count")
        .sort(["count", "value"], descending=[True, False])  # ties in a stable order for the examples
    )
    nulls = values.null_count()
    markers = 0
    present: list[tuple[str, int]] = []
    for value, n in zip(counts["value"].to_list(), counts["count"].to_list(), strict=True):
        if is_missing_marker(value):
            markers += n
        else:
            present.append((value, n))
    read = sum(n for _, n in present)
    kinds: dict[str, int] = {}
    recognised: list[tuple[str, str, int]] = []
    for value, n in present[:MAX_DISTINCT]:
        kind = classify_value(value)
        if kind is not None:
            recognised.append((value, kind, n))
    others = [item for item in recognised if item[0].strip().upper() not in _AMBIGUOUS_CODES]
    if not others:
        recognised = []
    for _, kind, n in recognised:
        kinds[kind] = kinds.get(kind, 0) + n
    hits = sum(kinds.values())
    code_hits = sum(n for kind, n in kinds.items() if kind in _CODE_KINDS)
    share = hits / read if read else 0.0
    code_share = code_hits / read if read else 0.0
    threshold = min_code_share if code_hits * 2 > hits else min_share
    return ContentEvidence(
        values_read=read,
        missing=nulls + markers,
        distinct=len(present),
        share=share,
        code_share=code_share,
        by_kind=tuple(
            KindShare(kind=kind, share=kinds[kind] / read) for kind in _KIND_NAMES if kind in kinds
        ),
        examples=tuple(value for value, _, _ in recognised[:EXAMPLES]),
        threshold=threshold,
        flagged=read > 0 and share >= threshold,
    )


def check_column(
    name: str,
    values: pl.Series | None = None,
    *,
    min_share: float = MIN_SHARE,
    min_code_share: float = MIN_CODE_SHARE,
) -> ColumnOrigin:
    """Judge one column by its name and, for text or categorical ``values``, by its content.

    Non-text values (numbers, dates) are judged by name only. The column is flagged when either
    judgement flags it; ``reasons`` say which patterns matched and which share of which values.
    """
    by_name = match_name(name)
    evidence = None
    if values is not None and _is_text(values.dtype):
        evidence = inspect_values(values, min_share=min_share, min_code_share=min_code_share)
    reasons = [f"name {name!r} matches {match.pattern} ({match.category})" for match in by_name]
    if evidence is not None and evidence.flagged:
        reasons.append(_content_reason(evidence))
    return ColumnOrigin(
        column=name,
        flagged=bool(by_name) or (evidence is not None and evidence.flagged),
        by_name=by_name,
        by_content=evidence,
        reasons=tuple(reasons),
    )


def scan_frame(
    frame: pl.DataFrame,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    seed: int = 0,
    min_share: float = MIN_SHARE,
    min_code_share: float = MIN_CODE_SHARE,
) -> OriginScan:
    """Judge every column of an eager polars DataFrame; content is read from at most ``max_rows``.

    Larger frames are sampled with ``seed`` (the result states the rows read). Returns every
    column in frame order; :attr:`OriginScan.flagged` holds those flagged.
    """
    problems: list[FieldProblem] = []
    if not isinstance(frame, pl.DataFrame):
        problems.append(
            FieldProblem(
                field="frame", reason=f"must be an eager polars DataFrame; got {type(frame).__name__}"
            )
        )
    if max_rows < 1:
        problems.append(FieldProblem(field="max_rows", reason=f"must be at least 1; got {max_rows}"))
    if problems:
        raise InvalidInput(problems=problems, summary="The data cannot be scanned for origin columns.")
    _check_thresholds(min_share, min_code_share)
    sample = frame.sample(n=max_rows, seed=seed) if frame.height > max_rows else frame
    return OriginScan(
        columns=tuple(
            check_column(name, sample[name], min_share=min_share, min_code_share=min_code_share)
            for name in frame.columns
        ),
        rows_total=frame.height,
        rows_read=sample.height,
        seed=seed,
    )


def _content_reason(evidence: ContentEvidence) -> str:
    kinds = ", ".join(f"{item.kind} {item.share:.0%}" for item in evidence.by_kind)
    examples = ", ".join(repr(value) for value in evidence.examples)
    return (
        f"{evidence.share:.0%} of {evidence.values_read} non-missing values are origin values "
        f"({kinds}; threshold {evidence.threshold:.0%}), e.g. {examples}"
    )


def _check_thresholds(min_share: float, min_code_share: float) -> None:
    problems = [
        FieldProblem(field=field, reason=f"must be a share in (0, 1]; got {value}")
        for field, value in (("min_share", min_share), ("min_code_share", min_code_share))
        if not 0 < value <= 1
    ]
    if problems:
        raise InvalidInput(problems=problems, summary="The thresholds for origin detection are not valid.")


def _is_text(dtype: pl.DataType) -> bool:
    return dtype in (pl.String, pl.Null) or isinstance(dtype, pl.Categorical | pl.Enum)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))
