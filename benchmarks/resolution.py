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
import sys
from pathlib import Path

from greenkommon.allocation.resolution import format_steps
from greenkommon.cli.resolution import step_comparison


def main(argv: list[str] | None = None) -> int:
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
    rows, n_steps = step_comparison(scenario)
    print(
        f"{scenario.name}: year {scenario.simulation.year}, {len(scenario.venues)} venues, "
        f"simulated at 15 min ({n_steps} steps) and summed into 30 min and 1 h"
    )
    print(format_steps(rows, scenario.venue_names))
    write_json(
        {"scenario": str(args.scenario), "venues": scenario.venue_names, "rows": rows}, args.out
    )
    print(f"written: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
