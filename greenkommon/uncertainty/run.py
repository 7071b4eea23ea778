"""``run_uncertainty``: the samples of a scenario over many weather years, summarised."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, GreenkommonWarning, ScenarioError
from .batch import batch_applies, sample_chunks
from .reference import _Context, _is_portfolio, _sample, _single_context
from .summary import UncertaintyResult, summarise


def _file_years(path: Path, year: int, tz: str) -> list[tuple[int, pd.DataFrame]]:
    """Complete calendar years of a multi-year hourly weather file, each placed on ``year``."""
    from ..weather import read_weather_file, roll_to_year

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
    batched: bool = True,
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
    batched : bool
        Single-operation runs in this process go through the batched path
        (:mod:`greenkommon.uncertainty.batch`, blocks of years at once); False: the per-year
        reference path (:func:`greenkommon.uncertainty.reference._sample`), which portfolios
        and Dask runs always take. Both give the same rows (to 1e-9 relative).

    Returns
    -------
    UncertaintyResult

    See Also
    --------
    greenkommon.uncertainty.stream.stream_uncertainty : the same run written to a folder as it
        goes (bounded memory: what ``greenkommon uncertainty --out`` runs).
    """
    setup = _setup(
        scenario, years, volume_sd_pct, profile_noise_pct, irradiation_sd_pct, seed, weather_file
    )
    ctx = setup.ctx
    jobs = sample_jobs(years, setup.file_years)
    tick, bar = _progress(years, progress)

    rows: list[dict[str, Any]] = []
    blocks: list[pd.DataFrame] = []
    try:
        if dask_address is None and batched and batch_applies(ctx):
            done = 0
            for block in sample_chunks(ctx, jobs):
                blocks.append(block)
                for _ in range(len(block)):
                    done += 1
                    tick(done)
        elif dask_address is None:
            for k, label, wx in jobs:
                rows.append(_sample(ctx, k, label, wx))
                tick(len(rows))
        else:
            rows = _run_dask(ctx, list(jobs), dask_address, tick)
    finally:
        if bar is not None:
            bar.close()
    if blocks:
        samples = pd.concat(blocks, ignore_index=True).sort_values("sample", kind="stable")
        samples = samples.reset_index(drop=True)
    else:
        samples = pd.DataFrame(sorted(rows, key=lambda r: r["sample"]))
    case = pick_case(scenario, samples.columns, case)
    operations = [op.name for op in scenario.operations] if setup.portfolio else []
    summary = summarise(samples, scenario.venue_names, case, operations=operations)
    settings = setup.settings(scenario, years)
    return UncertaintyResult(samples, summary, case, settings)


@dataclass(frozen=True)
class _Setup:
    """What a run needs once its settings are checked: the sampling context, the file years
    (empty: synthetic), and the settings' description."""

    ctx: _Context
    file_years: list[tuple[int, pd.DataFrame]]
    source: str
    sd_source: str
    irradiation_sd_pct: float | None
    portfolio: bool

    def settings(self, scenario: Any, years: int) -> dict[str, Any]:
        """The run's settings as :attr:`UncertaintyResult.settings` records them."""
        ctx = self.ctx
        return {
            "years": years,
            "weather": self.source,
            "volume_sd_pct": ctx.volume_sd_pct,
            "profile_noise_pct": ctx.profile_noise_pct,
            "irradiation_sd_pct": self.irradiation_sd_pct,
            "irradiation_sd_source": self.sd_source,
            "seed": ctx.seed,
            "key": ", ".join(dict.fromkeys(op.key.type for op in scenario.operations))
            if self.portfolio
            else scenario.key.type,
            "convention": "P90 = exceeded with 90 % probability (10th percentile of outcomes)",
        }


def _setup(
    scenario: Any,
    years: int,
    volume_sd_pct: float,
    profile_noise_pct: float,
    irradiation_sd_pct: float | None,
    seed: int,
    weather_file: str | Path | None,
) -> _Setup:
    """Check a run's settings (before the slow part) and build its sampling context."""
    if years < 1:
        raise ScenarioError(f"uncertainty: --years {years}: expected at least 1")
    if irradiation_sd_pct is not None and not (0 <= irradiation_sd_pct <= 50):
        raise ScenarioError(
            f"uncertainty: irradiation sd {irradiation_sd_pct}: expected 0 to 50 % (1 sd)"
        )
    sim = scenario.simulation
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
                stacklevel=3,
            )
    else:
        from ..weather import DEFAULT_CLIMATOLOGY, load_climatology

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
                stacklevel=3,
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
    return _Setup(ctx, file_years, source, sd_source, irradiation_sd_pct, portfolio)


def sample_jobs(
    years: int, file_years: Sequence[tuple[int, pd.DataFrame]]
) -> Iterator[tuple[int, Any, Any]]:
    """The jobs (sample, year label, weather frame or None) of ``years`` samples, one at a time
    (file years reused in turn; synthetic year ``k`` is seed ``k``)."""
    for k in range(1, years + 1):
        if file_years:
            label, wx = file_years[(k - 1) % len(file_years)]
            yield k, label, wx
        else:
            yield k, k, None


def _progress(
    years: int, progress: bool | Callable[[int], None]
) -> tuple[Callable[[int], None], Any]:
    """``tick(done)`` after each sample and the tqdm bar to close (None without one)."""
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

    return tick, bar


def pick_case(scenario: Any, columns: Iterable[str], case: str | None) -> str | None:
    """The escalation case of the summary's NPV: ``case`` (checked against the samples'
    columns) or the scenario's headline case."""
    cases = [c[len("producer.npv_eur[") : -1] for c in columns if c.startswith("producer.npv_eur[")]
    if case is None:
        from ..economics.finance import headline_case_name

        # the scenario's headline case ([finance] headline_case), as every other output
        headline = headline_case_name(scenario.finance)
        return headline if headline in cases else (cases[0] if cases else None)
    if case not in cases:
        raise ScenarioError(
            f"uncertainty: no escalation case {case!r}; expected one of {', '.join(map(repr, cases))}"
        )
    return case


def _run_dask(
    ctx: _Context, jobs: list[tuple[int, Any, Any]], address: str | Any, tick: Callable[[int], None]
) -> list[dict[str, Any]]:
    from dask.distributed import as_completed

    from ..sweep import dask_client

    with dask_client(address) as client:
        ctx_f = client.scatter(ctx, broadcast=True)
        futures = [client.submit(_sample, ctx_f, k, label, wx, pure=False) for k, label, wx in jobs]
        rows = []
        for fut in as_completed(futures):
            rows.append(fut.result())
            fut.release()
            tick(len(rows))
        return rows
