"""Parameter sweeps: a cartesian grid of scenario variants, evaluated in batches.

``greenkommon sweep SCENARIO --vary plant.peak_power_kwp=100:1000:50 --vary key.type=prorata,static``
builds every combination of the ``--vary`` values, turns each into a scenario variant (the base
mapping with dotted-path overrides, validated like a scenario file) and evaluates it.

How a variant is evaluated (what the sweep computes)
-----------------------------------------------------
The variants are split by what they change:

* **energy group** -- every override that changes weather, plant geometry or loads (anything
  but the "cheap" paths below). The physical stages (:func:`greenkommon.pipeline.simulate_energy`)
  run once per distinct group; production is stored per kWp of the group's plant.
* **cheap overrides** -- ``plant.peak_power_kwp`` (all roof sections scaled in proportion, so the
  production is the group's per-kWp series times the new size), ``key.*``, ``prices.*``,
  ``finance.*`` and ``venues.<name>.contract.*``. They never re-run weather, production or
  consumption.

For each variant the sharing key is built exactly as :func:`greenkommon.pipeline.build_key` builds
it (so ``optimised`` keys call the optimiser, once per distinct combination and plant size), and
the yearly KPIs are computed by the batched allocation core (numba, ``prange`` over variants) for
pro-rata, static, optimised and redistributed keys; other keys (``priority``, ``dynamic``) fall
back to :func:`greenkommon.allocation.allocate` variant by variant. Money follows the economics
stage linearly: the bill without the operation comes from the economics stage (once per group and
prices), each allocated kWh saves the venue its marginal import price (per interval when the
economics stage exposes it, else the flat ``[prices]`` / contract price) and costs it the internal
price. ``tests/test_sweep.py`` checks these numbers against :func:`~greenkommon.pipeline.run_scenario`
on grid points.

A key type that takes coefficients (``static``, ``redistributed``) but gets none from the scenario
uses the venues' shares of the yearly consumption (a static "pro rata of volumes" key); a
``priority`` key without ``priority_order`` serves the largest consumer first. These fills are
written into the variant, so re-running it with ``greenkommon run`` reproduces the row.

Output and resumption
---------------------
Results are one row per variant (``variant_id``, the varied values, collective KPIs, then
``<venue>.<kpi>`` columns). Chunks of variants are checkpointed as Parquet part files in
``OUT.parts/`` (each written to a temporary file and renamed), next to a manifest holding a
fingerprint of the base scenario and the grid. A killed sweep restarted with ``resume=True``
evaluates only the missing chunks; when all are there, they are concatenated into ``OUT``
(atomically) and the part folder is removed.

With a Dask address (or ``'local'`` for a :class:`dask.distributed.LocalCluster` of processes),
the energy groups and chunks are submitted to the cluster; the client writes the part files as
they complete. Results are identical to the local run: the same pure functions run on the same
inputs.
Modules: :mod:`.grid` (``--vary`` and overrides), :mod:`.group` (energy groups), :mod:`.kpis`
(a chunk's KPIs), :mod:`.plan` (groups and chunks), :mod:`.output` (Parquet parts and the
merged file), :mod:`.run` (local and Dask drivers).
"""

from __future__ import annotations

from ..economics.affine import variant_bills
from .grid import (
    CHEAP_PREFIXES,
    COEFFICIENT_KEYS,
    NAMED_TABLES,
    PEAK_PATH,
    Vary,
    apply_overrides,
    build_grid,
    fill_key,
    is_cheap,
    is_portfolio,
    parse_range,
    parse_value,
    parse_vary,
    set_path,
)
from .grid import (
    _parseable as _parseable,
)
from .group import GroupEnergy, compute_group_energy
from .kpis import (
    _batch_kind as _batch_kind,
)
from .kpis import (
    batch_allocation_kpis,
    evaluate_chunk,
    finance_metrics,
    money_model,
)
from .output import ROW_GROUP_ROWS, ResumableWriter, top_rows
from .plan import DEFAULT_CHUNK_SIZE, Chunk, Chunks, Layout, SweepPlan, make_plan
from .run import connect_dask, dask_client, evaluate_range, run_sweep

__all__ = [
    "CHEAP_PREFIXES",
    "COEFFICIENT_KEYS",
    "DEFAULT_CHUNK_SIZE",
    "NAMED_TABLES",
    "PEAK_PATH",
    "ROW_GROUP_ROWS",
    "Chunk",
    "Chunks",
    "GroupEnergy",
    "Layout",
    "ResumableWriter",
    "SweepPlan",
    "Vary",
    "apply_overrides",
    "batch_allocation_kpis",
    "build_grid",
    "compute_group_energy",
    "connect_dask",
    "dask_client",
    "evaluate_chunk",
    "evaluate_range",
    "fill_key",
    "finance_metrics",
    "is_cheap",
    "is_portfolio",
    "make_plan",
    "money_model",
    "parse_range",
    "parse_value",
    "parse_vary",
    "run_sweep",
    "set_path",
    "top_rows",
    "variant_bills",
]
