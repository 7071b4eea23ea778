"""``greenkommon plan``: which venues share which roof, what size, which key, at what price."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan",
        help="rank the eligible configurations: who shares which roof, plant sizes, key, internal price",
        description=(
            "Enumerate every eligible way to group the scenario's venues around its plant's roof "
            "and the [[plan.roofs]] candidates (the distance rule of `greenkommon check`), size "
            "each plant, try the default, optimised static and optimised dynamic keys, compute "
            "the internal-price corridor in which the producer and every venue win, and rank the "
            "configurations by collective NPV (venues and producers), with the finance and accise "
            "cases in which each one wins."
        ),
        epilog="Example: greenkommon plan scenarios/portfolio.toml --top 3 --write best.toml",
    )
    p.add_argument("scenario", help="scenario TOML file (with [[plan.roofs]] candidates)")
    p.add_argument(
        "--top", type=int, default=5, metavar="K", help="configurations to rank (default 5)"
    )
    p.add_argument("--json", metavar="FILE", help="also write the plan as JSON (units in keys)")
    p.add_argument(
        "--write",
        metavar="BEST.toml",
        help="write the recommended configuration as scenario(s) `greenkommon run` reproduces "
        "(one file per operation: BEST.toml, BEST_2.toml, ...)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._io import atomic_write_text
    from ..errors import ScenarioError
    from ..plan import plan_scenario
    from ..plan.output import format_plan, plan_to_dict, write_best
    from ..scenario import load_scenario

    if args.top < 1:
        raise ScenarioError(f"--top {args.top}: expected a number of configurations >= 1")
    t0 = time.perf_counter()
    scenario = load_scenario(args.scenario)
    print(f"planning {scenario.name!r} ...", file=sys.stderr)
    result = plan_scenario(scenario, top=args.top)
    print(format_plan(result))
    if args.json:
        atomic_write_text(
            Path(args.json), json.dumps(plan_to_dict(result), indent=2, ensure_ascii=False) + "\n"
        )
    if args.write:
        if result.best is None or not result.best.operations:
            raise ScenarioError(
                f"--write {args.write}: the plan recommends no operation; nothing written"
            )
        try:
            paths = write_best(result, scenario, Path(args.scenario), Path(args.write))
        except ValueError as exc:
            raise ScenarioError(f"--write {args.write}: {exc}") from None
        for path in paths:
            print(f"scenario written to {path} (run it with: greenkommon run {path})")
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
