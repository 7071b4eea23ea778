"""``python -m benchmarks``: run the allocation benchmarks, print a table, write JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import allocation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Allocation core: numba kernels vs numpy twins (single scenario, KPI sweep, compile time).",
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
        default=Path(__file__).resolve().parent / "results" / "allocation.json",
        help="JSON output (default benchmarks/results/allocation.json)",
    )
    args = parser.parse_args(argv)
    results = allocation.run(
        args.scenarios, args.numpy_scenarios, args.repeat, compile_=not args.no_compile
    )
    print(allocation.format_table(results))
    allocation.write_json(results, args.out)
    print(f"written: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
