"""Uncertainty: a scenario over many weather years and load variations, summarised as P10/P50/P90.

Each sample ``k = 1..n`` is one plausible year of operation:

* **weather** -- the synthetic generator's *sampled year* ``k`` (``[weather] source =
  'synthetic'``): seed ``k`` with ``interannual_variability = true``, so that the monthly
  irradiation sums vary from year to year with the climatology's sourced year-to-year
  variability (:func:`greenkommon.weather.interannual_factors`; ``irradiation_sd_pct``
  overrides the figure); or calendar year ``k`` of a multi-year hourly series the user has
  (e.g. a PVGIS hourly download 2005-2023), placed on the simulated calendar year; with fewer
  file years than samples the years are reused in turn, each time with fresh load draws;
* **production** and the venues' **base loads** from the scenario's own stages on that weather;
* **load variations**: each venue's yearly volume is multiplied by a lognormal factor of mean 1
  and standard deviation ``volume_sd_pct`` (a busier or quieter year), and every interval by
  ``1 + profile_noise_pct/100 · ε``, ε ~ N(0, 1), clipped at 0 and renormalised so the noise
  changes the shape, not the volume (events moved, equipment left on). Draws come from
  ``numpy.random.default_rng([seed, k])``: reproducible and independent of the number of samples.

The sharing key is the scenario's. An ``optimised`` key is optimised once, on the scenario's own
year, and then kept: the PMO sets a key ahead of time and does not re-optimise it on the weather
it will get. Allocation KPIs come from the batched core
(:func:`greenkommon.allocation.allocate_batch_kpis`), bills from the economics stage linearised
exactly as in :mod:`greenkommon.sweep`, the long-term figures from
:func:`greenkommon.economics.project_finance`.

Percentile convention
---------------------
``P90`` is the value **exceeded with 90 % probability**, i.e. the 10th percentile of the sampled
outcomes (the convention of PV yield assessments and of banks); ``P50`` is the median; ``P10`` is
the value exceeded with 10 % probability (the 90th percentile). Percentiles use linear
interpolation between order statistics (``numpy.percentile``). For a quantity where more is
worse (a bill), P90 is therefore the *low* end.
"""

from __future__ import annotations

import dataclasses
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError, GreenkommonWarning, ScenarioError

#: Exceedance probabilities reported, as (label, percentile of outcomes).
PERCENTILES = (("P90", 10.0), ("P50", 50.0), ("P10", 90.0))


@dataclass(frozen=True)
class UncertaintyResult:
    """Samples and summary of an uncertainty run.

    Attributes
    ----------
    samples : pandas.DataFrame
        One row per sampled year: ``sample``, ``weather`` (seed or file year),
        ``ghi_kwh_per_m2`` (annual horizontal irradiation of that year [kWh/m²]),
        ``irradiation_factor`` (its ratio to the climatology's annual sum, or to the mean of the
        file's years [-]), then ``production_kwh``, ``allocated_kwh``, ``surplus_kwh``, ``self_consumption_pct``,
        ``self_sufficiency_pct``, ``savings_eur`` [€/yr], ``<venue>.volume_factor`` [-],
        ``<venue>.self_sufficiency_pct``, ``<venue>.savings_eur`` and, per escalation case,
        ``producer.npv_eur[case]`` (and the other columns of
        :func:`greenkommon.sweep.finance_metrics`).
    summary : pandas.DataFrame
        Index metric; columns ``P90``, ``P50``, ``P10``, ``mean``, ``std`` (see the module's
        percentile convention).
    case : str or None
        Escalation case of ``producer_npv_eur`` in the summary.
    settings : dict
        Years, seeds, load-variation settings, weather source.
    """

    samples: pd.DataFrame
    summary: pd.DataFrame
    case: str | None
    settings: dict[str, Any] = field(default_factory=dict)

    def report_mapping(self) -> dict[str, Any]:
        """What :func:`greenkommon.report.html.build_html_report` takes as ``uncertainty``."""
        return {
            "savings_eur_samples": self.samples["savings_eur"].to_numpy(dtype=float),
            "production_kwh_samples": self.samples["production_kwh"].to_numpy(dtype=float),
            "summary": self.summary,
            "settings": self.settings,
        }


def exceedance(values: Sequence[float] | np.ndarray) -> dict[str, float]:
    """P90, P50, P10 of samples: the values exceeded with 90 %, 50 %, 10 % probability.

    Examples
    --------
    >>> exceedance(np.arange(1, 102))  # 1..101: 10th, 50th, 90th percentiles
    {'P90': 11.0, 'P50': 51.0, 'P10': 91.0}
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return {label: float("nan") for label, _ in PERCENTILES}
    return {label: float(np.percentile(arr, q)) for label, q in PERCENTILES}


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


def _file_years(path: Path, year: int, tz: str) -> list[tuple[int, pd.DataFrame]]:
    """Complete calendar years of a multi-year hourly weather file, each placed on ``year``."""
    from .weather import read_weather_file, roll_to_year

    data, _meta = read_weather_file(path)
    years = []
    for y, part in data.groupby(data.index.year):
        if len(part) >= 8760:
            years.append((int(y), roll_to_year(part, year, tz, what=str(path))))
    if not years:
        raise DataError(
            f"{path}: no complete calendar year of hourly data; expected a multi-year series"
        )
    return years


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
    from ._cache import bypassed

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
    from .energy import simulate_energy
    from .evaluate import evaluate

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
    from .sweep import finance_metrics

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
    from . import allocation, consumption, production, weather
    from .economics import project_finance
    from .sweep import GroupEnergy, finance_metrics, money_model, variant_bills
    from .timegrid import make_index

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


def run_uncertainty(
    scenario: Any,
    years: int = 200,
    *,
    volume_sd_pct: float = 5.0,
    profile_noise_pct: float = 5.0,
    irradiation_sd_pct: float | None = None,
    seed: int = 0,
    weather_file: str | Path | None = None,
    case: str | None = None,
    progress: bool | Callable[[int], None] = True,
    dask_address: str | Any | None = None,
) -> UncertaintyResult:
    """Run a scenario over ``years`` sampled years and summarise P90/P50/P10.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    years : int
        Number of samples (synthetic weather seeds 1..years, or file years in turn).
    volume_sd_pct, profile_noise_pct : float
        Load variations [%] (see module docstring); 0 disables them.
    irradiation_sd_pct : float, optional
        Year-to-year standard deviation of the annual irradiation of the synthetic sampled
        years [%]. Default: ``[weather].interannual_sd_pct`` if set, else the climatology's
        ``[interannual]`` figure (3.9 % for the bundled one, UNCONFIRMED, see
        ``weather/README.md``). 0 gives typical-climatology years that differ only in their
        day-to-day weather (a spread of about 0.1 %: not a P90). Not allowed with
        ``weather_file``, whose years carry their own variability.
    seed : int
        Seed of the load draws.
    weather_file : str or Path, optional
        Multi-year hourly weather series (any format :func:`greenkommon.weather.read_weather_file`
        reads); default: the synthetic generator.
    case : str, optional
        Escalation case for ``producer_npv_eur`` in the summary (default: the scenario's headline case, [finance] headline_case).
    progress : bool or callable
        tqdm bar on stderr, or a callable receiving the number of finished samples.
    dask_address : str or distributed.Client, optional
        Spread the samples over a Dask cluster (``'local'``: a LocalCluster of processes).

    Returns
    -------
    UncertaintyResult
    """
    if years < 1:
        raise ScenarioError(f"uncertainty: --years {years}: expected at least 1")
    if irradiation_sd_pct is not None and not (0 <= irradiation_sd_pct <= 50):
        raise ScenarioError(
            f"uncertainty: irradiation sd {irradiation_sd_pct}: expected 0 to 50 % (1 sd)"
        )
    sim = scenario.simulation
    names = scenario.venue_names
    portfolio = _is_portfolio(scenario)
    optimised = [op.name for op in scenario.operations if op.key.type == "optimised"]
    if portfolio and optimised:
        # evaluate() would re-optimise the key on every sampled year; a PMO sets it ahead
        raise ScenarioError(
            f"{scenario.file}: operation {optimised[0]!r}: key.type = 'optimised': uncertainty "
            "of a portfolio takes fixed keys for now (give the optimised coefficients as a "
            "static key)"
        )
    if weather_file is None and scenario.weather.source != "synthetic":
        raise ScenarioError(
            f"{scenario.file}: weather.source = {scenario.weather.source!r}: one file gives one year; "
            "pass a multi-year series (--weather-file) or use the synthetic generator"
        )

    # Weather years first: wrong settings fail before the (slow) scenario run.
    sd_source = ""
    if weather_file is not None:
        if irradiation_sd_pct is not None:
            raise ScenarioError(
                f"uncertainty: --irradiation-sd {irradiation_sd_pct} with --weather-file "
                f"{weather_file}: a multi-year series carries its own year-to-year variability; "
                "drop one of them"
            )
        file_years = _file_years(Path(weather_file), sim.year, sim.timezone)
        reference_ghi = float(np.mean([wx["ghi"].sum() / 1000.0 for _y, wx in file_years]))
        source = f"file {Path(weather_file).name} ({len(file_years)} year(s))"
        if len(file_years) < years:
            warnings.warn(
                f"{weather_file}: {len(file_years)} weather year(s) for {years} samples: years are "
                "reused in turn with fresh load draws",
                GreenkommonWarning,
                stacklevel=2,
            )
    else:
        from .weather import DEFAULT_CLIMATOLOGY, load_climatology

        file_years = []
        clim = load_climatology(scenario.weather.climatology or DEFAULT_CLIMATOLOGY)
        reference_ghi = float(sum(clim.ghi_kwh_per_m2))
        if irradiation_sd_pct is None and scenario.weather.interannual_sd_pct is not None:
            irradiation_sd_pct = scenario.weather.interannual_sd_pct
            sd_source = f"{scenario.file}: [weather].interannual_sd_pct"
        elif irradiation_sd_pct is None:
            if clim.ghi_annual_sd_pct is None and clim.ghi_monthly_sd_pct is None:
                raise ScenarioError(
                    f"climatology {clim.name}: no year-to-year variability ([interannual] "
                    "ghi_annual_sd_pct): give --irradiation-sd PCT (a figure sourced for the "
                    "site) or a multi-year --weather-file"
                )
            irradiation_sd_pct = clim.annual_sd_pct()
            confidence = clim.interannual_confidence.split(":", 1)[0].strip() or "see its source"
            sd_source = f"climatology {clim.name} [interannual], {confidence}"
        else:
            sd_source = "--irradiation-sd"
        source = f"synthetic sampled years, seeds 1..{years}"
        if irradiation_sd_pct == 0:
            warnings.warn(
                "irradiation sd 0 %: synthetic years keep the climatology's monthly irradiation, so "
                "the production spread leaves out year-to-year irradiation variability (use the "
                "climatology's figure, --irradiation-sd with a figure sourced for the site, or "
                "--weather-file with a multi-year series)",
                GreenkommonWarning,
                stacklevel=2,
            )

    if portfolio:
        ctx = _Context(
            scenario,
            None,
            None,
            None,
            False,
            volume_sd_pct,
            profile_noise_pct,
            irradiation_sd_pct,
            seed,
            None,
            reference_ghi,
            portfolio=True,
        )
    else:
        ctx = _single_context(
            scenario,
            volume_sd_pct,
            profile_noise_pct,
            irradiation_sd_pct,
            seed,
            reference_ghi,
        )
    jobs: list[tuple[int, Any, Any]] = []  # (sample, year label, weather or None)
    for k in range(1, years + 1):
        if file_years:
            label, wx = file_years[(k - 1) % len(file_years)]
            jobs.append((k, label, wx))
        else:
            jobs.append((k, k, None))

    bar = None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=years, unit="year", desc="uncertainty", file=sys.stderr, dynamic_ncols=True
        )

    def tick(done: int) -> None:
        if bar is not None:
            bar.update(1)
        elif callable(progress):
            progress(done)

    rows: list[dict[str, Any]] = []
    try:
        if dask_address is None:
            for k, label, wx in jobs:
                rows.append(_sample(ctx, k, label, wx))
                tick(len(rows))
        else:
            rows = _run_dask(ctx, jobs, dask_address, tick)
    finally:
        if bar is not None:
            bar.close()
    samples = pd.DataFrame(sorted(rows, key=lambda r: r["sample"]))
    cases = [
        c[len("producer.npv_eur[") : -1]
        for c in samples.columns
        if c.startswith("producer.npv_eur[")
    ]
    if case is None:
        from .economics.finance import headline_case_name

        # the scenario's headline case ([finance] headline_case), as every other output
        headline = headline_case_name(scenario.finance)
        case = headline if headline in cases else (cases[0] if cases else None)
    elif case not in cases:
        raise ScenarioError(
            f"uncertainty: no escalation case {case!r}; expected one of {', '.join(map(repr, cases))}"
        )
    operations = [op.name for op in scenario.operations] if portfolio else []
    summary = summarise(samples, names, case, operations=operations)
    settings = {
        "years": years,
        "weather": source,
        "volume_sd_pct": volume_sd_pct,
        "profile_noise_pct": profile_noise_pct,
        "irradiation_sd_pct": irradiation_sd_pct,
        "irradiation_sd_source": sd_source,
        "seed": seed,
        "key": ", ".join(dict.fromkeys(op.key.type for op in scenario.operations))
        if portfolio
        else scenario.key.type,
        "convention": "P90 = exceeded with 90 % probability (10th percentile of outcomes)",
    }
    return UncertaintyResult(samples, summary, case, settings)


def _single_context(
    scenario: Any,
    volume_sd_pct: float,
    profile_noise_pct: float,
    irradiation_sd_pct: float | None,
    seed: int,
    reference_ghi: float,
) -> _Context:
    """One operation, one plant: the key built once and the batched allocation core."""
    from . import allocation, consumption
    from .evaluate import build_key
    from .pipeline import simulate_energy
    from .sweep import _batch_kind

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


def _run_dask(
    ctx: _Context, jobs: list[tuple[int, Any, Any]], address: str | Any, tick: Callable[[int], None]
) -> list[dict[str, Any]]:
    from dask.distributed import as_completed

    from .sweep import dask_client

    with dask_client(address) as client:
        ctx_f = client.scatter(ctx, broadcast=True)
        futures = [client.submit(_sample, ctx_f, k, label, wx, pure=False) for k, label, wx in jobs]
        rows = []
        for fut in as_completed(futures):
            rows.append(fut.result())
            fut.release()
            tick(len(rows))
        return rows


def summary_metrics(
    names: Sequence[str], case: str | None, operations: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """(column of the samples, label) of the summary rows (``operations``: a portfolio's)."""
    out = [
        ("production_kwh", "production [kWh/yr]"),
        ("self_consumption_pct", "self-consumption [%]"),
        ("self_sufficiency_pct", "self-sufficiency, all venues [%]"),
        ("savings_eur", "venues' savings [€/yr]"),
    ]
    for n in names:
        out.append((f"{n}.self_sufficiency_pct", f"{n}: self-sufficiency [%]"))
        out.append((f"{n}.savings_eur", f"{n}: savings [€/yr]"))
    for op in operations:
        out.append((f"{op}.production_kwh", f"{op}: production [kWh/yr]"))
        out.append((f"{op}.self_sufficiency_pct", f"{op}: self-sufficiency [%]"))
        if case is not None:
            out.append((f"{op}.producer.npv_eur[{case}]", f"{op}: producer NPV, {case} [€]"))
    if case is not None and operations:
        out.append((f"producer.npv_eur[{case}]", f"producers' NPV, all operations, {case} [€]"))
    elif case is not None:
        out.append((f"producer.npv_eur[{case}]", f"producer NPV, {case} [€]"))
        out.append((f"producer.irr[{case}]", f"producer IRR, {case} [-]"))
    return out


def summarise(
    samples: pd.DataFrame,
    names: Sequence[str],
    case: str | None,
    operations: Sequence[str] = (),
) -> pd.DataFrame:
    """P90/P50/P10, mean and standard deviation of the summary metrics."""
    rows = {}
    for col, label in summary_metrics(names, case, operations):
        if col not in samples:
            continue
        values = samples[col].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        rows[label] = {
            **exceedance(values),
            "mean": float(finite.mean()) if finite.size else np.nan,
            "std": float(finite.std(ddof=1)) if finite.size > 1 else np.nan,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "metric"
    return table


def format_summary(result: UncertaintyResult) -> str:
    """The summary as a plain-text table with the convention spelled out."""
    from .report import format_table

    rows = []
    for label, r in result.summary.iterrows():
        pct = "[-]" in label
        fmt = (
            (lambda v: f"{100 * v:.1f} %")
            if pct
            else (
                lambda v: (
                    f"{v:,.1f}".replace(",", " ")
                    if abs(v) < 1000
                    else f"{v:,.0f}".replace(",", " ")
                )
            )
        )
        rows.append(
            [
                label.replace(" [-]", ""),
                *(
                    fmt(r[c]) if np.isfinite(r[c]) else "—"
                    for c in ("P90", "P50", "P10", "mean", "std")
                ),
            ]
        )
    s = result.settings
    irr = s.get("irradiation_sd_pct")
    irr_text = (
        f"annual irradiation ±{irr:g} % (1 sd; {s.get('irradiation_sd_source')}), "
        if irr is not None
        else ""
    )
    head = (
        f"{s.get('years')} sampled years (weather: {s.get('weather')}; {irr_text}"
        f"yearly volume ±{s.get('volume_sd_pct')} % (1 sd), profile noise "
        f"{s.get('profile_noise_pct')} %; key '{s.get('key')}')"
    )
    table = format_table(rows, ["metric", "P90", "P50", "P10", "mean", "std"])
    return (
        f"{head}\n\n{table}\n\nP90 = value exceeded in 90 % of the sampled years (10th percentile); "
        "P50 = median; P10 = exceeded in 10 % (90th percentile)."
    )


def plot_histograms(
    result: UncertaintyResult, path: str | Path | None = None, columns: Sequence[str] | None = None
) -> Any:
    """Histograms of the sampled outcomes with P90/P50/P10 marks (matplotlib).

    Parameters
    ----------
    result : UncertaintyResult
    path : str or Path, optional
        Write the figure there (PNG, SVG or PDF by suffix), atomically.
    columns : sequence of str, optional
        Sample columns to plot (default: production, venues' savings, producer NPV).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if columns is None:
        columns = ["production_kwh", "savings_eur"]
        if result.case is not None:
            columns.append(f"producer.npv_eur[{result.case}]")
    titles = {"production_kwh": "production [kWh/yr]", "savings_eur": "venues' savings [€/yr]"}
    fig = Figure(figsize=(4.2 * len(columns), 3.4), layout="constrained")
    axes = fig.subplots(1, len(columns), squeeze=False)[0]
    for ax, col in zip(axes, columns, strict=True):
        values = result.samples[col].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        ax.hist(values, bins=min(30, max(5, values.size // 5)), color="#6a9f58", edgecolor="white")
        for (label, v), style in zip(exceedance(values).items(), ("--", "-", ":"), strict=True):
            ax.axvline(
                v,
                color="#333333",
                linestyle=style,
                linewidth=1.2,
                label=f"{label} {v:,.0f}".replace(",", " "),
            )
        title = titles.get(col)
        if title is None and col.startswith("producer.npv_eur["):
            title = f"producer NPV, {col[len('producer.npv_eur[') : -1]} [€]"
        ax.set_title(title or col, fontsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}".replace(",", " ")))
        ax.set_ylabel("sampled years")
        ax.legend(fontsize=8)
    fig.suptitle(
        f"{result.settings.get('years')} sampled years — P90 = exceeded in 90 % of them",
        fontsize=10,
    )
    if path is not None:
        from ._io import atomic_write as _atomic_write

        path = Path(path)
        fmt = path.suffix.lstrip(".").lower() or "png"
        _atomic_write(path, lambda p: fig.savefig(p, format=fmt, dpi=120))
    return fig


def write_uncertainty(result: UncertaintyResult, out_dir: str | Path, image: str = "png") -> Path:
    """Write ``samples.parquet``, ``samples.csv``, ``summary.csv`` and ``histogram.<image>`` into
    ``out_dir`` (a new, empty or previous result folder; only greenkommon's own files there are
    replaced: :func:`greenkommon._io.output_folder`)."""
    from ._io import atomic_write as _atomic_write
    from ._io import output_folder

    with output_folder(out_dir, command="uncertainty") as out:
        _atomic_write(out / "samples.parquet", lambda p: result.samples.to_parquet(p, index=False))
        _atomic_write(out / "samples.csv", lambda p: result.samples.to_csv(p, index=False))
        _atomic_write(out / "summary.csv", lambda p: result.summary.to_csv(p))
        plot_histograms(result, out / f"histogram.{image}")
    return Path(out_dir)


__all__ = [
    "PERCENTILES",
    "UncertaintyResult",
    "exceedance",
    "format_summary",
    "load_variation",
    "plot_histograms",
    "run_uncertainty",
    "summarise",
    "write_uncertainty",
]
