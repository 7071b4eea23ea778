"""A run's results as the JSON the page and ``POST /api/evaluate`` return.

Every number carries its unit in its field name (``bill_with_eur_per_year``, ``distance_km``...).
Meter ids (PRM) are never part of it: venues are named by their scenario name only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..economics.finance import case_name
from ..pipeline import ScenarioResult
from ..report.plots import monthly_sum

#: Settings the page's controls show (dotted paths, as ``sweep --vary``).
CONTROL_PATHS = (
    "plant.peak_power_kwp",
    "key.type",
    "optimise.model",
    "optimise.fairness",
    "prices.internal_price_eur_per_kwh",
    "prices.accise_exemption_acc",
    "prices.surplus_sale",
    "prices.surplus_price_eur_per_kwh",
    "finance.capex_eur_per_kwp",
    "finance.loan_amount_eur",
    "finance.loan_rate",
    "finance.loan_term_years",
    "finance.lifetime_years",
    "finance.escalation_rates_per_year",
    "finance.reference_escalation_per_year",
    "finance.equity_eur",
)


@dataclass(frozen=True)
class Reason:
    """One criterion of the decision: a code the page translates, its English text, its figures."""

    code: str
    text: str
    values: tuple[tuple[str, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text, **dict(self.values)}


@dataclass(frozen=True)
class Decision:
    """GO / NO-GO for the operation and why (one :class:`Reason` per failed criterion, or the
    single reason it is a GO)."""

    go: bool
    reasons: tuple[Reason, ...]


def decide(result: ScenarioResult) -> Decision:
    """GO when the operation is eligible, every venue saves money in year 1 and the producer's
    project NPV is not negative in the finance's reference case.

    The plan engineer's ``greenkommon/decision.py`` replaces this adapter when it lands.
    """
    reasons = []
    elig = result.extras["eligibility"]
    if not elig.distance_ok and elig.limit_km is not None:
        a, b = elig.farthest_pair
        d, lim = round(elig.max_distance_km, 3), elig.limit_km
        reasons.append(
            Reason(
                "too_far",
                f"not eligible: {a} – {b} are {d:.2f} km apart (limit {lim:g} km)",
                (("a", a), ("b", b), ("distance_km", d), ("limit_km", lim)),
            )
        )
    if not elig.power_ok:
        kwp, cap = elig.peak_power_kwp, elig.power_cap_mw
        reasons.append(
            Reason(
                "too_big",
                f"not eligible: {kwp:,.0f} kWp is above the {cap:g} MW cap",
                (("peak_power_kwp", kwp), ("cap_mw", cap)),
            )
        )
    for name in result.bills.index[result.bills["savings_eur"] < 0]:
        loss = round(-float(result.bills.loc[name, "savings_eur"]), 2)
        reasons.append(
            Reason(
                "venue_loses",
                f"{name} pays {loss:,.0f} €/yr more with the operation",
                (("venue", name), ("loss_eur_per_year", loss)),
            )
        )
    fin = result.extras["finance"]
    npv = round(
        float(fin.cases[fin.reference_case].metrics.loc["producer (project)", "npv_eur"]), 2
    )
    figures = (("npv_eur", npv), ("years", fin.lifetime_years), ("case", fin.reference_case))
    if npv < 0:
        reasons.append(
            Reason(
                "producer_loses",
                f"the producer loses money: project NPV {npv:,.0f} € over "
                f"{fin.lifetime_years} yr ({fin.reference_case} case)",
                figures,
            )
        )
    if reasons:
        return Decision(False, tuple(reasons))
    text = (
        f"eligible, every venue saves money and the producer's project NPV is {npv:,.0f} € "
        f"({fin.reference_case} case)"
    )
    return Decision(True, (Reason("go", text, figures),))


def _num(x: Any, digits: int = 6) -> float | None:
    """A JSON number (``None`` for NaN/inf, which JSON cannot carry)."""
    v = float(x)
    return round(v, digits) if math.isfinite(v) else None


def result_payload(result: ScenarioResult, settings: dict[str, Any]) -> dict[str, Any]:
    """The JSON-ready view of ``result`` (see the module docstring)."""
    sc = result.scenario
    fin = result.extras["finance"]
    ref = fin.cases[fin.reference_case]
    summary = result.venue_summary()
    production = float(result.production_kwh.sum())
    allocated_by_venue = result.allocated_kwh.sum()
    venues = []
    for name in sc.venue_names:
        row = summary.loc[name]
        life = ref.venues.loc[name]
        m = ref.metrics.loc[name]
        venues.append(
            {
                "name": name,
                "consumption_kwh_per_year": _num(row["consumption_kwh"], 3),
                "allocated_kwh_per_year": _num(row["allocated_kwh"], 3),
                "grid_import_kwh_per_year": _num(row["grid_import_kwh"], 3),
                "self_sufficiency_pct": _num(row["self_sufficiency_pct"], 3),
                "share_of_production_pct": _num(
                    100.0 * allocated_by_venue[name] / production if production > 0 else 0.0, 3
                ),
                "bill_without_eur_per_year": _num(row["bill_without_eur"], 2),
                "bill_with_eur_per_year": _num(row["bill_with_eur"], 2),
                "savings_eur_per_year": _num(row["savings_eur"], 2),
                "savings_over_life_eur": _num(life["cumulative_savings_eur"].iloc[-1], 2),
                "equity_eur": _num(life["equity_eur"].sum(), 2),
                "npv_eur": _num(m["npv_eur"], 2),
                "payback_years": _num(m["simple_payback_years"], 2),
            }
        )
    c = result.collective_summary()
    collective = {
        "peak_power_kwp": _num(c["peak_power_kwp"], 3),
        "production_kwh_per_year": _num(c["production_kwh"], 3),
        "specific_yield_kwh_per_kwp": _num(c["specific_yield_kwh_per_kwp"], 2),
        "consumption_kwh_per_year": _num(c["consumption_kwh"], 3),
        "allocated_kwh_per_year": _num(c["allocated_kwh"], 3),
        "surplus_kwh_per_year": _num(c["surplus_kwh"], 3),
        "self_consumption_pct": _num(c["self_consumption_pct"], 3),
        "self_sufficiency_pct": _num(c["self_sufficiency_pct"], 3),
        "bill_without_eur_per_year": _num(c["bill_without_eur"], 2),
        "bill_with_eur_per_year": _num(c["bill_with_eur"], 2),
        "savings_eur_per_year": _num(c["savings_eur"], 2),
        "savings_over_life_eur": _num(
            sum(ref.venues.loc[n, "cumulative_savings_eur"].iloc[-1] for n in sc.venue_names), 2
        ),
    }
    pm = ref.metrics.loc["producer (project)"]
    pe = ref.metrics.loc["producer (equity)"]
    inputs = fin.producer_inputs
    producer = {
        "capex_eur": _num(inputs.capex_eur, 2),
        "loan_amount_eur": _num(sc.finance.loan_amount_eur, 2),
        "lcoe_eur_per_kwh": _num(fin.lcoe_eur_per_kwh, 5),
        "internal_revenue_eur_per_year": _num(ref.producer["internal_revenue_eur"].iloc[1], 2),
        "surplus_revenue_eur_per_year": _num(ref.producer["surplus_revenue_eur"].iloc[1], 2),
        "project_npv_eur": _num(pm["npv_eur"], 2),
        "project_irr_pct": _num(100.0 * pm["irr"], 3),
        "equity_npv_eur": _num(pe["npv_eur"], 2),
        "min_debt_service_coverage": _num(ref.producer["debt_service_coverage"].min(), 3),
    }
    cases = [
        {
            "case": case,
            "stakeholder": who,
            "npv_eur": _num(m["npv_eur"], 2),
            "irr_pct": _num(100.0 * m["irr"], 3),
            "payback_years": _num(m["simple_payback_years"], 2),
        }
        for (case, who), m in fin.summary().iterrows()
    ]
    decision = decide(result)
    return {
        "scenario": {"name": sc.name, "description": sc.description, "year": sc.simulation.year},
        "settings": settings,
        "venue_names": list(sc.venue_names),
        "decision": {"go": decision.go, "reasons": [r.as_json() for r in decision.reasons]},
        "venues": venues,
        "collective": collective,
        "producer": producer,
        "finance": {
            "reference_case": fin.reference_case,
            "escalation_cases": [
                {"rate_per_year": r, "case": case_name(r)}
                for r in sc.finance.escalation_rates_per_year
            ],
            "lifetime_years": fin.lifetime_years,
            "discount_rate_pct": _num(100.0 * fin.discount_rate, 3),
            "cases": cases,
        },
        "eligibility": _eligibility(result),
        "key": _key(result),
        "monthly": _monthly(result),
    }


def _eligibility(result: ScenarioResult) -> dict[str, Any]:
    e = result.extras["eligibility"]
    names = list(e.distances_km.index)
    return {
        "operation": e.producer,
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
        "largest_eligible_groups": [list(s) for s in e.largest_subsets],
        "notes": list(e.notes),
    }


def _key(result: ScenarioResult) -> dict[str, Any]:
    sc = result.scenario
    out: dict[str, Any] = {"type": sc.key.type}
    if result.coefficients is not None:
        out["coefficients_pct"] = {
            n: _num(100.0 * k, 4) for n, k in zip(sc.venue_names, result.coefficients, strict=True)
        }
    opt = result.extras.get("optimiser")
    if opt:
        out["optimiser"] = {
            "model": opt.get("model"),
            "fairness": list(opt.get("fairness") or []),
            "value_eur_per_year": _num(opt.get("resimulated_value_eur", float("nan")), 2),
            "prorata_value_eur_per_year": _num(opt.get("prorata_value_eur", float("nan")), 2),
            "notes": [str(n) for n in opt.get("notes") or []],
        }
    return out


def _monthly(result: ScenarioResult) -> dict[str, Any]:
    months = range(1, 13)
    prod = monthly_sum(result.production_kwh).reindex(months, fill_value=0.0)
    alloc = monthly_sum(result.allocated_kwh).reindex(months, fill_value=0.0)
    cons = monthly_sum(result.consumption_kwh).reindex(months, fill_value=0.0)
    surplus = monthly_sum(result.surplus_kwh).reindex(months, fill_value=0.0)
    return {
        "month": list(months),
        "production_kwh": [_num(v, 3) for v in prod.to_numpy()],
        "allocated_kwh": [_num(v, 3) for v in np.asarray(alloc.sum(axis=1))],
        "surplus_kwh": [_num(v, 3) for v in surplus.to_numpy()],
        "consumption_kwh": [_num(v, 3) for v in np.asarray(cons.sum(axis=1))],
        "allocated_kwh_by_venue": {n: [_num(v, 3) for v in alloc[n].to_numpy()] for n in alloc},
    }


def current_settings(mapping: dict[str, Any]) -> dict[str, Any]:
    """The values the page's controls show, read from the variant's mapping."""
    out: dict[str, Any] = {}
    for path in CONTROL_PATHS:
        if path == "plant.peak_power_kwp":
            sections = mapping.get("plant", {}).get("sections", [])
            out[path] = sum(float(s.get("peak_power_kwp", 0.0)) for s in sections)
            continue
        node: Any = mapping
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        out[path] = node
    venues = mapping.get("venues", [])
    out["venues"] = [v.get("name") for v in venues if isinstance(v, dict)]
    return out
