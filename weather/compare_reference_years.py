"""Print the comparison tables of weather/README.md (synthetic years vs reference years).

Usage (from the repository root; needs the reference years in ../shared/data/weather/)::

    python weather/compare_reference_years.py [SHARED_WEATHER_DIR]

Nothing here is used by the package: it only regenerates the numbers quoted in the README.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from greenkommon.production import PlantConfig, RoofSection, production_per_kwp  # noqa: E402
from greenkommon.timegrid import make_index  # noqa: E402
from greenkommon.weather import (  # noqa: E402
    DEFAULT_CLIMATOLOGY,
    _sky_geometry,
    load_climatology,
    read_epw_file,
    read_rt2012,
    roll_to_year,
    synthetic_weather,
)

LAT, LON, ALT, YEAR = 48.8967, 2.3776, 35.0, 2026
SEEDS = range(1, 21)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def main(shared: Path) -> None:
    clim = load_climatology(DEFAULT_CLIMATOLOGY)
    rt, rt_meta = read_rt2012(shared / "RT2012_H1a_Trappes.txt")
    rt = roll_to_year(rt, YEAR)
    iw, _ = read_epw_file(shared / "FRA_Paris.Orly.071490_IWEC.epw")
    iw = roll_to_year(iw, YEAR)
    syn = {s: synthetic_weather(LAT, LON, ALT, YEAR, seed=s) for s in SEEDS}
    geo = _sky_geometry(LAT, LON, ALT, YEAR, "Europe/Paris")
    index = make_index(YEAR, "30min")

    def monthly_ghi(w: pd.DataFrame) -> np.ndarray:
        return (w["ghi"].groupby(w.index.month).sum() / 1000).to_numpy()

    print(f"RT2012 time base detected: {rt_meta['time_reference']}\n")
    print("### Monthly global horizontal irradiation [kWh/m²]\n")
    print(
        "| month | climatology (H1a table) | synthetic seed 1 | RT2012 H1a (standard time) | IWEC Orly |"
    )
    print("|---|---|---|---|---|")
    cols = [np.asarray(clim.ghi_kwh_per_m2), monthly_ghi(syn[1]), monthly_ghi(rt), monthly_ghi(iw)]
    for m in range(12):
        print(f"| {MONTHS[m]} | " + " | ".join(f"{c[m]:.1f}" for c in cols) + " |")
    print("| year | " + " | ".join(f"{c.sum():.1f}" for c in cols) + " |\n")

    geometries = {
        "flat": [(0, 180)],
        "south 15°": [(15, 180)],
        "south 38°": [(38, 180)],
        "east 10°": [(10, 90)],
        "west 10°": [(10, 270)],
        "east-west 10° (bundled plant)": [(10, 90), (10, 270)],
    }

    def yield_of(w: pd.DataFrame, geom: list[tuple[int, int]]) -> pd.Series:
        parts = []
        for tilt, az in geom:
            sec = RoofSection("s", 1.0, float(tilt), float(az))
            plant = PlantConfig("p", LAT, LON, (sec,), ALT)
            parts.append(production_per_kwp(w, plant, index, sec))
        return sum(parts) / len(parts)

    print(
        "### Specific yield [kWh/kWp], PVWatts defaults (14.08 % losses, DC/AC 1.2, SAPM open rack, Perez)\n"
    )
    print(
        "| plant | synthetic seed 1 | synthetic 20 seeds mean ± sd | RT2012 H1a | IWEC Orly | seed 1 vs RT2012 |"
    )
    print("|---|---|---|---|---|---|")
    monthly_rows = {}
    for name, geom in geometries.items():
        ys = [yield_of(syn[s], geom) for s in SEEDS]
        totals = np.array([y.sum() for y in ys])
        ref = yield_of(rt, geom)
        iwy = yield_of(iw, geom).sum()
        print(
            f"| {name} | {totals[0]:.0f} | {totals.mean():.0f} ± {totals.std():.0f} | {ref.sum():.0f} | {iwy:.0f} | "
            f"{100 * (totals[0] / ref.sum() - 1):+.1f} % |"
        )
        if name in ("south 38°", "east-west 10° (bundled plant)"):
            s1 = ys[0].groupby(ys[0].index.month).sum().to_numpy()
            r = ref.groupby(ref.index.month).sum().to_numpy()
            monthly_rows[name] = 100 * (s1 / r - 1)
    print("\n### Monthly yield, synthetic seed 1 vs RT2012 H1a [%]\n")
    print("| plant | " + " | ".join(MONTHS) + " |")
    print("|---|" + "---|" * 12)
    for name, row in monthly_rows.items():
        print(f"| {name} | " + " | ".join(f"{v:+.1f}" for v in row) + " |")

    def kt_std(w: pd.DataFrame) -> pd.Series:
        f = (
            pd.DataFrame({"g": w["ghi"].to_numpy(), "e": geo["e0h"].to_numpy()}, index=w.index)
            .resample("D")
            .sum()
        )
        kt = f["g"] / f["e"]
        return kt.groupby(kt.index.month).std()

    print(
        "\n### Day-to-day variability: standard deviation of the daily clearness index per month [-]\n"
    )
    many = pd.concat([kt_std(syn[s]) for s in SEEDS], axis=1).mean(axis=1)
    cols = [kt_std(syn[1]), many, kt_std(rt), kt_std(iw)]
    print("| month | synthetic seed 1 | synthetic 20-seed mean | RT2012 H1a | IWEC Orly |")
    print("|---|---|---|---|---|")
    for m in range(1, 13):
        print(f"| {MONTHS[m - 1]} | " + " | ".join(f"{c[m]:.3f}" for c in cols) + " |")
    print("| mean | " + " | ".join(f"{c.mean():.3f}" for c in cols) + " |")


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "weather"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
