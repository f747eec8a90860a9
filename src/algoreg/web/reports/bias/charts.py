"""Charts of bias reports, drawn on the server as SVG: Altair builds Vega-Lite, vl-convert renders it.

Two kinds of chart, each a frozen value holding every text already in the reader's language, so
that a rendering can be remembered (the same figures in the same language are drawn once):

* :class:`IntervalChart` — a rate per group as a dot with a line for its confidence interval, one
  panel per rate, groups on the vertical axis;
* :class:`TrendChart` — a rate per period as a line with a band for its interval, one panel per group.

The drawing uses the site's dark blue on white and writes each estimate beside its dot, so the
chart does not depend on colour; the figures are also in a table beside every chart.
:func:`chart_image` gives the SVG as a ``data:`` URL for an ``<img>`` element, which a strict
Content-Security-Policy allows and which keeps the ids inside each SVG apart.
"""

import base64
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import altair as alt
import vl_convert

from algoreg.web.charts import AXIS_COLOUR, BACKGROUND, BAR_COLOUR, FONT, TEXT_COLOUR

#: d3 number-format locales of the report languages (decimal comma in Dutch).
NUMBER_LOCALES: dict[str, Literal["nl-NL", "en-GB"]] = {"nl": "nl-NL", "en": "en-GB"}

#: A lighter tint of the bar colour for interval bands (the line itself stays dark).
BAND_COLOUR = "#9cc3d5"


@dataclass(frozen=True)
class IntervalPoint:
    """One estimate: the panel it belongs to, its label, the value with its interval, and as shown."""

    panel: str
    label: str
    value: float
    lower: float
    upper: float
    shown: str


@dataclass(frozen=True)
class IntervalChart:
    """Rates per group with their intervals, one panel per rate; hashable, so renderings can be cached."""

    title: str
    description: str
    category_title: str
    value_title: str
    points: tuple[IntervalPoint, ...]
    lang: str


@dataclass(frozen=True)
class TrendPoint:
    """One period of one group's rate: its panel (the group), period, value, interval, and as shown."""

    panel: str
    period: str
    value: float
    lower: float
    upper: float
    shown: str


@dataclass(frozen=True)
class TrendChart:
    """A rate over the periods with its interval, one panel per group."""

    title: str
    description: str
    period_title: str
    value_title: str
    points: tuple[TrendPoint, ...]
    periods: tuple[str, ...]
    lang: str


def _config() -> dict[str, Any]:
    axis = {
        "labelColor": TEXT_COLOUR,
        "titleColor": TEXT_COLOUR,
        "domainColor": AXIS_COLOUR,
        "tickColor": AXIS_COLOUR,
        "gridColor": "#e0e0e0",
        "labelFont": FONT,
        "titleFont": FONT,
        "labelFontSize": 12,
        "titleFontSize": 13,
        "titleFontWeight": "bold",
    }
    header = {
        "labelColor": TEXT_COLOUR,
        "labelFont": FONT,
        "labelFontSize": 13,
        "labelFontWeight": "bold",
        "labelAngle": 0,
        "labelAlign": "left",
        "labelAnchor": "start",
        "labelOrient": "top",
        "title": None,
    }
    return {
        "background": BACKGROUND,
        "font": FONT,
        "axis": axis,
        "header": header,
        "title": {"color": TEXT_COLOUR, "font": FONT, "fontSize": 15, "anchor": "start", "offset": 12},
        "view": {"stroke": AXIS_COLOUR, "strokeOpacity": 0.4},
    }


def _value_scale(highest: float) -> alt.Scale:
    """A scale from 0 to a round share above the highest bound, at most 100 %."""
    top = min(1.0, max(0.1, (int(highest * 10) + 1) / 10))
    return alt.Scale(domain=[0.0, top], nice=False, clamp=True)


def interval_spec(chart: IntervalChart) -> dict[str, Any]:
    """The Vega-Lite specification of an interval chart, with its data inline."""
    rows = [
        {
            "panel": point.panel,
            "label": point.label,
            "value": point.value,
            "lower": point.lower,
            "upper": point.upper,
            "shown": point.shown,
        }
        for point in chart.points
    ]
    scale = _value_scale(max((point.upper for point in chart.points), default=0.0))
    labels = list(dict.fromkeys(point.label for point in chart.points))
    y = alt.Y("label:N", sort=labels, title=chart.category_title, axis=alt.Axis(labelLimit=260, grid=False))
    x_axis = alt.Axis(title=chart.value_title, format="~%", grid=True, tickCount=5)
    base = alt.Chart().encode(y)
    interval = base.mark_rule(color=BAR_COLOUR, strokeWidth=2).encode(
        alt.X("lower:Q", scale=scale, axis=x_axis), alt.X2("upper:Q")
    )
    dot = base.mark_point(filled=True, size=70, color=BAR_COLOUR, opacity=1).encode(
        alt.X("value:Q", scale=scale)
    )
    text = base.mark_text(
        align="left", baseline="bottom", dx=4, dy=-3, color=TEXT_COLOUR, fontSize=12
    ).encode(alt.X("value:Q", scale=scale), text="shown:N")
    layered = alt.layer(interval, dot, text).properties(width=440, height=alt.Step(30))
    panels = list(dict.fromkeys(point.panel for point in chart.points))
    faceted = layered.facet(
        row=alt.Row("panel:N", sort=panels, title=None), data=alt.InlineData(values=rows)
    ).properties(description=chart.description)
    spec: dict[str, Any] = faceted.configure(**_config()).to_dict()
    return spec


def trend_spec(chart: TrendChart) -> dict[str, Any]:
    """The Vega-Lite specification of a trend chart, with its data inline."""
    rows = [
        {
            "panel": point.panel,
            "period": point.period,
            "value": point.value,
            "lower": point.lower,
            "upper": point.upper,
            "shown": point.shown,
        }
        for point in chart.points
    ]
    scale = _value_scale(max((point.upper for point in chart.points), default=0.0))
    x = alt.X(
        "period:O",
        sort=list(chart.periods),
        title=chart.period_title,
        axis=alt.Axis(labelAngle=0 if len(chart.periods) <= 6 else -45, grid=False),
    )
    y_axis = alt.Axis(title=chart.value_title, format="~%", grid=True, tickCount=5)
    base = alt.Chart().encode(x)
    band = base.mark_area(color=BAND_COLOUR, opacity=0.5).encode(
        alt.Y("lower:Q", scale=scale, axis=y_axis), alt.Y2("upper:Q")
    )
    line = base.mark_line(color=BAR_COLOUR, strokeWidth=2).encode(alt.Y("value:Q", scale=scale))
    dot = base.mark_point(filled=True, size=50, color=BAR_COLOUR, opacity=1).encode(
        alt.Y("value:Q", scale=scale)
    )
    text = base.mark_text(baseline="bottom", dy=-6, color=TEXT_COLOUR, fontSize=11).encode(
        alt.Y("value:Q", scale=scale), text="shown:N"
    )
    width = max(220, 70 * len(chart.periods))
    layered = alt.layer(band, line, dot, text).properties(width=min(width, 720), height=150)
    panels = list(dict.fromkeys(point.panel for point in chart.points))
    faceted = layered.facet(
        row=alt.Row("panel:N", sort=panels, title=None), data=alt.InlineData(values=rows)
    ).properties(description=chart.description)
    spec: dict[str, Any] = faceted.configure(**_config()).to_dict()
    return spec


@lru_cache(maxsize=256)
def render_chart(chart: IntervalChart | TrendChart) -> str:
    """The chart as a standalone SVG document; the same chart is drawn only once per process."""
    spec = interval_spec(chart) if isinstance(chart, IntervalChart) else trend_spec(chart)
    svg: str = vl_convert.vegalite_to_svg(
        spec, format_locale=NUMBER_LOCALES.get(chart.lang, "en-GB"), allowed_base_urls=[]
    )
    return svg


def chart_image(chart: IntervalChart | TrendChart) -> str:
    """The chart's SVG as a ``data:image/svg+xml;base64,…`` URL, for the ``src`` of an ``<img>``."""
    encoded = base64.b64encode(render_chart(chart).encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
