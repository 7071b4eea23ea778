"""Time resolution: the same year allocated at 15 min, 30 min and 1 h.

Enedis allocates at the imbalance-settlement step (30 min, 15 min since the 2025 switch: the
date is UNCONFIRMED, acc-rules.md §1.4). A simulation at a coarser step nets production and
consumption inside each interval, so it over-states what Enedis allocates: for every key of
this module, the allocated energy over a merged group of steps can only grow. Users ask to see
that error; :func:`compare_steps` measures it on their own curves.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DataError
from . import DynamicKey, allocate

#: Steps compared, as multiples of 15 min.
FACTORS = {"15min": 1, "30min": 2, "1h": 4}


def aggregate_steps(energy_kwh: np.ndarray, factor: int) -> np.ndarray:
    """Sum consecutive groups of ``factor`` steps along the last axis [kWh per coarser step].

    The number of steps must be a multiple of ``factor`` (a year at 15 min always is, DST days
    included, because the grid advances in absolute time).
    """
    energy = np.asarray(energy_kwh, dtype=float)
    t = energy.shape[-1]
    if t % factor:
        raise DataError(
            f"{t} steps is not a multiple of {factor}: expected a grid of whole coarse steps"
        )
    return energy.reshape(*energy.shape[:-1], t // factor, factor).sum(axis=-1)


def compare_steps(
    production_kwh: np.ndarray,
    consumption_kwh: np.ndarray,
    keys: dict[str, Any],
    factors: dict[str, int] = FACTORS,
) -> list[dict[str, Any]]:
    """Yearly totals per key and step: one row per (key, step), venue self-sufficiency included."""
    rows = []
    for key_name, key in keys.items():
        for step, factor in factors.items():
            prod = aggregate_steps(production_kwh, factor)
            cons = aggregate_steps(consumption_kwh, factor)
            if isinstance(key, DynamicKey):
                raise DataError(
                    f"key {key_name!r}: a dynamic key is tied to one step; compare static, pro-rata or PMO keys"
                )
            result = allocate(prod, cons, key)
            s = result.summary()
            rows.append(
                {
                    "key": key_name,
                    "step": step,
                    "production_kwh": s["production_kwh"],
                    "allocated_kwh": s["allocated_kwh"],
                    "surplus_kwh": s["surplus_kwh"],
                    "self_consumption_rate": s["self_consumption_rate"],
                    "self_sufficiency_rate": s["self_sufficiency_rate"],
                    "self_sufficiency_by_venue": result.self_sufficiency_by_venue.tolist(),
                }
            )
    return rows


def format_steps(rows: list[dict[str, Any]], venue_names: list[str]) -> str:
    """The rows of :func:`compare_steps` as a text table (Δ against the 15-min result)."""
    lines = []
    kw = max([3, *(len(r["key"]) for r in rows)]) + 1
    head = (
        f"{'key':<{kw}}{'step':>6}{'allocated kWh':>15}{'surplus kWh':>13}{'self-cons.':>11}"
        f"{'self-suff.':>11}{'Δ alloc vs 15min':>18}  "
        + "  ".join(f"{n[:14]:>14}" for n in venue_names)
    )
    lines.append(head)
    lines.append("-" * len(head))
    base = {r["key"]: r["allocated_kwh"] for r in rows if r["step"] == "15min"}
    for r in rows:
        delta = (
            100.0 * (r["allocated_kwh"] / base[r["key"]] - 1.0)
            if base[r["key"]] > 0
            else float("nan")
        )
        venues = "  ".join(f"{100 * v:>13.1f}%" for v in r["self_sufficiency_by_venue"])
        lines.append(
            f"{r['key']:<{kw}}{r['step']:>6}{r['allocated_kwh']:>15,.0f}{r['surplus_kwh']:>13,.0f}"
            f"{100 * r['self_consumption_rate']:>10.1f}%{100 * r['self_sufficiency_rate']:>10.1f}%"
            f"{delta:>+17.2f}%  {venues}"
        )
    lines.append(
        "(venue columns: self-sufficiency per venue; coarser steps net production and "
        "consumption inside each interval, so they over-state what Enedis would allocate)"
    )
    return "\n".join(lines)
