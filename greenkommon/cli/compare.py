"""``greenkommon compare``: several scenarios side by side, differences against the first."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="run several scenarios and print them side by side, with differences against the first",
        description=(
            "Run each scenario end to end and print one table: per venue self-sufficiency, bill, "
            "savings per year, savings over the plant's life and payback; for the collective "
            "production, self-consumption, surplus, savings, the producer's NPV and IRR. Columns after "
            "the first also appear as differences against the first scenario. Long-term figures use "
            "each scenario's first escalation case unless --case names one."
        ),
        epilog="example: greenkommon compare scenarios/greenkommon.toml scenarios/key-static.toml "
        "scenarios/plant-800kwp.toml",
    )
    p.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="scenario TOML files; the first is the reference",
    )
    p.add_argument(
        "--case",
        default=None,
        metavar="NAME",
        help="escalation case of the long-term figures, e.g. 'flat' or '+3 %%/yr' (default: each "
        "scenario's first)",
    )
    p.add_argument(
        "--csv",
        metavar="FILE",
        default=None,
        help="also write the table as CSV (written atomically)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._io import atomic_write, check_output_file
    from ..compare import compare_results, comparison_to_csv_frame, format_comparison
    from ..config import read_scenario as load_scenario
    from ..evaluate import run_scenario

    t0 = time.perf_counter()
    if args.csv:
        check_output_file(args.csv, "--csv")
    scenarios = [load_scenario(path) for path in args.scenarios]  # validate all before running any
    results = []
    for path, scenario in zip(args.scenarios, scenarios, strict=True):
        print(f"running {Path(path).name} ({scenario.name}) ...", file=sys.stderr)
        results.append(run_scenario(scenario))
    table = compare_results(results, case=args.case)
    # the decision of each scenario first (greenkommon.decision); the plan's alternative once
    from ..decision import decide

    for k, (path, result) in enumerate(zip(args.scenarios, results, strict=True)):
        print(f"{Path(path).name}: {decide(result, alternative=k == 0).sentence()}")
    print()
    print(format_comparison(table))
    if any(v.own_plant is not None for s in scenarios for v in s.venues):
        print(
            "Own roofs: their production counts in production and self-consumption; venues' "
            "savings are before the own roofs' costs, which are not projected."
        )
    if args.csv:
        frame = comparison_to_csv_frame(table)
        atomic_write(Path(args.csv), lambda p: frame.to_csv(p, index=False))
        print(f"\ncomparison written to {args.csv}", file=sys.stderr)
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
