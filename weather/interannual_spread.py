"""Print the year-to-year spreads quoted in weather/README.md, "Sampled years".

Usage (from the repository root)::

    python weather/interannual_spread.py [N_SEEDS]

For N seeds (default 200) it prints the spread of the annual and monthly GHI sums of

1. typical years (``synthetic_weather(seed)``: monthly sums fixed to the climatology);
2. the Markov daily-clearness process alone, i.e. the monthly sums the generator reaches
   *before* its last step rescales each month to its target;
3. sampled years (``synthetic_weather(seed, interannual=True)``).

Nothing here is used by the package: it only regenerates the numbers of the README.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import greenkommon.weather as wx  # noqa: E402

LAT, LON, ALT = 48.8967, 2.3776, 35.0


def main(n: int = 200) -> None:
    clim = wx.load_climatology(wx.DEFAULT_CLIMATOLOGY)
    h = np.asarray(clim.ghi_kwh_per_m2)
    recorded: list[float] = []
    original = wx._scale_to_target

    def spy(values, cap, target):
        # the monthly rescaling is the only call on more than a day of hours
        if len(values) > 24 * 27:
            recorded.append(float(values.sum()) / 1000.0)
        return original(values, cap, target)

    rows = {"typical": [], "markov": [], "sampled": []}
    wx._scale_to_target = spy
    try:
        for seed in range(1, n + 1):
            recorded.clear()
            y = wx.synthetic_weather(LAT, LON, ALT, 2026, seed=seed, climatology=clim)
            rows["typical"].append(y["ghi"].groupby(y.index.month).sum().to_numpy() / 1000.0)
            rows["markov"].append(list(recorded))
    finally:
        wx._scale_to_target = original
    for seed in range(1, n + 1):
        y = wx.synthetic_weather(LAT, LON, ALT, 2026, seed=seed, climatology=clim, interannual=True)
        rows["sampled"].append(y["ghi"].groupby(y.index.month).sum().to_numpy() / 1000.0)
    print(
        f"{n} seeds; climatology {clim.name}, annual {h.sum():.1f} kWh/m2, "
        f"configured annual sd {clim.annual_sd_pct():.2f} %, monthly sd "
        f"{100 * clim.monthly_sd_fraction()[0]:.2f} %"
    )
    for name, sums in rows.items():
        sums = np.asarray(sums)
        annual = sums.sum(axis=1)
        cv = 100 * sums.std(axis=0, ddof=1) / sums.mean(axis=0)
        print(
            f"{name:8s} annual mean {annual.mean():7.1f} kWh/m2 ({100 * (annual.mean() / h.sum() - 1):+.2f} %), "
            f"sd {100 * annual.std(ddof=1) / annual.mean():.2f} %; monthly sd [%] "
            + " ".join(f"{v:.1f}" for v in cv)
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
