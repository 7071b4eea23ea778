"""``greenkommon load``: import measured load curves, show the venues' consumption.

``greenkommon load import FILES... --venue NAME --out CSV`` reads Enedis exports (portal CSV,
data-hub rows, spreadsheet chunks) or a generic CSV, checks and stitches them, resamples them to
the simulation step and writes the greenkommon load CSV that a scenario's ``load_file`` accepts.

``greenkommon load show SCENARIO`` prints, per venue, annual energy, peak power, base load and a
typical-week summary of the curves the simulation will use.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .. import consumption_io as cio
from .._io import check_output_file
from ..consumption import LOAD_FORMATS, TIMESTAMP_CONVENTIONS, UNITS, build_consumption
from ..errors import DataError
from ..timegrid import STEPS_MINUTES, index_step, make_index
from ._options import add_deprecated

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Blocks of the typical-week table [local hours].
_BLOCKS = (
    ("night 0-6", 0, 6),
    ("morning 6-12", 6, 12),
    ("afternoon 12-18", 12, 18),
    ("evening 18-24", 18, 24),
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "load",
        help="import measured load curves, show venue consumption",
        description="Venue load curves: import Enedis exports, summarise a scenario's consumption.",
    )
    sub = parser.add_subparsers(dest="load_command", metavar="ACTION")

    imp = sub.add_parser(
        "import",
        help="read Enedis/generic load-curve files of one venue into a greenkommon load CSV",
        description=(
            "Read one venue's load-curve files (Enedis customer-portal CSV, data-hub rows, 7-day "
            "spreadsheet chunks, generic CSV), stitch them, check units, steps, DST, duplicates and "
            "gaps, resample to the simulation step conserving energy and write a CSV usable as "
            "[venues.load] load_file. Meter ids (PRM) are never printed unless --show-prm."
        ),
    )
    imp.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="load-curve files of ONE venue"
    )
    imp.add_argument(
        "--venue", required=True, help="venue name (written in the CSV header and messages)"
    )
    imp.add_argument(
        "--out", required=True, type=Path, metavar="CSV", help="output CSV (written atomically)"
    )
    imp.add_argument(
        "--step", default="30min", choices=tuple(STEPS_MINUTES), help="output step (default 30min)"
    )
    imp.add_argument(
        "--year",
        type=int,
        default=None,
        help="align the measurements onto this calendar year (same weekdays, holidays moved)",
    )
    imp.add_argument(
        "--format", default="auto", choices=LOAD_FORMATS, help="file layout (default: detect)"
    )
    imp.add_argument(
        "--unit", default=None, choices=UNITS, help="unit of the values when the file does not say"
    )
    imp.add_argument(
        "--timestamps",
        default="auto",
        choices=TIMESTAMP_CONVENTIONS,
        help="timestamps mark the interval start or end (default: Enedis end, generic start)",
    )
    add_deprecated(imp, "--timestamp", "--timestamps", "timestamps", choices=TIMESTAMP_CONVENTIONS)
    imp.add_argument(
        "--encoding", default=None, help="text encoding (default: UTF-8, else latin-1)"
    )
    imp.add_argument("--tz", default="Europe/Paris", help="time zone (default Europe/Paris)")
    imp.add_argument(
        "--fill-gaps",
        action="store_true",
        help="fill long gaps and large missing shares with the typical week instead of failing",
    )
    imp.add_argument(
        "--max-gap-hours",
        type=float,
        default=2.0,
        help="longest gap filled by linear interpolation without --fill-gaps [h] (default 2)",
    )
    imp.add_argument(
        "--max-missing-pct",
        type=float,
        default=5.0,
        help="largest missing share accepted without --fill-gaps [%%] (default 5)",
    )
    imp.add_argument("--show-prm", action="store_true", help="allow meter ids (PRM) in messages")
    imp.set_defaults(func=run_import)

    show = sub.add_parser(
        "show",
        help="summarise each venue's consumption in a scenario",
        description="Print annual energy, peak power, base load and a typical week per venue.",
    )
    show.add_argument("scenario", type=Path, help="scenario TOML file")
    show.add_argument("--venue", action="append", default=None, help="only this venue (repeatable)")
    show.add_argument("--show-prm", action="store_true", help="allow meter ids (PRM) in messages")
    show.set_defaults(func=run_show)
    parser.set_defaults(func=lambda args: (parser.print_help(), 1)[1])


def _progress(items):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return items
    return tqdm(
        items, desc="reading", unit="file", file=sys.stderr, disable=len(items) < 5, leave=False
    )


def run_import(args: argparse.Namespace) -> int:
    check_output_file(args.out, inputs=args.files)
    index = make_index(args.year, args.step, args.tz) if args.year is not None else None
    result = cio.import_load_curves(
        args.files,
        venue=args.venue,
        step=args.step,
        tz=args.tz,
        index=index,
        format=args.format,
        unit=args.unit,
        timestamp=args.timestamps,
        encoding=args.encoding,
        fill_gaps=args.fill_gaps,
        max_gap_hours=args.max_gap_hours,
        max_missing_pct=args.max_missing_pct,
        progress=_progress,
    )
    cio.write_load_csv(result, args.out, venue=args.venue)
    for line in result.report.lines():
        print(cio.redact(line))
    e = result.energy_kwh
    print(
        f"  written {len(e)} interval(s), {e.sum():,.3f} kWh, {int(result.filled.sum())} flagged filled -> {args.out}"
    )
    return 0


def summarise(energy_kwh: pd.Series) -> dict:
    """Annual energy [kWh], peak and base power [kW], typical week [kW] of one curve.

    Base load is the 5th percentile of the average power per interval (robust to a few empty
    intervals); the typical week is the mean power per weekday and block of local hours.
    """
    index = energy_kwh.index
    step_h = index_step(index).total_seconds() / 3600.0
    power = energy_kwh / step_h
    hours = index.hour
    week = {}
    for label, h0, h1 in _BLOCKS:
        sel = (hours >= h0) & (hours < h1)
        week[label] = power[sel].groupby(index.day_of_week[sel]).mean().reindex(range(7)).to_numpy()
    return {
        "annual_kwh": float(energy_kwh.sum()),
        "peak_kw": float(power.max()),
        "peak_at": power.idxmax(),
        "base_kw": float(np.percentile(power.to_numpy(), 5)),
        "mean_kw": float(power.mean()),
        "week": week,
    }


def run_show(args: argparse.Namespace) -> int:
    from .. import weather as weather_mod
    from ..scenario import load_scenario

    sc = load_scenario(args.scenario)
    venues = [v for v in sc.venues if not args.venue or v.name in args.venue]
    if args.venue:
        unknown = sorted(set(args.venue) - {v.name for v in sc.venues})
        if unknown:
            raise DataError(
                f"--venue {unknown[0]!r}: expected one of {', '.join(map(repr, sc.venue_names))}"
            )
    sim = sc.simulation
    index = make_index(sim.year, sim.step, sim.timezone)
    weather_df = None
    needs_weather = any(
        v.load.heating_share or v.load.cooling_share for v in venues if v.load.load_file is None
    )
    loader = getattr(weather_mod, "load_weather", None)
    if needs_weather and loader is not None:
        p = sc.plant
        weather_df, _ = loader(
            sc.weather, p.latitude_deg, p.longitude_deg, p.altitude_m, sim.year, sim.timezone
        )
    cons = build_consumption(
        [v.load for v in venues], [v.name for v in venues], index, weather=weather_df
    )
    print(f"{sc.name}: consumption {sim.year}, step {sim.step}, {sim.timezone}")
    for v in venues:
        s = summarise(cons[v.name])
        if v.load.load_file is not None:
            source = f"measured ({cio.redact(v.load.load_file.name)})"
        else:
            source = "synthetic: " + ", ".join(f"{n} {w:.0%}" for n, w in v.load.archetypes)
            if v.load.heating_share or v.load.cooling_share:
                source += (
                    f"; heating {v.load.heating_share:.0%}, cooling {v.load.cooling_share:.0%}"
                )
        print()
        print(f"{v.name} [{source}]")
        print(
            f"  annual {s['annual_kwh']:,.0f} kWh | peak {s['peak_kw']:,.1f} kW ({s['peak_at']:%a %d %b %H:%M}) | "
            f"base load {s['base_kw']:,.1f} kW | mean {s['mean_kw']:,.1f} kW"
        )
        print("  typical week, mean kW: " + " ".join(f"{d:>6}" for d in _DAY_NAMES))
        for label, values in s["week"].items():
            print(f"  {label:>21}: " + " ".join(f"{x:6.1f}" for x in values))
    return 0
