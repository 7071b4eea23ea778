"""``greenkommon production``: annual and monthly energy of a scenario's PV plant."""

from __future__ import annotations

import argparse
import calendar
import json
import sys
from dataclasses import replace
from pathlib import Path

from ._options import add_deprecated


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "production",
        help="simulate the scenario's rooftop PV plant and print annual and monthly energy",
        description=(
            "Simulate the PV plant of a scenario with pvlib (per roof section: Perez transposition, "
            "SAPM cell temperature, PVWatts DC, loss breakdown and inverter clipping) and print the "
            "energy injected into the network: annual total [kWh], specific yield [kWh/kWp] and a "
            "monthly table. The weather is the scenario's [weather] (default: the offline synthetic "
            "year) unless --weather-file gives a file (PVGIS TMY/hourly, EPW, TMY3, RT2012, CSV)."
        ),
    )
    p.add_argument("scenario", help="scenario TOML file, e.g. scenarios/greenkommon.toml")
    p.add_argument(
        "--weather-file", metavar="FILE", help="weather file replacing the scenario's [weather]"
    )
    add_deprecated(p, "--weather", "--weather-file", "weather_file", metavar="FILE")
    p.add_argument(
        "--weather-seed",
        type=int,
        metavar="N",
        help="seed of the synthetic weather year (overrides the scenario)",
    )
    add_deprecated(p, "--seed", "--weather-seed", "weather_seed", type=int, metavar="N")
    p.add_argument(
        "--json",
        action="store_true",
        help='print {"annual_energy_kwh", "specific_yield_kwh_per_kwp", "monthly_energy_kwh": [12]}',
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import DataError
    from ..production import (
        loss_breakdown,
        production_summary,
        simulate_production,
        simulate_sections,
    )
    from ..scenario import load_scenario
    from ..timegrid import make_index
    from ..weather import load_weather

    scenario = load_scenario(args.scenario)
    wcfg = scenario.weather
    if args.weather_file:
        path = Path(args.weather_file)
        if not path.is_file():
            raise DataError(f"{path}: weather file not found")
        wcfg = replace(wcfg, source="file", file=path, format="auto")
    if args.weather_seed is not None:
        wcfg = replace(wcfg, seed=args.weather_seed)
    sim, plant = scenario.simulation, scenario.plant
    weather, meta = load_weather(
        wcfg, plant.latitude_deg, plant.longitude_deg, plant.altitude_m, sim.year, sim.timezone
    )
    index = make_index(sim.year, sim.step, sim.timezone)
    production = simulate_production(weather, plant, index)
    summary = production_summary(production, plant.peak_power_kwp)
    if args.json:
        print(json.dumps(summary))
        return 0
    out = sys.stdout
    print(f"{scenario.name}: {plant.name}", file=out)
    print(
        f"plant {plant.peak_power_kwp:,.1f} kWp in {len(plant.sections)} section(s); "
        f"weather: {meta.get('source')}; year {sim.year}, step {sim.step}",
        file=out,
    )
    print(f"annual energy     {summary['annual_energy_kwh']:>12,.0f} kWh", file=out)
    print(f"specific yield    {summary['specific_yield_kwh_per_kwp']:>12,.1f} kWh/kWp", file=out)
    sections = simulate_sections(weather, plant, index)
    gross = float(sections.to_numpy().sum())
    if gross > summary["annual_energy_kwh"] + 1e-6:
        print(
            f"gross AC energy   {gross:>12,.0f} kWh (host consumes {gross - summary['annual_energy_kwh']:,.0f} kWh behind its meter)",
            file=out,
        )
    print("", file=out)
    print(
        f"{'section':<12}{'kWp':>8}{'tilt':>6}{'azim':>6}{'losses %':>10}{'DC/AC':>7}{'kWh':>12}{'kWh/kWp':>9}",
        file=out,
    )
    for sec, col in zip(plant.sections, sections.columns, strict=True):
        e = float(sections[col].sum())
        print(
            f"{sec.name[:12]:<12}{sec.peak_power_kwp:>8,.1f}{sec.tilt_deg:>6.0f}{sec.azimuth_deg:>6.0f}"
            f"{loss_breakdown(sec)['total']:>10.2f}{sec.dc_ac_ratio:>7.2f}{e:>12,.0f}{e / sec.peak_power_kwp:>9.1f}",
            file=out,
        )
    print("", file=out)
    print(f"{'month':<6}{'energy kWh':>14}{'kWh/kWp':>10}", file=out)
    for m, e in enumerate(summary["monthly_energy_kwh"], start=1):
        print(f"{calendar.month_abbr[m]:<6}{e:>14,.0f}{e / plant.peak_power_kwp:>10.1f}", file=out)
    return 0
