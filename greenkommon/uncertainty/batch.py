"""The batched path of an uncertainty run: a block of sampled years at a time.

Each sample's row equals the per-year reference path (:func:`reference._sample_year`) to 1e-9
relative (``tests/test_uncertainty_batch.py``); the stages are those of the reference, each over
a (years, T) block:

1. weather: :func:`greenkommon.weather.batch.synthetic_years` (the sun, the clear sky and the
   calendar once; each year's own random streams in the reference's order), or the file years
   stacked;
2. production: :func:`greenkommon.production_years.simulate_production_years` (pvlib's functions on
   the (Y, T) block, the sun's geometry once);
3. loads: each year's draws from ``default_rng([seed, k])`` in the reference's order
   (:func:`reference.load_variation`'s lognormal factors, then its normals), the arithmetic over
   the block;
4. allocation: one :func:`greenkommon.allocation.allocate` over the block's intervals laid end
   to end (every key allocates interval by interval), then per year and venue the weighted sums
   the bill model needs;
5. bills: the zero-allocation bill is affine in the consumption (its per-kWh lines are prices
   times C), so each year's needs three weighted sums of its loads, not a ``compute_bills``;
6. finance: :func:`greenkommon.economics.finance.batch.project_finance_batch` over the block.

Cost of one sampled year (bundled scenario, 30-min grid, warm, CPU time; the machine shared):

============================  =================================  ===============================
stage                         per-year reference path            batched path (blocks of 32)
============================  =================================  ===============================
weather                       67 ms (37 ms Hollands–Huget        1.1 ms + 0.6 ms of normals
                              bisection, the TAG loops)
production                    46 ms (pvlib on pandas objects)    0.9 ms
loads                         0.5 ms                             0.2 ms + 0.7 ms of normals
allocation                    37 ms (three breakpoint passes)    0.4 ms (one ``allocate``)
bills                         40 ms (``compute_bills`` and the   0.1 ms (weighted sums)
                              prices every year)
projection                    58 ms (DataFrames per case)        0.4 ms (0.2 ms: the IRR roots)
============================  =================================  ===============================

About 4 ms CPU per year in all (4 to 5 ms as the shared machine's load varies), of which
1.3 ms are the random draws themselves (the reference's streams); the draws and the horizontal
irradiance of the next block are computed in a second thread while a block computes.

:func:`sample_chunks` yields one DataFrame per block, so a caller can write the blocks as they
come (bounded memory).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

#: Sampled years per block: (Y, T) float arrays of 30-min years are 140 kB per year each; larger blocks gain nothing.
CHUNK_YEARS = 32


def batch_applies(ctx: Any) -> bool:
    """Whether the batched path covers a run: one operation, one plant, no own roof (the
    reference's single-operation path)."""
    return not ctx.portfolio


def sample_chunks(
    ctx: Any, jobs: Iterable[tuple[int, Any, Any]], chunk_years: int | None = None
) -> Iterator[pd.DataFrame]:
    """Rows of ``jobs`` ((sample, label, weather frame or None)), one DataFrame per block of
    ``chunk_years`` (default :data:`CHUNK_YEARS`).

    ``jobs`` is consumed lazily, one block ahead of the block computing: a generator of a
    million jobs never exists as a list.

    The random draws of the next block and its horizontal irradiance are computed in a second
    thread while a block computes (numpy's generators and the numba kernels release the GIL):
    each year still draws from its own streams, so the rows do not depend on it.
    """
    from concurrent.futures import ThreadPoolExecutor

    from .._cache import bypassed
    from .reference import _sample

    size = chunk_years or CHUNK_YEARS
    pending = iter(jobs)
    blocks = iter(lambda: list(islice(pending, size)), [])
    clim = _climatology(ctx)
    memo: dict[str, Any] = {"clim": clim}  # and the bill model: the same for every block
    with ThreadPoolExecutor(max_workers=1) as pool:
        block = next(blocks, None)
        ahead = pool.submit(_block_inputs, ctx, block, clim) if block is not None else None
        while block is not None:
            assert ahead is not None
            inputs = ahead.result()
            following = next(blocks, None)
            if following is not None:
                ahead = pool.submit(_block_inputs, ctx, following, clim)
            if inputs is None:
                # file years on different calendars: the reference, year by year
                yield pd.DataFrame([_sample(ctx, k, label, wx) for k, label, wx in block])
            else:
                with bypassed():
                    yield _block_rows(ctx, block, memo, inputs)
            block = following


def _climatology(ctx: Any) -> Any:
    from ..weather import DEFAULT_CLIMATOLOGY, load_climatology

    return load_climatology(ctx.scenario.weather.climatology or DEFAULT_CLIMATOLOGY)


@dataclass(frozen=True)
class _Inputs:
    """What a block needs before its physics: the synthetic years' horizontal irradiance
    (:func:`greenkommon.weather.batch.horizontal_years`, None for file years or a non-Erbs
    decomposition), the loads' volume factors (Y, N) and profile normals (Y, N, T)."""

    weather: Any
    factors: np.ndarray
    noise: np.ndarray | None


def _block_inputs(ctx: Any, block: Sequence[tuple[int, Any, Any]], clim: Any) -> _Inputs | None:
    """Every random draw of a block and the weather steps that need nothing else (numpy and
    numba only: this runs in the worker thread); None for file years on different calendars."""
    from ..timegrid import make_index
    from ..weather.batch import horizontal_years, site_grid

    scenario = ctx.scenario
    sim, plant = scenario.simulation, scenario.plant
    frames = [wx for _k, _l, wx in block if wx is not None]
    if frames and (
        len(frames) < len(block) or any(not f.index.equals(frames[0].index) for f in frames)
    ):
        return None
    samples = [k for k, _l, _w in block]
    weather = None
    if not frames and scenario.weather.decomposition == "erbs":
        g = site_grid(
            plant.latitude_deg, plant.longitude_deg, plant.altitude_m, sim.year, sim.timezone
        )
        weather = horizontal_years(g, clim, np.array(samples), True, ctx.irradiation_sd_pct)
    t_len = len(make_index(sim.year, sim.step, sim.timezone))
    factors, noise = load_draws(
        ctx.seed,
        samples,
        len(scenario.venue_names),
        t_len,
        ctx.volume_sd_pct,
        ctx.profile_noise_pct,
    )
    return _Inputs(weather, factors, noise)


def _block_weather(
    ctx: Any, block: Sequence[tuple[int, Any, Any]], inputs: _Inputs, clim: Any
) -> Any:
    from ..weather.batch import SampledWeather, finish_years, site_grid, synthetic_years

    scenario = ctx.scenario
    sim, plant = scenario.simulation, scenario.plant
    site = (plant.latitude_deg, plant.longitude_deg, plant.altitude_m, sim.year, sim.timezone)
    if inputs.weather is not None:
        return finish_years(site_grid(*site), clim, inputs.weather)
    if all(wx is None for _k, _l, wx in block):
        return synthetic_years(
            *site,
            seeds=[k for k, _l, _w in block],
            climatology=clim,
            decomposition=scenario.weather.decomposition,
            interannual=True,
            annual_sd_pct=ctx.irradiation_sd_pct,
        )
    frames = [wx for _k, _l, wx in block]
    return SampledWeather.stack(frames, np.array([k for k, _l, _w in block]))


def _block_rows(
    ctx: Any, block: Sequence[tuple[int, Any, Any]], memo: dict[str, Any], inputs: _Inputs
) -> pd.DataFrame:
    from .. import allocation, consumption
    from ..economics.affine import WEIGHTS, AffineBills
    from ..economics.finance.batch import project_finance_batch
    from ..production_years import simulate_production_years
    from ..timegrid import make_index

    scenario = ctx.scenario
    sim, plant, names = scenario.simulation, scenario.plant, list(scenario.venue_names)
    index = make_index(sim.year, sim.step, sim.timezone)
    kwp = plant.peak_power_kwp
    n_years, n, t_len = len(block), len(names), len(index)

    # 1-2. weather and production
    if "clim" not in memo:
        memo["clim"] = _climatology(ctx)
    wx = _block_weather(ctx, block, inputs, memo["clim"])
    prod = simulate_production_years(wx, plant, index)  # (Y, T)

    # 3. loads, each year's draws in the reference's order
    if ctx.fixed_loads is not None:
        base = np.asarray(ctx.fixed_loads, dtype=float)[None]
    else:
        base = np.stack(
            [
                consumption.build_consumption(
                    [v.load for v in scenario.venues], names, index, weather=wx.frame(i)
                )
                .to_numpy(dtype=float)
                .T
                for i in range(n_years)
            ]
        )
    # venue-major (N, Y, T): each venue's years laid end to end, as the allocation takes them
    cons = np.empty((n, n_years, t_len))
    vary_loads(
        base, inputs.factors, inputs.noise, ctx.profile_noise_pct, out=cons.transpose(1, 0, 2)
    )
    factors = inputs.factors

    # 4. allocation of the whole block at once (intervals laid end to end)
    flat_cons = cons.reshape(n, n_years * t_len)
    key = ctx.key
    if isinstance(key, allocation.DynamicKey):
        key = dataclasses.replace(
            key, coefficients=np.tile(np.asarray(key.coefficients, dtype=float), (1, n_years))
        )
    alloc = allocation.allocate(
        np.ascontiguousarray(prod.reshape(-1)), flat_cons, key, floor_to_permille=ctx.floor
    )
    a_kwh = alloc.allocated_kwh.reshape(n, n_years, t_len)  # (N, Y, T)

    # 5. bills: the prices once, each year's loads and allocation through weighted sums
    if "money" not in memo:
        # prices and fixed charges do not depend on the loads: any year's build them
        bills_model = AffineBills(
            index,
            np.ascontiguousarray(base[0]),
            names,
            [v.contract for v in scenario.venues],
            scenario.prices,
        )
        vps, _surplus_price = bills_model.signature(kwp)
        money = bills_model.model(kwp)
        grid_without = np.stack(
            [vp.borne(vp.grid_without_eur_per_kwh, vp.vat_energy) for vp in vps]
        )
        memo["money"] = money
        # per venue, (K, T) weights of the allocated energy and of the loads
        memo["a_weights"] = np.stack([money.weights[w] for w in WEIGHTS], axis=1)
        memo["c_weights"] = np.stack(
            [np.ones((n, t_len)), grid_without, money.weights["grid"]], axis=1
        )
    money = memo["money"]
    a_sums = _venue_sums(a_kwh, memo["a_weights"])
    sums = dict(zip(WEIGHTS, a_sums, strict=True))
    allocated = a_kwh.sum(axis=2).T  # (Y, N)
    consumption_kwh, grid_energy_without, grid_energy_with0 = _venue_sums(cons, memo["c_weights"])
    b0 = money.bills0
    fixed_without = b0["fixed_without_eur"].to_numpy(dtype=float)
    fixed_with = b0["fixed_with_eur"].to_numpy(dtype=float)
    bill_without = fixed_without + grid_energy_without
    bill_with0 = fixed_with + grid_energy_with0 + 0.0 + 0.0
    bill_with = bill_with0 - sums["value"]
    savings = bill_without - bill_with
    columns = {
        "consumption_kwh": consumption_kwh,
        "allocated_kwh": allocated,
        "grid_import_kwh": consumption_kwh - allocated,
        "bill_without_eur": bill_without,
        "bill_with_eur": bill_with,
        "fixed_without_eur": np.broadcast_to(fixed_without, (n_years, n)),
        "fixed_with_eur": np.broadcast_to(fixed_with, (n_years, n)),
        "grid_energy_without_eur": grid_energy_without,
        "grid_energy_with_eur": grid_energy_with0 - sums["grid"],
        "autocons_charges_eur": 0.0 + sums["autocons"],
        "internal_cost_eur": 0.0 + sums["internal_borne"],
        "internal_eur": 0.0 + sums["internal"],
    }
    production_kwh = prod.sum(axis=1)
    surplus = np.maximum(production_kwh - allocated.sum(axis=1), 0.0)

    # 6. the projection of every year
    fin = project_finance_batch(columns, surplus, names, scenario.finance, scenario.prices, kwp)

    ghi = wx.ghi.sum(axis=1) / 1000.0
    total_alloc = allocated.sum(axis=1)
    rows: dict[str, Any] = {
        "sample": np.array([k for k, _l, _w in block]),
        "weather": [str(label) for _k, label, _w in block],
        "ghi_kwh_per_m2": ghi,
        "irradiation_factor": ghi / ctx.reference_ghi_kwh_per_m2,
        "production_kwh": production_kwh,
        "allocated_kwh": total_alloc,
        "surplus_kwh": surplus,
        "self_consumption_pct": np.where(
            production_kwh > 0,
            100.0 * total_alloc / np.where(production_kwh > 0, production_kwh, 1.0),
            np.nan,
        ),
        "self_sufficiency_pct": 100.0 * total_alloc / consumption_kwh.sum(axis=1),
        "savings_eur": savings.sum(axis=1),
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, name in enumerate(names):
            rows[f"{name}.volume_factor"] = factors[:, i]
            c = consumption_kwh[:, i]
            rows[f"{name}.self_sufficiency_pct"] = np.where(
                c > 0, 100.0 * allocated[:, i] / c, np.nan
            )
            rows[f"{name}.savings_eur"] = savings[:, i]
    rows.update(fin)
    return pd.DataFrame(rows)


def _venue_sums(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ_t x[i, y, t] w[i, k, t] of a venue-major block (N, Y, T) and weights (N, K, T):
    (K, Y, N)."""
    out = np.empty((weights.shape[1], x.shape[1], x.shape[0]))
    _venue_sums_kernel(x, weights, out)
    return out


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _venue_sums_kernel(x: np.ndarray, w: np.ndarray, out: np.ndarray) -> None:
    # reassociation lets the sums vectorise: the order of a sum's terms, nothing else, changes
    n, n_years, t_len = x.shape
    n_w = w.shape[1]
    for i in range(n):
        for y in range(n_years):
            for k in range(n_w):
                acc = 0.0
                for t in range(t_len):
                    acc += x[i, y, t] * w[i, k, t]
                out[k, y, i] = acc


@njit(cache=True, nogil=True)
def _vary_kernel(
    base: np.ndarray, z: np.ndarray, p: float, factors: np.ndarray, out: np.ndarray
) -> None:
    """The arithmetic of :func:`reference.load_variation` for a block of years: noise
    ``max(1 + p z, 0)``, renormalised to each venue's volume, times the volume factor (the
    reference's operations in its order; its sums are pairwise, these sequential)."""
    n_years, n, t_len = z.shape
    stride = 0 if base.shape[0] == 1 else 1  # one base for every year, or one each
    for y in range(n_years):
        b = y * stride
        for i in range(n):
            total = 0.0
            got = 0.0
            for t in range(t_len):
                noisy = base[b, i, t] * max(1.0 + p * z[y, i, t], 0.0)
                out[y, i, t] = noisy
                total += base[b, i, t]
                got += noisy
            scale = total / got if got > 0 else 1.0
            for t in range(t_len):
                out[y, i, t] = out[y, i, t] * scale * factors[y, i]


def load_draws(
    seed: int,
    samples: Sequence[int],
    n_venues: int,
    n_steps: int,
    volume_sd_pct: float,
    profile_noise_pct: float,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The draws of :func:`reference.load_variation` for each sample ``k``, from
    ``default_rng([seed, k])`` in its order: (Y, N) volume factors [-], then (Y, N, T) profile
    normals (None without profile noise)."""
    from ..errors import ScenarioError

    if volume_sd_pct < 0 or profile_noise_pct < 0:
        raise ScenarioError("uncertainty: volume and profile variations must be >= 0 %")
    s = volume_sd_pct / 100.0
    sigma2 = np.log1p(s * s)
    factors = np.ones((len(samples), n_venues))
    noise = np.empty((len(samples), n_venues, n_steps)) if profile_noise_pct > 0 else None
    for i, k in enumerate(samples):
        rng = np.random.default_rng([seed, k])
        if s > 0:
            factors[i] = rng.lognormal(-sigma2 / 2.0, np.sqrt(sigma2), size=n_venues)
        if noise is not None:
            rng.standard_normal(out=noise[i])
    return factors, noise


def vary_loads(
    base: np.ndarray,
    factors: np.ndarray,
    noise: np.ndarray | None,
    profile_noise_pct: float,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The varied loads of a block (:func:`reference.load_variation`'s arithmetic) [kWh].

    Parameters
    ----------
    base : numpy.ndarray
        (Y, N, T) base loads [kWh], or (1, N, T) shared by every year.
    factors, noise : numpy.ndarray
        :func:`load_draws`.
    profile_noise_pct : float
        Standard deviation of the per-interval noise [%].
    out : numpy.ndarray, optional
        (Y, N, T) where to write (any strides: a venue-major block's transposed view).
    """
    if out is None:
        out = np.empty((factors.shape[0], base.shape[1], base.shape[2]))
    if noise is None:
        return np.multiply(base, factors[:, :, None], out=out)
    _vary_kernel(np.ascontiguousarray(base), noise, profile_noise_pct / 100.0, factors, out)
    return out


def load_variations(
    base: np.ndarray,
    seed: int,
    samples: Sequence[int],
    volume_sd_pct: float,
    profile_noise_pct: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`reference.load_variation` of every sample ``k`` with ``default_rng([seed, k])``:
    (Y, N, T) varied loads [kWh] and (Y, N) volume factors [-] (``base`` as
    :func:`vary_loads`)."""
    factors, noise = load_draws(
        seed, samples, base.shape[1], base.shape[2], volume_sd_pct, profile_noise_pct
    )
    return vary_loads(base, factors, noise, profile_noise_pct), factors


__all__ = [
    "CHUNK_YEARS",
    "batch_applies",
    "load_draws",
    "load_variations",
    "sample_chunks",
    "vary_loads",
]
