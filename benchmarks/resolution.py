"""Time-resolution error: the same year allocated at 15 min, 30 min and 1 h, side by side.

Enedis applies the key at every metering step (15 or 30 min, acc-rules.md §1.4); a simulation at
a coarser step nets production and consumption inside each interval and so over-estimates what
is shared. This report simulates the bundled scenario once at 15 min
(:func:`greenkommon.pipeline.simulate_energy`), sums the curves into 30-min and 1-h intervals
(energy conserved exactly), applies the same keys at each step and prints the yearly totals.

Run: ``python -m benchmarks.resolution [scenario.toml] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

import numpy as np

from greenkommon import allocation as al

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
        raise ValueError(f"{t} steps is not a multiple of {factor}")
    return energy.reshape(*energy.shape[:-1], t // factor, factor).sum(axis=-1)


def compare(
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
            if isinstance(key, al.DynamicKey):  # pragma: no cover - not used by the report
                raise TypeError("a dynamic key is tied to one step")
            result = al.allocate(prod, cons, key)
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


def format_rows(rows: list[dict[str, Any]], venue_names: list[str]) -> str:
    lines = []
    head = (
        f"{'key':<18}{'step':>6}{'allocated kWh':>15}{'surplus kWh':>13}{'self-cons.':>11}"
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
            f"{r['key']:<18}{r['step']:>6}{r['allocated_kwh']:>15,.0f}{r['surplus_kwh']:>13,.0f}"
            f"{100 * r['self_consumption_rate']:>10.1f}%{100 * r['self_sufficiency_rate']:>10.1f}%"
            f"{delta:>+17.2f}%  {venues}"
        )
    lines.append(
        "(venue columns: self-sufficiency per venue; coarser steps net production and "
        "consumption inside each interval, so they over-state what Enedis would allocate)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from greenkommon.pipeline import build_key, simulate_energy
    from greenkommon.scenario import load_scenario

    from .allocation import write_json

    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.resolution", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("scenario", nargs="?", default=str(repo / "scenarios" / "greenkommon.toml"))
    parser.add_argument(
        "--out", type=Path, default=repo / "benchmarks" / "results" / "resolution.json"
    )
    args = parser.parse_args(argv)

    scenario = load_scenario(args.scenario)
    scenario = dataclasses.replace(
        scenario, simulation=dataclasses.replace(scenario.simulation, step="15min")
    )
    index, _, _, production, consumption = simulate_energy(scenario)
    prod = production.to_numpy()
    cons = consumption.to_numpy().T
    n = cons.shape[0]
    keys: dict[str, Any] = {}
    try:
        built = build_key(scenario.key, scenario, production, consumption)
        # main's build_key returns (key, optimiser report); the first contract returned the key
        keys[f"scenario:{scenario.key.type}"] = built[0] if isinstance(built, tuple) else built
    except NotImplementedError:
        pass
    if not any(isinstance(k, al.ProrataKey) for k in keys.values()):
        keys["prorata"] = al.ProrataKey()
    keys["static equal"] = al.StaticKey(np.full(n, 1.0 / n))
    keys["redistributed"] = al.RedistributedKey(np.full(n, 1.0 / n))
    rows = compare(prod, cons, keys)
    print(
        f"{scenario.name}: year {scenario.simulation.year}, {n} venues, simulated at 15 min "
        f"({len(index)} steps) and summed into 30 min and 1 h"
    )
    print(format_rows(rows, scenario.venue_names))
    write_json(
        {"scenario": str(args.scenario), "venues": scenario.venue_names, "rows": rows}, args.out
    )
    print(f"written: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
