"""``greenkommon export-key``: the key files a PMO sends to Enedis, from a simulated run."""

from __future__ import annotations

import argparse
import functools
import sys
from typing import TYPE_CHECKING

from ..errors import DataError

if TYPE_CHECKING:
    import pandas as pd


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export-key",
        help="write the sharing key as files a PMO can send to Enedis (static table, dynamic key)",
        description=(
            "Simulate a scenario and write, in DIR: dynamic_key.csv (one coefficient in %% per consumer "
            "meter and per interval, 'Horodate;<meter>;<meter>...', ';' separator, floored to 0.1 %% so that "
            "a line never sums over 100 %%), static_key.csv (one %% per consumer meter, for static and "
            "optimised keys), and with --quantities the six quantities Enedis reports to the PMO (PROD, "
            "AUTOPROD, SURPLUS, CONS, AUTOCONS, COMPLEMENT, in Wh) as Enedis would compute them from the "
            "key as uploaded (default key: unfloored; static key: floored shares; other keys: floored "
            "dynamic key), in the statement layout 'greenkommon reconcile' reads. Consumers appear under "
            "their meter_id (PRM) where the scenario gives one, else under their venue name. The extra "
            "surplus caused by the flooring is printed. Layouts: see greenkommon/enedis.py."
        ),
    )
    p.add_argument("scenario", help="scenario TOML file, e.g. scenarios/greenkommon.toml")
    p.add_argument(
        "--out",
        metavar="DIR",
        required=True,
        help="folder to write the files to: a new or empty folder, or a previous result (only "
        "greenkommon's own files there, listed in greenkommon-output.json, are replaced)",
    )
    p.add_argument(
        "--timestamps",
        choices=("end", "start"),
        default="end",
        help="Horodate is the interval end (default, as in Enedis C5 load curves) or its start",
    )
    p.add_argument(
        "--decimal", choices=(",", "."), default=",", help="decimal separator (default: ',')"
    )
    p.add_argument(
        "--resolution-pct",
        type=float,
        default=0.1,
        metavar="PCT",
        help="coefficient resolution in %% (default 0.1, the flooring of third-party PMO tools)",
    )
    p.add_argument(
        "--quantities", action="store_true", help="also write quantities.csv (six quantities, Wh)"
    )
    p.add_argument(
        "--producer-meter",
        metavar="ID",
        default="producer",
        help="label of the producer's meter in quantities.csv (default: 'producer')",
    )
    p.add_argument(
        "--operation",
        metavar="NAME",
        default=None,
        help="the operation of a portfolio scenario (needed when it has several)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import enedis
    from .._io import check_output_folder, output_folder
    from ..pipeline import run_scenario
    from ..scenario import load_scenario

    if not 1e-4 <= args.resolution_pct <= 100:
        raise DataError(
            f"--resolution-pct = {args.resolution_pct}: expected a percentage in [0.0001, 100]"
        )
    step = args.resolution_pct / 100.0
    out = check_output_folder(args.out)
    scenario = load_scenario(args.scenario)
    meter_ids = {v.name: v.meter_id for v in scenario.venues}
    print(f"running {scenario.name!r} ...", file=sys.stderr)
    portfolio = run_scenario(scenario)
    result = portfolio.operation(args.operation) if args.operation else portfolio.only_operation
    scenario = result.scenario
    meter_ids = {v.name: v.meter_id for v in scenario.venues}

    with output_folder(out, command="export-key") as staging:
        written = []
        path, extra_kwh = enedis.export_dynamic_key(
            staging / "dynamic_key.csv",
            result.production_kwh,
            result.allocated_kwh,
            meter_ids=meter_ids,
            step=step,
            timestamps=args.timestamps,
            decimal=args.decimal,
        )
        written.append(path)
        production_kwh = float(result.production_kwh.sum())

        def share(kwh: float) -> str:
            return f"{100.0 * kwh / production_kwh:.3f} %" if production_kwh > 0 else "n/a"

        print(
            f"dynamic key: {len(result.allocated_kwh)} intervals x {result.allocated_kwh.shape[1]} consumers, "
            f"coefficients floored to {args.resolution_pct:g} %; extra surplus from the flooring: "
            f"{extra_kwh:.3f} kWh over the period ({share(extra_kwh)} of the production)"
        )
        key_type = scenario.key.type
        static = result.coefficients if key_type in ("static", "optimised") else None

        @functools.cache
        def uploaded() -> tuple[pd.DataFrame, float, str]:
            """What Enedis would allocate from the uploaded key (used by the static and quantities
            outputs; computed once)."""
            return enedis.uploaded_key_allocation(
                result.production_kwh,
                result.consumption_kwh,
                result.allocated_kwh,
                key_type,
                static,
                step,
            )

        if static is not None:
            written.append(staging / "static_key.csv")
            enedis.export_static_key(
                written[-1],
                static,
                scenario.venue_names,
                meter_ids=meter_ids,
                step=step,
                decimal=args.decimal,
            )
            _, static_extra_kwh, _ = uploaded()
            print(
                f"static key: shares floored to {args.resolution_pct:g} %; extra surplus from the flooring: "
                f"{static_extra_kwh:.3f} kWh over the period ({share(static_extra_kwh)} of the production)"
            )
        elif key_type == "redistributed":
            print(
                "note: a redistributed key is a PMO-side strategy: send the dynamic key, not the base shares"
            )
        if args.quantities:
            allocated, _, how = uploaded()
            quantities = enedis.six_quantities(
                result.production_kwh,
                result.consumption_kwh,
                allocated,
                meter_ids=meter_ids,
                producer_id=args.producer_meter,
            )
            written.append(
                enedis.write_quantities(
                    staging / "quantities.csv",
                    quantities,
                    timestamps=args.timestamps,
                    decimal=args.decimal,
                )
            )
            print(f"quantities: as Enedis would compute them ({how})")
    written = [out / p.name for p in written]
    named = [v.name for v in scenario.venues if not v.meter_id]
    if named:
        print(f"no meter_id in the scenario for: {', '.join(named)} (written under the venue name)")
    if key_type == "prorata":
        print(
            "note: with the default key (prorata) Enedis computes the allocation itself; the dynamic "
            "key file reproduces it for comparison"
        )
    print("written: " + ", ".join(str(p) for p in written))
    return 0
