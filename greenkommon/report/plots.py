"""Figures of the HTML report: matplotlib (Agg, no pyplot state) to self-contained images.

Each ``plot_*`` function takes plain frames and returns a :class:`matplotlib.figure.Figure`;
:func:`figure_to_data_uri` turns it into a ``data:`` URI (SVG by default, base64) so the report
opens offline with no file next to it. The ``*_frame`` helpers compute what the figures show from
a :class:`~greenkommon.pipeline.ScenarioResult`; they are pure and tested on their own.

Figures are built with :class:`matplotlib.figure.Figure` directly rather than ``pyplot``: no
global figure registry, no GUI backend, nothing to close by hand, safe in a library.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.colors
import matplotlib.dates
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .i18n import fmt_number, month_names, tr

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import ScenarioResult

#: Months of the "summer" and "winter" seasons of the week and typical-day figures.
SUMMER_MONTHS = (6, 7, 8)
WINTER_MONTHS = (12, 1, 2)

#: Figure size [inch] and resolution of raster output [dpi].
FIGSIZE = (9.0, 4.2)
DPI = 110

PRODUCTION_COLOR = "#222222"
SURPLUS_COLOR = "#c8c8c8"
SUN_COLOR = "#f2a900"


def venue_colors(names: list[str]) -> dict[str, str]:
    """A stable colour per venue, in venue order.

    tab10 without its orange, olive and grey, which the figures keep for the sun (production),
    and the surplus: a venue must never look like the plant.
    """
    cmap = matplotlib.colormaps["tab10"]
    palette = [matplotlib.colors.to_hex(cmap(i)) for i in (0, 2, 3, 4, 5, 6, 9)]
    return {name: palette[i % len(palette)] for i, name in enumerate(names)}


# -- data helpers --------------------------------------------------------------------------------
def monthly_sum(frame: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Sum per calendar month (index 1..12, local time) [same unit as ``frame`` per month]."""
    return frame.groupby(frame.index.month).sum()


def to_power_kw(frame: pd.DataFrame | pd.Series, step_h: float) -> pd.DataFrame | pd.Series:
    """Energy per interval [kWh] to mean power over the interval [kW]."""
    return frame / step_h


def pick_week(production_kwh: pd.Series, months: tuple[int, ...]) -> pd.Timestamp | None:
    """Start (Monday 00:00 local) of the representative week of a season.

    Parameters
    ----------
    production_kwh : pandas.Series
        Production per interval [kWh], tz-aware index.
    months : tuple of int
        Months of the season.

    Returns
    -------
    pandas.Timestamp or None
        The start of the complete Monday-to-Sunday week, lying entirely in ``months``, whose
        production is closest to the median of those weeks (lowest start date on ties);
        ``None`` if the year holds no such week.

    Notes
    -----
    The median week rather than the sunniest one: the figure should show an ordinary week of the
    season, not a record.
    """
    if production_kwh.empty:
        return None
    idx = production_kwh.index
    days = pd.Series(production_kwh.to_numpy(), index=idx).groupby(idx.normalize()).sum()
    totals = {}
    for day in days.index:
        if day.day_of_week != 0:
            continue
        week = pd.date_range(day, periods=7, freq="D")
        if all(d in days.index and d.month in months for d in week):
            totals[day] = float(days.loc[week].sum())
    if not totals:
        return None
    series = pd.Series(totals)
    median = float(series.median())
    gap = (series - median).abs()
    return gap[gap == gap.min()].index.min()


def week_slice(frame: pd.DataFrame | pd.Series, start: pd.Timestamp) -> pd.DataFrame | pd.Series:
    """The 7 days from ``start`` (local midnight)."""
    end = start + pd.DateOffset(days=7)
    return frame[(frame.index >= start) & (frame.index < end)]


def typical_day_frame(
    frame: pd.DataFrame | pd.Series, months: tuple[int, ...], step_h: float
) -> pd.DataFrame | pd.Series:
    """Mean power by local time of day over the days of ``months`` [kW].

    Index: time of day in hours (0, 0.5, ... for a 30-min grid).
    """
    sel = frame[frame.index.month.isin(months)]
    tod = sel.index.hour + sel.index.minute / 60.0
    return to_power_kw(sel.groupby(tod).mean(), step_h)


def monthly_self_sufficiency_pct(
    allocated_kwh: pd.DataFrame, consumption_kwh: pd.DataFrame
) -> pd.DataFrame:
    """Allocated / consumed per venue and month [%]; NaN for a month without consumption."""
    cons = monthly_sum(consumption_kwh)
    return 100.0 * monthly_sum(allocated_kwh) / cons.where(cons > 0)


# -- figures ---------------------------------------------------------------------------------------
def tick_label(value: float, lang: str = "en") -> str:
    """Axis tick text: grouped thousands, no useless decimals, the language's decimal mark."""
    for digits in (0, 1, 2):
        if abs(value - round(value, digits)) < 1e-9 * max(1.0, abs(value)):
            return fmt_number(value, digits, lang).replace("-", "\u2212")
    return fmt_number(value, 3, lang).replace("-", "\u2212")


def _number_axis(ax, lang: str, axis: str = "y") -> None:
    formatter = matplotlib.ticker.FuncFormatter(lambda v, _pos: tick_label(v, lang))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _new_figure(
    nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = FIGSIZE, **kw
) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    for ax in axes.flat:
        ax.grid(True, color="#e6e6e6", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return fig, axes


def plot_monthly_energy(
    production_kwh: pd.Series, consumption_kwh: pd.DataFrame, lang: str = "en"
) -> Figure:
    """Monthly production (line) against each venue's consumption (stacked bars) [MWh]."""
    prod = monthly_sum(production_kwh).reindex(range(1, 13), fill_value=0.0) / 1000.0
    cons = monthly_sum(consumption_kwh).reindex(range(1, 13), fill_value=0.0) / 1000.0
    colors = venue_colors(list(cons.columns))
    fig, axes = _new_figure()
    ax = axes[0, 0]
    x = np.arange(12)
    bottom = np.zeros(12)
    for name in cons.columns:
        ax.bar(x, cons[name].to_numpy(), bottom=bottom, color=colors[name], label=name, width=0.7)
        bottom += cons[name].to_numpy()
    ax.plot(
        x, prod.to_numpy(), color=SUN_COLOR, marker="o", linewidth=2.5, label=tr("production", lang)
    )
    ax.set_xticks(x, month_names(lang))
    ax.set_ylabel(tr("ax_energy_mwh", lang))
    _number_axis(ax, lang)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def plot_week(
    production_kwh: pd.Series,
    allocated_kwh: pd.DataFrame,
    surplus_kwh: pd.Series,
    step_h: float,
    start: pd.Timestamp,
    lang: str = "en",
) -> Figure:
    """Allocated power stacked by venue, surplus on top, production as a line, for one week [kW]."""
    alloc = to_power_kw(week_slice(allocated_kwh, start), step_h)
    surplus = to_power_kw(week_slice(surplus_kwh, start), step_h)
    prod = to_power_kw(week_slice(production_kwh, start), step_h)
    colors = venue_colors(list(allocated_kwh.columns))
    fig, axes = _new_figure()
    ax = axes[0, 0]
    # naive local times: matplotlib would otherwise draw tz-aware labels in UTC
    t = alloc.index.tz_localize(None)
    layers = [alloc[c].to_numpy() for c in alloc.columns] + [surplus.to_numpy()]
    labels = list(alloc.columns) + [tr("surplus", lang)]
    ax.stackplot(
        t,
        *layers,
        labels=labels,
        colors=[colors[c] for c in alloc.columns] + [SURPLUS_COLOR],
        step="post",
        linewidth=0,
    )
    ax.step(
        t,
        prod.to_numpy(),
        where="post",
        color=PRODUCTION_COLOR,
        linewidth=1.2,
        label=tr("production", lang),
    )
    ax.set_ylabel(tr("ax_power_kw", lang))
    _number_axis(ax, lang)
    ax.set_xlim(t[0], t[-1] + (t[-1] - t[-2]))
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(matplotlib.dates.DayLocator())
    ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d/%m"))
    ax.set_title(tr("week_of", lang, date=start.strftime("%d/%m/%Y")), fontsize=10, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def plot_typical_days(
    production_kwh: pd.Series, consumption_kwh: pd.DataFrame, step_h: float, lang: str = "en"
) -> Figure:
    """Mean daily profiles of production and consumption per venue, summer and winter [kW]."""
    colors = venue_colors(list(consumption_kwh.columns))
    fig, axes = _new_figure(1, 2, figsize=(10.0, 4.2), sharey=True)
    for ax, months, season in zip(
        axes[0], (SUMMER_MONTHS, WINTER_MONTHS), ("summer", "winter"), strict=True
    ):
        prod = typical_day_frame(production_kwh, months, step_h)
        cons = typical_day_frame(consumption_kwh, months, step_h)
        if len(prod):
            ax.fill_between(
                prod.index, prod.to_numpy(), step="post", color=SUN_COLOR, alpha=0.35, linewidth=0
            )
            ax.step(
                prod.index,
                prod.to_numpy(),
                where="post",
                color=PRODUCTION_COLOR,
                linewidth=1.5,
                label=tr("production", lang),
            )
        for name in cons.columns:
            ax.step(
                cons.index,
                cons[name].to_numpy(),
                where="post",
                color=colors[name],
                linewidth=1.5,
                label=name,
            )
        ax.set_title(tr(season, lang), fontsize=11, loc="left")
        ax.set_xlim(0, 24)
        ax.set_xticks(range(0, 25, 3))
        ax.set_xlabel(tr("ax_hour", lang))
    axes[0, 0].set_ylabel(tr("ax_power_kw", lang))
    _number_axis(axes[0, 0], lang)
    axes[0, 0].set_ylim(bottom=0)
    axes[0, 1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def plot_self_sufficiency(
    allocated_kwh: pd.DataFrame, consumption_kwh: pd.DataFrame, lang: str = "en"
) -> Figure:
    """Monthly self-sufficiency per venue [%]."""
    share = monthly_self_sufficiency_pct(allocated_kwh, consumption_kwh).reindex(range(1, 13))
    colors = venue_colors(list(consumption_kwh.columns))
    fig, axes = _new_figure()
    ax = axes[0, 0]
    x = np.arange(12)
    for name in share.columns:
        ax.plot(x, share[name].to_numpy(), marker="o", color=colors[name], linewidth=2, label=name)
    ax.set_xticks(x, month_names(lang))
    ax.set_ylabel(tr("ax_share_pct", lang))
    _number_axis(ax, lang)
    top = float(np.nanmax(share.to_numpy())) if np.isfinite(share.to_numpy()).any() else 0.0
    ax.set_ylim(0, max(10.0, min(100.0, 1.15 * top)))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def plot_cumulative_cashflow(
    cash_flows_eur: pd.DataFrame,
    venues: list[str] | None = None,
    lang: str = "en",
    labels: dict[str, str] | None = None,
) -> Figure:
    """Cumulative cash flow per party over project years [€].

    Parameters
    ----------
    cash_flows_eur : pandas.DataFrame
        Rows: project years; columns: parties [€ per year].
    venues : list of str, optional
        Columns drawn in the left panel; the other columns (the producer's, whose amounts are
        one or two orders of magnitude larger) get a right panel. Default: all in one panel.
    labels : dict, optional
        Display name per column.
    """
    cum = cash_flows_eur.cumsum()
    labels = labels or {}
    venues = list(cum.columns) if venues is None else [v for v in venues if v in cum.columns]
    others = [c for c in cum.columns if c not in venues]
    colors = venue_colors(venues)
    extra_colors = ["#6a3d9a", "#b15928", "#555555"]
    if others:
        fig, axes = _new_figure(1, 2, figsize=(10.0, 4.2), width_ratios=(1.6, 1))
    else:
        fig, axes = _new_figure()
    years = cum.index.to_numpy()
    panels = [(axes[0, 0], venues)] + ([(axes[0, 1], others)] if others else [])
    for k, (ax, cols) in enumerate(panels):
        for i, name in enumerate(cols):
            color = colors[name] if k == 0 else extra_colors[i % len(extra_colors)]
            style = "-" if i == 0 or k == 0 else "--"
            ax.plot(
                years,
                cum[name].to_numpy(),
                style,
                marker=".",
                linewidth=2,
                color=color,
                label=labels.get(name, name),
            )
        ax.axhline(0.0, color="#555555", linewidth=1)
        ax.set_xlabel(tr("ax_year", lang))
        _number_axis(ax, lang)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.legend(loc="upper left", frameon=False, fontsize=8)
    axes[0, 0].set_ylabel(tr("ax_cum_eur", lang))
    return fig


def plot_key_comparison(
    savings_eur: pd.DataFrame, self_consumption_pct: pd.Series, lang: str = "en"
) -> Figure:
    """Savings per venue for each key (grouped bars) and collective self-consumption per key.

    Parameters
    ----------
    savings_eur : pandas.DataFrame
        Rows: key labels; columns: venues [€/yr].
    self_consumption_pct : pandas.Series
        Share of the production used by the venues per key label [%].
    """
    fig, axes = _new_figure(1, 2, figsize=(10.0, 4.2), width_ratios=(3, 1.3))
    ax = axes[0, 0]
    keys = list(savings_eur.index)
    venues = list(savings_eur.columns)
    cmap = matplotlib.colormaps["Set2"]
    width = 0.8 / max(len(keys), 1)
    x = np.arange(len(venues))
    for i, key in enumerate(keys):
        ax.bar(
            x + (i - (len(keys) - 1) / 2) * width,
            savings_eur.loc[key].to_numpy(dtype=float),
            width=width,
            color=cmap(i % 8),
            label=key,
        )
    ax.set_xticks(x, venues)
    ax.set_ylabel(tr("ax_savings_eur", lang))
    _number_axis(ax, lang)
    ax.axhline(0.0, color="#555555", linewidth=1)
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    ax2 = axes[0, 1]
    ax2.bar(
        np.arange(len(keys)),
        self_consumption_pct.reindex(keys).to_numpy(dtype=float),
        color=[cmap(i % 8) for i in range(len(keys))],
    )
    ax2.set_xticks(np.arange(len(keys)), [str(i + 1) for i in range(len(keys))])
    ax2.set_xlabel(tr("key", lang) + " (" + ", ".join(f"{i + 1}" for i in range(len(keys))) + ")")
    ax2.set_ylabel(tr("ax_self_consumption_pct", lang))
    _number_axis(ax2, lang)
    ax2.set_ylim(0, 100)
    return fig


def plot_histogram(values: np.ndarray, marks: dict[str, float], xlabel: str) -> Figure:
    """Histogram of sampled values with vertical marks (e.g. P50, P90)."""
    fig, axes = _new_figure()
    ax = axes[0, 0]
    ax.hist(np.asarray(values, dtype=float), bins=40, color="#7fa7d9")
    for label, value in marks.items():
        ax.axvline(value, color=PRODUCTION_COLOR, linewidth=1.5)
        ax.annotate(
            label, (value, 1.0), xycoords=("data", "axes fraction"), ha="left", va="top", fontsize=9
        )
    ax.set_xlabel(xlabel)
    return fig


# -- output --------------------------------------------------------------------------------------
def figure_to_bytes(fig: Figure, fmt: str = "svg") -> bytes:
    """Render ``fig`` as SVG (text drawn as paths: no font needed to view it) or PNG."""
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "greenkommon", "svg.fonttype": "path"}):
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
        elif fmt == "png":
            fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
        else:
            raise ValueError(f"fmt = {fmt!r}: expected 'svg' or 'png'")
    return buf.getvalue()


def figure_to_data_uri(fig: Figure, fmt: str = "svg") -> str:
    """``data:`` URI of ``fig`` (base64), for an ``<img src=...>`` that needs no other file."""
    mime = {"svg": "image/svg+xml", "png": "image/png"}[fmt]
    return f"data:{mime};base64," + base64.b64encode(figure_to_bytes(fig, fmt)).decode("ascii")


def report_figures(result: ScenarioResult, lang: str = "en") -> dict[str, Figure | str]:
    """The energy figures of a result, by figure id; a string instead of a figure says why it is missing."""
    step_h = result.step_h
    out: dict[str, Figure | str] = {
        "fig-monthly-energy": plot_monthly_energy(
            result.production_kwh, result.consumption_kwh, lang
        ),
    }
    for season, months in (("summer", SUMMER_MONTHS), ("winter", WINTER_MONTHS)):
        start = pick_week(result.production_kwh, months)
        fid = f"fig-week-{season}"
        if start is None:
            out[fid] = f"no complete {season} week in the simulated period"
        else:
            out[fid] = plot_week(
                result.production_kwh, result.allocated_kwh, result.surplus_kwh, step_h, start, lang
            )
    out["fig-typical-day"] = plot_typical_days(
        result.production_kwh, result.consumption_kwh, step_h, lang
    )
    out["fig-self-sufficiency"] = plot_self_sufficiency(
        result.allocated_kwh, result.consumption_kwh, lang
    )
    return out
