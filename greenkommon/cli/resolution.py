"""``greenkommon resolution``: the same year allocated at 15 min, 30 min and 1 h."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

import numpy as np


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "resolution",
        help="how much the time step (15 min / 30 min / 1 h) changes the allocation",
        description=(
            "Simulate the scenario at 15 min, sum the curves into 30-min and 1-h steps (energy "
            "conserved) and allocate each with the scenario's key, Enedis's default pro-rata key, "
            "equal static shares and equal shares with redistribution. Coarser steps net "
            "production and consumption inside each interval, so they over-state what Enedis "
            "allocates: the table shows by how much."
        ),
    )
    p.add_argument("scenario", help="scenario TOML file")
    p.set_defaults(func=run)


def step_comparison(scenario: Any) -> list[tuple[str, list[dict[str, Any]], list[str], int]]:
    """Rows of :func:`greenkommon.allocation.resolution.compare_steps` per operation, for a
    scenario simulated at 15 min: ``(operation, rows, venue names, number of 15-min steps)``."""
    from .. import allocation as al
    from ..allocation.resolution import compare_steps
    from ..energy import simulate_energy
    from ..evaluate import build_key, operation_energy

    scenario = dataclasses.replace(
        scenario, simulation=dataclasses.replace(scenario.simulation, step="15min")
    )
    energy = simulate_energy(scenario)
    out = []
    for op in scenario.operations:
        opsc, production, consumption = operation_energy(scenario, op, energy)
        cons = consumption.to_numpy().T
        n = cons.shape[0]
        keys: dict[str, Any] = {}
        if opsc.key.type != "dynamic":  # a dynamic key file is tied to its own step
            key, _ = build_key(opsc.key, opsc, production, consumption)
            if not isinstance(key, al.DynamicKey):
                keys[f"scenario ({opsc.key.type})"] = key
        if not any(isinstance(k, al.ProrataKey) for k in keys.values()):
            keys["prorata"] = al.ProrataKey()
        keys["static, equal shares"] = al.StaticKey(np.full(n, 1.0 / n))
        keys["redistributed, equal"] = al.RedistributedKey(np.full(n, 1.0 / n))
        rows = compare_steps(production.to_numpy(), cons, keys)
        out.append((op.name, rows, opsc.venue_names, len(energy.index)))
    return out


def run(args: argparse.Namespace) -> int:
    from ..allocation.resolution import format_steps
    from ..config import read_scenario

    scenario = read_scenario(args.scenario)
    several = len(scenario.operations) > 1
    for i, (name, rows, venues, n_steps) in enumerate(step_comparison(scenario)):
        what = f"operation {name!r}" if several else scenario.name
        print(
            ("\n" if i else "") + f"{what}: year {scenario.simulation.year}, {len(venues)} venues, "
            f"simulated at 15 min ({n_steps} steps) and summed into 30 min and 1 h"
        )
        print(format_steps(rows, venues))
    return 0
