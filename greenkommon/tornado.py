"""Tornado: the collective NPV and the producer's minimum DSCR against each driver.

Every bar re-evaluates the scenario through the one evaluation path
(:func:`greenkommon.evaluate.evaluate` on the scenario's :class:`~greenkommon.results.EnergyResult`):
a driver changes the scenario (CAPEX, internal price, escalation, discount rate, surplus option,
accise case) or the energy (consumption, yield), never a second model. Figures are those of the
headline case (``[finance] headline_case``); the DSCR is the minimum over the loan at P50.

Drivers and their ranges (low / high):

=====================  ==========================================================================
CAPEX                  −20 % / +20 % of the producer's CAPEX, the loan in proportion (same gearing)
internal price         −0.02 / +0.02 €/kWh (every operation's)
grid-price escalation  headline rate −2 / +2 points per year
consumption            −10 % / +10 % of every venue's consumption
yield                  P90 / P10 one-year production (greenkommon/data/finance_fr.toml)
discount rate          −2 / +2 points
surplus option         the worst / best of no sale, market sale, simplified tender (AOS)
accise case            the two readings of the 0 €/MWh accise on self-consumed kWh
                       (:mod:`greenkommon.cases`): does not apply / applies
=====================  ==========================================================================
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import ScenarioError

#: Half-ranges of the drivers (see the module docstring).
CAPEX_SPAN = 0.20
INTERNAL_PRICE_SPAN_EUR_PER_KWH = 0.02
ESCALATION_SPAN = 0.02
CONSUMPTION_SPAN = 0.10
DISCOUNT_SPAN = 0.02
SURPLUS_OPTIONS = ("lost", "market", "aos")


@dataclass(frozen=True)
class TornadoBar:
    """One driver: the figures at its low and high settings.

    Attributes
    ----------
    driver : str
    low_setting, high_setting : str
        What was evaluated (``"CAPEX 320,000 €"``...).
    collective_npv_low_eur, collective_npv_high_eur : float [€]
    min_dscr_low, min_dscr_high : float [-] (NaN without a loan)
    """

    driver: str
    low_setting: str
    high_setting: str
    collective_npv_low_eur: float
    collective_npv_high_eur: float
    min_dscr_low: float
    min_dscr_high: float

    @property
    def npv_swing_eur(self) -> float:
        return abs(self.collective_npv_high_eur - self.collective_npv_low_eur)


@dataclass(frozen=True)
class TornadoResult:
    """Bars sorted by NPV swing, largest first, around the base figures.

    Attributes
    ----------
    case : str
        Headline case.
    base_collective_npv_eur : float [€]
    base_min_dscr : float [-]
    bars : tuple of TornadoBar
    """

    case: str
    base_collective_npv_eur: float
    base_min_dscr: float
    bars: tuple[TornadoBar, ...]

    def table(self) -> pd.DataFrame:
        """One row per driver: settings, NPVs [€], minimum DSCRs [-], NPV swing [€]."""
        rows = [
            {
                "driver": b.driver,
                "low_setting": b.low_setting,
                "high_setting": b.high_setting,
                "collective_npv_low_eur": b.collective_npv_low_eur,
                "collective_npv_high_eur": b.collective_npv_high_eur,
                "npv_swing_eur": b.npv_swing_eur,
                "min_dscr_low": b.min_dscr_low,
                "min_dscr_high": b.min_dscr_high,
            }
            for b in self.bars
        ]
        return pd.DataFrame(rows).set_index("driver")


def headline_figures(result: Any) -> tuple[float, float]:
    """Collective NPV (Σ over operations) and minimum P50 DSCR (min over operations) of the
    headline case of an evaluated portfolio."""
    npv, dscr = 0.0, float("nan")
    for op in result.operations:
        fin = op.finance
        if fin is None:
            raise ScenarioError(f"operation {op.name!r}: no finance projection to compare")
        npv += float(fin.headline.collective.table().loc["collective", "npv_eur"])
        if fin.bank is not None and np.isfinite(fin.bank.p50.min_dscr):
            dscr = float(np.nanmin([dscr, fin.bank.p50.min_dscr]))
    return npv, dscr


def run_tornado(scenario: Any, energy: Any = None) -> TornadoResult:
    """Evaluate the base and each driver's low and high settings (see the module docstring).

    Parameters
    ----------
    scenario : Scenario
    energy : EnergyResult, optional
        :func:`greenkommon.simulate_energy` of ``scenario`` (computed when not given).
    """
    from .economics.finance import case_name, headline_case_name
    from .economics.finance.bank import p90_factor
    from .energy import simulate_energy
    from .evaluate import evaluate

    if energy is None:
        energy = simulate_energy(scenario)
    base = evaluate(scenario, energy)
    base_npv, base_dscr = headline_figures(base)
    fin0 = base.operations[0].finance
    if fin0 is None:
        raise ScenarioError(f"operation {base.operations[0].name!r}: no finance projection")
    case = fin0.reference_case
    replace = dataclasses.replace
    fcfg, pcfg = scenario.finance, scenario.prices

    def figures(sc: Any = scenario, en: Any = energy) -> tuple[float, float]:
        return headline_figures(evaluate(sc, en))

    bars: list[TornadoBar] = []

    def bar(driver: str, low: tuple[str, Any, Any], high: tuple[str, Any, Any]) -> None:
        lo, hi = figures(low[1], low[2]), figures(high[1], high[2])
        bars.append(TornadoBar(driver, low[0], high[0], lo[0], hi[0], lo[1], hi[1]))

    capex = fin0.producer_inputs.capex_eur
    kwp = scenario.plant.peak_power_kwp
    per_kwp = capex / kwp

    def with_finance(**kw: Any) -> Any:
        return replace(scenario, finance=replace(fcfg, **kw))

    def with_prices(**kw: Any) -> Any:
        return replace(scenario, prices=replace(pcfg, **kw))

    lo_c, hi_c = 1 - CAPEX_SPAN, 1 + CAPEX_SPAN
    loan = fcfg.loan_amount_eur

    def capex_case(k: float) -> tuple[str, Any, Any]:
        sc = with_finance(capex_eur_per_kwp=per_kwp * k, loan_amount_eur=loan * k)
        return f"{capex * k:,.0f} € (loan {loan * k:,.0f} €)", sc, energy

    bar("CAPEX", capex_case(lo_c), capex_case(hi_c))
    ip = pcfg.internal_price_eur_per_kwh
    d = INTERNAL_PRICE_SPAN_EUR_PER_KWH
    ops_lo = tuple(
        replace(o, internal_price_eur_per_kwh=o.internal_price_eur_per_kwh - d)
        if o.internal_price_eur_per_kwh is not None
        else o
        for o in scenario.operations
    )
    ops_hi = tuple(
        replace(o, internal_price_eur_per_kwh=o.internal_price_eur_per_kwh + d)
        if o.internal_price_eur_per_kwh is not None
        else o
        for o in scenario.operations
    )
    bar(
        "internal price",
        (
            f"{max(ip - d, 0):.3f} €/kWh",
            replace(with_prices(internal_price_eur_per_kwh=max(ip - d, 0.0)), operations=ops_lo),
            energy,
        ),
        (
            f"{ip + d:.3f} €/kWh",
            replace(with_prices(internal_price_eur_per_kwh=ip + d), operations=ops_hi),
            energy,
        ),
    )
    head = headline_case_name(fcfg)
    rate = float(fin0.headline.index[1] - 1.0) if fin0.headline.index.size > 1 else 0.0
    if head == "user path":
        rate = 0.0
    lo_r, hi_r = rate - ESCALATION_SPAN, rate + ESCALATION_SPAN

    def escalation(r: float) -> Any:
        return with_finance(
            escalation_rates_per_year=(r,),
            escalation_path_per_year=None,
            headline_case=case_name(r),
            reference_escalation_per_year=None,
        )

    bar(
        "grid-price escalation",
        (f"{100 * lo_r:+g} %/yr", escalation(lo_r), energy),
        (f"{100 * hi_r:+g} %/yr", escalation(hi_r), energy),
    )
    k = CONSUMPTION_SPAN
    bar(
        "consumption",
        (
            f"{100 * (1 - k):g} %",
            scenario,
            replace(energy, consumption_kwh=energy.consumption_kwh * (1 - k)),
        ),
        (
            f"{100 * (1 + k):g} %",
            scenario,
            replace(energy, consumption_kwh=energy.consumption_kwh * (1 + k)),
        ),
    )
    y = p90_factor("one_year")
    p10 = 2.0 - y.factor  # the normal model is symmetric: P10 = P50 × (1 + z σ)
    bar(
        "yield",
        (
            f"P90 one-year (× {y.factor:.3f})",
            scenario,
            replace(energy, production_kwh=energy.production_kwh * y.factor),
        ),
        (
            f"P10 one-year (× {p10:.3f})",
            scenario,
            replace(energy, production_kwh=energy.production_kwh * p10),
        ),
    )
    dr = fcfg.discount_rate
    bar(
        "discount rate",
        (
            f"{100 * (dr + DISCOUNT_SPAN):g} %",
            with_finance(discount_rate=dr + DISCOUNT_SPAN),
            energy,
        ),
        (
            f"{100 * (dr - DISCOUNT_SPAN):g} %",
            with_finance(discount_rate=dr - DISCOUNT_SPAN),
            energy,
        ),
    )
    options = {o: figures(with_prices(surplus_sale=o)) for o in SURPLUS_OPTIONS}
    worst = min(options, key=lambda o: options[o][0])
    best = max(options, key=lambda o: options[o][0])
    names = {"lost": "no sale", "market": "market sale", "aos": "simplified tender"}
    bars.append(
        TornadoBar(
            "surplus option",
            names[worst],
            names[best],
            options[worst][0],
            options[best][0],
            options[worst][1],
            options[best][1],
        )
    )
    from .cases import ACCISE_APPLIES, ACCISE_DOES_NOT_APPLY, with_accise_case

    accise = {
        c: figures(replace(scenario, prices=with_accise_case(pcfg, c)))
        for c in (ACCISE_DOES_NOT_APPLY, ACCISE_APPLIES)
    }
    lo_case, hi_case = sorted(accise, key=lambda c: accise[c][0])
    bars.append(
        TornadoBar(
            "accise case",
            lo_case.label_en,
            hi_case.label_en,
            accise[lo_case][0],
            accise[hi_case][0],
            accise[lo_case][1],
            accise[hi_case][1],
        )
    )
    bars.sort(key=lambda b: -b.npv_swing_eur)
    return TornadoResult(
        case=case, base_collective_npv_eur=base_npv, base_min_dscr=base_dscr, bars=tuple(bars)
    )


def format_tornado(t: TornadoResult) -> str:
    """The tornado as a text table."""
    lines = [
        f"Tornado, case {t.case!r}: collective NPV {t.base_collective_npv_eur:,.0f} €, "
        f"minimum DSCR {t.base_min_dscr:.2f} (P50) at the base",
        f"{'driver':<22} {'low':<26} {'high':<38} {'NPV low [€]':>12} {'NPV high [€]':>13} "
        f"{'DSCR low':>9} {'DSCR high':>10}",
    ]
    for b in t.bars:
        lines.append(
            f"{b.driver:<22} {b.low_setting:<26} {b.high_setting:<38} "
            f"{b.collective_npv_low_eur:>12,.0f} {b.collective_npv_high_eur:>13,.0f} "
            f"{b.min_dscr_low:>9.2f} {b.min_dscr_high:>10.2f}"
        )
    return "\n".join(lines)


def plot_tornado(t: TornadoResult) -> Any:
    """Two panels (collective NPV, minimum DSCR): one horizontal bar per driver from its low to
    its high figure, around the base line. Returns a matplotlib Figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = list(reversed(t.bars))  # largest swing on top
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 0.5 * len(bars) + 1.5), sharey=True)
    ys = np.arange(len(bars))
    for ax, lo_attr, hi_attr, base, unit in (
        (ax1, "collective_npv_low_eur", "collective_npv_high_eur", t.base_collective_npv_eur, "€"),
        (ax2, "min_dscr_low", "min_dscr_high", t.base_min_dscr, "-"),
    ):
        for yv, b in zip(ys, bars, strict=True):
            lo, hi = getattr(b, lo_attr), getattr(b, hi_attr)
            if not (np.isfinite(lo) and np.isfinite(hi)):
                continue
            ax.barh(yv, hi - base, left=base, color="#2e7d32", height=0.6)
            ax.barh(yv, lo - base, left=base, color="#c62828", height=0.6)
        if np.isfinite(base):
            ax.axvline(base, color="black", linewidth=1)
        ax.set_xlabel(
            f"collective NPV [{unit}]" if unit == "€" else "producer's minimum DSCR (P50) [-]"
        )
    ax1.set_yticks(ys, [b.driver for b in bars])
    ax1.set_title("red: low setting, green: high setting", fontsize=9)
    fig.tight_layout()
    return fig


__all__ = [
    "TornadoBar",
    "TornadoResult",
    "format_tornado",
    "headline_figures",
    "plot_tornado",
    "run_tornado",
]
