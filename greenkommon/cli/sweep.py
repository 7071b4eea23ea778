"""``greenkommon sweep``: evaluate a cartesian grid of scenario variants."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="evaluate a grid of scenario variants (--vary) into a Parquet table",
        description=(
            "Evaluate every combination of the --vary values over a scenario. Weather, production "
            "and loads are simulated once per distinct plant geometry / weather / load group; plant "
            "size (production scaled), key and prices go through the batched allocation core. One "
            "row per variant: collective KPIs (production, allocated, surplus, self-consumption, "
            "self-sufficiency, bills, savings) and <venue>.<kpi> columns. Chunks are checkpointed: "
            "an interrupted sweep continues with --resume. See docs/scale-out.md."
        ),
        epilog=(
            "examples:\n"
            "  greenkommon sweep scenarios/greenkommon.toml --vary plant.peak_power_kwp=100:1000:50 "
            "--vary key.type=prorata,static,optimised\n"
            "  greenkommon sweep scenarios/greenkommon.toml --vary weather.seed=1:20:1 --dask local"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scenario", help="base scenario TOML file")
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="PATH=VALUES",
        help=(
            "a dimension of the grid: a dotted scenario path and either start:stop:step (stop "
            "included) or a comma-separated list, e.g. plant.peak_power_kwp=100:1000:50, "
            "key.type=prorata,static, 'venues.le 6b.load.annual_consumption_kwh=2e5,3e5'. "
            "plant.peak_power_kwp scales every roof section in proportion. Repeatable."
        ),
    )
    p.add_argument(
        "-o",
        "--out",
        metavar="FILE",
        default=None,
        help="result Parquet file (default: sweep-<scenario>.parquet in the current folder)",
    )
    p.add_argument("--csv", action="store_true", help="also write the table as CSV next to it")
    p.add_argument(
        "--finance",
        action="store_true",
        help=(
            "add the long-term projection of each variant: NPV, IRR, payback of the producer and "
            "the venues, savings over the life, per escalation case (~0.1 s per variant)"
        ),
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted sweep with the same arguments (finished chunks are kept)",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="start over and replace existing results"
    )
    p.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        metavar="N",
        help="variants per checkpoint (default: 2000)",
    )
    p.add_argument(
        "--dask",
        nargs="?",
        const="local",
        default=None,
        metavar="ADDRESS",
        help=(
            "run on a Dask distributed cluster: the scheduler ADDRESS (tcp://host:8786), or "
            "no value for a local cluster of processes"
        ),
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._io import check_output_file
    from ..errors import ScenarioError
    from ..sweep import DEFAULT_CHUNK_SIZE, parse_vary, run_sweep

    if not args.vary:
        raise ScenarioError("sweep: expected at least one --vary PATH=VALUES")
    varies = [parse_vary(v) for v in args.vary]
    out = Path(args.out) if args.out else Path(f"sweep-{Path(args.scenario).stem}.parquet")
    check_output_file(out)
    n = 1
    for v in varies:
        n *= len(v.values)
    print(f"sweeping {n:,} variant(s) of {args.scenario} -> {out}", file=sys.stderr)
    t0 = time.perf_counter()
    run_sweep(
        args.scenario,
        varies,
        out,
        chunk_size=args.chunk_size or DEFAULT_CHUNK_SIZE,
        resume=args.resume,
        overwrite=args.overwrite,
        csv=args.csv,
        dask_address=args.dask,
        progress=not args.no_progress,
        finance=args.finance,
        load=False,  # memory bounded whatever the grid: the summary reads the file back
    )
    print(best_variants(out, [v.path for v in varies]))
    extra = f" and {out.with_suffix('.csv')}" if args.csv else ""
    print(
        f"{n:,} variant(s) written to {out}{extra} in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    return 0


def best_variants(out: Path, paths: list[str], n: int = 5) -> str:
    """The ``n`` variants with the largest venues' savings (and producer NPV when projected),
    read from the sweep's Parquet file one row group and one column at a time."""
    import pyarrow.parquet as pq

    from ..report import format_table
    from ..sweep import top_rows

    names = pq.read_schema(out).names
    cols = [c for c in names if c.startswith("producer.npv_eur[")]
    blocks = [("venues' savings €/yr", "savings_eur")]
    if cols:
        blocks.append((f"producer NPV € ({cols[0][len('producer.npv_eur[') : -1]})", cols[0]))
    # a portfolio's table has no collective self-consumption (several operations)
    rates = [
        (label, c)
        for label, c in (
            ("self-cons. %", "self_consumption_pct"),
            ("self-suff. %", "self_sufficiency_pct"),
        )
        if c in names
    ]
    out_blocks = []
    for title, col in blocks:
        wanted = list(
            dict.fromkeys(["variant_id", *paths, *(c for _l, c in rates), "savings_eur", col])
        )
        top = top_rows(out, col, n, wanted)
        header = ["variant", *paths, *(label for label, _c in rates), "savings €/yr"]
        if col != "savings_eur":
            header.append(title)
        rows = []
        for _, r in top.iterrows():
            cells = [
                str(int(r["variant_id"])),
                *(str(r[p]) for p in paths),
                *(f"{r[c]:.1f}" for _label, c in rates),
                f"{r['savings_eur']:,.0f}".replace(",", " "),
            ]
            if col != "savings_eur":
                cells.append(f"{r[col]:,.0f}".replace(",", " "))
            rows.append(cells)
        out_blocks.append(f"best {len(rows)} by {title}:\n" + format_table(rows, header))
    return "\n\n".join(out_blocks)
