"""``greenkommon run``: simulate a scenario end to end."""

from __future__ import annotations

import argparse
import gc
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
    # In a fresh process (the command's own: pandas not loaded yet), the modules imported here
    # (numpy, pandas, numba, greenkommon: ~0.1 s of collections otherwise) live as long as the
    # process: the cyclic collector could free none of their objects, so it is paused while
    # they load, and they are then moved out of its sight (gc.freeze) so that the run's own
    # collections do not traverse them again. A process that already holds them (tests, an
    # embedding program) is left alone: freezing would also keep its garbage forever.
    fresh = "pandas" not in sys.modules and gc.isenabled()
    if fresh:
        gc.disable()
    try:
        from .._io import check_output_folder
        from ..cases import format_accise_cases
        from ..config import read_scenario
        from ..evaluate import run_scenario
        from ..report import format_portfolio_summary, format_run_summary, write_results
    finally:
        if fresh:
            gc.freeze()
            gc.enable()
    t0 = time.perf_counter()
    if args.out:
        check_output_folder(args.out)  # before the run: a refused folder costs nothing
    scenario = read_scenario(args.scenario)
    print(f"running {scenario.name!r} ...", file=sys.stderr)
    result = run_scenario(scenario)
    # the decision first (greenkommon.decision; the plan's alternative when NO-GO)
    from ..decision import decide

    print(decide(result).sentence())
    print()
    single = scenario.is_single_operation
    print(format_run_summary(result.operations[0]) if single else format_portfolio_summary(result))
    for op in result.operations:  # the contested accise: both readings, always shown
        print(f"\n{'' if single else f'Operation {op.name!r}: '}{format_accise_cases(op)}")
    for op in result.operations:
        opt = op.optimiser
        if opt is not None:
            print(
                f"\nOptimiser{'' if single else ' of ' + repr(op.name)} ({opt.model} key, fairness: "
                f"{', '.join(opt.fairness) or 'none'}): value of the allocated energy "
                f"{opt.optimiser_value_eur:,.0f} €/yr as solved, {opt.resimulated_value_eur:,.0f} €/yr "
                f"re-simulated after rounding (pro-rata key: {opt.prorata_value_eur:,.0f} €/yr)."
            )
            if opt.advice:
                print(f"  answer: {opt.advice}")
            for note in opt.notes:
                print(f"  note: {note}")
    if not args.brief:
        from ..economics.finance import format_metrics
        from ..eligibility import format_eligibility

        for op in result.operations:
            print()
            if not single:
                print(f"operation {op.name!r}:")
            print(format_eligibility(op.eligibility))
            print()
            print(
                f"Finance over {op.scenario.finance.lifetime_years} years (supply-price escalation "
                f"cases; details: greenkommon finance {args.scenario}):"
            )
            if op.finance is not None:
                print(format_metrics(op.finance))
    if args.out:
        if single:
            out = write_results(result.operations[0], args.out, fmt=args.format)
            where = f"{out}/"
        else:
            from .._io import output_folder

            # one results folder holding a folder per operation: a rerun replaces only those
            with output_folder(args.out, command="run") as staging:
                for i, op in enumerate(result.operations):
                    write_results(op, staging / f"operation-{i + 1}", fmt=args.format)
            where = f"{args.out}/operation-1 ... operation-{len(result.operations)}/"
        print(f"\nresults written to {where} (timeseries.{args.format}, venues.csv, summary.json)")
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
