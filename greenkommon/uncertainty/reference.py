"""The per-year reference path of an uncertainty run: one sampled year at a time through the
scenario's own stages (weather, production, loads, allocation, bills, projection).

Kept as the reference the batched path (:mod:`greenkommon.uncertainty.batch`) is tested
against, and used where the batched path does not apply (portfolios, Dask)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ScenarioError


def load_variation(
    consumption_kwh: np.ndarray,
    rng: np.random.Generator,
    volume_sd_pct: float,
    profile_noise_pct: float,
) -> tuple[np.ndarray, np.ndarray]:
    """One draw of the load variations.

    Parameters
    ----------
    consumption_kwh : numpy.ndarray
        (N, T) base loads [kWh per interval].
    rng : numpy.random.Generator
    volume_sd_pct : float
        Standard deviation of the yearly volume factor [%] (lognormal, mean 1).
    profile_noise_pct : float
        Standard deviation of the per-interval multiplicative noise [%].

    Returns
    -------
    consumption_kwh : numpy.ndarray
        (N, T) varied loads [kWh], ≥ 0, with Σ_t = factor × base Σ_t per venue.
    factors : numpy.ndarray
        (N,) yearly volume factors [-].

    Notes
    -----
    Lognormal with mean 1 and standard deviation s: σ² = ln(1 + s²), μ = −σ²/2.
    """
    if volume_sd_pct < 0 or profile_noise_pct < 0:
        raise ScenarioError("uncertainty: volume and profile variations must be >= 0 %")
    n, t_len = consumption_kwh.shape
    s = volume_sd_pct / 100.0
    sigma2 = np.log1p(s * s)
    factors = rng.lognormal(-sigma2 / 2.0, np.sqrt(sigma2), size=n) if s > 0 else np.ones(n)
    out = np.array(consumption_kwh, dtype=float, copy=True)
    if profile_noise_pct > 0:
        noise = np.clip(
            1.0 + (profile_noise_pct / 100.0) * rng.standard_normal((n, t_len)), 0.0, None
        )
        noisy = out * noise
        base = out.sum(axis=1)
        got = noisy.sum(axis=1)
        scale = np.divide(base, got, out=np.ones(n), where=got > 0)
        out = noisy * scale[:, None]
    out *= factors[:, None]
    return np.ascontiguousarray(out), factors


@dataclass(frozen=True)
class _Context:
    """What every sample needs (picklable, shipped once to Dask workers)."""

    scenario: Any
    key: Any
    kind: str | None
    coefficients: np.ndarray | None
    floor: bool
    volume_sd_pct: float
    profile_noise_pct: float
    irradiation_sd_pct: float | None
    seed: int
    fixed_loads: np.ndarray | None
    reference_ghi_kwh_per_m2: float
    portfolio: bool = False


def _sample(ctx: _Context, k: int, label: Any, wx: pd.DataFrame | None) -> dict[str, Any]:
    """One sampled year (pure function of its inputs: same on a Dask worker as here)."""
    from .._cache import bypassed

    with bypassed():  # each sampled year is computed once: keep it out of the stage cache
        if ctx.portfolio:
            return _portfolio_row(ctx, k, label, *sampled_portfolio_year(ctx, k, wx))
        return _sample_year(ctx, k, label, wx)


def _sampled_weather(ctx: _Context, k: int) -> Any:
    """``[weather]`` of synthetic sampled year ``k``: seed ``k``, year-to-year variability on."""
    return dataclasses.replace(
        ctx.scenario.weather,
        seed=k,
        interannual_variability=True,
        interannual_sd_pct=ctx.irradiation_sd_pct,
    )


def _is_portfolio(scenario: Any) -> bool:
    """Several operations, several plants or own roofs: sampled through :func:`evaluate`."""
    return (
        not scenario.is_single_operation
        or len(scenario.plants) != 1
        or any(v.own_plant is not None for v in scenario.venues)
    )


def sampled_portfolio_year(
    ctx: _Context, k: int, wx: pd.DataFrame | None
) -> tuple[Any, Any, np.ndarray]:
    """Sampled year ``k`` of a portfolio: its energy and its evaluation.

    The weather of year ``k`` (synthetic seed ``k`` at every plant's location, or the file year
    ``wx`` at all of them) goes through :func:`greenkommon.energy.simulate_energy`; the venues'
    gross loads get the year's variations (:func:`load_variation`, before their own roofs, as
    Enedis would measure them after); :func:`greenkommon.evaluate.evaluate` does the rest.

    Returns
    -------
    energy : EnergyResult
    result : PortfolioResult
    factors : numpy.ndarray
        (N,) the venues' yearly volume factors [-].
    """
    from ..energy import simulate_energy
    from ..evaluate import evaluate

    scenario = ctx.scenario
    if wx is None:
        cfg = _sampled_weather(ctx, k)
        energy = simulate_energy(dataclasses.replace(scenario, weather=cfg))
    else:
        energy = simulate_energy(scenario, weather=wx)
    rng = np.random.default_rng([ctx.seed, k])
    gross = energy.consumption_kwh
    varied, factors = load_variation(
        np.ascontiguousarray(gross.to_numpy(dtype=float).T),
        rng,
        ctx.volume_sd_pct,
        ctx.profile_noise_pct,
    )
    energy = dataclasses.replace(
        energy,
        consumption_kwh=pd.DataFrame(varied.T, index=gross.index, columns=gross.columns),
    )
    result = evaluate(scenario, energy)
    return energy, result, factors


def _portfolio_row(
    ctx: _Context, k: int, label: Any, energy: Any, result: Any, factors: np.ndarray
) -> dict[str, Any]:
    """One sample's row, read from the :class:`~greenkommon.results.PortfolioResult`."""
    from ..sweep import finance_metrics

    col = result.collective
    ghi_kwh_per_m2 = float(energy.weather["ghi"].sum()) / 1000.0
    row: dict[str, Any] = {
        "sample": k,
        "weather": str(label),
        "ghi_kwh_per_m2": ghi_kwh_per_m2,
        "irradiation_factor": ghi_kwh_per_m2 / ctx.reference_ghi_kwh_per_m2,
        "production_kwh": col.shared_production_kwh,
        "own_production_kwh": col.own_production_kwh,
        "allocated_kwh": col.allocated_kwh,
        "surplus_kwh": col.surplus_kwh,
        "self_consumption_pct": 100.0 * col.allocated_kwh / col.shared_production_kwh
        if col.shared_production_kwh > 0
        else np.nan,
        "self_sufficiency_pct": col.self_sufficiency_pct,
        "savings_eur": col.savings_eur,
    }
    for i, v in enumerate(result.venues):
        row[f"{v.name}.volume_factor"] = float(factors[i])
        row[f"{v.name}.self_sufficiency_pct"] = v.self_sufficiency_pct
        row[f"{v.name}.savings_eur"] = v.savings_eur
    npv: dict[str, list[float]] = {}
    for op in result.operations:
        t = op.totals()
        row[f"{op.name}.production_kwh"] = t.production_kwh
        row[f"{op.name}.self_sufficiency_pct"] = t.self_sufficiency_pct
        row[f"{op.name}.savings_eur"] = t.savings_eur
        if op.finance is None:
            continue
        for metric, value in finance_metrics(op.finance, []).items():
            if metric.startswith("producer."):
                row[f"{op.name}.{metric}"] = value
            if metric.startswith("producer.npv_eur["):
                npv.setdefault(metric, []).append(value)
    # the producers' NPVs add up (euros of the same years); their IRRs do not
    for metric, values in npv.items():
        if len(values) == len(result.operations):
            row[metric] = float(sum(values))
    return row


def _sample_year(ctx: _Context, k: int, label: Any, wx: pd.DataFrame | None) -> dict[str, Any]:
    from .. import allocation, consumption, production, weather
    from ..economics import project_finance
    from ..sweep import GroupEnergy, finance_metrics, money_model, variant_bills
    from ..timegrid import make_index

    scenario = ctx.scenario
    sim, plant, names = scenario.simulation, scenario.plant, scenario.venue_names
    index = make_index(sim.year, sim.step, sim.timezone)
    kwp = plant.peak_power_kwp
    if wx is None:
        cfg = _sampled_weather(ctx, k)
        wx, _meta = weather.load_weather(
            cfg, plant.latitude_deg, plant.longitude_deg, plant.altitude_m, sim.year, sim.timezone
        )
    rng = np.random.default_rng([ctx.seed, k])
    prod = production.simulate_production(wx, plant, index).to_numpy(dtype=float)
    ghi_kwh_per_m2 = float(wx["ghi"].sum()) / 1000.0  # hourly means [W/m²] -> [kWh/m²]
    if ctx.fixed_loads is not None:
        base = ctx.fixed_loads
    else:
        base = (
            consumption.build_consumption(
                [v.load for v in scenario.venues], names, index, weather=wx
            )
            .to_numpy(dtype=float)
            .T
        )
    cons, factors = load_variation(base, rng, ctx.volume_sd_pct, ctx.profile_noise_pct)
    energy = GroupEnergy(
        index, np.ascontiguousarray(prod / kwp) if kwp > 0 else prod, kwp, cons, tuple(names)
    )
    money = money_model(scenario, energy, kwp)
    weights = ("value", "grid", "autocons", "internal_borne", "internal")
    sums: dict[str, np.ndarray] = {}
    if ctx.kind is not None:
        res = None
        for w in weights:
            wt = money.weights[w]
            if res is not None and np.all(wt == wt[:, :1]):
                # a price constant in time: Σ_t A w = w Σ_t A, no second pass needed
                sums[w] = res.allocated_kwh[0] * wt[:, 0]
                continue
            res = allocation.allocate_batch_kpis(
                energy.production_per_kwp,
                cons,
                ctx.kind,
                None if ctx.kind == "prorata" else ctx.coefficients,
                peak_power_kwp=[kwp],
                price_eur_per_kwh=wt,
            )
            sums[w] = res.value_eur[0]
        assert res is not None  # weights is not empty
        allocated, surplus = res.allocated_kwh[0], float(res.surplus_kwh[0])
    else:
        a = allocation.allocate(prod, cons, ctx.key, floor_to_permille=ctx.floor)
        allocated, surplus = a.allocated_kwh.sum(axis=1), float(a.surplus_kwh.sum())
        for w in weights:
            sums[w] = (a.allocated_kwh * money.weights[w]).sum(axis=1)
    bills = variant_bills(money, allocated, sums)
    production_kwh = float(prod.sum())
    cons_total = cons.sum(axis=1)
    row: dict[str, Any] = {
        "sample": k,
        "weather": str(label),
        "ghi_kwh_per_m2": ghi_kwh_per_m2,
        "irradiation_factor": ghi_kwh_per_m2 / ctx.reference_ghi_kwh_per_m2,
        "production_kwh": production_kwh,
        "allocated_kwh": float(allocated.sum()),
        "surplus_kwh": surplus,
        "self_consumption_pct": 100.0 * allocated.sum() / production_kwh
        if production_kwh > 0
        else np.nan,
        "self_sufficiency_pct": 100.0 * allocated.sum() / cons_total.sum(),
        "savings_eur": float(bills["savings_eur"].sum()),
    }
    for i, n in enumerate(names):
        row[f"{n}.volume_factor"] = float(factors[i])
        row[f"{n}.self_sufficiency_pct"] = (
            100.0 * allocated[i] / cons_total[i] if cons_total[i] > 0 else np.nan
        )
        row[f"{n}.savings_eur"] = float(bills.loc[n, "savings_eur"])
    # the bank view (a P90 re-run) is not summarised per sample: skip its cost
    fin = project_finance(bills, surplus, scenario.finance, scenario.prices, kwp, with_bank=False)
    row.update(finance_metrics(fin, names))
    return row


def _single_context(
    scenario: Any,
    volume_sd_pct: float,
    profile_noise_pct: float,
    irradiation_sd_pct: float | None,
    seed: int,
    reference_ghi: float,
) -> _Context:
    """One operation, one plant: the key built once and the batched allocation core."""
    from .. import allocation, consumption
    from ..evaluate import build_key
    from ..pipeline import simulate_energy
    from ..sweep import _batch_kind

    names = scenario.venue_names
    # The key is set once, on the scenario's own year (an optimised key is not re-optimised).
    index, wx0, _m, prod0, cons0 = simulate_energy(scenario)
    key, _report = build_key(scenario.key, scenario, prod0, cons0)
    floor = scenario.key.floor_to_permille and scenario.key.type != "prorata"
    kind = _batch_kind(key, floor)
    coefficients = None
    if kind in ("static", "redistributed"):
        coefficients = np.asarray(key.coefficients, dtype=float)
        if floor:
            coefficients = allocation.floor_coefficients(coefficients)
    # Loads that do not react to the weather are built once.
    no_weather = consumption.build_consumption(
        [v.load for v in scenario.venues], names, index, weather=None
    )
    fixed = None
    if np.array_equal(no_weather.to_numpy(), cons0.to_numpy()):
        fixed = np.ascontiguousarray(cons0.to_numpy(dtype=float).T)

    return _Context(
        scenario,
        key,
        kind,
        coefficients,
        floor,
        volume_sd_pct,
        profile_noise_pct,
        irradiation_sd_pct,
        seed,
        fixed,
        reference_ghi,
    )
