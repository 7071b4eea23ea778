"""Allocation core: how the pooled production is split among the venues at every interval.

This reproduces what Enedis computes for a collective self-consumption operation (D315-4 and
D315-6 of the Code de l'énergie), exactly and fast:

* Enedis keys, applied by :func:`allocate`: :class:`StaticKey` (fixed shares),
  :class:`ProrataKey` (the default key, pro rata of consumption) and :class:`DynamicKey`
  (one coefficient per venue and interval, or per producer-venue pair: "full dynamic").
* PMO-side strategies, computed from the curves and handed to the Enedis engine as a dynamic key:
  :func:`redistributed` (fixed shares with iterative reallocation of what a satisfied venue
  leaves) and :func:`priority` (venues served in order). :class:`RedistributedKey` and
  :class:`PriorityKey` let :func:`allocate` do both steps.
* :func:`allocate_batch_kpis`: thousands of scenarios (keys or plant sizes) over the same loads,
  KPIs only, in parallel, without materialising any (N, T) array.

Arrays: ``production_kwh`` (T,) or (P, T) for P producers [kWh per interval], pooled before a
key is applied (except the full dynamic key); ``consumption_kwh`` (N, T), venue-major [kWh per
interval]. Every public function coerces to C-contiguous float64, validates (a
:class:`~greenkommon.errors.DataError`, which is a ``ValueError``, names what is wrong) and calls
a cached numba kernel of :mod:`greenkommon.allocation._kernels`; the plain-numpy twin of each
kernel is in :mod:`greenkommon.allocation.reference`.

The six quantities Enedis reports map to the :class:`Allocation` fields: PROD =
``production_kwh``, AUTOPROD = ``producer_allocated_kwh`` (Σ over producers =
``allocated_kwh.sum(0)``), SURPLUS = ``surplus_kwh``; CONS = ``consumption_kwh``, AUTOCONS =
``allocated_kwh``, COMPLEMENT = ``grid_import_kwh``.
"""

from __future__ import annotations

# The package was one module before it was split: the private names that other modules, the
# benchmarks and the tests read as ``allocation.X`` stay importable from here (``X as X``).
from . import _vector as _vector
from ._checks import COEFFICIENT_SUM_TOLERANCE as COEFFICIENT_SUM_TOLERANCE
from .batch import BatchKPIs, allocate_batch_kpis
from .batch import _batch_inputs as _batch_inputs
from .batch import _BatchInputs as _BatchInputs
from .engine import ENGINES as ENGINES
from .engine import _kernels as _kernels  # lazy: numba on first use (_lazy)
from .engine import allocate, priority, redistributed
from .keys import PERMILLE as PERMILLE
from .keys import (
    DynamicKey,
    PriorityKey,
    ProrataKey,
    RedistributedKey,
    StaticKey,
    floor_coefficients,
)
from .keys import Key as Key
from .result import Allocation

__all__ = [
    "Allocation",
    "BatchKPIs",
    "DynamicKey",
    "PriorityKey",
    "ProrataKey",
    "RedistributedKey",
    "StaticKey",
    "allocate",
    "allocate_batch_kpis",
    "floor_coefficients",
    "priority",
    "redistributed",
]
