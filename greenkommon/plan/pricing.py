"""One grouping sized, keyed and priced: the options the plan ranks.

For a grouping of roofs and venues, :func:`plan_grouping` sizes the plants (a grid of each roof's
maximum refined around the best screening value, :func:`_sizes`), then for each key evaluates
the operation exactly at the two internal prices of :data:`PRICES_EUR_PER_KWH`
(:func:`evaluate_option`): every NPV is affine in the price, so two evaluations give it exactly
and the corridor in which the producer and every venue win follows in closed form
(:mod:`.corridor`). :func:`roof_capex` prices the plants of several roofs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import allocation
from .corridor import fit_affine, price_corridor
from .evaluate import (
    KEYS,
    Energy,
    Evaluation,
    annual_cost_eur_per_kwp,
    best_sizes,
    evaluate_allocation,
    operation_key,
    sub_scenario,
)
from .result import OperationOption
from .space import Grouping, Roof, SearchSpace


# ---------------------------------------------------------------------------------------------
# one grouping
# ---------------------------------------------------------------------------------------------
def _value_factor(scenario: Any) -> float:
    """Present value of a first-year € of avoided energy, escalated and degraded, per € of annuity.

    Puts the screening's yearly value on the same footing as the annualised plant cost:
    ``Σ_y e^(y−1) (1 − d)^(y−1) (1 + r)^−y / Σ_y (1 + r)^−y`` with the reference escalation ``e``.
    """
    fin = scenario.finance
    g = fin.reference_escalation_per_year
    if g is None:
        g = 0.03 if 0.03 in fin.escalation_rates_per_year else fin.escalation_rates_per_year[0]
    d = scenario.plant.degradation_pct_per_year / 100.0
    r = fin.discount_rate
    years = np.arange(1, fin.lifetime_years + 1)
    disc = (1.0 + r) ** -years
    return float(((1 + g) ** (years - 1) * (1 - d) ** (years - 1) * disc).sum() / disc.sum())


def _sizes(scenario: Any, space: SearchSpace, energy: Energy, g: Grouping) -> np.ndarray:
    from ..optimise import scenario_prices

    members = list(g.members)
    roofs = [space.roofs[r] for r in g.roofs]
    max_kwp = np.array([r.max_peak_power_kwp for r in roofs])
    sub = sub_scenario(scenario, members, float(max_kwp.sum()), layout=energy.layouts[g.roofs[0]])
    cons = energy.consumption_kwh[members]
    priced = scenario_prices(sub, energy.index, cons.shape[1], cons)
    cost = np.array([annual_cost_eur_per_kwp(sub, r.capex_eur_per_kwp) for r in roofs])
    factor = _value_factor(scenario)
    return best_sizes(
        max_kwp,
        energy.unit_production_kwh_per_kwp[list(g.roofs)],
        cons,
        factor * priced.value_eur_per_kwh,
        factor * priced.surplus_eur_per_kwh,
        cost,
        space.power_cap_kwp,
    )


def _affines(e0: Evaluation, e1: Evaluation) -> dict[str, Any]:
    q0, q1 = e0.internal_price_eur_per_kwh, e1.internal_price_eur_per_kwh

    def fit(a: np.ndarray, b: np.ndarray) -> Any:
        if np.ndim(a) == 0:
            return fit_affine(q0, float(a), q1, float(b))
        return tuple(fit(x, y) for x, y in zip(a, b, strict=True))

    return {
        "savings": fit(e0.savings_eur_per_year, e1.savings_eur_per_year),
        "venue_npv": fit(e0.venue_npv_eur, e1.venue_npv_eur),
        "producer_npv": fit(e0.producer_npv_eur, e1.producer_npv_eur),
        "flows": fit(e0.producer_cash_flows_eur[0], e1.producer_cash_flows_eur[0]),
        "collective": fit(e0.collective_npv_eur, e1.collective_npv_eur),
        "cases": e0.cases,
    }


def roof_capex(scenario: Any, roofs: Sequence[Roof], kwp: Any) -> float | None:
    """The CAPEX per kWp of an operation's plants [€/kWp]: the roofs' own costs where given
    (weighted by size), ``None`` to keep the scenario's ``[finance]``."""
    costs = [r.capex_eur_per_kwp for r in roofs]
    if all(c is None for c in costs):
        return None
    base = scenario.finance.capex_eur_per_kwp
    known = [c if c is not None else base for c in costs]
    if any(c is None for c in known):
        return None
    return float(np.dot(known, kwp) / float(np.sum(kwp)))


def _operation_name(space: SearchSpace, g: Grouping) -> str:
    roofs = [space.roofs[r] for r in g.roofs]
    if (
        len(g.members) == 1
        and len(roofs) == 1
        and roofs[0].owner == space.venues[g.members[0]].name
    ):
        return f"own roof of {roofs[0].owner}"
    return " + ".join(r.name for r in roofs)


#: Internal prices of the two evaluations that fix the affine NPVs [€/kWh].
PRICES_EUR_PER_KWH = (0.0, 0.10)


def evaluate_option(
    scenario: Any,
    space: SearchSpace,
    energy: Energy,
    g: Grouping,
    kwp: np.ndarray,
    key: str,
    irr_target: float | None,
    prices: Any = None,
    fixed_key: Any = None,
    production_factor: float = 1.0,
) -> tuple[dict[str, Any], Any, np.ndarray | None, str]:
    """Affine NPVs of one grouping with given sizes and key (two exact evaluations)."""
    members = list(g.members)
    roofs = [space.roofs[r] for r in g.roofs]
    total = float(np.sum(kwp))
    capex = roof_capex(scenario, roofs, kwp)
    lat = float(np.average([r.latitude_deg for r in roofs], weights=np.maximum(kwp, 1e-9)))
    lon = float(np.average([r.longitude_deg for r in roofs], weights=np.maximum(kwp, 1e-9)))
    production = production_factor * (
        np.asarray(kwp, dtype=float) @ energy.unit_production_kwh_per_kwp[list(g.roofs)]
    )
    cons = energy.consumption_kwh[members]
    evaluations = []
    built, coefficients, advice = fixed_key, None, ""
    for q in PRICES_EUR_PER_KWH:
        sub = sub_scenario(
            scenario,
            members,
            total,
            lat,
            lon,
            " + ".join(r.name for r in roofs),
            internal_price_eur_per_kwh=q,
            capex_eur_per_kwp=capex,
            prices=prices,
            layout=energy.layouts[g.roofs[0]],
        )
        if built is None:
            # the key is chosen once, at the scenario's internal price, then kept fixed
            keyed = dataclasses.replace(sub, prices=scenario.prices)
            built, coefficients, advice = operation_key(key, keyed, production, cons, energy.index)
        alloc = allocation.allocate(production, cons, built)
        evaluations.append(evaluate_allocation(sub, cons, alloc, energy.index, irr_target))
    return _affines(*evaluations), built, coefficients, advice


def plan_grouping(
    scenario: Any,
    space: SearchSpace,
    energy: Energy,
    g: Grouping,
    irr_target: float | None,
    keys: Sequence[str] = KEYS,
    year_one_savings: bool = False,
) -> list[OperationOption] | None:
    """Every key of one grouping, sized and priced (see the module notes).

    ``[]`` when no size pays for itself; ``None`` when a roof of a pooled grouping is best left
    empty (the grouping without it is enumerated on its own).
    """
    kwp = _sizes(scenario, space, energy, g)
    if float(np.sum(kwp)) <= 0:
        return []
    if len(kwp) > 1 and (np.asarray(kwp) <= 1e-9).any():
        # a roof left empty: the same operation without it is a grouping of its own
        return None
    names = tuple(space.venues[i].name for i in g.members)
    out = []
    if len(g.members) == 1:
        # one member: every key gives it min(P, C); the default key is the answer
        keys = [k for k in keys if k == "default"] or list(keys[:1])
    for key in keys:
        fits, _, coefficients, advice = evaluate_option(
            scenario, space, energy, g, kwp, key, irr_target
        )
        bounds = list(fits["venue_npv"][0])
        labels = list(names)
        if year_one_savings:
            bounds += list(fits["savings"])
            labels += [f"{n} (year 1)" for n in names]
        corridor = price_corridor(bounds, fits["producer_npv"][0], labels)
        n_cases = len(fits["producer_npv"])
        out.append(
            OperationOption(
                grouping=g,
                name=_operation_name(space, g),
                roof_names=tuple(space.roofs[r].name for r in g.roofs),
                member_names=names,
                kwp_by_roof=tuple(float(x) for x in kwp),
                key=key,
                coefficients=coefficients,
                corridor=corridor,
                venue_npv=fits["venue_npv"][0],
                venue_savings=fits["savings"],
                producer_npv=fits["producer_npv"][0],
                cases=tuple(fits["cases"]),
                case_venue_npv=tuple(fits["venue_npv"][c] for c in range(n_cases)),
                case_producer_npv=tuple(fits["producer_npv"][c] for c in range(n_cases)),
                case_collective_npv=tuple(fits["collective"][c] for c in range(n_cases)),
                producer_flows=fits["flows"],
                key_advice=advice,
            )
        )
    return out


def _best_option(options: Sequence[OperationOption]) -> OperationOption | None:
    feasible = [o for o in options if not o.corridor.empty]
    if not feasible:
        return None
    return max(feasible, key=lambda o: o.collective_npv_eur())
