"""Uncertainty results: the P90/P50/P10 convention, the summary table, the text and the
histograms of a run, and its output folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .stream import StreamedUncertainty

#: Exceedance probabilities reported, as (label, percentile of outcomes).
PERCENTILES = (("P90", 10.0), ("P50", 50.0), ("P10", 90.0))


@dataclass(frozen=True)
class UncertaintyResult:
    """Samples and summary of an uncertainty run.

    Attributes
    ----------
    samples : pandas.DataFrame
        One row per sampled year: ``sample``, ``weather`` (seed or file year),
        ``ghi_kwh_per_m2`` (annual horizontal irradiation of that year [kWh/m²]),
        ``irradiation_factor`` (its ratio to the climatology's annual sum, or to the mean of the
        file's years [-]), then ``production_kwh``, ``allocated_kwh``, ``surplus_kwh``, ``self_consumption_pct``,
        ``self_sufficiency_pct``, ``savings_eur`` [€/yr], ``<venue>.volume_factor`` [-],
        ``<venue>.self_sufficiency_pct``, ``<venue>.savings_eur`` and, per escalation case,
        ``producer.npv_eur[case]`` (and the other columns of
        :func:`greenkommon.sweep.finance_metrics`).
    summary : pandas.DataFrame
        Index metric; columns ``P90``, ``P50``, ``P10``, ``mean``, ``std`` (see the module's
        percentile convention).
    case : str or None
        Escalation case of ``producer_npv_eur`` in the summary.
    settings : dict
        Years, seeds, load-variation settings, weather source.
    """

    samples: pd.DataFrame
    summary: pd.DataFrame
    case: str | None
    settings: dict[str, Any] = field(default_factory=dict)

    def report_mapping(self) -> dict[str, Any]:
        """What :func:`greenkommon.report.html.build_html_report` takes as ``uncertainty``."""
        return {
            "savings_eur_samples": self.samples["savings_eur"].to_numpy(dtype=float),
            "production_kwh_samples": self.samples["production_kwh"].to_numpy(dtype=float),
            "summary": self.summary,
            "settings": self.settings,
        }


def exceedance(values: Sequence[float] | np.ndarray) -> dict[str, float]:
    """P90, P50, P10 of samples: the values exceeded with 90 %, 50 %, 10 % probability.

    Examples
    --------
    >>> exceedance(np.arange(1, 102))  # 1..101: 10th, 50th, 90th percentiles
    {'P90': 11.0, 'P50': 51.0, 'P10': 91.0}
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return {label: float("nan") for label, _ in PERCENTILES}
    return {label: float(np.percentile(arr, q)) for label, q in PERCENTILES}


def summary_metrics(
    names: Sequence[str], case: str | None, operations: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """(column of the samples, label) of the summary rows (``operations``: a portfolio's)."""
    out = [
        ("production_kwh", "production [kWh/yr]"),
        ("self_consumption_pct", "self-consumption [%]"),
        ("self_sufficiency_pct", "self-sufficiency, all venues [%]"),
        ("savings_eur", "venues' savings [€/yr]"),
    ]
    for n in names:
        out.append((f"{n}.self_sufficiency_pct", f"{n}: self-sufficiency [%]"))
        out.append((f"{n}.savings_eur", f"{n}: savings [€/yr]"))
    for op in operations:
        out.append((f"{op}.production_kwh", f"{op}: production [kWh/yr]"))
        out.append((f"{op}.self_sufficiency_pct", f"{op}: self-sufficiency [%]"))
        if case is not None:
            out.append((f"{op}.producer.npv_eur[{case}]", f"{op}: producer NPV, {case} [€]"))
    if case is not None and operations:
        out.append((f"producer.npv_eur[{case}]", f"producers' NPV, all operations, {case} [€]"))
    elif case is not None:
        out.append((f"producer.npv_eur[{case}]", f"producer NPV, {case} [€]"))
        out.append((f"producer.irr[{case}]", f"producer IRR, {case} [-]"))
    return out


def summarise(
    samples: pd.DataFrame,
    names: Sequence[str],
    case: str | None,
    operations: Sequence[str] = (),
) -> pd.DataFrame:
    """P90/P50/P10, mean and standard deviation of the summary metrics."""
    rows = {}
    for col, label in summary_metrics(names, case, operations):
        if col not in samples:
            continue
        values = samples[col].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        rows[label] = {
            **exceedance(values),
            "mean": float(finite.mean()) if finite.size else np.nan,
            "std": float(finite.std(ddof=1)) if finite.size > 1 else np.nan,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "metric"
    return table


def format_summary(result: UncertaintyResult | StreamedUncertainty) -> str:
    """The summary (of an in-memory or a streamed run) as a plain-text table with the convention
    spelled out."""
    from ..report import format_table

    rows = []
    for label, r in result.summary.iterrows():
        pct = "[-]" in label
        fmt = (
            (lambda v: f"{100 * v:.1f} %")
            if pct
            else (
                lambda v: (
                    f"{v:,.1f}".replace(",", " ")
                    if abs(v) < 1000
                    else f"{v:,.0f}".replace(",", " ")
                )
            )
        )
        rows.append(
            [
                label.replace(" [-]", ""),
                *(
                    fmt(r[c]) if np.isfinite(r[c]) else "—"
                    for c in ("P90", "P50", "P10", "mean", "std")
                ),
            ]
        )
    s = result.settings
    irr = s.get("irradiation_sd_pct")
    irr_text = (
        f"annual irradiation ±{irr:g} % (1 sd; {s.get('irradiation_sd_source')}), "
        if irr is not None
        else ""
    )
    head = (
        f"{s.get('years')} sampled years (weather: {s.get('weather')}; {irr_text}"
        f"yearly volume ±{s.get('volume_sd_pct')} % (1 sd), profile noise "
        f"{s.get('profile_noise_pct')} %; key '{s.get('key')}')"
    )
    table = format_table(rows, ["metric", "P90", "P50", "P10", "mean", "std"])
    return (
        f"{head}\n\n{table}\n\nP90 = value exceeded in 90 % of the sampled years (10th percentile); "
        "P50 = median; P10 = exceeded in 10 % (90th percentile)."
    )


def plot_histograms(
    result: UncertaintyResult, path: str | Path | None = None, columns: Sequence[str] | None = None
) -> Any:
    """Histograms of the sampled outcomes with P90/P50/P10 marks (matplotlib).

    Parameters
    ----------
    result : UncertaintyResult
    path : str or Path, optional
        Write the figure there (PNG, SVG or PDF by suffix), atomically.
    columns : sequence of str, optional
        Sample columns to plot (default: production, venues' savings, producer NPV).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if columns is None:
        columns = histogram_columns(result.case)
    return plot_histogram_values(
        lambda col: result.samples[col].to_numpy(dtype=float),
        result.settings.get("years"),
        path,
        columns,
    )


def histogram_columns(case: str | None) -> list[str]:
    """The sample columns of the default histograms: production, venues' savings, producer NPV."""
    columns = ["production_kwh", "savings_eur"]
    if case is not None:
        columns.append(f"producer.npv_eur[{case}]")
    return columns


def plot_histogram_values(
    values_of: Callable[[str], np.ndarray],
    years: Any,
    path: str | Path | None,
    columns: Sequence[str],
) -> Any:
    """:func:`plot_histograms` of the columns ``values_of(column)`` gives (one at a time: a
    streamed run reads each from its samples file), over ``years`` sampled years."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    titles = {"production_kwh": "production [kWh/yr]", "savings_eur": "venues' savings [€/yr]"}
    fig = Figure(figsize=(4.2 * len(columns), 3.4), layout="constrained")
    axes = fig.subplots(1, len(columns), squeeze=False)[0]
    for ax, col in zip(axes, columns, strict=True):
        values = values_of(col)
        values = values[np.isfinite(values)]
        ax.hist(values, bins=min(30, max(5, values.size // 5)), color="#6a9f58", edgecolor="white")
        for (label, v), style in zip(exceedance(values).items(), ("--", "-", ":"), strict=True):
            ax.axvline(
                v,
                color="#333333",
                linestyle=style,
                linewidth=1.2,
                label=f"{label} {v:,.0f}".replace(",", " "),
            )
        title = titles.get(col)
        if title is None and col.startswith("producer.npv_eur["):
            title = f"producer NPV, {col[len('producer.npv_eur[') : -1]} [€]"
        ax.set_title(title or col, fontsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}".replace(",", " ")))
        ax.set_ylabel("sampled years")
        ax.legend(fontsize=8)
    fig.suptitle(
        f"{years} sampled years — P90 = exceeded in 90 % of them",
        fontsize=10,
    )
    if path is not None:
        from .._io import atomic_write as _atomic_write

        path = Path(path)
        fmt = path.suffix.lstrip(".").lower() or "png"
        _atomic_write(path, lambda p: fig.savefig(p, format=fmt, dpi=120))
    return fig


def write_uncertainty(result: UncertaintyResult, out_dir: str | Path, image: str = "png") -> Path:
    """Write ``samples.parquet``, ``samples.csv``, ``summary.csv`` and ``histogram.<image>`` into
    ``out_dir`` (a new, empty or previous result folder; only greenkommon's own files there are
    replaced: :func:`greenkommon._io.output_folder`)."""
    from .._io import atomic_write as _atomic_write
    from .._io import output_folder

    with output_folder(out_dir, command="uncertainty") as out:
        _atomic_write(out / "samples.parquet", lambda p: result.samples.to_parquet(p, index=False))
        _atomic_write(out / "samples.csv", lambda p: result.samples.to_csv(p, index=False))
        _atomic_write(out / "summary.csv", lambda p: result.summary.to_csv(p))
        plot_histograms(result, out / f"histogram.{image}")
    return Path(out_dir)
