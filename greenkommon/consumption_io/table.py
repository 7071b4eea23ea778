"""Reader of the CSV tables: the Enedis data-hub rows (``enedis_r63``), any ``generic`` CSV and the
``greenkommon`` load CSV; also the rows of a spreadsheet once its header row is found."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..config.load import INTERVAL_LABELS
from ..prm import MeterId
from ._common import (
    _canonical,
    _err,
    _norm,
    _Raw,
    _step_from_text,
    _unit_cell,
)


def _parse_table(
    header: list[Any],
    rows: Iterable[tuple[int, list[Any]]],
    name: str,
    fmt: str,
    *,
    unit_opt: str | None,
    timestamp_opt: str,
    header_line: int,
    unit_above: str | None = None,
) -> _Raw:
    cols: dict[str, int] = {}
    value_unit = None
    for j, cell in enumerate(header):
        var, unit = _canonical(cell)
        if var and var not in cols:
            cols[var] = j
            if var == "value" and unit:
                value_unit = unit
    has_ts = (
        "timestamp" in cols or "interval_start" in cols or "interval_end" in cols or "date" in cols
    )
    if "value" not in cols and fmt == "generic" and len(header) >= 2:
        # a bare two-column file: first timestamps, second values
        var, unit = _canonical(header[1])
        cols.setdefault("value", 1)
        value_unit = value_unit or unit
    if not has_ts and fmt == "generic" and header:
        cols["timestamp"] = 0
        has_ts = True
    if not has_ts or "value" not in cols:
        raise _err(
            f"{name}: line {header_line}: header {[str(h) for h in header][:8]}: expected a timestamp column "
            "(Horodate, Date, timestamp, interval_start) and a value column (Valeur, value, energy_kwh, ...)"
        )
    if "interval_start" in cols:
        ts_col, convention = cols["interval_start"], "start"
    elif "interval_end" in cols:
        ts_col, convention = cols["interval_end"], "end"
    elif "timestamp" in cols:
        ts_col = cols["timestamp"]
        convention = "end" if fmt in ("enedis_r63", "enedis_xlsx") else "start"
    else:
        ts_col, convention = (
            cols["date"],
            "end" if fmt in ("enedis_r63", "enedis_xlsx") else "start",
        )
    if timestamp_opt in INTERVAL_LABELS:
        convention = timestamp_opt
    clock_col = (
        cols.get("clock") if "timestamp" not in cols and "interval_start" not in cols else None
    )
    raw = _Raw(name, fmt, convention)
    unit_col, step_col, flag_col = cols.get("unit"), cols.get("step"), cols.get("filled")
    bq_col, pq_col, prm_col = (
        cols.get("business_quantity"),
        cols.get("physical_quantity"),
        cols.get("prm"),
    )
    fixed_unit = value_unit or unit_above or unit_opt
    prms: set[str] = set()
    dropped = 0
    ncols = len(header)
    for lineno, cells in rows:
        cells = ["" if c is None or (isinstance(c, float) and math.isnan(c)) else c for c in cells]
        if not any(str(c).strip() for c in cells):
            continue
        if len(cells) < ncols and fmt != "enedis_xlsx":
            raise _err(
                f"{name}: line {lineno}: {len(cells)} field(s) where the header has {ncols}: wrong separator or truncated line?"
            )

        def cell(j: int | None, cells: list[Any] = cells) -> str:
            return str(cells[j]).strip() if j is not None and j < len(cells) else ""

        if bq_col is not None and _norm(cell(bq_col)) not in ("", "cons", "consommation"):
            dropped += 1
            continue
        if pq_col is not None and _norm(cell(pq_col)) not in (
            "",
            "pa",
            "ea",
            "energie active",
            "puissance active",
        ):
            dropped += 1
            continue
        if prm_col is not None and cell(prm_col):
            prms.add(cell(prm_col))
        ts = cells[ts_col]
        if isinstance(ts, pd.Timestamp | np.datetime64) or hasattr(ts, "isoformat"):
            ts = pd.Timestamp(ts).isoformat()
        ts = str(ts).strip()
        if clock_col is not None:
            clk = cells[clock_col]
            clk = clk.isoformat() if hasattr(clk, "isoformat") else str(clk).strip()
            ts = f"{ts.split('T')[0].split(' ')[0]} {clk}"
        unit = _unit_cell(cell(unit_col), name, lineno) if unit_col is not None else None
        unit = unit or fixed_unit
        if unit is None:
            raise _err(
                f"{name}: line {header_line}: no unit declared for the values: expected a unit in the header "
                "(energy_kwh, 'Valeur (W)'), a unit column or the unit option (W, kW, Wh, kWh)"
            )
        step = _step_from_text(cell(step_col), name, lineno) if step_col is not None else None
        value = cells[cols["value"]]
        raw.add(
            lineno,
            ts,
            value if isinstance(value, int | float) else str(value).strip(),
            unit,
            step,
            flag=_norm(cell(flag_col)) in ("1", "true", "yes", "oui"),
        )
    if len(prms) > 1:
        raise _err(
            f"{name}: the file holds {len(prms)} different meters: expected one venue's curve per import"
        )
    raw.meta["prm"] = [MeterId(p) for p in sorted(prms)]
    raw.meta["dropped_rows"] = dropped
    return raw
