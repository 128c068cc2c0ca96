"""Bokeh figures for the analytics pages: every one with hover, pan, box zoom and wheel zoom."""

from __future__ import annotations

import functools
import hashlib
import uuid

import pandas as pd
from bokeh.embed import json_item
from bokeh.models import (
    BasicTicker,
    ColorBar,
    ColumnDataSource,
    DatetimeTickFormatter,
    HoverTool,
    LinearColorMapper,
    NoOverlap,
    NumeralTickFormatter,
)
from bokeh.palettes import Blues256, Category10
from bokeh.plotting import figure
from bokeh.resources import Resources
from django.conf import settings
from django.core.cache import cache
from django.utils.html import format_html, json_script
from django.utils.safestring import mark_safe

TOOLS = "pan,box_zoom,wheel_zoom,reset,save"
BRAND = "#1f5f8b"
ACCENT = "#d9534f"
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@functools.cache
def bokeh_js_urls() -> tuple[str, ...]:
    """BokehJS from the installed package, as static files (no CDN)."""
    from django.templatetags.static import static

    resources = Resources(mode="server", root_url=settings.ANALYTICS_BOKEH_ROOT_URL, components=["bokeh"])
    # through the static files storage, so production gets the hashed (cache-busting) names
    return tuple(static(url.removeprefix(settings.STATIC_URL)) for url in resources.js_files)


def bokeh_head() -> str:
    """The page's chart loader, deferred. Once the page has painted it loads BokehJS (the URLs in its
    `data-bokeh-js`) and draws each chart (static/js/analytics-charts.js): BokehJS, 280 kB on the wire,
    no longer shares a slow line with the stylesheets the first paint waits for (issue 22)."""
    from django.templatetags.static import static

    return format_html('<script src="{}" defer data-bokeh-js="{}"></script>',
                       static("js/analytics-charts.js"), " ".join(bokeh_js_urls()))


def _item_html(item: dict) -> tuple[str, str]:
    """The chart's data block and its placeholder. The data is JSON in a non-executable
    `<script type="application/json">` (no inline code, so no CSP nonce): analytics-charts.js draws it
    with `Bokeh.embed.embed_item` once the page has painted. (Bokeh's `components()` drew every chart
    in a DOMContentLoaded handler, which on a slow phone ran before the first paint: issue 22.)"""
    opening = '<script type="application/json">'
    data = json_script(item).replace(opening, opening[:-1] + " data-bokeh-item>", 1)
    return mark_safe(data), format_html('<div id="{}" class="analytics-chart"></div>', item["target_id"])


def embed(fig) -> tuple[str, str]:
    """Data block and div of a figure."""
    return _item_html(json_item(fig, f"chart-{uuid.uuid4().hex[:12]}"))


def cached_embed(key: str, df: pd.DataFrame, draw, *, timeout: int = 600) -> tuple[str, str]:
    """Data block and div of the chart `draw()` makes from `df`, memoised on the data itself.

    Drawing and serialising a Bokeh figure costs ~0.1-0.2 s; the output depends only on the data
    (and `key`: page, table, grouping), so an unchanged result is not drawn again. The queries still
    run on every request."""
    digest = hashlib.sha256(key.encode())
    digest.update(",".join(map(str, df.columns)).encode())
    digest.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    cache_key = f"analytics:chart:{digest.hexdigest()}"
    found = cache.get(cache_key)
    if found is None:
        # The placeholder's id comes from the data, not the figure: charts memoised by different
        # processes meet on one page, and Bokeh's model ids count per process.
        found = json_item(draw(), f"chart-{digest.hexdigest()[:16]}")
        cache.set(cache_key, found, timeout)
    return _item_html(found)


def _source(df: pd.DataFrame) -> ColumnDataSource:
    return ColumnDataSource(data={column: df[column].to_numpy() for column in df.columns})


def _base(title: str, **kwargs):
    fig = figure(title=title, tools=TOOLS, sizing_mode="stretch_width", height=kwargs.pop("height", 300),
                 toolbar_location="above", **kwargs)
    fig.title.text_font_size = "13px"
    fig.toolbar.logo = None
    return fig


# Issue 18: the portal's one date style ("2 Dec 2026", Django's "j M Y"), not ISO and not Bokeh's US
# "%m/%d" default. Bokeh strips the leading zero ("02 Dec" -> "2 Dec"); no second context line.
HOUSE_TICKS = {"milliseconds": "%H:%M:%S.%3N", "seconds": "%H:%M:%S", "minsec": "%H:%M:%S", "minutes": "%H:%M",
               "hourmin": "%d %b %H:%M", "hours": "%d %b %H:%M", "days": "%d %b %Y", "months": "%b %Y",
               "years": "%Y"}
HOVER_DATE = "%e %b %Y"  # " 2 Dec 2026": the space before one digit collapses in the HTML tooltip
# Money axes and tips: amounts in the practice's currency, named on the axis ("Revenue (USD)").
MONEY_FORMAT = "0,0.00"
# At 390 px a chart is ~300 px wide: at most this many date ticks, and a label that would collide with
# its neighbour is left out (NoOverlap) rather than drawn over it.
MAX_DATE_TICKS = 5
MAX_LABEL_CHARS = 18


def house_date_axis(axis) -> None:
    axis.formatter = DatetimeTickFormatter(**HOUSE_TICKS, context=None, strip_leading_zeros=True)
    axis.ticker.desired_num_ticks = MAX_DATE_TICKS
    axis.major_label_policy = NoOverlap()


def currency() -> str:
    return settings.CURRENCY


def axis_title(label: str, y_format: str) -> str:
    """ "Revenue" on a money axis reads "Revenue (USD)"."""
    if y_format == MONEY_FORMAT and currency() not in label:
        return f"{label} ({currency()})"
    return label


def axis_format(y_format: str) -> str:
    """Ticks of a money axis in whole units ("12,500"), so they stay narrow; hover shows the cents."""
    return "0,0" if y_format == MONEY_FORMAT else y_format


def tip_value(column: str, y_format: str) -> str:
    value = f"@{{{column}}}{{{y_format}}}"
    return f"{currency()} {value}" if y_format == MONEY_FORMAT else value


def short_factors(labels: list[str]) -> list[str]:
    """Category names for the axis: long ones (scan types) cut to MAX_LABEL_CHARS, so a phone keeps room
    for the bars; hover still shows the whole name. A cut that would make two names equal is not made."""
    cut = [label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1].rstrip() + "…"
           for label in labels]
    return [short if cut.count(short) == 1 else label for short, label in zip(cut, labels, strict=True)]


def _empty(fig):
    fig.title.text += " (no data in this range)"
    return fig


def time_series(df: pd.DataFrame, *, columns: dict[str, str], title: str, y_label: str,
                y_format: str = "0,0", period: str = "week", kind: str = "line"):
    """Lines (or bars for the first column) over `period`, one per column {column: legend}."""
    fig = _base(title, x_axis_type="datetime")
    house_date_axis(fig.xaxis)
    fig.yaxis.axis_label = axis_title(y_label, y_format)
    fig.yaxis.formatter = NumeralTickFormatter(format=axis_format(y_format))
    fig.yaxis.major_label_policy = NoOverlap()
    if df.empty:
        return _empty(fig)
    source = _source(df)
    palette = [BRAND, ACCENT, "#5cb85c", "#f0ad4e"]
    width_ms = {"day": 0.8, "week": 5.6, "month": 24}[period] * 24 * 3600 * 1000
    renderers = []
    for i, (column, legend) in enumerate(columns.items()):
        if kind == "bar" and i == 0:
            renderers.append(fig.vbar(x="period", top=column, width=width_ms, source=source, color=palette[i],
                                      alpha=0.7, legend_label=legend))
        else:
            renderers.append(fig.line(x="period", y=column, source=source, color=palette[i], line_width=2,
                                      legend_label=legend))
            fig.scatter(x="period", y=column, source=source, color=palette[i], size=4)
    tips = [("Period", f"@period{{{HOVER_DATE}}}")]
    tips += [(legend, tip_value(column, y_format)) for column, legend in columns.items()]
    fig.add_tools(HoverTool(tooltips=tips, formatters={"@period": "datetime"}, renderers=renderers, mode="vline"))
    fig.legend.location = "top_left"
    fig.legend.click_policy = "hide"
    return fig


def bars(df: pd.DataFrame, *, x: str, y: str, title: str, y_label: str, y_format: str = "0,0",
         extra_tips: dict[str, str] | None = None, horizontal: bool = False, color: str = BRAND):
    labels = [str(v) for v in df[x]] if not df.empty else []
    factors = short_factors(labels)
    data = df.copy()
    data[x] = labels
    data["_factor"] = factors
    source = _source(data)
    if horizontal:
        fig = _base(title, y_range=list(reversed(factors)), height=max(220, 28 * len(labels) + 80))
        fig.hbar(y="_factor", right=y, height=0.7, source=source, color=color)
        fig.xaxis.axis_label = axis_title(y_label, y_format)
        fig.xaxis.formatter = NumeralTickFormatter(format=axis_format(y_format))
        fig.xaxis.major_label_policy = NoOverlap()
        fig.xaxis.ticker.desired_num_ticks = 4
    else:
        fig = _base(title, x_range=factors)
        fig.vbar(x="_factor", top=y, width=0.7, source=source, color=color)
        fig.yaxis.axis_label = axis_title(y_label, y_format)
        fig.yaxis.formatter = NumeralTickFormatter(format=axis_format(y_format))
        # Categories side by side collide on a phone: slant them once there are more than a few, or long ones.
        crowded = len(factors) > 4 or any(len(label) > 8 for label in factors)
        fig.xaxis.major_label_orientation = 0.8 if crowded else 0
    tips = [(x.replace("_", " ").capitalize(), f"@{{{x}}}"), (axis_title(y_label, y_format), tip_value(y, y_format))]
    for column, label in (extra_tips or {}).items():
        tips.append((label, f"@{{{column}}}"))
    fig.add_tools(HoverTool(tooltips=tips))
    if df.empty:
        return _empty(fig)
    return fig


def mix(df: pd.DataFrame, *, label: str, value: str, title: str):
    """A share chart as horizontal bars, coloured per category, with count and share on hover."""
    data = df.copy()
    total = data[value].sum() if not data.empty else 0
    data["share"] = data[value] / total if total else 0.0
    data["color"] = [Category10[10][i % 10] for i in range(len(data))]
    labels = [str(v) for v in data[label]]
    data[label] = labels
    data["_factor"] = factors = short_factors(labels)
    fig = _base(title, y_range=list(reversed(factors)), height=max(220, 30 * len(labels) + 80))
    fig.hbar(y="_factor", right=value, height=0.7, color="color", source=_source(data))
    fig.xaxis.formatter = NumeralTickFormatter(format="0,0")
    fig.xaxis.major_label_policy = NoOverlap()
    fig.add_tools(HoverTool(tooltips=[("", f"@{{{label}}}"), ("Appointments", f"@{{{value}}}{{0,0}}"),
                                      ("Share", "@share{0.0%}")]))
    if data.empty:
        return _empty(fig)
    return fig


def heatmap(df: pd.DataFrame, *, title: str):
    """No-show rate by weekday (rows) and hour (columns)."""
    hours = [str(h) for h in range(6, 21)]
    data = df.copy()
    if not data.empty:
        hours = [str(h) for h in range(min(6, int(data["hour"].min())), max(20, int(data["hour"].max())) + 1)]
    data["day"] = [WEEKDAYS[int(d)] for d in data["weekday"]]
    data["hour_label"] = [str(int(h)) for h in data["hour"]]
    mapper = LinearColorMapper(palette=list(reversed(Blues256)), low=0,
                               high=max(0.05, float(data["no_show_rate"].max()) if not data.empty else 0.05))
    fig = _base(title, x_range=hours, y_range=list(reversed(WEEKDAYS)), height=320)
    fig.rect(x="hour_label", y="day", width=1, height=1, source=_source(data),
             fill_color={"field": "no_show_rate", "transform": mapper}, line_color=None)
    fig.xaxis.axis_label = "Hour of the appointment"
    fig.xaxis.major_label_policy = NoOverlap()
    fig.add_layout(ColorBar(color_mapper=mapper, ticker=BasicTicker(desired_num_ticks=6),
                            formatter=NumeralTickFormatter(format="0%")), "right")
    fig.add_tools(HoverTool(tooltips=[("When", "@day @hour_label:00"), ("No-show rate", "@no_show_rate{0.0%}"),
                                      ("No-shows", "@no_shows"), ("Appointments", "@appointments")]))
    if data.empty:
        return _empty(fig)
    return fig


def calibration(df: pd.DataFrame, *, title: str):
    fig = _base(title, x_range=(0, max(0.05, float(df["predicted"].max()) * 1.1 if not df.empty else 1)),
                y_range=(0, max(0.05, float(df["observed"].max()) * 1.1 if not df.empty else 1)))
    fig.xaxis.axis_label = "Predicted no-show rate"
    fig.yaxis.axis_label = "Observed no-show rate"
    fig.xaxis.formatter = fig.yaxis.formatter = NumeralTickFormatter(format="0%")
    fig.line([0, 1], [0, 1], color="#999999", line_dash="dashed", legend_label="Perfect calibration")
    if df.empty:
        return _empty(fig)
    source = _source(df)
    dots = fig.scatter(x="predicted", y="observed", size=9, color=BRAND, source=source,
                       legend_label="Model (by decile)")
    fig.add_tools(HoverTool(renderers=[dots], tooltips=[("Predicted", "@predicted{0.0%}"),
                                                         ("Observed", "@observed{0.0%}"), ("Appointments", "@n")]))
    fig.legend.location = "top_left"
    return fig
