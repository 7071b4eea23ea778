"""A run's results as the JSON the page and ``POST /api/evaluate`` return.

Every number carries its unit in its field name (``bill_with_eur_per_year``, ``distance_km``...).
Meter ids (PRM) are never part of it: venues are named by their scenario name only.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..economics.finance import case_name
from ..report.plots import monthly_sum

if TYPE_CHECKING:  # pragma: no cover
    from ..economics.finance import FinanceResult
    from ..results import OperationResult, PortfolioResult

#: Settings the page's controls show (dotted paths, as ``sweep --vary``).
CONTROL_PATHS = (
    "plant.peak_power_kwp",
    "key.type",
    "optimise.model",
    "optimise.fairness",
    "prices.internal_price_eur_per_kwh",
    "prices.accise_exemption",
    "prices.accise_exemption_acc",
    "prices.surplus_sale",
    "prices.surplus_price_eur_per_kwh",
    "finance.capex_eur_per_kwp",
    "finance.loan_amount_eur",
    "finance.loan_rate",
    "finance.loan_term_years",
    "finance.lifetime_years",
    "finance.escalation_rates_per_year",
    "finance.headline_case",
    "finance.equity_eur",
)


def decision_payload(result: PortfolioResult) -> dict[str, Any]:
    """GO / NO-GO as ``greenkommon run`` states it (:func:`greenkommon.decision.decide`, without
    asking the plan for an alternative: the page asks for it separately)."""
    from ..decision import decide

    d = decide(result, alternative=False)
    return {
        "go": bool(d.go),
        "eligible": bool(d.eligible),
        "sentence_fr": d.sentence("fr"),
        "sentence_en": d.sentence("en"),
        "losers": [{"venue": n, "npv_eur": _num(v, 2)} for n, v in d.losers],
        "producer_npv_eur": _num(d.producer_npv_eur, 2),
        "collective_npv_eur": _num(d.collective_npv_eur, 2),
        "reference_case": d.reference_case,
        "cases_go": list(d.cases_go),
        "cases_no_go": list(d.cases_no_go),
    }


def _num(x: Any, digits: int = 6) -> float | None:
    """A JSON number (``None`` for NaN/inf, which JSON cannot carry)."""
    if x is None:
        return None
    v = float(x)
    return round(v, digits) if math.isfinite(v) else None


def _ref(fin: FinanceResult) -> Any:
    return fin.cases[fin.reference_case]


def result_payload(result: PortfolioResult, settings: dict[str, Any]) -> dict[str, Any]:
    """The JSON-ready view of ``result`` (see the module docstring)."""
    sc = result.scenario
    ops = {op.name: op for op in result.operations}
    venues = []
    for v in result.venues:
        op = ops.get(v.operation) if v.operation is not None else None
        row: dict[str, Any] = {
            "name": v.name,
            "operation": v.operation,
            "consumption_kwh_per_year": _num(v.consumption_kwh, 3),
            "own_production_kwh_per_year": _num(v.own_production_kwh, 3),
            "own_self_consumed_kwh_per_year": _num(v.own_self_consumed_kwh, 3),
            "metered_consumption_kwh_per_year": _num(v.metered_consumption_kwh, 3),
            "allocated_kwh_per_year": _num(v.allocated_kwh, 3),
            "grid_import_kwh_per_year": _num(v.grid_import_kwh, 3),
            "self_sufficiency_pct": _num(v.self_sufficiency_pct, 3),
            "share_of_production_pct": None,
            "bill_without_eur_per_year": _num(v.bill_without_eur, 2),
            "bill_with_eur_per_year": _num(v.bill_with_eur, 2),
            "own_surplus_revenue_eur_per_year": _num(v.own_surplus_revenue_eur, 2),
            "savings_eur_per_year": _num(v.savings_eur, 2),
            "savings_over_life_eur": None,
            "equity_eur": None,
            "npv_eur": None,
            "payback_years": None,
        }
        if op is not None:
            production = float(op.production_kwh.sum())
            row["share_of_production_pct"] = _num(
                100.0 * v.allocated_kwh / production if production > 0 else 0.0, 3
            )
            if op.finance is not None:
                ref = _ref(op.finance)
                life = ref.venues.loc[v.name]
                m = ref.metrics.loc[v.name]
                row["savings_over_life_eur"] = _num(life["cumulative_savings_eur"].iloc[-1], 2)
                row["equity_eur"] = _num(life["equity_eur"].sum(), 2)
                row["npv_eur"] = _num(m["npv_eur"], 2)
                row["payback_years"] = _num(m["simple_payback_years"], 2)
        venues.append(row)
    c = result.collective
    life = [r["savings_over_life_eur"] for r in venues if r["savings_over_life_eur"] is not None]
    collective = {
        "peak_power_kwp": _num(c.shared_peak_power_kwp, 3),
        "own_peak_power_kwp": _num(c.own_peak_power_kwp, 3),
        "production_kwh_per_year": _num(c.shared_production_kwh, 3),
        "own_production_kwh_per_year": _num(c.own_production_kwh, 3),
        "consumption_kwh_per_year": _num(c.consumption_kwh, 3),
        "allocated_kwh_per_year": _num(c.allocated_kwh, 3),
        "surplus_kwh_per_year": _num(c.surplus_kwh, 3),
        "self_consumption_pct": _num(
            100.0 * c.allocated_kwh / c.shared_production_kwh if c.shared_production_kwh else 0.0,
            3,
        ),
        "self_sufficiency_pct": _num(c.self_sufficiency_pct, 3),
        "bill_without_eur_per_year": _num(c.bill_without_eur, 2),
        "bill_with_eur_per_year": _num(c.bill_with_eur, 2),
        "savings_eur_per_year": _num(c.savings_eur, 2),
        "savings_over_life_eur": _num(sum(life), 2),
        "n_operations": c.n_operations,
        "all_eligible": bool(c.all_eligible),
    }
    return {
        "scenario": {"name": sc.name, "description": sc.description, "year": sc.simulation.year},
        "settings": settings,
        "venue_names": list(sc.venue_names),
        "decision": decision_payload(result),
        "venues": venues,
        "collective": collective,
        "operations": [_operation(op) for op in result.operations],
        "monthly": _monthly(result),
    }


def _operation(op: OperationResult) -> dict[str, Any]:
    t = op.totals()
    out: dict[str, Any] = {
        "name": op.name,
        "plants": list(op.plant_names),
        "venues": list(op.venue_names),
        "peak_power_kwp": _num(t.peak_power_kwp, 3),
        "production_kwh_per_year": _num(t.production_kwh, 3),
        "allocated_kwh_per_year": _num(t.allocated_kwh, 3),
        "surplus_kwh_per_year": _num(t.surplus_kwh, 3),
        "self_consumption_pct": _num(t.self_consumption_pct, 3),
        "savings_eur_per_year": _num(t.savings_eur, 2),
        "internal_price_eur_per_kwh": _num(op.scenario.prices.internal_price_eur_per_kwh, 5),
        "eligibility": _eligibility(op),
        "key": _key(op),
        "producer": None,
        "finance": None,
    }
    fin = op.finance
    if fin is not None:
        ref = _ref(fin)
        pm = ref.metrics.loc["producer (project)"]
        pe = ref.metrics.loc["producer (equity)"]
        out["producer"] = {
            "capex_eur": _num(fin.producer_inputs.capex_eur, 2),
            "loan_amount_eur": _num(op.scenario.finance.loan_amount_eur, 2),
            "lcoe_eur_per_kwh": _num(fin.lcoe_eur_per_kwh, 5),
            "internal_revenue_eur_per_year": _num(ref.producer["internal_revenue_eur"].iloc[1], 2),
            "surplus_revenue_eur_per_year": _num(ref.producer["surplus_revenue_eur"].iloc[1], 2),
            "project_npv_eur": _num(pm["npv_eur"], 2),
            "project_irr_pct": _num(100.0 * pm["irr"], 3),
            "equity_npv_eur": _num(pe["npv_eur"], 2),
            "min_debt_service_coverage": _num(ref.producer["dscr"].min(), 3),
        }
        out["finance"] = {
            "reference_case": fin.reference_case,
            "lifetime_years": fin.lifetime_years,
            "discount_rate_pct": _num(100.0 * fin.discount_rate, 3),
            "escalation_cases": [
                {"rate_per_year": r, "case": case_name(r)}
                for r in op.scenario.finance.escalation_rates_per_year
            ],
            "cases": [
                {
                    "case": case,
                    "stakeholder": who,
                    "npv_eur": _num(m["npv_eur"], 2),
                    "irr_pct": _num(100.0 * m["irr"], 3),
                    "payback_years": _num(m["simple_payback_years"], 2),
                }
                for (case, who), m in fin.summary().iterrows()
            ],
        }
    return out


def _eligibility(op: OperationResult) -> dict[str, Any]:
    e = op.eligibility
    names = list(e.distances_km.index)
    return {
        "eligible": bool(e.eligible),
        "rule": e.rule.label,
        "limit_km": None if e.limit_km is None else _num(e.limit_km, 3),
        "max_distance_km": _num(e.max_distance_km, 3),
        "farthest_pair": list(e.farthest_pair),
        "power_ok": bool(e.power_ok),
        "power_cap_mw": _num(e.power_cap_mw, 3),
        "distances_km": [
            {"from": a, "to": b, "distance_km": _num(e.distances_km.loc[a, b], 3)}
            for i, a in enumerate(names)
            for b in names[i + 1 :]
        ],
        "largest_eligible_groups": [list(g) for g in e.largest_subsets],
        "notes": list(e.notes),
    }


def _key(op: OperationResult) -> dict[str, Any]:
    out: dict[str, Any] = {"type": op.scenario.key.type}
    if op.coefficients is not None:
        out["coefficients_pct"] = {
            n: _num(100.0 * k, 4) for n, k in zip(op.venue_names, op.coefficients, strict=True)
        }
    opt = op.optimiser
    if opt is not None:
        out["optimiser"] = {
            "model": opt.model,
            "fairness": list(opt.fairness),
            "value_eur_per_year": _num(opt.resimulated_value_eur, 2),
            "prorata_value_eur_per_year": _num(opt.prorata_value_eur, 2),
            "notes": list(opt.notes),
        }
    return out


def monthly_series(result: PortfolioResult) -> tuple[pd.Series, pd.DataFrame]:
    """Production of the operations' producers (summed) and each venue's gross consumption."""
    energy = result.energy
    production = pd.Series(0.0, index=energy.index, name="production_kwh")
    for op in result.operations:
        production = production + op.production_kwh.to_numpy()
    return production, energy.consumption_kwh


def _monthly(result: PortfolioResult) -> dict[str, Any]:
    months = range(1, 13)
    production, consumption = monthly_series(result)
    zero = pd.Series(0.0, index=result.energy.index)
    allocated = sum((op.allocated_kwh.sum(axis=1) for op in result.operations), zero)
    surplus = sum((op.surplus_kwh for op in result.operations), zero)

    def per_month(series: pd.Series) -> list[float | None]:
        return [_num(v, 3) for v in monthly_sum(series).reindex(months, fill_value=0.0)]

    return {
        "month": list(months),
        "production_kwh": per_month(production),
        "allocated_kwh": per_month(allocated),
        "surplus_kwh": per_month(surplus),
        "consumption_kwh": per_month(consumption.sum(axis=1)),
    }


def current_settings(mapping: dict[str, Any]) -> dict[str, Any]:
    """The values the page's controls show, read from the variant's mapping."""
    out: dict[str, Any] = {}
    for path in CONTROL_PATHS:
        if path == "plant.peak_power_kwp":
            out[path] = _size(mapping.get("plant", {}))
            continue
        node: Any = mapping
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        out[path] = node
    venues = mapping.get("venues", [])
    out["venues"] = [v.get("name") for v in venues if isinstance(v, dict)]
    plants = mapping.get("plants")
    out["plants"] = (
        [{"name": p.get("name"), "peak_power_kwp": _size(p)} for p in plants if isinstance(p, dict)]
        if isinstance(plants, list)
        else []
    )
    operations = mapping.get("operations")
    out["operations"] = (
        [
            {
                "name": o.get("name"),
                "venues": list(o.get("venues", [])),
                "plants": list(o.get("plants", [])),
            }
            for o in operations
            if isinstance(o, dict)
        ]
        if isinstance(operations, list)
        else []
    )
    return out


def _size(plant: Any) -> float | None:
    sections = plant.get("sections") if isinstance(plant, dict) else None
    if not isinstance(sections, list):
        return None
    return sum(float(s.get("peak_power_kwp", 0.0)) for s in sections if isinstance(s, dict))
