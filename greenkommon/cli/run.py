"""``greenkommon run``: simulate a scenario end to end."""

from __future__ import annotations

import argparse
import sys
import time


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="simulate a scenario end to end and print the per-venue table",
        description=(
            "Simulate a scenario (weather, PV production, venue loads, Enedis sharing key, bills) and "
            "print, per venue, consumption, allocated solar, grid import, self-sufficiency and the bill "
            "with and without the operation, plus the collective line. With --out, also write the time "
            "series and summaries to a results folder."
        ),
    )
    p.add_argument("scenario", help="scenario TOML file, e.g. scenarios/greenkommon.toml")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write results to DIR: a new or empty folder, or a previous result (only the files "
        "greenkommon wrote there, listed in greenkommon-output.json, are replaced)",
    )
    p.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default="csv",
        help="time-series file format in DIR (default: csv)",
    )
    p.add_argument(
        "--brief",
        action="store_true",
        help="print only the per-venue table and the collective line",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._io import check_output_folder
    from ..pipeline import run_scenario
    from ..report import format_run_summary, write_results
    from ..scenario import load_scenario

    t0 = time.perf_counter()
    if args.out:
        check_output_folder(args.out)  # before the run: a refused folder costs nothing
    scenario = load_scenario(args.scenario)
    print(f"running {scenario.name!r} ...", file=sys.stderr)
    result = run_scenario(scenario)
    print(format_run_summary(result))
    opt = result.extras.get("optimiser")
    if opt:
        print(
            f"\nOptimiser ({opt.get('model')} key, fairness: {', '.join(opt.get('fairness') or []) or 'none'}): "
            f"value of the allocated energy {opt.get('optimiser_value_eur', float('nan')):,.0f} €/yr as solved, "
            f"{opt.get('resimulated_value_eur', float('nan')):,.0f} €/yr re-simulated after rounding "
            f"(pro-rata key: {opt.get('prorata_value_eur', float('nan')):,.0f} €/yr)."
        )
        for note in opt.get("notes") or []:
            print(f"  note: {note}")
    if not args.brief:
        from ..economics.finance import format_metrics
        from ..eligibility import format_eligibility

        print()
        print(format_eligibility(result.extras["eligibility"]))
        fin = result.extras["finance"]
        print()
        print(
            f"Finance over {scenario.finance.lifetime_years} years (supply-price escalation cases; "
            f"details: greenkommon finance {args.scenario}):"
        )
        print(format_metrics(fin))
    if args.out:
        out = write_results(result, args.out, fmt=args.format)
        print(f"\nresults written to {out}/ (timeseries.{args.format}, venues.csv, summary.json)")
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
