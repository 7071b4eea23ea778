"""Side-by-side comparison of scenario runs, with differences against the first one.

:func:`scenario_kpis` reduces a :class:`~greenkommon.pipeline.ScenarioResult` to the figures a
comparison needs (per venue: self-sufficiency, bill, savings, savings over the plant's life,
payback; collective: production, self-consumption, surplus, savings, the producer's NPV and IRR);
:func:`compare_results` lines several up, :func:`format_comparison` prints them.

Long-term figures come from the economics stage's projection (``result.finance``) under
one supply-price escalation case: by default the first case each scenario lists in
``[finance] escalation_rates_per_year`` (so variants that change the escalation compare their own
case), or the case named by ``case``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ScenarioError

#: (metric id, label, unit, decimals) of the collective rows.
COLLECTIVE_METRICS = (
    ("peak_power_kwp", "plant size", "kWp", 0),
    ("production_kwh", "production", "kWh/yr", 0),
    ("consumption_kwh", "consumption", "kWh/yr", 0),
    ("self_consumption_pct", "self-consumption", "%", 1),
    ("self_sufficiency_pct", "self-sufficiency", "%", 1),
    ("surplus_kwh", "surplus", "kWh/yr", 0),
    ("savings_eur", "venues' savings", "€/yr", 0),
    ("producer_npv_eur", "producer NPV", "€", 0),
    ("producer_irr_pct", "producer IRR", "%", 1),
    ("eligible_operations_pct", "operations eligible", "%", 0),
    ("collective_npv_eur", "collective NPV (venues + producer)", "€", 0),
)

#: (metric id, label, unit, decimals) of the per-venue rows.
VENUE_METRICS = (
    ("self_sufficiency_pct", "self-sufficiency", "%", 1),
    ("bill_with_eur", "bill", "€/yr", 0),
    ("savings_eur", "savings", "€/yr", 0),
    ("savings_20y_eur", "savings over 20 years", "€", 0),
    ("lifetime_savings_eur", "savings over the life", "€", 0),
    ("payback_years", "payback", "yr", 1),
)


def _case(fin: Any, case: str | None, label: str) -> tuple[str, Any] | tuple[None, None]:
    if fin is None or not getattr(fin, "cases", None):
        return None, None
    if case is None:
        # the scenario's headline case ([finance] headline_case), as every other output
        name = getattr(fin, "reference_case", "") or next(iter(fin.cases))
        return name, fin.cases[name]
    if case not in fin.cases:
        raise ScenarioError(
            f"{label}: no escalation case {case!r}; expected one of {', '.join(map(repr, fin.cases))}"
        )
    return case, fin.cases[case]


def scenario_kpis(result: Any, case: str | None = None) -> dict[str, Any]:
    """The comparison figures of one run.

    Parameters
    ----------
    result : ScenarioResult
    case : str, optional
        Escalation case of the long-term projection (default: the scenario's headline case, [finance] headline_case).

    Returns
    -------
    dict
        ``collective`` (metric → value), ``venues`` (venue → metric → value), ``case`` (name of
        the escalation case used, or None) and ``lifetime_years``. Percentages in [%], money in
        [€] or [€/yr], energies in [kWh/yr], paybacks in [yr] (NaN when never paid back).
    """
    from .results import PortfolioResult

    if isinstance(result, PortfolioResult) and not (
        result.scenario.is_single_operation and not result.energy.own_production_kwh.shape[1]
    ):
        return _portfolio_kpis(result, case)
    label = result.scenario.name
    coll = dict(result.collective_summary())
    coll["eligible_operations_pct"] = 100.0 * float(result.eligibility.eligible)
    fin = result.finance
    case_name, fcase = _case(fin, case, label)
    coll["producer_npv_eur"] = float("nan")
    coll["producer_irr_pct"] = float("nan")
    coll["collective_npv_eur"] = float("nan")
    venues_tab = result.venue_summary()
    venues: dict[str, dict[str, float]] = {}
    life_savings = payback = savings_20 = None
    if fcase is not None:
        m = fcase.metrics
        coll["producer_npv_eur"] = float(m.loc["producer (project)", "npv_eur"])
        coll["producer_irr_pct"] = 100.0 * float(m.loc["producer (project)", "irr"])
        # venues with their stakes and the producer together (the finance collective view)
        coll["collective_npv_eur"] = float(fcase.collective.table().loc["collective", "npv_eur"])
        life_savings = fcase.venues["savings_eur"].groupby(level="venue").sum()
        years = fcase.venues.index.get_level_values("year")
        # cumulative savings at year 20 (NaN when the projection is shorter)
        savings_20 = (
            fcase.venues["savings_eur"][years <= 20].groupby(level="venue").sum()
            if years.max() >= 20
            else None
        )
        payback = m["simple_payback_years"]
    for name, row in venues_tab.iterrows():
        venues[str(name)] = {
            "self_sufficiency_pct": float(row["self_sufficiency_pct"]),
            "bill_with_eur": float(row["bill_with_eur"]),
            "savings_eur": float(row["savings_eur"]),
            "savings_20y_eur": float(savings_20[name]) if savings_20 is not None else float("nan"),
            "lifetime_savings_eur": float(life_savings[name])
            if life_savings is not None
            else float("nan"),
            "payback_years": float(payback[name]) if payback is not None else float("nan"),
        }
    return {
        "collective": coll,
        "venues": venues,
        "case": case_name,
        "lifetime_years": getattr(fin, "lifetime_years", None),
    }


def _portfolio_kpis(result: Any, case: str | None) -> dict[str, Any]:
    """:func:`scenario_kpis` of a portfolio: own roofs count as production and self-consumption,
    the producers' NPVs add up, the IRR is given for a single producer only."""
    c = result.collective
    production = c.shared_production_kwh + c.own_production_kwh
    used = c.allocated_kwh + c.own_self_consumed_kwh
    coll: dict[str, float] = {
        "peak_power_kwp": c.shared_peak_power_kwp + c.own_peak_power_kwp,
        "production_kwh": production,
        "consumption_kwh": c.consumption_kwh,
        "self_consumption_pct": 100.0 * used / production if production > 0 else float("nan"),
        "self_sufficiency_pct": c.self_sufficiency_pct,
        "surplus_kwh": c.surplus_kwh + c.own_surplus_sold_kwh,
        "savings_eur": c.savings_eur,
        "producer_npv_eur": 0.0,
        "producer_irr_pct": float("nan"),
        "eligible_operations_pct": 100.0 * c.n_eligible_operations / max(1, c.n_operations),
        "collective_npv_eur": 0.0,
    }
    case_name = None
    per_venue: dict[str, tuple[Any, Any]] = {}
    lifetime = None
    for op in result.operations:
        name, fcase = _case(op.finance, case, f"{result.scenario.name}: {op.name}")
        if fcase is None:
            coll["producer_npv_eur"] = float("nan")
            coll["collective_npv_eur"] = float("nan")
            continue
        # venues with their stakes and the producer together (the finance collective view)
        coll["collective_npv_eur"] += float(fcase.collective.table().loc["collective", "npv_eur"])
        case_name, lifetime = name, op.finance.lifetime_years
        m = fcase.metrics
        coll["producer_npv_eur"] += float(m.loc["producer (project)", "npv_eur"])
        if len(result.operations) == 1:
            coll["producer_irr_pct"] = 100.0 * float(m.loc["producer (project)", "irr"])
        for venue in op.venue_names:
            per_venue[venue] = (fcase, m)
    venues: dict[str, dict[str, float]] = {}
    for v in result.venues:
        row = {
            "self_sufficiency_pct": v.self_sufficiency_pct,
            "bill_with_eur": v.bill_with_eur,
            "savings_eur": v.savings_eur,
            "savings_20y_eur": float("nan"),
            "lifetime_savings_eur": float("nan"),
            "payback_years": float("nan"),
        }
        # long-term figures: the venue's share of its operation (own roofs are not projected)
        if v.name in per_venue and v.own_production_kwh == 0:
            fcase, m = per_venue[v.name]
            sav = fcase.venues["savings_eur"].xs(v.name, level="venue")
            row["lifetime_savings_eur"] = float(sav.sum())
            if sav.index.max() >= 20:
                row["savings_20y_eur"] = float(sav[sav.index <= 20].sum())
            row["payback_years"] = float(m.loc[v.name, "simple_payback_years"])
        venues[v.name] = row
    return {"collective": coll, "venues": venues, "case": case_name, "lifetime_years": lifetime}


def compare_results(
    results: Sequence[Any], labels: Sequence[str] | None = None, case: str | None = None
) -> pd.DataFrame:
    """One table of every scenario's figures, with differences against the first.

    Parameters
    ----------
    results : sequence of ScenarioResult
        At least one; the first is the reference.
    labels : sequence of str, optional
        Column names (default: scenario names, made unique).
    case : str, optional
        Escalation case (see :func:`scenario_kpis`).

    Returns
    -------
    pandas.DataFrame
        Index (``section``, ``metric``) where section is ``'collective'`` or a venue name (every
        venue of any scenario, in order of first appearance; NaN where a scenario lacks it);
        columns: ``unit``, one column per scenario, then ``Δ <label>`` for every scenario after
        the first (value − first). ``attrs['cases']`` holds the escalation case of each column,
        ``attrs['decimals']`` the display decimals of each metric.
    """
    if not results:
        raise ScenarioError("compare: expected at least one scenario")
    kpis = [scenario_kpis(r, case) for r in results]
    labels = list(labels) if labels is not None else _unique([r.scenario.name for r in results])
    venue_order: list[str] = []
    for k in kpis:
        venue_order += [v for v in k["venues"] if v not in venue_order]
    rows: list[tuple[str, str]] = []
    units: list[str] = []
    data: dict[str, list[float]] = {lab: [] for lab in labels}
    decimals: dict[str, int] = {}
    for metric, _label, unit, dec in COLLECTIVE_METRICS:
        rows.append(("collective", metric))
        units.append(unit)
        decimals[metric] = dec
        for lab, k in zip(labels, kpis, strict=True):
            data[lab].append(float(k["collective"].get(metric, float("nan"))))
    for venue in venue_order:
        for metric, _label, unit, dec in VENUE_METRICS:
            rows.append((venue, metric))
            units.append(unit)
            decimals[metric] = dec
            for lab, k in zip(labels, kpis, strict=True):
                data[lab].append(float(k["venues"].get(venue, {}).get(metric, float("nan"))))
    table = pd.DataFrame(data, index=pd.MultiIndex.from_tuples(rows, names=["section", "metric"]))
    table.insert(0, "unit", units)
    first = labels[0]
    for lab in labels[1:]:
        table[f"Δ {lab}"] = table[lab] - table[first]
    table.attrs["cases"] = {lab: k["case"] for lab, k in zip(labels, kpis, strict=True)}
    table.attrs["lifetime_years"] = {
        lab: k["lifetime_years"] for lab, k in zip(labels, kpis, strict=True)
    }
    table.attrs["decimals"] = decimals
    return table


def _unique(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        candidate, i = n, 2
        while candidate in out:
            candidate, i = f"{n} ({i})", i + 1
        out.append(candidate)
    return out


def _fmt(value: float, decimals: int, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{value:{'+' if signed else ''},.{decimals}f}".replace(",", " ")
    return "0" if signed and float(text.replace(" ", "")) == 0 else text


def format_comparison(table: pd.DataFrame) -> str:
    """The comparison as a plain-text table (labels, units, values, then signed differences)."""
    from .report import format_table

    labels = {m: lab for m, lab, _u, _d in COLLECTIVE_METRICS}
    vlabels = {m: lab for m, lab, _u, _d in VENUE_METRICS}
    decimals = table.attrs.get("decimals", {})
    value_cols = [c for c in table.columns if c != "unit" and not c.startswith("Δ ")]
    delta_cols = [c for c in table.columns if c.startswith("Δ ")]
    header = ["", "unit", *value_cols, *delta_cols]
    out_rows: list[list[str]] = []
    current = None
    for (section, metric), row in table.iterrows():
        if section != current:
            out_rows.append(
                [section.upper() if section == "collective" else section] + [""] * (len(header) - 1)
            )
            current = section
        label = labels.get(metric) if section == "collective" else vlabels.get(metric, metric)
        dec = decimals.get(metric, 0)
        cells = [f"  {label}", row["unit"]]
        cells += [_fmt(row[c], dec) for c in value_cols]
        cells += [_fmt(row[c], dec, signed=True) for c in delta_cols]
        out_rows.append(cells)
    text = format_table(out_rows, header, "<<" + ">" * (len(header) - 2))
    cases = table.attrs.get("cases", {})
    years = table.attrs.get("lifetime_years", {})
    if cases:
        described = {
            lab: f"'{c}' over {years.get(lab)} yr" if c else "n/a" for lab, c in cases.items()
        }
        if len(set(described.values())) == 1:
            notes = next(iter(described.values()))
        else:
            notes = ", ".join(f"{lab}: {d}" for lab, d in described.items())
        text += (
            "\n\nLong-term figures (NPV, IRR, savings over the life, payback) under the supply-price "
            f"escalation case {notes}."
        )
    if delta_cols:
        text += f"\nΔ columns: value minus {value_cols[0]!r}."
    return text


def comparison_to_csv_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison flattened for CSV/Excel (section and metric as columns)."""
    out = table.reset_index()
    for c in out.columns:
        if out[c].dtype == float:
            out[c] = out[c].where(np.isfinite(out[c]))
    return out


__all__ = [
    "COLLECTIVE_METRICS",
    "VENUE_METRICS",
    "compare_results",
    "comparison_to_csv_frame",
    "format_comparison",
    "scenario_kpis",
]
