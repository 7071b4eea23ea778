"""``python -m benchmarks``: run the benchmarks, print tables, write JSON.

Suites: ``commands`` (default; :mod:`benchmarks.commands`: every row of the performance table,
each as a ratio to a baseline timed in the same run, with the machine's load), ``allocation``
(:mod:`benchmarks.allocation`: kernels vs numpy twins) and ``optimise`` (the key optimiser's
:func:`benchmarks.bench_optimise.run`, when that module is present).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from . import allocation, commands

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="greenkommon benchmarks. allocation: numba kernels vs numpy twins (single "
        "scenario, KPI sweep, compile time); optimise: key optimiser models vs baselines.",
    )
    parser.add_argument(
        "--suite",
        choices=("commands", "allocation", "optimise", "all"),
        default="commands",
        help="which benchmarks to run (default commands)",
    )
    parser.add_argument(
        "--years",
        type=int,
        default=1000,
        help="sampled years timed in the uncertainty row, projected to 1,000 (default 1000)",
    )
    parser.add_argument(
        "--readme",
        action="store_true",
        help="write the commands table into README.md's performance section",
    )
    parser.add_argument(
        "--scenarios", type=int, default=10_000, help="scenarios in the KPI sweep (default 10000)"
    )
    parser.add_argument(
        "--numpy-scenarios",
        type=int,
        default=256,
        help="scenarios on which the numpy twin of the sweep is timed, then scaled (default 256)",
    )
    parser.add_argument(
        "--repeat", type=int, default=20, help="timing repeats, best kept (default 20)"
    )
    parser.add_argument(
        "--no-compile", action="store_true", help="skip the fresh-process compile-time measurement"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS / "allocation.json",
        help="JSON output of the allocation suite (default benchmarks/results/allocation.json)",
    )
    args = parser.parse_args(argv)
    if args.suite in ("commands", "all"):
        rows = commands.run(years=args.years, repeat=min(args.repeat, 5))
        table = commands.format_table(rows)
        print(table)
        out = RESULTS / "commands.json"
        allocation.write_json({"rows": rows}, out)
        print(f"written: {out}", file=sys.stderr)
        if args.readme:
            if commands.update_readme(table):
                print("README.md: performance table regenerated", file=sys.stderr)
            else:
                print("README.md: no benchmark markers found", file=sys.stderr)
    if args.suite in ("allocation", "all"):
        results = allocation.run(
            args.scenarios, args.numpy_scenarios, args.repeat, compile_=not args.no_compile
        )
        print(allocation.format_table(results))
        allocation.write_json(results, args.out)
        print(f"written: {args.out}", file=sys.stderr)
    if args.suite in ("optimise", "all"):
        try:
            bench = importlib.import_module(f"{__package__}.bench_optimise")
        except ModuleNotFoundError:
            print("optimise suite: benchmarks/bench_optimise.py is absent", file=sys.stderr)
            return 1
        rows = bench.run()
        for row in rows:
            print(json.dumps(row, default=str))
        out = RESULTS / "optimise.json"
        allocation.write_json({"rows": rows}, out)
        print(f"written: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
