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
    scenario = load_scenario(args.scenario)
    print(f"running {scenario.name!r} ...", file=sys.stderr)
    result = run_scenario(scenario)
    fin = project_result(result)
    print("Year 1 bills per venue:")
    print(format_bills(result.bills))
    print()
    print(format_finance(fin, args.case))
    if args.csv:
        path = Path(args.csv)
        _write_csv_atomic(fin.cash_flow_table(), path, index=False)
        metrics_path = path.with_name(f"{path.stem}_metrics{path.suffix or '.csv'}")
        _write_csv_atomic(fin.summary().reset_index(), metrics_path, index=False)
        print(f"\nwritten: {path} and {metrics_path}")
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
