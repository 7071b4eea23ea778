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
    from ..results import PortfolioResult

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


def format_portfolio_summary(result: PortfolioResult) -> str:
    """The portfolio tables of ``greenkommon run``: operations, venues, collective."""
    c = result.collective
    lines = [
        f"{result.scenario.name} — {len(result.operations)} operation(s), "
        f"{c.n_eligible_operations} eligible",
        "",
    ]
    header = [
        "operation",
        "venues",
        "kWp",
        "production kWh",
        "allocated kWh",
        "self-cons. %",
        "eligible",
        "farthest km",
    ]
    rows = []
    for op in result.operations:
        t = op.totals()
        rows.append(
            [
                op.name,
                ", ".join(op.venue_names),
                _fmt_num(t.peak_power_kwp),
                _fmt_num(t.production_kwh),
                _fmt_num(t.allocated_kwh),
                _fmt_num(t.self_consumption_pct, 1),
                "yes" if op.eligibility.eligible else "NO",
                _fmt_num(op.eligibility.max_distance_km, 2),
            ]
        )
    lines += [format_table(rows, header), ""]
    header = [
        "venue",
        "operation",
        "consumption kWh",
        "own roof used kWh",
        "allocated kWh",
        "grid import kWh",
        "self-suff. %",
        "bill without €",
        "bill with €",
        "savings €/yr",
    ]
    rows = [
        [
            v.name,
            v.operation or "-",
            _fmt_num(v.consumption_kwh),
            _fmt_num(v.own_self_consumed_kwh),
            _fmt_num(v.allocated_kwh),
            _fmt_num(v.grid_import_kwh),
            _fmt_num(v.self_sufficiency_pct, 1),
            _fmt_num(v.bill_without_eur),
            _fmt_num(v.bill_with_eur),
            _fmt_num(v.savings_eur),
        ]
        for v in result.venues
    ]
    rows.append(
        [
            "ALL VENUES",
            "",
            _fmt_num(c.consumption_kwh),
            _fmt_num(c.own_self_consumed_kwh),
            _fmt_num(c.allocated_kwh),
            _fmt_num(c.grid_import_kwh),
            _fmt_num(c.self_sufficiency_pct, 1),
            _fmt_num(c.bill_without_eur),
            _fmt_num(c.bill_with_eur),
            _fmt_num(c.savings_eur),
        ]
    )
    lines.append(format_table(rows, header))
    lines.append("")
    lines.append(
        f"Collective: shared plants {_fmt_num(c.shared_peak_power_kwp)} kWp produced "
        f"{_fmt_num(c.shared_production_kwh)} kWh, surplus {_fmt_num(c.surplus_kwh)} kWh; own roofs "
        f"{_fmt_num(c.own_peak_power_kwp)} kWp produced {_fmt_num(c.own_production_kwh)} kWh "
        f"(sold surplus {_fmt_num(c.own_surplus_sold_kwh)} kWh, {_fmt_num(c.own_surplus_revenue_eur)} €/yr). "
        "Own-roof savings are before the own roofs' costs."
    )
    return "\n".join(lines)
