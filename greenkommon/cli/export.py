"""``greenkommon export-key``: the key files a PMO sends to Enedis, from a simulated run."""

from __future__ import annotations

import argparse
import functools
import sys
from typing import TYPE_CHECKING

from ..config.load import INTERVAL_LABELS
from ..errors import DataError

if TYPE_CHECKING:
    import pandas as pd


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export-key",
        help="write the sharing key as files a PMO can send to Enedis (static table, dynamic key)",
        description=(
            "Simulate a scenario and write, in DIR, only the key file the scenario's key needs: "
            "static_key.csv (one % per consumer meter) for a static or static optimised key, "
            "dynamic_key.csv ('Horodate;<meter>;<meter>...', one coefficient in % per interval, "
            "floored to the resolution so that a line never sums over 100 %) for the other keys, "
            "and nothing for the default key (prorata), which Enedis computes itself. With "
            "--quantities, also quantities.csv: the six quantities Enedis reports to the PMO (PROD, "
            "AUTOPROD, SURPLUS, CONS, AUTOCONS, COMPLEMENT, in Wh) as Enedis would compute them from "
            "the key as uploaded, in the layout 'greenkommon reconcile' reads. Consumers appear "
            "under their venue name; with --show-prm under the scenario's meter_id (PRM), as Enedis "
            "needs. The extra surplus caused by the flooring and the UNCONFIRMED points of each file "
            "layout are printed. Layouts: see greenkommon/enedis/__init__.py."
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
        choices=INTERVAL_LABELS,
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
    p.add_argument(
        "--show-prm",
        action="store_true",
        help="write the consumers' meter ids (PRM) in the files, as Enedis needs (default: venue names)",
    )
    p.set_defaults(func=run)


_NOTHING_TO_UPLOAD = (
    "nothing to upload: with the default key (prorata) Enedis computes the allocation itself; "
    "nothing written (add --quantities for the quantities Enedis would report)"
)


def _upload_file(key_type: str, coefficients: object) -> str | None:
    """The key file a PMO uploads for this key: none for the default key (Enedis computes it),
    the static table for a static (or static optimised) key, else the dynamic key."""
    if key_type == "prorata":
        return None
    if key_type in ("static", "optimised") and getattr(coefficients, "ndim", 0) == 1:
        return "static_key.csv"
    return "dynamic_key.csv"


def run(args: argparse.Namespace) -> int:
    from .. import enedis
    from .._io import check_output_folder, output_folder
    from ..pipeline import run_scenario
    from ..prm import SHOW_PRM
    from ..scenario import load_scenario

    if not 1e-4 <= args.resolution_pct <= 100:
        raise DataError(
            f"--resolution-pct = {args.resolution_pct}: expected a percentage in [0.0001, 100]"
        )
    step = args.resolution_pct / 100.0
    out = check_output_folder(args.out)
    scenario = load_scenario(args.scenario)
    single = getattr(scenario, "is_single_operation", True)
    if single and scenario.key.type == "prorata" and not args.quantities:
        print(_NOTHING_TO_UPLOAD)
        return 0
    print(f"running {scenario.name!r} ...", file=sys.stderr)
    portfolio = run_scenario(scenario)
    result = portfolio.operation(args.operation) if args.operation else portfolio.only_operation
    scenario = result.scenario
    key_type = scenario.key.type
    with_ids = [v.name for v in scenario.venues if v.meter_id]
    # the meter ids Enedis needs go into the files only when asked for
    meter_ids = {v.name: v.meter_id for v in scenario.venues} if SHOW_PRM.get() else {}
    producer = args.producer_meter
    upload = _upload_file(key_type, result.coefficients)
    if upload is None and not args.quantities:
        print(_NOTHING_TO_UPLOAD)
        return 0
    production_kwh = float(result.production_kwh.sum())

    def share(kwh: float) -> str:
        return f"{100.0 * kwh / production_kwh:.3f} %" if production_kwh > 0 else "n/a"

    @functools.cache
    def uploaded() -> tuple[pd.DataFrame, float, str]:
        """What Enedis would allocate from the uploaded key (used by the static and quantities
        outputs; computed once)."""
        return enedis.uploaded_key_allocation(
            result.production_kwh,
            result.consumption_kwh,
            result.allocated_kwh,
            key_type,
            result.coefficients if upload == "static_key.csv" else None,
            step,
        )

    written: list[str] = []
    with output_folder(out, command="export-key") as staging:
        if upload == "dynamic_key.csv":
            _, extra_kwh = enedis.export_dynamic_key(
                staging / upload,
                result.production_kwh,
                result.allocated_kwh,
                meter_ids=meter_ids,
                step=step,
                timestamps=args.timestamps,
                decimal=args.decimal,
            )
            print(
                f"dynamic key: {len(result.allocated_kwh)} intervals x "
                f"{result.allocated_kwh.shape[1]} consumers, coefficients floored to "
                f"{args.resolution_pct:g} %; extra surplus from the flooring: {extra_kwh:.3f} kWh "
                f"over the period ({share(extra_kwh)} of the production)"
            )
            if key_type == "redistributed":
                print(
                    "note: a redistributed key is a PMO-side strategy: the dynamic key is what "
                    "Enedis receives, not the base shares"
                )
        elif upload == "static_key.csv" and result.coefficients is not None:
            enedis.export_static_key(
                staging / upload,
                result.coefficients,
                scenario.venue_names,
                meter_ids=meter_ids,
                step=step,
                decimal=args.decimal,
            )
            _, static_extra_kwh, _ = uploaded()
            print(
                f"static key: shares floored to {args.resolution_pct:g} %; extra surplus from the "
                f"flooring: {static_extra_kwh:.3f} kWh over the period "
                f"({share(static_extra_kwh)} of the production)"
            )
        else:
            print(
                "nothing to upload: with the default key (prorata) Enedis computes the "
                "allocation itself"
            )
        if upload:
            written.append(upload)
        if args.quantities:
            allocated, _, how = uploaded()
            quantities = enedis.six_quantities(
                result.production_kwh,
                result.consumption_kwh,
                allocated,
                meter_ids=meter_ids,
                producer_id=producer,
            )
            enedis.write_quantities(
                staging / "quantities.csv",
                quantities,
                timestamps=args.timestamps,
                decimal=args.decimal,
            )
            written.append("quantities.csv")
            print(f"quantities: as Enedis would compute them ({how})")
    if with_ids and not SHOW_PRM.get():
        print(
            "meter ids hidden: the files name the venues; add --show-prm to write the meter ids "
            "(PRM) Enedis needs"
        )
    named = [v.name for v in scenario.venues if not v.meter_id]
    if named:
        print(f"no meter_id in the scenario for: {', '.join(named)} (written under the venue name)")
    for name in written:
        for label in enedis.UNCONFIRMED_LAYOUT.get(name, ()):
            print(f"{name}: UNCONFIRMED: {label}")
    print("written: " + ", ".join(str(out / name) for name in written))
    return 0
