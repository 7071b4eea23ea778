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

from .reference import load_variation, sampled_portfolio_year
from .run import run_uncertainty
from .stream import StreamedUncertainty, stream_uncertainty
from .summary import (
    PERCENTILES,
    UncertaintyResult,
    exceedance,
    format_summary,
    plot_histograms,
    summarise,
    summary_metrics,
    write_uncertainty,
)

__all__ = [
    "PERCENTILES",
    "StreamedUncertainty",
    "UncertaintyResult",
    "exceedance",
    "format_summary",
    "load_variation",
    "plot_histograms",
    "run_uncertainty",
    "sampled_portfolio_year",
    "stream_uncertainty",
    "summarise",
    "summary_metrics",
    "write_uncertainty",
]
