"""Evaluating one operation of a plan: key, allocation, bills and finance for given sizes.

The expensive, key-independent part (weather, production, loads) is simulated once per plan:
production scales linearly with peak power for a given roof layout, so each roof contributes a
production *per kWp* profile and a plant of ``x`` kWp produces ``x`` times it (pvlib is never
re-run per variant). Each variant is then the cheap part: a key (the default key, the optimised
static key, or the optimised dynamic key with ``vs_prorata`` fairness), the allocation, the bills
and the finance projection, through :func:`_evaluate_economics`, the one adapter to the economics
stage.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import allocation

#: Keys the plan tries for every operation, in the order shown.
KEYS = ("default", "static", "dynamic")

KEY_LABELS = {
    "default": "Enedis default (pro-rata)",
    "static": "optimised static",
    "dynamic": "optimised dynamic (vs_prorata)",
}


@dataclass(frozen=True)
class Energy:
    """The key-independent energy of a plan.

    Attributes
    ----------
    index : pandas.DatetimeIndex
        Simulation grid (T,).
    consumption_kwh : numpy.ndarray
        (N, T) gross consumption of every venue [kWh].
    unit_production_kwh_per_kwp : numpy.ndarray
        (R, T) production of 1 kWp on each candidate roof [kWh/kWp].
    layouts : tuple of PlantConfig
        The plant each roof's profile was simulated with (at the roof's location).
    """

    index: pd.DatetimeIndex
    consumption_kwh: np.ndarray
    unit_production_kwh_per_kwp: np.ndarray
    layouts: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """One operation evaluated at one internal price (fixed key and sizes).

    Attributes
    ----------
    internal_price_eur_per_kwh : float
    savings_eur_per_year : numpy.ndarray
        (S,) each member's year-1 savings against no operation [€/yr].
    venue_npv_eur : numpy.ndarray
        (C, S) each member's NPV in each finance case [€].
    producer_npv_eur : numpy.ndarray
        (C,) the producer's NPV in each case (collective view: its equity flow with the venues'
        stakes), at the discount (or target) rate [€].
    producer_cash_flows_eur : numpy.ndarray
        (C, L + 1) the producer's cash flows, year 0 first [€].
    collective_npv_eur : numpy.ndarray
        (C,) venues and producer together, at the discount rate [€].
    cases : tuple of str
        Finance cases (escalation), the reference case first.
    """

    internal_price_eur_per_kwh: float
    savings_eur_per_year: np.ndarray
    venue_npv_eur: np.ndarray
    producer_npv_eur: np.ndarray
    producer_cash_flows_eur: np.ndarray
    collective_npv_eur: np.ndarray
    cases: tuple[str, ...]


def sub_scenario(
    scenario: Any,
    members: Sequence[int],
    kwp: float,
    latitude_deg: float | None = None,
    longitude_deg: float | None = None,
    name: str | None = None,
    internal_price_eur_per_kwh: float | None = None,
    capex_eur_per_kwp: float | None = None,
    prices: Any = None,
    layout: Any = None,
) -> Any:
    """The scenario restricted to ``members`` with a plant of ``kwp`` [kWp].

    The plant is ``layout`` (default: the scenario's plant) with its sections scaled to ``kwp``;
    the producer's loan and the members' equity [€] scale with the investment (the same shares
    of the CAPEX as in the scenario); equity of non-members is dropped. The result is a scenario
    of one operation.
    """
    from ..economics.finance import producer_inputs

    base_kwp = scenario.plant.peak_power_kwp
    layout = scenario.plant if layout is None else layout
    factor = kwp / layout.peak_power_kwp
    sections = tuple(
        dataclasses.replace(s, peak_power_kwp=s.peak_power_kwp * factor) for s in layout.sections
    )
    plant = dataclasses.replace(
        layout,
        sections=sections,
        name=name or layout.name,
        latitude_deg=layout.latitude_deg if latitude_deg is None else latitude_deg,
        longitude_deg=layout.longitude_deg if longitude_deg is None else longitude_deg,
    )
    venues = tuple(scenario.venues[i] for i in members)
    names = {v.name for v in venues}
    fin = scenario.finance
    new = dataclasses.replace(
        fin,
        capex_eur_per_kwp=fin.capex_eur_per_kwp if capex_eur_per_kwp is None else capex_eur_per_kwp,
    )
    share = (
        producer_inputs(new, scenario.prices, kwp).capex_eur
        / producer_inputs(fin, scenario.prices, base_kwp).capex_eur
    )
    fin = dataclasses.replace(
        new,
        loan_amount_eur=fin.loan_amount_eur * share,
        equity_eur={k: v * share for k, v in fin.equity_eur.items() if k in names},
    )
    prices = scenario.prices if prices is None else prices
    if internal_price_eur_per_kwh is not None:
        prices = dataclasses.replace(prices, internal_price_eur_per_kwh=internal_price_eur_per_kwh)
    return dataclasses.replace(
        scenario,
        venues=venues,
        plant=plant,
        finance=fin,
        prices=prices,
        plants=(plant,),
        operations=(),
    )


def accise_alternative(prices: Any) -> tuple[str, Any]:
    """The other reading of the accise case on AUTOCONS kWh: its name and the prices under it.

    Names: ``'accise exemption applied'`` / ``'accise exemption not applied'`` (the report
    translates them).
    """
    from ..cases import accise_cases, with_accise_case

    _, other = accise_cases(prices)
    applied = other.reading != "does_not_apply"
    name = "accise exemption applied" if applied else "accise exemption not applied"
    if other.until is not None:
        name += f" until {other.until}"
    return name, with_accise_case(prices, other)


def operation_key(
    key: str,
    scenario: Any,
    production_kwh: np.ndarray,
    consumption_kwh: np.ndarray,
    index: pd.DatetimeIndex,
) -> tuple[Any, np.ndarray | None, str]:
    """The allocation key of an operation and its coefficients (for a written scenario).

    Returns
    -------
    key : allocation key
    coefficients : numpy.ndarray or None
        (S,) rounded static coefficients, (S, T) rounded dynamic ones, ``None`` for the default.
    advice : str
        The optimiser's answer (``''`` for the default key).
    """
    if key == "default":
        return allocation.ProrataKey(), None, ""
    from ..optimise import key_from_coefficients, optimise_scenario

    cfg = dataclasses.replace(
        scenario.optimise,
        model="static" if key == "static" else "dynamic",
        fairness=() if key == "static" else ("vs_prorata",),
        bounds=(),
        equity_shares=(),
        size_plant=False,
    )
    names = [v.name for v in scenario.venues]
    cons = pd.DataFrame(consumption_kwh.T, index=index, columns=names)
    result, report = optimise_scenario(
        scenario, pd.Series(production_kwh, index=index), cons, config=cfg
    )
    k = np.asarray(result.coefficients, dtype=float)
    built = key_from_coefficients(k)
    return built, k, str(report["advice"]["sentence"])


def _evaluate_economics(
    scenario: Any,
    consumption: pd.DataFrame,
    allocated: pd.DataFrame,
    surplus: pd.Series,
    irr_target: float | None,
) -> Evaluation:
    """Bills and finance of one operation: the one adapter to the economics stage.

    NPVs come from the finance stage's collective view of each case (venues with their stake and
    remuneration, the producer with its equity flow, their total): the collective's NPV does not
    depend on the internal price except through the VAT a venue cannot recover on it.
    """
    from .. import economics
    from ..economics.finance import npv, project_finance

    kwp = scenario.plant.peak_power_kwp
    bills = economics.compute_bills(
        consumption,
        allocated,
        surplus,
        [v.contract for v in scenario.venues],
        scenario.prices,
        kwp,
    )
    fin = project_finance(
        bills, float(surplus.sum()), scenario.finance, scenario.prices, kwp, with_bank=False
    )
    rate = fin.discount_rate
    target = rate if irr_target is None else irr_target
    names = list(consumption.columns)
    order = [fin.reference_case] + [c for c in fin.cases if c != fin.reference_case]
    views = [fin.cases[c].collective for c in order]
    for view in views:
        if list(view.venue_names) != names:  # pragma: no cover - one bill table, one order
            raise RuntimeError("finance: the collective view lists the venues in another order")
    return Evaluation(
        internal_price_eur_per_kwh=float(scenario.prices.internal_price_eur_per_kwh),
        savings_eur_per_year=bills.loc[names, "savings_eur"].to_numpy(dtype=float),
        venue_npv_eur=np.array([[npv(rate, cf) for cf in v.venue_cash_flow_eur] for v in views]),
        producer_npv_eur=np.array([npv(target, v.producer_cash_flow_eur) for v in views]),
        producer_cash_flows_eur=np.array([v.producer_cash_flow_eur for v in views]),
        collective_npv_eur=np.array([npv(rate, v.collective_cash_flow_eur) for v in views]),
        cases=tuple(order),
    )


def evaluate_allocation(
    scenario: Any,
    consumption_kwh: np.ndarray,
    alloc: Any,
    index: pd.DatetimeIndex,
    irr_target: float | None = None,
) -> Evaluation:
    """Economics of an allocation (see :func:`_evaluate_economics`)."""
    names = [v.name for v in scenario.venues]
    return _evaluate_economics(
        scenario,
        pd.DataFrame(consumption_kwh.T, index=index, columns=names),
        pd.DataFrame(np.asarray(alloc.allocated_kwh).T, index=index, columns=names),
        pd.Series(np.asarray(alloc.surplus_kwh), index=index, name="surplus_kwh"),
        irr_target,
    )


def annual_cost_eur_per_kwp(scenario: Any, capex_eur_per_kwp: float | None) -> float:
    """Yearly cost of one kWp for the size screening [€/kWp/yr] (the optimiser's sizing cost)."""
    from ..optimise import plant_cost_eur_per_kwp_year

    fin = scenario.finance
    if capex_eur_per_kwp is not None:
        fin = dataclasses.replace(fin, capex_eur_per_kwp=capex_eur_per_kwp)
    cfg = dataclasses.replace(scenario.optimise, capex_eur_per_kwp=None)
    cost, _ = plant_cost_eur_per_kwp_year(dataclasses.replace(scenario, finance=fin), cfg, fin)
    return cost


def screening_value(
    sizes_kwp: np.ndarray,
    unit_kwh_per_kwp: np.ndarray,
    consumption_kwh: np.ndarray,
    value_eur_per_kwh: np.ndarray,
    surplus_eur_per_kwh: float,
    cost_eur_per_kwp_year: np.ndarray,
) -> np.ndarray:
    """Yearly collective value of the default key for many size vectors at once [€/yr].

    ``Σ_it (p_it − s) A_it + s Σ_t P_t − Σ_r c_r x_r`` with ``P = Σ_r x_r u_r`` and the pro-rata
    allocation ``A_it = C_it min(1, P_t / Σ_k C_kt)`` (D315-6): the optimiser's collective value
    plus the surplus revenue, less the annualised plant cost.

    Parameters
    ----------
    sizes_kwp : numpy.ndarray
        (K, R) sizes to try [kWp].
    unit_kwh_per_kwp : numpy.ndarray
        (R, T).
    consumption_kwh : numpy.ndarray
        (S, T).
    value_eur_per_kwh : numpy.ndarray
        (S, T) value of an allocated kWh for the collective before the surplus value [€/kWh].
    surplus_eur_per_kwh : float
    cost_eur_per_kwp_year : numpy.ndarray
        (R,) [€/kWp/yr].
    """
    prod = sizes_kwp @ unit_kwh_per_kwp  # (K, T)
    total = consumption_kwh.sum(axis=0)
    ratio = np.minimum(1.0, np.divide(prod, total, out=np.ones_like(prod), where=total > 0))
    # Σ_i (p_it − s) C_it per interval, times the share served
    per_t = ((value_eur_per_kwh - surplus_eur_per_kwh) * consumption_kwh).sum(axis=0)
    return (
        ratio @ per_t + surplus_eur_per_kwh * prod.sum(axis=1) - sizes_kwp @ cost_eur_per_kwp_year
    )


def best_sizes(
    max_kwp: np.ndarray,
    unit_kwh_per_kwp: np.ndarray,
    consumption_kwh: np.ndarray,
    value_eur_per_kwh: np.ndarray,
    surplus_eur_per_kwh: float,
    cost_eur_per_kwp_year: np.ndarray,
    cap_kwp: float,
    grid: int = 8,
    rounds: int = 4,
) -> np.ndarray:
    """Sizes of an operation's plants: a grid of each roof's maximum, refined around the best.

    Each round evaluates every combination of ``grid + 1`` sizes per roof (vectorised, one matrix
    product), then shrinks the grid around the best point by a factor ``grid / 2``; sizes stay in
    ``[0, max]`` and their sum below the power cap. Exact on the grid; the refinement brings the
    size to within ``max / grid^rounds`` of a local optimum of the screening value.
    """
    r = len(max_kwp)
    lo = np.zeros(r)
    hi = np.asarray(max_kwp, dtype=float).copy()
    best = hi.copy()
    for _ in range(rounds):
        axes = [np.linspace(lo[j], hi[j], grid + 1) for j in range(r)]
        sizes = np.array(list(np.broadcast(*np.meshgrid(*axes, indexing="ij")))).reshape(-1, r)
        sizes = sizes[sizes.sum(axis=1) < cap_kwp] if np.isfinite(cap_kwp) else sizes
        if len(sizes) == 0:
            break
        val = screening_value(
            sizes,
            unit_kwh_per_kwp,
            consumption_kwh,
            value_eur_per_kwh,
            surplus_eur_per_kwh,
            cost_eur_per_kwp_year,
        )
        best = sizes[int(np.argmax(val))]
        step = (hi - lo) / grid
        lo = np.maximum(0.0, best - step)
        hi = np.minimum(np.asarray(max_kwp, dtype=float), best + step)
    return best


def irr_of(flows: np.ndarray) -> float:
    """Internal rate of return of a cash-flow vector (NaN when undefined)."""
    from ..economics.finance import irr

    value = irr(flows)
    return float(value) if value is not None and math.isfinite(value) else math.nan
