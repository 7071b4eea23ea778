"""``greenkommon finance``: yearly cash flows and NPV / IRR / payback per stakeholder."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .._io import atomic_write, check_output_file

if TYPE_CHECKING:
    import pandas as pd


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "finance",
        help="long-term cash flows, NPV, IRR and payback per venue and for the producer",
        description=(
            "Simulate a scenario, then project its first year over the plant's life "
            "([finance] lifetime_years) under each supply-price escalation scenario (flat, +3 %/yr, "
            "+6 %/yr and the user path of [finance]). Prints the producer figures with their labels "
            "(ASSUMPTION where the data file's defaults were used), NPV, IRR, simple and discounted "
            "payback per venue (its equity at year 0, then its savings) and for the producer "
            "(project and equity views), the plant's LCOE, and the yearly cash-flow table of one case."
        ),
    )
    p.add_argument("scenario", help="scenario TOML file, e.g. scenarios/greenkommon.toml")
    p.add_argument(
        "--operation",
        metavar="NAME",
        default=None,
        help="the operation of a portfolio scenario (default: every operation in turn)",
    )
    p.add_argument(
        "--case",
        metavar="NAME",
        help="escalation case of the yearly table, e.g. 'flat', '+3 %%/yr', 'user path' "
        "(default: the headline case, [finance] headline_case)",
    )
    p.add_argument(
        "--csv",
        metavar="FILE",
        help="write every case's yearly flows (long format) to FILE and the metrics to "
        "FILE with a '_metrics' suffix",
    )
    p.add_argument(
        "--statements",
        metavar="FILE",
        help="write the PMO's monthly statements (per venue and month: allocated kWh, internal "
        "price, VAT, amount due to the producer) to FILE (CSV)",
    )
    p.add_argument(
        "--enedis-statement",
        metavar="FILE",
        help="take the statements' allocated kWh from this Enedis statement (AUTOCONS lines, "
        "greenkommon's six-quantity layout) instead of the simulation",
    )
    p.add_argument(
        "--tornado",
        action="store_true",
        help="print the tornado: collective NPV and minimum DSCR against each driver, each "
        "re-evaluated through the evaluation path (about ten evaluations)",
    )
    p.add_argument(
        "--tornado-chart",
        metavar="FILE",
        help="also draw the tornado to FILE (.png or .svg); implies --tornado",
    )
    p.add_argument(
        "--price-curve",
        metavar="FILE",
        help="hourly day-ahead prices (CSV: timestamp, price in €/MWh): print the share of the "
        "simulated surplus injected at negative prices, to set as [prices] "
        "surplus_curtailed_share for the 'aos' and 'market' surplus options",
    )
    p.set_defaults(func=run)


def _write_csv_atomic(frame: pd.DataFrame, path: Path, index: bool) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            frame.to_csv(fh, index=index)

    atomic_write(path, write)


def run(args: argparse.Namespace) -> int:
    from ..economics import format_bills
    from ..economics.finance import format_finance, project_result
    from ..pipeline import run_scenario
    from ..scenario import load_scenario

    t0 = time.perf_counter()
    if args.csv:
        check_output_file(args.csv, "--csv")
    if args.tornado_chart and Path(args.tornado_chart).suffix.lower() not in (".png", ".svg"):
        from ..errors import ScenarioError

        raise ScenarioError(f"--tornado-chart {args.tornado_chart}: expected a .png or .svg file")
    if args.tornado_chart:
        check_output_file(args.tornado_chart, "--tornado-chart")
    scenario = load_scenario(args.scenario)
    print(f"running {scenario.name!r} ...", file=sys.stderr)
    portfolio = run_scenario(scenario)
    operations = (
        [portfolio.operation(args.operation)] if args.operation else list(portfolio.operations)
    )
    if args.statements and len(operations) > 1:
        from ..errors import ScenarioError

        raise ScenarioError(
            f"--statements {args.statements}: {len(operations)} operations in "
            f"{args.scenario}; choose one with --operation NAME"
        )
    tables, summaries = [], []
    for result in operations:
        # the evaluation's projection (it knows the producer's own plants); a run that did
        # not project gets it here
        fin = result.finance if result.finance is not None else project_result(result)
        if len(operations) > 1 or args.operation:
            print(f"== operation {result.name!r} ==")
        print("Year 1 bills per venue:")
        print(format_bills(result.bills))
        print()
        print(format_finance(fin, args.case))
        if args.price_curve:
            from ..economics.finance.surplus import curtailed_share, read_price_curve

            share = curtailed_share(result.surplus_kwh, read_price_curve(args.price_curve))
            prices = result.scenario.prices
            print(
                f"\nSurplus injected at negative prices ({args.price_curve}): {100 * share:.1f} % "
                f"of {float(result.surplus_kwh.sum()):,.0f} kWh; set [prices] surplus_curtailed_share "
                f"= {share:.3f} to use it (now: "
                f"{prices.surplus_curtailed_share if prices.surplus_curtailed_share is not None else 'the data file default'})"
            )
        if len(operations) > 1:
            print()
        table, summary = fin.cash_flow_table(), fin.summary().reset_index()
        if len(operations) > 1:
            table.insert(0, "operation", result.name)
            summary.insert(0, "operation", result.name)
        tables.append(table)
        summaries.append(summary)
    if args.csv:
        import pandas as pd

        path = Path(args.csv)
        _write_csv_atomic(pd.concat(tables, ignore_index=True), path, index=False)
        metrics_path = path.with_name(f"{path.stem}_metrics{path.suffix or '.csv'}")
        _write_csv_atomic(pd.concat(summaries, ignore_index=True), metrics_path, index=False)
        print(f"\nwritten: {path} and {metrics_path}")
    if args.statements:
        from ..economics.statements import statements_from_enedis, statements_from_result

        st = (
            statements_from_enedis(
                args.enedis_statement,
                scenario if len(portfolio.operations) == 1 else operations[0].scenario,
            )
            if args.enedis_statement
            else statements_from_result(operations[0])
        )
        out = Path(args.statements)
        _write_csv_atomic(st.to_csv_frame(), out, index=False)
        total = float(st.table["amount_due_eur"].sum())
        print(
            f"\nPMO statements ({st.source}): {len(st.table)} venue-months, "
            f"{total:,.2f} € due incl. VAT, written to {out}"
        )
    if args.tornado or args.tornado_chart:
        from ..tornado import format_tornado, plot_tornado, run_tornado

        t = run_tornado(scenario)
        print()
        print(format_tornado(t))
        if args.tornado_chart:
            fig = plot_tornado(t)
            chart = Path(args.tornado_chart)
            kind = chart.suffix.lower().lstrip(".")
            atomic_write(
                chart, lambda tmp: fig.savefig(tmp, format=kind), suffix=chart.suffix, mode=0o644
            )
            print(f"written: {chart}")
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
