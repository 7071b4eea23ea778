"""KPIs of a chunk of variants sharing one energy group: the batched allocation core and the
affine money model, the long-term projection per variant with ``--finance``."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..economics.affine import (
    FINANCE_WEIGHTS,
    AffineBills,
    MoneyModel,
    variant_bills,
    weighted_sums,
)
from ..errors import ScenarioError
from .grid import PEAK_PATH, apply_overrides, fill_key
from .group import GroupEnergy


def _evaluate_portfolio_chunk(
    energy: GroupEnergy,
    group_mapping: dict[str, Any],
    file: str | Path | None,
    rows: Sequence[tuple[int, dict[str, Any]]],
    finance: bool,
) -> pd.DataFrame:
    """Variants of a portfolio, each through :func:`greenkommon.evaluate.evaluate` on the
    group's simulated energy: collective totals, then ``<venue>.<field>`` and
    ``<operation>.eligible`` / ``<operation>.savings_eur``."""
    from ..evaluate import evaluate
    from ..scenario import parse_scenario

    assert energy.portfolio is not None
    out = []
    for vid, overrides in rows:
        if PEAK_PATH in overrides:
            raise ScenarioError(
                f"--vary {PEAK_PATH}: a portfolio has several plants; vary the size of one of "
                "them (plants.<name>.sections...) or use a single-plant scenario"
            )
        scenario = parse_scenario(apply_overrides(group_mapping, overrides), file)
        result = evaluate(scenario, energy.portfolio, project_finance=finance)
        row: dict[str, Any] = {"variant_id": vid}
        row.update(dataclasses.asdict(result.collective))
        for venue in result.venues:
            for name, value in dataclasses.asdict(venue).items():
                if name != "name" and isinstance(value, int | float):
                    row[f"{venue.name}.{name}"] = value
        for op in result.operations:
            row[f"{op.name}.eligible"] = bool(op.eligibility.eligible)
            row[f"{op.name}.savings_eur"] = op.totals().savings_eur
        out.append(row)
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------------------------
# KPIs of a batch of variants sharing one energy group
# ---------------------------------------------------------------------------------------------
def money_model(scenario: Any, energy: GroupEnergy, peak_power_kwp: float) -> MoneyModel:
    """The :class:`~greenkommon.economics.affine.MoneyModel` of a validated scenario at a plant
    size [kWp] (one-off; a sweep keeps one :class:`AffineBills` per combination instead)."""
    return _affine_bills(scenario, energy).model(peak_power_kwp)


def _affine_bills(scenario: Any, energy: GroupEnergy) -> AffineBills:
    return AffineBills(
        energy.index,
        energy.consumption_kwh,
        energy.venue_names,
        [v.contract for v in scenario.venues],
        scenario.prices,
    )


#: Bill models of the combinations evaluated recently in this process, by (energy group,
#: combination), with the money model of every plant size met so far: the chunks of one
#: combination share prices and pieces instead of recomputing them (a worker keeps its own;
#: entries hold their energy so an id is never reused wrongly). A plan evaluates a combination's
#: variants one after the other (plant size fastest), so a few entries suffice: each holds
#: (N, T) price and weight arrays per piece, ~17 MB at 30 min for 4 venues.
_BILLS_MEMO: dict[tuple[int, str], tuple[GroupEnergy, AffineBills, dict[float, MoneyModel]]] = {}
_BILLS_MEMO_SIZE = 4


def _money_by_size(
    scenario: Any,
    energy: GroupEnergy,
    token: str,
    kwp: np.ndarray,
    sizes: Sequence[float] | None,
) -> dict[float, MoneyModel]:
    """The money model of each plant size of ``kwp`` [kWp] for one combination.

    The pieces of equal prices are found over ``sizes`` (every size of the sweep) the first time,
    so a variant's model does not depend on which chunk it falls in, and later chunks of the
    combination find theirs without a price computation.
    """
    hit = _BILLS_MEMO.get((id(energy), token))
    if hit is not None and hit[0] is energy:
        bills, models = hit[1], hit[2]
    else:
        bills, models = _affine_bills(scenario, energy), {}
        if len(_BILLS_MEMO) >= _BILLS_MEMO_SIZE:
            _BILLS_MEMO.pop(next(iter(_BILLS_MEMO)))
        _BILLS_MEMO[(id(energy), token)] = (energy, bills, models)
    if not all(float(k) in models for k in kwp):
        if sizes is not None and not models:
            models.update(bills.by_size(sizes))
        missing = [k for k in kwp if float(k) not in models]
        if missing:
            models.update(bills.by_size(missing))
    return models


def batch_allocation_kpis(
    energy: GroupEnergy,
    key_kind: str,
    coefficients: np.ndarray | None,
    peak_power_kwp: np.ndarray,
    price_eur_per_kwh: np.ndarray,
) -> Any:
    """Yearly KPIs of S variants of one group through the batched numba core.

    Thin wrapper of :func:`greenkommon.allocation.allocate_batch_kpis` (production per kWp scaled
    by ``peak_power_kwp`` (S,); ``coefficients`` (S, N) or None for pro rata; ``price_eur_per_kwh``
    (N, T) weights the allocated kWh). Returns its :class:`~greenkommon.allocation.BatchKPIs`.
    """
    from .. import allocation

    sizes = np.asarray(peak_power_kwp, dtype=float)
    if energy.host_load_kwh is not None:
        # host load: one production row per variant (S, T) instead of a scaled per-kWp series
        rows = np.vstack([energy.production_kwh(k) for k in sizes])
        return allocation.allocate_batch_kpis(
            rows,
            energy.consumption_kwh,
            key_kind,
            None if key_kind == "prorata" else coefficients,
            price_eur_per_kwh=price_eur_per_kwh,
        )
    return allocation.allocate_batch_kpis(
        energy.production_per_kwp,
        energy.consumption_kwh,
        key_kind,
        None if key_kind == "prorata" else coefficients,
        peak_power_kwp=sizes,
        price_eur_per_kwh=price_eur_per_kwh,
    )


def _batch_kind(key: Any, floor: bool) -> str | None:
    """Which batched kernel reproduces a key of :mod:`greenkommon.allocation`, if any."""
    from .. import allocation

    if isinstance(key, allocation.ProrataKey):
        return "prorata"
    if isinstance(key, allocation.StaticKey):
        return "static"
    if isinstance(key, allocation.RedistributedKey) and not floor:
        # flooring applies to the per-interval key the strategy produces: no batched twin
        return "redistributed"
    return None


@dataclass
class _Combo:
    """Variants of one group sharing every cheap override except the plant size."""

    overrides: dict[str, Any]
    variant_ids: list[int]
    kwp: list[float]

    @property
    def token(self) -> str:
        return json.dumps(self.overrides, sort_keys=True, default=str)


def _tag(overrides: dict[str, Any], skip: str | None = None) -> Any:
    """A hashable identity of a set of overrides (1, 1.0 and True stay distinct), cheaper than
    JSON for the thousands of rows of a sweep."""
    try:
        tag = tuple(sorted((p, type(v).__name__, v) for p, v in overrides.items() if p != skip))
        hash(tag)
    except TypeError:  # an unhashable value (a list): its JSON text
        return json.dumps(
            {p: v for p, v in overrides.items() if p != skip}, sort_keys=True, default=str
        )
    return tag


def evaluate_chunk(
    energy: GroupEnergy,
    group_mapping: dict[str, Any],
    file: str | Path | None,
    rows: Sequence[tuple[int, dict[str, Any]]],
    finance: bool = False,
    sizes: Sequence[float] | None = None,
) -> pd.DataFrame:
    """KPIs of variants of one energy group (pure: same inputs, same frame).

    Parameters
    ----------
    energy : GroupEnergy
        Output of :func:`compute_group_energy` for ``group_mapping``.
    group_mapping : dict
        Raw scenario mapping of the group (base + the group's non-cheap overrides).
    file : str or Path or None
        Scenario file (for relative paths and messages).
    rows : sequence of (variant_id, cheap overrides)
    finance : bool
        Also project each variant over the plant's life
        (:func:`greenkommon.economics.project_finance`, ~0.1 s per variant): NPV, IRR and paybacks
        of the producer and the venues, and the venues' savings over the life, per escalation case.
    sizes : sequence of float, optional
        Every plant size of the sweep [kWp]: the money model's pieces of equal prices are found
        over them once per combination, so a variant's figures do not depend on its chunk.

    Returns
    -------
    pandas.DataFrame
        One row per variant, sorted by ``variant_id``.
    """
    from .. import allocation
    from ..evaluate import build_key
    from ..scenario import parse_scenario

    if energy.portfolio is not None:
        return _evaluate_portfolio_chunk(energy, group_mapping, file, rows, finance)
    combos: dict[Any, _Combo] = {}
    for vid, overrides in rows:
        tag = _tag(overrides, PEAK_PATH)
        combo = combos.get(tag)
        if combo is None:
            rest = {p: v for p, v in overrides.items() if p != PEAK_PATH}
            combo = combos[tag] = _Combo(rest, [], [])
        combo.variant_ids.append(vid)
        combo.kwp.append(float(overrides.get(PEAK_PATH, energy.peak_power_kwp)))

    names = list(energy.venue_names)
    cons_total = energy.consumption_kwh.sum(axis=1)
    cons_frame = energy.consumption_frame()
    out: list[pd.DataFrame] = []
    for combo in combos.values():
        mapping = apply_overrides(group_mapping, combo.overrides)
        fill_key(mapping, names, cons_total)
        scenario = parse_scenario(mapping, file)
        if scenario.venue_names != names:
            raise ScenarioError(f"{file}: overrides {combo.overrides} changed the venues")
        kwp = np.asarray(combo.kwp, dtype=float)
        floor = scenario.key.floor_to_permille and scenario.key.type != "prorata"
        # A key object per distinct plant size only when the key depends on the production.
        per_size = scenario.key.type in ("optimised",)
        keys: dict[float, Any] = {}
        for k in np.unique(kwp) if per_size else kwp[:1]:
            prod = pd.Series(energy.production_kwh(k), index=energy.index, name="production_kwh")
            keys[float(k)] = build_key(scenario.key, scenario, prod, cons_frame)[0]
        money = _money_by_size(scenario, energy, combo.token, kwp, sizes)
        wanted = ("value", *FINANCE_WEIGHTS) if finance else ("value",)
        sums = {w: np.empty((kwp.size, len(names))) for w in wanted}
        allocated = np.empty((kwp.size, len(names)))
        surplus = np.empty(kwp.size)
        kind = _batch_kind(next(iter(keys.values())), floor)
        if kind is not None:
            # batch by (money model, key) so each kernel call has one weight matrix
            batches: dict[tuple[int, int], list[int]] = {}
            for s, k in enumerate(kwp):
                key = keys[float(k)] if per_size else next(iter(keys.values()))
                batches.setdefault((id(money[float(k)]), id(key)), []).append(s)
            for idx in batches.values():
                idx_a = np.asarray(idx)
                k0 = float(kwp[idx_a[0]])
                model = money[k0]
                coef = None
                if kind != "prorata":
                    coef_list = []
                    for s in idx_a:
                        key = keys[float(kwp[s])] if per_size else next(iter(keys.values()))
                        c = np.asarray(key.coefficients, dtype=float)
                        coef_list.append(allocation.floor_coefficients(c) if floor else c)
                    coef = np.vstack(coef_list)
                for w in wanted:
                    res = batch_allocation_kpis(energy, kind, coef, kwp[idx_a], model.weights[w])
                    sums[w][idx_a] = res.value_eur
                allocated[idx_a] = res.allocated_kwh
                surplus[idx_a] = res.surplus_kwh
        else:
            for s, k in enumerate(kwp):
                key = keys[float(k)] if per_size else next(iter(keys.values()))
                res = allocation.allocate(
                    energy.production_kwh(k), energy.consumption_kwh, key, floor_to_permille=floor
                )
                allocated[s] = res.allocated_kwh.sum(axis=1)
                surplus[s] = res.surplus_kwh.sum()
                for w, v in weighted_sums(money[float(k)], res.allocated_kwh).items():
                    if w in sums:
                        sums[w][s] = v
        frame = _kpi_frame(combo.variant_ids, names, kwp, energy, allocated, surplus, sums, money)
        if finance:
            frame = pd.concat(
                [frame, _finance_frame(scenario, names, kwp, allocated, surplus, sums, money)],
                axis=1,
            )
        out.append(frame)
    result = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    return result.sort_values("variant_id", kind="stable").reset_index(drop=True)


def _kpi_frame(
    variant_ids: list[int],
    names: list[str],
    kwp: np.ndarray,
    energy: GroupEnergy,
    allocated_kwh: np.ndarray,
    surplus_kwh: np.ndarray,
    sums: dict[str, np.ndarray],
    money: dict[float, MoneyModel],
) -> pd.DataFrame:
    """Yearly KPIs (collective, then ``<venue>.<kpi>``) of variants of one combination."""
    consumption = energy.consumption_kwh.sum(axis=1)
    production = (
        np.array([energy.production_kwh(k).sum() for k in kwp])
        if energy.host_load_kwh is not None
        else energy.production_per_kwp.sum() * kwp
    )
    models = [money[float(k)] for k in kwp]
    bill_without = np.array([m.bill_without_eur for m in models])  # (S, N)
    bill_with0 = np.array([m.bill_with0_eur for m in models])
    bill_with = bill_with0 - sums["value"]
    savings = bill_without - bill_with
    sp = np.array([m.surplus_price_eur_per_kwh for m in models])
    internal_excl = np.array([m.internal0_eur for m in models]) + (
        sums["internal"] if "internal" in sums else 0.0
    )
    alloc_total = allocated_kwh.sum(axis=1)
    cons_total = float(consumption.sum())
    cols: dict[str, Any] = {
        "variant_id": np.asarray(variant_ids, dtype=np.int64),
        "peak_power_kwp": kwp,
        "production_kwh": production,
        "consumption_kwh": np.full(kwp.size, cons_total),
        "allocated_kwh": alloc_total,
        "surplus_kwh": surplus_kwh,
        "self_consumption_pct": np.divide(
            100.0 * alloc_total, production, out=np.full(kwp.size, np.nan), where=production > 0
        ),
        "self_sufficiency_pct": 100.0 * alloc_total / cons_total
        if cons_total > 0
        else np.full(kwp.size, np.nan),
        "bill_without_eur": bill_without.sum(axis=1),
        "bill_with_eur": bill_with.sum(axis=1),
        "savings_eur": savings.sum(axis=1),
        "surplus_revenue_eur": surplus_kwh * sp,
    }
    if "internal" in sums:
        cols["internal_revenue_eur"] = internal_excl.sum(axis=1)
    for i, name in enumerate(names):
        cols[f"{name}.consumption_kwh"] = np.full(kwp.size, consumption[i])
        cols[f"{name}.allocated_kwh"] = allocated_kwh[:, i]
        cols[f"{name}.self_sufficiency_pct"] = (
            100.0 * allocated_kwh[:, i] / consumption[i]
            if consumption[i] > 0
            else np.full(kwp.size, np.nan)
        )
        cols[f"{name}.bill_without_eur"] = bill_without[:, i]
        cols[f"{name}.bill_with_eur"] = bill_with[:, i]
        cols[f"{name}.savings_eur"] = savings[:, i]
    return pd.DataFrame(cols)


def finance_metrics(fin: Any, names: list[str]) -> dict[str, float]:
    """Flatten a :class:`~greenkommon.economics.FinanceResult` into ``stakeholder.metric[case]``.

    Per case: the producer's project NPV, IRR and payback; each venue's NPV, payback, savings over
    the plant's life and over its first 20 years (NaN for a shorter projection).
    """
    out: dict[str, float] = {}
    for case_name, case in fin.cases.items():
        m = case.metrics
        prod = m.loc["producer (project)"]
        out[f"producer.npv_eur[{case_name}]"] = float(prod["npv_eur"])
        out[f"producer.irr[{case_name}]"] = float(prod["irr"])
        out[f"producer.payback_years[{case_name}]"] = float(prod["simple_payback_years"])
        life_savings = case.venues["savings_eur"].groupby(level="venue").sum()
        years = case.venues.index.get_level_values("year")
        savings_20 = case.venues["savings_eur"][years <= 20].groupby(level="venue").sum()
        for n in names:
            out[f"{n}.npv_eur[{case_name}]"] = float(m.loc[n, "npv_eur"])
            out[f"{n}.payback_years[{case_name}]"] = float(m.loc[n, "simple_payback_years"])
            out[f"{n}.lifetime_savings_eur[{case_name}]"] = float(life_savings[n])
            out[f"{n}.savings_20y_eur[{case_name}]"] = (
                float(savings_20[n]) if years.max() >= 20 else float("nan")
            )
    return out


def _finance_frame(
    scenario: Any,
    names: list[str],
    kwp: np.ndarray,
    allocated: np.ndarray,
    surplus: np.ndarray,
    sums: dict[str, np.ndarray],
    money: dict[float, MoneyModel],
) -> pd.DataFrame:
    from ..economics import project_finance

    rows: list[dict[str, Any]] = []
    for s, k in enumerate(kwp):
        bills = variant_bills(money[float(k)], allocated[s], {w: v[s] for w, v in sums.items()})
        try:
            fin = project_finance(
                bills,
                float(surplus[s]),
                scenario.finance,
                scenario.prices,
                float(k),
                with_bank=False,  # the sweep tabulates NPVs, not the bank view
            )
        except ScenarioError as exc:
            # e.g. a fixed loan larger than a small plant's CAPEX: that variant has no projection,
            # the others still do (run_scenario would refuse the variant with the same message)
            rows.append({"finance_error": str(exc)})
            continue
        rows.append({**finance_metrics(fin, names), "finance_error": ""})
    frame = pd.DataFrame(rows)
    frame["finance_error"] = frame["finance_error"].fillna("").astype(object)
    cols = [c for c in frame.columns if c != "finance_error"] + ["finance_error"]
    return frame[cols]
