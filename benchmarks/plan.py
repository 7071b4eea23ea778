"""``greenkommon plan`` on the bundled scenario, warm, against one full evaluation.

Baseline, measured in the same process: ``run_scenario`` on the same scenario, warm (one complete
evaluation: energy from the stage cache, key, allocation, bills, finance). The plan is timed warm
too (its energy simulated once beforehand, as a second call in a session would), and cold (energy
included). The target of issue 13 is the whole plan under 10 s warm.

Run: ``python -m benchmarks.plan [scenario.toml] [--repeat N] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from greenkommon.pipeline import run_scenario
    from greenkommon.plan import plan_scenario, simulate_plan_energy, space_from_scenario
    from greenkommon.plan.config import read_plan_config
    from greenkommon.scenario import load_scenario

    from .allocation import write_json

    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.plan", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("scenario", nargs="?", default=str(repo / "scenarios" / "greenkommon.toml"))
    parser.add_argument("--repeat", type=int, default=3, help="timing repeats, best kept")
    parser.add_argument("--out", type=Path, default=repo / "benchmarks" / "results" / "plan.json")
    args = parser.parse_args(argv)

    scenario = load_scenario(args.scenario)
    t0 = time.perf_counter()
    space = space_from_scenario(scenario, read_plan_config(scenario))
    energy = simulate_plan_energy(scenario, space)
    first = plan_scenario(scenario, energy=energy)
    cold_s = time.perf_counter() - t0
    run_scenario(scenario)  # warm the stage cache for the baseline
    base, warm = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        run_scenario(scenario)
        base.append(time.perf_counter() - t)
        t = time.perf_counter()
        plan_scenario(scenario, energy=energy)
        warm.append(time.perf_counter() - t)
    row = {
        "scenario": scenario.name,
        "venues": len(space.venues),
        "roofs": len(space.roofs),
        "eligible_groupings": first.n_groupings,
        "configurations_ranked": len(first.configurations),
        "plan_cold_s": cold_s,
        "plan_warm_s": min(warm),
        "one_evaluation_warm_s": min(base),
        "ratio_plan_to_one_evaluation": min(warm) / min(base),
    }
    print(
        f"{row['scenario']}: {row['venues']} venues, {row['roofs']} roofs, "
        f"{row['eligible_groupings']} eligible groupings\n"
        f"plan warm {row['plan_warm_s']:.2f} s (cold, energy included: {cold_s:.2f} s); "
        f"one evaluation (run_scenario, warm) {row['one_evaluation_warm_s']:.2f} s; "
        f"ratio {row['ratio_plan_to_one_evaluation']:.1f}×"
    )
    write_json({"rows": [row]}, args.out)
    print(f"written: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
