"""``greenkommon report``: simulate a scenario and write the HTML and/or Excel report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..pipeline import run_scenario
    from ..report.excel import write_excel_report
    from ..report.html import write_html_report
    from ..report.tables import compare_keys
    from ..scenario import KEY_TYPES, load_scenario

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
    scenario = load_scenario(args.scenario)
    print(f"running {scenario.name!r} ...", file=sys.stderr)
    result = run_scenario(scenario)
    extra = {}
    if not args.no_compare:
        with tqdm(
            total=len(keys), desc="key comparison", unit="key", file=sys.stderr, leave=False
        ) as bar:
            started: list[str] = []

            def step(key: str) -> None:
                if started:
                    bar.update(1)
                started.append(key)
                bar.set_postfix_str(key)

            comparison = compare_keys(result, keys, progress=step)
            bar.update(1)
        extra["key_comparison"] = comparison
        for key, why in comparison.failed.items():
            print(f"warning: key comparison: {key!r} skipped: {why}", file=sys.stderr)
    if html_path:
        out = write_html_report(result, html_path, lang=args.lang, extra=extra)
        print(f"HTML report written to {out}")
    if xlsx_path:
        out = write_excel_report(result, xlsx_path, lang=args.lang, extra=extra)
        print(f"Excel report written to {out}")
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
