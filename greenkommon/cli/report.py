"""``greenkommon report``: simulate a scenario and write the HTML and/or Excel report."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="simulate a scenario and write a self-contained HTML report and/or an Excel workbook",
        description=(
            "Simulate a scenario, then write a report. The HTML report is one self-contained file "
            "(opens offline) for the members: key figures in plain words, then figures of the year "
            "(monthly energy, a summer and a winter week, typical days, monthly self-sufficiency, "
            "cumulative cash flow, comparison of sharing keys). The Excel workbook is for finance "
            "teams: assumptions, yearly energy, bills, cash flows, NPV/IRR/payback, one sheet each. "
            "Without --html or --xlsx, writes SCENARIO-NAME-report.html in the current folder."
        ),
    )
    p.add_argument("scenario", help="scenario TOML file, e.g. scenarios/greenkommon.toml")
    p.add_argument(
        "--html", metavar="FILE", help="write the HTML report to FILE (replaced atomically)"
    )
    p.add_argument(
        "--xlsx", metavar="FILE", help="write the Excel workbook to FILE (replaced atomically)"
    )
    p.add_argument(
        "--lang", choices=("en", "fr"), default="en", help="language of the reports (default: en)"
    )
    p.add_argument(
        "--no-compare",
        action="store_true",
        help="skip the comparison of sharing keys (saves re-running the scenario under other keys)",
    )
    p.add_argument(
        "--keys",
        default="prorata,static,optimised",
        metavar="LIST",
        help="comma-separated key types to compare (default: prorata,static,optimised)",
    )
    p.add_argument(
        "--tornado",
        action="store_true",
        help="add the tornado (collective NPV and minimum DSCR against each driver, about ten "
        "re-evaluations) to the report's first screen and the workbook",
    )
    p.set_defaults(func=run)


def _progress(bar: Any) -> Callable[[str], None]:
    started: list[str] = []

    def step(key: str) -> None:
        if started:
            bar.update(1)
        started.append(key)
        bar.set_postfix_str(key)

    return step


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..config import KEY_TYPES, read_scenario
    from ..energy import simulate_energy
    from ..evaluate import evaluate
    from ..report.excel import write_excel_report
    from ..report.html import write_html_report
    from ..report.tables import compare_keys

    t0 = time.perf_counter()
    keys = [k.strip() for k in args.keys.split(",") if k.strip()]
    bad = [k for k in keys if k not in KEY_TYPES]
    if bad:
        print(
            f"error: --keys {args.keys!r}: {bad[0]!r} is not a key type; expected some of {', '.join(KEY_TYPES)}",
            file=sys.stderr,
        )
        return 2
    from .._io import check_output_file

    html_path, xlsx_path = args.html, args.xlsx
    if not html_path and not xlsx_path:
        html_path = f"{Path(args.scenario).stem}-report.html"
    for option, path in (("--html", html_path), ("--xlsx", xlsx_path)):
        if path:
            check_output_file(path, option)
    scenario = read_scenario(args.scenario)
    print(f"running {scenario.name!r} ...", file=sys.stderr)
    energy = simulate_energy(scenario)
    portfolio = evaluate(scenario, energy)
    several = len(portfolio.operations) > 1
    tornado = None
    if args.tornado and not several:
        from ..tornado import run_tornado

        tornado = run_tornado(scenario, energy)
    elif args.tornado:
        print(
            "warning: --tornado: not computed for a portfolio of several operations",
            file=sys.stderr,
        )
    # the decision opens every report (greenkommon.decision; the plan's alternative when NO-GO)
    from ..decision import decide
    from ..errors import DataError

    decision = None
    try:
        decision = decide(portfolio)
    except DataError as exc:
        print(f"warning: {exc}: the report says the decision is unavailable", file=sys.stderr)
    for i, result in enumerate(portfolio.operations):
        extra: dict[str, Any] = {} if decision is None else {"decision": decision}
        if tornado is not None:
            extra["tornado"] = tornado
        if not args.no_compare:
            with tqdm(
                total=len(keys), desc="key comparison", unit="key", file=sys.stderr, leave=False
            ) as bar:
                comparison = compare_keys(result, keys, progress=_progress(bar), energy=energy)
                bar.update(1)
            extra["key_comparison"] = comparison
            for key, why in comparison.failed.items():
                print(f"warning: key comparison: {key!r} skipped: {why}", file=sys.stderr)
        # a portfolio gets one report per operation: <name>-operation-<i>.<ext>
        suffix = f"-operation-{i + 1}" if several else ""
        if html_path:
            target = Path(html_path)
            target = target.with_name(target.stem + suffix + target.suffix)
            out = write_html_report(result, target, lang=args.lang, extra=extra)
            print(f"HTML report{' of ' + repr(result.name) if several else ''} written to {out}")
        if xlsx_path:
            target = Path(xlsx_path)
            target = target.with_name(target.stem + suffix + target.suffix)
            out = write_excel_report(result, target, lang=args.lang, extra=extra)
            print(f"Excel report{' of ' + repr(result.name) if several else ''} written to {out}")
    if several and html_path:
        from ..report.portfolio_html import write_portfolio_page

        target = Path(html_path)
        links = [
            f"{target.stem}-operation-{i + 1}{target.suffix}"
            for i in range(len(portfolio.operations))
        ]
        out = write_portfolio_page(portfolio, target, links, lang=args.lang)
        print(f"HTML overview of the portfolio written to {out}")
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
