"""``greenkommon weather``: fetch, inspect and generate weather years."""

from __future__ import annotations

import argparse
import calendar
import sys
from pathlib import Path

from ._options import add_deprecated


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "weather",
        help="fetch a PVGIS year, inspect a weather file or write a synthetic year",
        description="Weather years for the production stage (see weather/README.md).",
    )
    wsub = p.add_subparsers(dest="weather_command", metavar="ACTION")

    f = wsub.add_parser(
        "fetch",
        help="download a PVGIS TMY (default) or hourly series into weather/ (needs internet)",
        description=(
            "Download from PVGIS, through pvlib's client, a typical meteorological year (default) or "
            "an hourly series (--years START END) for a location, and save it as a documented CSV "
            "(readable by source = 'file'). Fails with a one-line error when offline."
        ),
    )
    f.add_argument("--lat", type=float, required=True, help="latitude [deg, north positive]")
    f.add_argument("--lon", type=float, required=True, help="longitude [deg, east positive]")
    f.add_argument(
        "--years",
        type=int,
        nargs=2,
        metavar=("START", "END"),
        help="hourly series for these years instead of a TMY",
    )
    f.add_argument(
        "--out", metavar="FILE", help="output CSV (default: weather/pvgis_<kind>_<lat>_<lon>.csv)"
    )
    f.set_defaults(func=run_fetch)

    i = wsub.add_parser(
        "info",
        help="print location and monthly irradiation of a weather file",
        description="Read a weather file (any supported format) and print its monthly GHI and temperature.",
    )
    i.add_argument("file", help="weather file")
    i.set_defaults(func=run_info)

    s = wsub.add_parser(
        "synth",
        help="write the synthetic year of a seed as CSV",
        description="Generate the offline synthetic year (monthly climatology + stochastic model) and write it as CSV.",
    )
    s.add_argument(
        "--lat", type=float, default=48.8967, help="latitude [deg] (default: the bundled plant)"
    )
    s.add_argument("--lon", type=float, default=2.3776, help="longitude [deg]")
    s.add_argument("--altitude", type=float, default=35.0, help="altitude [m]")
    s.add_argument("--year", type=int, default=2026, help="calendar year (default 2026)")
    s.add_argument(
        "--weather-seed", type=int, default=1, help="seed of the synthetic year (default 1)"
    )
    add_deprecated(s, "--seed", "--weather-seed", "weather_seed", type=int)
    s.add_argument(
        "--climatology",
        metavar="TOML",
        help="monthly climatology (default: weather/climatology_saint_denis.toml)",
    )
    s.add_argument("--out", metavar="FILE", required=True, help="output CSV")
    s.set_defaults(func=run_synth)

    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])


def _print_monthly(data, meta) -> None:  # noqa: ANN001
    print(
        f"source: {meta.get('source')}  lat {meta.get('latitude')}  lon {meta.get('longitude')}  alt {meta.get('altitude')}"
    )
    print(f"{len(data)} hours from {data.index[0].isoformat()} to {data.index[-1].isoformat()}")
    monthly = data.groupby(data.index.month)
    ghi = monthly["ghi"].sum() / 1000.0
    temp = monthly["temp_air"].mean()
    print(f"{'month':<6}{'GHI kWh/m2':>12}{'T degC':>9}")
    for m in ghi.index:
        print(f"{calendar.month_abbr[m]:<6}{ghi[m]:>12.1f}{temp[m]:>9.2f}")
    print(f"{'year':<6}{data['ghi'].sum() / 1000.0:>12.1f}{data['temp_air'].mean():>9.2f}")


def run_info(args: argparse.Namespace) -> int:
    from ..weather import read_weather_file

    data, meta = read_weather_file(args.file)
    _print_monthly(data, meta)
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    from .._io import check_output_file
    from ..weather import WEATHER_DIR, fetch_pvgis, write_weather_csv

    kind = "hourly" if args.years else "tmy"
    if args.out:
        check_output_file(args.out)
    data, meta = fetch_pvgis(args.lat, args.lon, years=tuple(args.years) if args.years else None)
    out = (
        Path(args.out)
        if args.out
        else WEATHER_DIR / f"pvgis_{kind}_{args.lat:.4f}_{args.lon:.4f}.csv"
    )
    write_weather_csv(data, meta, out)
    print(f"saved {len(data)} hours to {out}", file=sys.stderr)
    return 0


def run_synth(args: argparse.Namespace) -> int:
    from .._io import check_output_file
    from ..weather import (
        DEFAULT_CLIMATOLOGY,
        load_climatology,
        synthetic_weather,
        write_weather_csv,
    )

    check_output_file(args.out, inputs=[args.climatology])
    clim = load_climatology(args.climatology or DEFAULT_CLIMATOLOGY)
    data = synthetic_weather(
        args.lat,
        args.lon,
        args.altitude,
        args.year,
        "Europe/Paris",
        seed=args.weather_seed,
        climatology=clim,
    )
    meta = {
        "latitude": args.lat,
        "longitude": args.lon,
        "altitude": args.altitude,
        "source": f"greenkommon synthetic year (seed {args.weather_seed}, climatology {clim.name})",
    }
    write_weather_csv(data, meta, Path(args.out))
    print(f"saved {len(data)} hours to {args.out}", file=sys.stderr)
    return 0
