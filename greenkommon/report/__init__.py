"""Report: printed tables and result files of a scenario run.

Library functions return strings or write files; they never print. Result folders are written
through :func:`greenkommon._io.output_folder`: files are staged, then replace only the files a
previous greenkommon result wrote, so an interrupted run never leaves a half-written result and
a user's own files in the folder are never touched.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._io import output_folder
from ..prm import redact
from .tables import venue_summary_rows

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import ScenarioResult

RESULT_FORMATS = ("csv", "parquet")


def _fmt_num(value: float, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}".replace(",", " ")


def format_table(rows: list[list[str]], header: list[str], align: str | None = None) -> str:
    """Plain-text table; ``align`` is one ``<``/``>`` per column (default: first left, rest right)."""
    align = align or "<" + ">" * (len(header) - 1)
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(f"{str(c):{a}{w}}" for c, a, w in zip(cells, align, widths, strict=True))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def format_run_summary(result: ScenarioResult) -> str:
    """The per-venue table and the collective line printed by ``greenkommon run``."""
    coll = result.collective_summary()
    sc = result.scenario
    header = [
        "venue",
        "consumption kWh",
        "allocated solar kWh",
        "grid import kWh",
        "self-suff. %",
        "bill without €",
        "bill with €",
        "savings €/yr",
    ]
    rows = venue_summary_rows(result, _fmt_num, "ALL VENUES")
    head = (
        f"{sc.name} — {sc.simulation.year}, step {sc.simulation.step}, key '{sc.key.type}', "
        f"weather: {result.weather_meta.get('source', '?')}"
    )
    collective = (
        f"Collective: plant {_fmt_num(coll['peak_power_kwp'])} kWp produced {_fmt_num(coll['production_kwh'])} kWh "
        f"({_fmt_num(coll['specific_yield_kwh_per_kwp'])} kWh/kWp); self-consumption "
        f"{_fmt_num(coll['self_consumption_pct'], 1)} % of production; surplus {_fmt_num(coll['surplus_kwh'])} kWh."
    )
    if coll.get("flooring_surplus_kwh", 0.0) > 0:
        collective += (
            f" Flooring the uploaded key to 0.1 % turned {_fmt_num(coll['flooring_surplus_kwh'])} kWh "
            "into surplus."
        )
    lines = [head, "", format_table(rows, header), "", collective]
    if result.coefficients is not None:
        shares = ", ".join(
            f"{n} {100 * c:.1f} %" for n, c in zip(sc.venue_names, result.coefficients, strict=True)
        )
        lines.append(f"Key coefficients: {shares}.")
    return "\n".join(lines)


def timeseries_frame(result: ScenarioResult) -> pd.DataFrame:
    """Per-interval results in one wide frame [kWh per interval].

    Columns: ``production_kwh``, ``surplus_kwh``, then for each venue
    ``<venue>|consumption_kwh``, ``<venue>|allocated_kwh``, ``<venue>|grid_import_kwh``.
    """
    parts: dict[str, pd.Series] = {
        "production_kwh": result.production_kwh,
        "surplus_kwh": result.surplus_kwh,
    }
    for name in result.scenario.venue_names:
        parts[f"{name}|consumption_kwh"] = result.consumption_kwh[name]
        parts[f"{name}|allocated_kwh"] = result.allocated_kwh[name]
        parts[f"{name}|grid_import_kwh"] = result.grid_import_kwh[name]
    frame = pd.DataFrame(parts)
    frame.index.name = "interval_start"
    return frame


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def write_results(result: ScenarioResult, out_dir: str | Path, fmt: str = "csv") -> Path:
    """Write a run's results to ``out_dir`` atomically.

    Files: ``timeseries.<fmt>`` (per interval), ``venues.csv`` (yearly per venue),
    ``summary.json`` (collective totals and metadata), listed in ``greenkommon-output.json``.
    ``out_dir`` may be new, empty or a previous result; only the files greenkommon wrote there
    are replaced, and only once the new ones are complete (:func:`greenkommon._io.output_folder`).

    Parameters
    ----------
    result : ScenarioResult
    out_dir : str or Path
    fmt : {'csv', 'parquet'}
        Format of the time series.

    Returns
    -------
    Path
        The results folder.
    """
    if fmt not in RESULT_FORMATS:
        raise ValueError(f"fmt = {fmt!r}: expected one of {', '.join(RESULT_FORMATS)}")
    with output_folder(out_dir, command="run") as tmp:
        ts = timeseries_frame(result)
        if fmt == "csv":
            ts.to_csv(tmp / "timeseries.csv", float_format="%.6f")
        else:
            ts.to_parquet(tmp / "timeseries.parquet")
        result.venue_summary().to_csv(tmp / "venues.csv", float_format="%.4f")
        sc = result.scenario
        summary = {
            "scenario": sc.name,
            "scenario_file": redact(str(sc.file)) if sc.file else None,
            "year": sc.simulation.year,
            "step": sc.simulation.step,
            "key": sc.key.type,
            "weather_source": result.weather_meta.get("source"),
            "collective": {k: _jsonable(v) for k, v in result.collective_summary().items()},
            "coefficients": None
            if result.coefficients is None
            else dict(zip(sc.venue_names, map(float, result.coefficients), strict=True)),
        }
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    return Path(out_dir)
