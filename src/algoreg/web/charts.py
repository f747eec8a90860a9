"""Bar charts drawn on the server as SVG: Vega-Lite specifications built with Altair, rendered by
vl-convert without a browser, a network connection or JavaScript on the page.

A chart is described by :class:`BarChart`, a frozen value holding every text already in the
reader's language; :func:`render_svg` turns it into an SVG document and remembers the result, so
the same figures in the same language are drawn once per process. The drawing uses one dark
colour on white (contrast far above 3:1), writes each bar's number beside it, and carries a
``<title>`` and ``<desc>`` for readers that open the image on its own. The SVG has no ``style``
attributes or elements, so it also passes a strict Content-Security-Policy.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

import altair as alt
import vl_convert

#: Colours: bars in the site's primary blue (9.4:1 on white), text and axes dark grey or black.
BAR_COLOUR = "#0b4f6c"
TEXT_COLOUR = "#1c1c1c"
AXIS_COLOUR = "#595959"
BACKGROUND = "#ffffff"
FONT = "DejaVu Sans, Noto Sans, Arial, sans-serif"

#: Up to this many columns each carries its number; more columns are drawn narrower, without.
MAX_LABELLED_COLUMNS = 18

#: d3 number-format locales of the interface languages (thousands separators).
_NUMBER_LOCALES: dict[str, Literal["nl-NL", "en-GB"]] = {"nl": "nl-NL", "en": "en-GB"}


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value and the value as the reader writes numbers."""

    label: str
    value: int
    shown: str


@dataclass(frozen=True)
class BarChart:
    """A bar chart with all its texts in one language; hashable, so renderings can be cached.

    ``direction`` is ``"horizontal"`` (labels on the left, bars to the right: suits long labels)
    or ``"vertical"`` (columns over a time line, labels below).
    """

    title: str
    description: str
    category_title: str
    value_title: str
    bars: tuple[Bar, ...]
    lang: str
    direction: Literal["horizontal", "vertical"] = "horizontal"


def _config() -> dict[str, Any]:
    axis = {
        "labelColor": TEXT_COLOUR,
        "titleColor": TEXT_COLOUR,
        "domainColor": AXIS_COLOUR,
        "tickColor": AXIS_COLOUR,
        "labelFont": FONT,
        "titleFont": FONT,
        "labelFontSize": 13,
        "titleFontSize": 14,
        "titleFontWeight": "bold",
        "grid": False,
    }
    return {
        "background": BACKGROUND,
        "font": FONT,
        "axis": axis,
        "title": {"color": TEXT_COLOUR, "font": FONT, "fontSize": 16, "anchor": "start", "offset": 12},
        "view": {"stroke": None},
    }


def vega_lite_spec(chart: BarChart) -> dict[str, Any]:
    """Return the Vega-Lite specification of ``chart``, with its data inline (no external data)."""
    data = alt.InlineData(
        values=[{"label": bar.label, "value": bar.value, "shown": bar.shown} for bar in chart.bars]
    )
    highest = max((bar.value for bar in chart.bars), default=0)
    value_scale = alt.Scale(domain=[0, max(highest, 1) * 1.15], nice=False)
    value_axis = alt.Axis(
        title=chart.value_title, format=",d", tickMinStep=1, tickCount=min(max(highest, 1), 8)
    )
    layers: list[Any] = []
    if chart.direction == "horizontal":
        # the category title sits above the labels, right-aligned, so it never overlaps them
        category_axis = alt.Axis(labelLimit=320, titleAngle=0, titleAlign="right", titleX=-6, titleY=-8)
        labels_y = alt.Y("label:N", sort=None, title=chart.category_title, axis=category_axis)
        base = alt.Chart(data).encode(labels_y, alt.X("value:Q", scale=value_scale, axis=value_axis))
        layers.append(base.mark_bar(color=BAR_COLOUR))
        layers.append(
            base.mark_text(align="left", baseline="middle", dx=4, color=TEXT_COLOUR, fontSize=13).encode(
                text="shown:N"
            )
        )
        size: dict[str, Any] = {"width": 420, "height": alt.Step(28)}
    else:
        few = len(chart.bars) <= MAX_LABELLED_COLUMNS
        angle = 0 if len(chart.bars) <= 4 else -45
        category_axis = alt.Axis(labelAngle=angle, labelLimit=120, labelOverlap=not few)
        labels_x = alt.X("label:N", sort=None, title=chart.category_title, axis=category_axis)
        base = alt.Chart(data).encode(labels_x, alt.Y("value:Q", scale=value_scale, axis=value_axis))
        layers.append(base.mark_bar(color=BAR_COLOUR))
        if few:  # many columns share a fixed width; their numbers are then only in the table
            layers.append(
                base.mark_text(
                    align="center", baseline="bottom", dy=-3, color=TEXT_COLOUR, fontSize=13
                ).encode(text="shown:N")
            )
        size = {"width": alt.Step(40) if few else 760, "height": 260}
    layered = alt.layer(*layers).properties(title=chart.title, description=chart.description, **size)
    spec: dict[str, Any] = layered.configure(**_config()).to_dict()
    return spec


def _with_title(svg: str, chart: BarChart) -> str:
    """Give the SVG document a language, a ``<title>`` and a ``<desc>`` as its first children."""
    start = svg.index("<svg")
    end = svg.index(">", start)
    opening = svg[start:end] + f' xml:lang={quoteattr(chart.lang)} role="img"'
    texts = f"<title>{escape(chart.title)}</title><desc>{escape(chart.description)}</desc>"
    return svg[:start] + opening + ">" + texts + svg[end + 1 :]


@lru_cache(maxsize=128)
def render_svg(chart: BarChart) -> str:
    """Return ``chart`` drawn as a standalone SVG document; the same chart is drawn only once."""
    svg = vl_convert.vegalite_to_svg(
        vega_lite_spec(chart),
        format_locale=_NUMBER_LOCALES.get(chart.lang, "en-GB"),
        allowed_base_urls=[],
    )
    return _with_title(svg, chart)
