"""``greenkommon reconcile``: compare a simulated run with an Enedis ACC statement."""

from __future__ import annotations

import argparse
import io
import sys

from ..config.load import INTERVAL_LABELS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reconcile",
        help="compare simulated PROD/AUTOPROD/SURPLUS/CONS/AUTOCONS/COMPLEMENT with a statement file",
        description=(
            "Compare, line by line (interval, meter, quantity), the six quantities of a simulated run with "
            "a statement file, and list the differences. Statement layout (greenkommon's own, since the real "
            "Enedis PMO file is not documented): 'Horodate;Identifiant PRM;Grandeur;Valeur' with Valeur in Wh; "
            "see greenkommon/enedis/__init__.py. Only the statement's period is compared. Meters are matched on the "
            "scenario's meter_id (venue name where none is given). Meter ids are shown as venue names "
            "unless --show-prm. Exit status: 0 when everything agrees, 1 when differences are listed."
        ),
    )
    p.add_argument(
        "scenario", help="scenario TOML file (its venues' meter_id identify the consumers)"
    )
    p.add_argument("statement", help="statement CSV file")
    p.add_argument(
        "--simulated",
        metavar="FILE",
        help="take the simulated quantities from FILE (e.g. quantities.csv of export-key) instead of running",
    )
    p.add_argument(
        "--allocation",
        choices=("auto", "floored", "simulated"),
        default="auto",
        help="compare with what Enedis computes from the key as uploaded, floored to 0.1 %% ('floored'), "
        "or with the unrounded simulated allocation ('simulated'); 'auto' (default): 'simulated' for "
        "the default prorata key (Enedis computes it itself), 'floored' otherwise",
    )
    p.add_argument(
        "--tolerance-wh",
        type=float,
        default=1.0,
        metavar="WH",
        help="ignore differences up to this many Wh (default 1)",
    )
    p.add_argument(
        "--timestamps",
        choices=INTERVAL_LABELS,
        default="end",
        help="Horodate of the files is the interval end (default) or start",
    )
    p.add_argument(
        "--producer-meter",
        metavar="ID",
        default="producer",
        help="the producer's meter id as written in the statement (default: 'producer')",
    )
    p.add_argument("--out", metavar="FILE", help="write all differences to FILE (CSV, ';')")
    p.add_argument(
        "--rows", type=int, default=20, metavar="N", help="print at most N differences (default 20)"
    )
    p.add_argument(
        "--show-prm", action="store_true", help="print meter ids (PRM) instead of venue names"
    )
    p.add_argument(
        "--operation",
        metavar="NAME",
        default=None,
        help="the operation of a portfolio scenario (needed when it has several)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from .. import enedis
    from .._io import check_output_file
    from ..scenario import load_scenario

    if args.out:
        check_output_file(args.out, inputs=[args.scenario, args.statement, args.simulated])
    scenario = load_scenario(args.scenario)
    meter_ids = {v.name: v.meter_id for v in scenario.venues}
    if args.simulated:
        simulated = enedis.read_statement(args.simulated, timestamps=args.timestamps)
    else:
        from ..pipeline import run_scenario

        print(f"running {scenario.name!r} ...", file=sys.stderr)
        portfolio = run_scenario(scenario)
        result = portfolio.operation(args.operation) if args.operation else portfolio.only_operation
        scenario = result.scenario
        meter_ids = {v.name: v.meter_id for v in scenario.venues}
        allocated = result.allocated_kwh
        if args.allocation != "simulated":
            key_type = scenario.key.type
            if args.allocation == "floored" and key_type == "prorata":
                key_type = "dynamic"  # the user asked for a floored upload of the default key
            static = result.coefficients if key_type in ("static", "optimised") else None
            allocated, _, how = enedis.uploaded_key_allocation(
                result.production_kwh,
                result.consumption_kwh,
                result.allocated_kwh,
                key_type,
                static,
            )
            print(f"simulated quantities: {how}", file=sys.stderr)
        simulated = enedis.six_quantities(
            result.production_kwh,
            result.consumption_kwh,
            allocated,
            meter_ids=meter_ids,
            producer_id=args.producer_meter,
        )
    statement = enedis.read_statement(
        args.statement, timestamps=args.timestamps, step=_step(simulated)
    )
    diff = enedis.reconcile(simulated, statement, tolerance_wh=args.tolerance_wh)

    names = {m: n for n, m in meter_ids.items() if m}
    names[args.producer_meter] = "producer"
    if not set(statement["meter"]) & set(simulated["meter"]):
        print(
            "warning: no meter of the statement is in the simulation: give the venues' meter_id in the "
            "scenario and --producer-meter",
            file=sys.stderr,
        )
    if not args.show_prm:  # once, so the printed lines and the file name meters alike
        diff["meter"] = _mask(diff["meter"], names)
    if diff.empty:
        print(f"statement and simulation agree within {args.tolerance_wh:g} Wh on every line")
    else:
        print(f"{len(diff)} differing line(s) (tolerance {args.tolerance_wh:g} Wh):")
        summary = diff.groupby(["status", "quantity"]).agg(
            lines=("difference_wh", "size"),
            statement_minus_simulated_kwh=("difference_wh", lambda d: d.sum(min_count=1) / 1000.0),
        )
        print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
        shown = diff.head(args.rows)
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
        if len(diff) > args.rows:
            print(
                f"... {len(diff) - args.rows} more"
                + ("" if args.out else " (use --out FILE for all)")
            )
    if args.out:
        buf = io.StringIO()
        out = diff.assign(
            interval_start=pd.DatetimeIndex(diff["interval_start"]).map(lambda t: t.isoformat())
        )
        out.to_csv(buf, sep=";", index=False)
        enedis._atomic_write_text(args.out, buf.getvalue())
        print(f"differences written to {args.out}")
    return 0 if diff.empty else 1


def _step(simulated):  # noqa: ANN001, ANN202
    import pandas as pd

    from ..timegrid import index_step

    times = pd.DatetimeIndex(simulated["interval_start"].unique()).sort_values()
    return index_step(times) if len(times) > 1 else None


def _mask(meters, names: dict[str, str]):  # noqa: ANN001, ANN202
    """Venue names for known meter ids; other 14-digit ids become 'unknown meter #k'."""
    from ..prm import looks_like_prm

    unknown: dict[str, str] = {}

    def one(m: str) -> str:
        if m in names:
            return names[m]
        if looks_like_prm(m):
            return unknown.setdefault(m, f"unknown meter #{len(unknown) + 1}")
        return m

    return meters.map(one)
