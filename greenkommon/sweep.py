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
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import itertools
import json
import logging
import math
import numbers
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._io import atomic_write as _atomic_write
from .economics.affine import (
    FINANCE_WEIGHTS,
    AffineBills,
    MoneyModel,
    variant_bills,
    weighted_sums,
)
from .errors import DataError, GreenkommonError, ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from .results import EnergyResult

#: Dotted path that scales every roof section in proportion.
PEAK_PATH = "plant.peak_power_kwp"

#: Prefixes of overrides that do not change weather, production shape or loads.
CHEAP_PREFIXES = ("key.", "prices.", "finance.")

#: Arrays of tables a dotted path addresses by their ``name`` (and what one of them is called).
NAMED_TABLES = {"venues": "venue", "plants": "plant", "operations": "operation"}

#: Key types that take coefficients from the scenario.
COEFFICIENT_KEYS = ("static", "redistributed")

#: Default number of variants per checkpointed chunk.
DEFAULT_CHUNK_SIZE = 2000

#: Format version of the part files; bump when the columns change meaning.
_FORMAT_VERSION = 1

_MANIFEST = "manifest.json"


# ---------------------------------------------------------------------------------------------
# grid
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Vary:
    """One ``--vary`` dimension.

    Attributes
    ----------
    path : str
        Dotted path into the scenario mapping (``plant.peak_power_kwp``, ``key.type``,
        ``venues.le 6b.load.annual_consumption_kwh``, ...).
    values : tuple
        Values taken, in order.
    """

    path: str
    values: tuple[Any, ...]


def parse_value(text: str) -> Any:
    """One value of a ``--vary`` list: integer, float, ``true``/``false`` or a string.

    Examples
    --------
    >>> parse_value("3"), parse_value("0.5"), parse_value("true"), parse_value("static")
    (3, 0.5, True, 'static')
    """
    s = text.strip()
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(s)
    except ValueError:
        pass
    try:
        value = float(s)
    except ValueError:
        return s.strip("'\"")
    if not math.isfinite(value):
        return s
    return value


def parse_range(text: str, what: str = "--vary") -> tuple[Any, ...]:
    """Values of ``start:stop:step``, stop included when it falls on the grid.

    Integers stay integers when start, stop and step are all integers. Float values are rounded
    to 12 decimals so that ``0.1:0.3:0.1`` gives ``(0.1, 0.2, 0.3)`` and not ``0.30000000000000004``.

    Raises
    ------
    ScenarioError
        If the three parts are not numbers, the step is not > 0 or stop < start.
    """
    parts = text.split(":")
    if len(parts) != 3:
        raise ScenarioError(f"{what}: {text!r}: expected start:stop:step")
    nums = [parse_value(p) for p in parts]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in nums):
        raise ScenarioError(f"{what}: {text!r}: expected numbers in start:stop:step")
    start, stop, step = nums
    if step <= 0:
        raise ScenarioError(f"{what}: {text!r}: expected a step > 0")
    if stop < start:
        raise ScenarioError(f"{what}: {text!r}: expected stop >= start")
    count = int(math.floor((stop - start) / step + 1e-9)) + 1
    if all(isinstance(v, int) for v in nums):
        return tuple(start + i * step for i in range(count))
    return tuple(round(start + i * step, 12) for i in range(count))


def parse_vary(spec: str) -> Vary:
    """Parse ``path=values`` where values is ``start:stop:step`` or a comma-separated list.

    Examples
    --------
    >>> parse_vary("plant.peak_power_kwp=100:300:100")
    Vary(path='plant.peak_power_kwp', values=(100, 200, 300))
    >>> parse_vary("key.type=static,prorata").values
    ('static', 'prorata')
    """
    if "=" not in spec:
        raise ScenarioError(
            f"--vary {spec!r}: expected PATH=VALUES, e.g. plant.peak_power_kwp=100:1000:50"
        )
    path, _, text = spec.partition("=")
    path = path.strip()
    if not path or any(not p for p in path.split(".")):
        raise ScenarioError(f"--vary {spec!r}: expected a dotted path such as key.type before '='")
    text = text.strip()
    if not text:
        raise ScenarioError(f"--vary {spec!r}: expected at least one value after '='")
    if text.count(":") == 2 and "," not in text:
        values = parse_range(text, f"--vary {path}")
    else:
        values = tuple(parse_value(v) for v in text.split(","))
    if len(set(map(repr, values))) != len(values):
        raise ScenarioError(f"--vary {spec!r}: expected distinct values")
    return Vary(path, values)


def build_grid(varies: Sequence[Vary]) -> pd.DataFrame:
    """The cartesian product of the dimensions, first dimension slowest.

    Returns
    -------
    pandas.DataFrame
        One row per variant, index ``variant_id`` (0..n-1), one object column per path.
    """
    paths = [v.path for v in varies]
    if len(set(paths)) != len(paths):
        dup = next(p for p in paths if paths.count(p) > 1)
        raise ScenarioError(f"--vary {dup}: given twice; list all its values in one --vary")
    rows = list(itertools.product(*(v.values for v in varies))) if varies else [()]
    grid = pd.DataFrame(rows, columns=paths, dtype=object)
    grid.index = pd.RangeIndex(len(grid), name="variant_id")
    return grid


def is_cheap(path: str) -> bool:
    """Whether an override leaves weather, production shape and loads unchanged.

    ``plant.peak_power_kwp``, ``key.*``, ``prices.*``, ``finance.*`` and a venue's contract
    (``venues.<name>.contract.*``) only change the allocation or the money.
    """
    if path == PEAK_PATH or path.startswith(CHEAP_PREFIXES):
        return True
    parts = path.split(".")
    return len(parts) >= 4 and parts[0] == "venues" and parts[2] == "contract"


# ---------------------------------------------------------------------------------------------
# overrides on the raw mapping
# ---------------------------------------------------------------------------------------------
def set_path(mapping: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path in a raw scenario mapping, in place.

    ``plant.peak_power_kwp`` scales every ``[[plant.sections]]`` in proportion, and
    ``plants.<name>.peak_power_kwp`` those of the portfolio plant called ``<name>``;
    ``venues.<name>.field`` (and ``plants.<name>.…``, ``operations.<name>.…``) addresses the
    table of that name; a new ``key.type`` drops the key fields the new type does not accept
    (``coefficients``, ``priority_order``).
    """
    parts = path.split(".")
    if path == PEAK_PATH:
        _scale_plant(mapping, value)
        return
    node: Any = mapping
    where = []
    i = 0
    while i < len(parts) - 1:
        part = parts[i]
        where.append(part)
        if part in NAMED_TABLES and isinstance(node.get(part), list):
            name = parts[i + 1]
            match = [v for v in node[part] if v.get("name") == name]
            if not match:
                names = ", ".join(repr(v.get("name")) for v in node[part])
                raise ScenarioError(
                    f"--vary {path}: no {NAMED_TABLES[part]} named {name!r} ({part}: {names})"
                )
            node = match[0]
            where.append(name)
            i += 2
            continue
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ScenarioError(f"--vary {path}: {'.'.join(where)} is not a table")
        node = child
        i += 1
    if i != len(parts) - 1:
        raise ScenarioError(f"--vary {path}: expected a field after the {parts[0]} name")
    if parts[0] == "plants" and len(parts) == 3 and parts[2] == "peak_power_kwp":
        _scale_sections(node, value, path)
        return
    node[parts[-1]] = value
    if path == "key.type":
        if value not in COEFFICIENT_KEYS:
            node.pop("coefficients", None)
        if value != "priority":
            node.pop("priority_order", None)


def _check_size(value: Any, path: str = PEAK_PATH) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value) > 0:
        raise ScenarioError(f"--vary {path} = {value!r}: expected a number > 0 [kWp]")


def _scale_plant(mapping: dict[str, Any], value: Any) -> None:
    _scale_sections(mapping.get("plant", {}), value, PEAK_PATH)


def _scale_sections(plant: dict[str, Any], value: Any, path: str) -> None:
    """Scale a plant table's sections in proportion to a new total size ``value`` [kWp]."""
    _check_size(value, path)
    sections = plant.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ScenarioError(f"--vary {path}: the plant has no [[sections]] to scale")
    try:
        total = float(sum(s["peak_power_kwp"] for s in sections))
    except (KeyError, TypeError):
        raise ScenarioError(
            f"--vary {path}: every section of the plant needs a numeric peak_power_kwp"
        ) from None
    for s in sections:
        s["peak_power_kwp"] = s["peak_power_kwp"] * (float(value) / total)


def apply_overrides(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``base`` with the dotted-path ``overrides`` set (see :func:`set_path`).

    ``key.type`` is applied first, so that ``key.coefficients``-like overrides of the same variant
    are kept.
    """
    out = copy.deepcopy(base)
    for path in sorted(overrides, key=lambda p: p != "key.type"):
        set_path(out, path, overrides[path])
    return out


def _check_variant(mapping: dict[str, Any], file: Any, overrides: dict[str, Any]) -> None:
    """Parse a variant; its error names the ``--vary`` that caused it (not only the file)."""
    from .scenario import parse_scenario

    try:
        parse_scenario(_parseable(mapping), file)
    except ScenarioError as exc:
        if not overrides:
            raise
        given = ", ".join(f"{p}={v!r}" for p, v in overrides.items())
        raise ScenarioError(f"--vary {given}: {exc}") from None


def fill_key(
    mapping: dict[str, Any], venue_names: list[str], consumption_totals_kwh: np.ndarray
) -> None:
    """Give a coefficient key without coefficients the venues' yearly consumption shares.

    ``priority`` without an order serves the largest yearly consumer first. In place.
    """
    key = mapping.setdefault("key", {})
    key_type = key.get("type", "prorata")
    if key_type in COEFFICIENT_KEYS and "coefficients" not in key:
        total = float(np.sum(consumption_totals_kwh))
        if total <= 0:
            raise ScenarioError(
                "key.coefficients: cannot derive shares from a zero total consumption"
            )
        shares = np.asarray(consumption_totals_kwh, dtype=float) / total
        key["coefficients"] = {n: float(s) for n, s in zip(venue_names, shares, strict=True)}
    if key_type == "priority" and "priority_order" not in key:
        order = np.argsort(-np.asarray(consumption_totals_kwh), kind="stable")
        key["priority_order"] = [venue_names[i] for i in order]


# ---------------------------------------------------------------------------------------------
# energy groups
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupEnergy:
    """Physical inputs shared by all variants of one energy group (picklable, for Dask).

    Attributes
    ----------
    index : pandas.DatetimeIndex
        Simulation grid.
    production_per_kwp : numpy.ndarray
        Production of the group's plant divided by its peak power, (T,) [kWh/kWp per interval].
    peak_power_kwp : float
        Peak power of the group's plant [kWp].
    consumption_kwh : numpy.ndarray
        (N, T) venue-major, C-contiguous [kWh per interval].
    venue_names : tuple of str
    """

    index: pd.DatetimeIndex
    production_per_kwp: np.ndarray
    peak_power_kwp: float
    consumption_kwh: np.ndarray
    venue_names: tuple[str, ...]
    host_load_kwh: np.ndarray | None = None
    #: A portfolio's simulated energy (``[[plants]]`` / ``[[operations]]``): its variants go
    #: through :func:`greenkommon.evaluate.evaluate` one by one (the production fields are then
    #: those of the first plant, unused).
    portfolio: EnergyResult | None = None

    def production_kwh(self, peak_power_kwp: float) -> np.ndarray:
        """Injection of the same plant scaled to ``peak_power_kwp`` [kWh per interval].

        The plant's output scales with its size; a host load behind the meter does not, so the
        injection is ``max(per_kWp · size − host load, 0)`` (see
        :func:`greenkommon.production.simulate_production`).
        """
        gross = self.production_per_kwp * float(peak_power_kwp)
        if self.host_load_kwh is None:
            return gross
        return np.clip(gross - self.host_load_kwh, 0.0, None)

    def consumption_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            self.consumption_kwh.T, index=self.index, columns=list(self.venue_names)
        )


def compute_group_energy(mapping: dict[str, Any], file: str | Path | None) -> GroupEnergy:
    """Run weather, production and consumption once for a group mapping."""
    from . import production
    from .energy import simulate_energy
    from .scenario import parse_scenario

    scenario = parse_scenario(_parseable(mapping), file)
    simulated = simulate_energy(scenario)
    plant = scenario.plant
    index, weather_df = simulated.index, simulated.weather
    production_kwh = simulated.production_kwh[plant.name]
    consumption_kwh = simulated.consumption_kwh
    if is_portfolio(mapping):
        return GroupEnergy(
            index=index,
            production_per_kwp=np.zeros(0),
            peak_power_kwp=float("nan"),
            consumption_kwh=np.ascontiguousarray(consumption_kwh.to_numpy(dtype=float).T),
            venue_names=tuple(scenario.venue_names),
            portfolio=simulated,
        )
    kwp = plant.peak_power_kwp
    host = None
    gross = np.asarray(production_kwh, dtype=float)
    if plant.host_load_kw > 0 or plant.host_load_file is not None:
        # the injection is not proportional to the size: keep the plant's output and the host load
        gross = (
            production.simulate_sections(weather_df, plant, index).sum(axis=1).to_numpy(dtype=float)
        )
        host = np.ascontiguousarray(production.host_load_kwh(plant, index).to_numpy(dtype=float))
    return GroupEnergy(
        index=index,
        production_per_kwp=np.ascontiguousarray(gross / kwp),
        peak_power_kwp=kwp,
        consumption_kwh=np.ascontiguousarray(consumption_kwh.to_numpy(dtype=float).T),
        venue_names=tuple(scenario.venue_names),
        host_load_kwh=host,
    )


def is_portfolio(mapping: dict[str, Any]) -> bool:
    """Whether a raw scenario describes a portfolio (``[[plants]]`` or ``[[operations]]``)."""
    return "operations" in mapping or "plants" in mapping


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
    from .evaluate import evaluate
    from .scenario import parse_scenario

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


def _parseable(mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping with a placeholder for key coefficients still to be filled, in ``[key]`` and
    in each ``[[operations]]`` key (energy stages do not read the key)."""

    def unfilled(key: Any) -> bool:
        if not isinstance(key, dict):
            return False
        if key.get("type") in COEFFICIENT_KEYS and "coefficients" not in key:
            return True
        return key.get("type") == "priority" and "priority_order" not in key

    operations = mapping.get("operations")
    ops = [op for op in operations if isinstance(op, dict)] if isinstance(operations, list) else []
    if not unfilled(mapping.get("key", {})) and not any(unfilled(op.get("key")) for op in ops):
        return mapping
    out = copy.deepcopy(mapping)
    if unfilled(out.get("key", {})):
        out["key"] = {"type": "prorata"}
    for op in out.get("operations") or []:
        if isinstance(op, dict) and unfilled(op.get("key")):
            op["key"] = {"type": "prorata"}
    return out


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
#: combination): the chunks of one combination share prices and pieces instead of recomputing
#: them (a worker keeps its own; entries hold their energy so an id is never reused wrongly).
_BILLS_MEMO: dict[tuple[int, str], tuple[GroupEnergy, AffineBills]] = {}
_BILLS_MEMO_SIZE = 64


def _bills_for(scenario: Any, energy: GroupEnergy, token: str) -> AffineBills:
    hit = _BILLS_MEMO.get((id(energy), token))
    if hit is not None and hit[0] is energy:
        return hit[1]
    bills = _affine_bills(scenario, energy)
    if len(_BILLS_MEMO) >= _BILLS_MEMO_SIZE:
        _BILLS_MEMO.pop(next(iter(_BILLS_MEMO)))
    _BILLS_MEMO[(id(energy), token)] = (energy, bills)
    return bills


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
    from . import allocation

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
    from . import allocation

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

    Returns
    -------
    pandas.DataFrame
        One row per variant, sorted by ``variant_id``.
    """
    from . import allocation
    from .evaluate import build_key
    from .scenario import parse_scenario

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
        money = _bills_for(scenario, energy, combo.token).by_size(kwp)
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
    from .economics import project_finance

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


# ---------------------------------------------------------------------------------------------
# plan: groups and chunks
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Chunk:
    """A checkpoint unit: variants of one energy group."""

    chunk_id: int
    group: int
    rows: tuple[tuple[int, dict[str, Any]], ...]


@dataclass(frozen=True)
class SweepPlan:
    """A grid split into energy groups and chunks.

    Attributes
    ----------
    base : dict
        Raw base mapping (``extends`` resolved).
    file : Path or None
    grid : pandas.DataFrame
        See :func:`build_grid`.
    group_mappings : list of dict
        Raw mapping of each energy group.
    chunks : list of Chunk
    fingerprint : str
        Hash of the base mapping, the grid and the chunking (a resumed sweep must match it).
    """

    base: dict[str, Any]
    file: Path | None
    grid: pd.DataFrame
    group_mappings: list[dict[str, Any]]
    chunks: list[Chunk]
    fingerprint: str
    finance: bool = False

    @property
    def n_variants(self) -> int:
        return len(self.grid)


def make_plan(
    base: dict[str, Any],
    varies: Sequence[Vary],
    file: str | Path | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    finance: bool = False,
) -> SweepPlan:
    """Split the grid of ``varies`` over ``base`` into energy groups and chunks.

    Every distinct variant is validated (parsed as a scenario) before anything runs, so a bad
    value fails in a second, not an hour into the sweep.
    """

    if chunk_size < 1:
        raise ScenarioError(f"--chunk-size {chunk_size}: expected an integer >= 1")
    grid = build_grid(varies)
    expensive = [v.path for v in varies if not is_cheap(v.path)]
    cheap = [v.path for v in varies if is_cheap(v.path)]
    group_of: dict[tuple[int, ...], int] = {}
    group_mappings: list[dict[str, Any]] = []
    members: list[list[tuple[int, dict[str, Any]]]] = []
    records = grid.to_dict("records")
    # a variant's position in each dimension identifies its values (distinct by repr), so
    # tuples of positions group the rows without hashing or serialising their values
    codes = list(itertools.product(*(range(len(v.values)) for v in varies)))
    expensive_at = [j for j, v in enumerate(varies) if not is_cheap(v.path)]
    combo_at = [j for j, v in enumerate(varies) if is_cheap(v.path) and v.path != PEAK_PATH]
    combo_of: list[tuple[int, ...]] = []
    for vid, (rec, code) in enumerate(zip(records, codes or [()], strict=True)):
        tag = tuple(code[j] for j in expensive_at)
        if tag not in group_of:
            g_over = {p: rec[p] for p in expensive}
            group_of[tag] = len(group_mappings)
            mapping = apply_overrides(base, g_over)
            _check_variant(mapping, file, g_over)  # fail early on a bad group value
            group_mappings.append(mapping)
            members.append([])
        members[group_of[tag]].append((vid, {p: rec[p] for p in cheap}))
        combo_of.append(tuple(code[j] for j in combo_at))
    # Validate each distinct cheap combination once against the first group.
    seen: set[tuple[int, ...]] = set()
    for rec, combo in zip(records, combo_of, strict=True):
        if combo not in seen:
            seen.add(combo)
            over = {p: rec[p] for p in cheap if p != PEAK_PATH}
            _check_variant(apply_overrides(group_mappings[0], over), file, over)
    if PEAK_PATH in grid:
        _scale_plant(copy.deepcopy(base), grid[PEAK_PATH].iloc[0])  # the plant can be scaled
        for value in grid[PEAK_PATH].unique():
            _check_size(value)
    chunks: list[Chunk] = []
    for g, rows in enumerate(members):
        # Variants sharing key/prices/finance next to each other, plant sizes ascending: a chunk
        # then spans few combinations, each needing few economics set-ups (see _money_by_size).
        rank: dict[tuple[int, ...], int] = {}
        for vid, _over in rows:
            rank.setdefault(combo_of[vid], len(rank))
        rows = sorted(
            rows,
            key=lambda row: (rank[combo_of[row[0]]], float(row[1].get(PEAK_PATH, 0.0)), row[0]),
        )
        for lo in range(0, len(rows), chunk_size):
            chunks.append(Chunk(len(chunks), g, tuple(rows[lo : lo + chunk_size])))
    payload = json.dumps(
        {
            "base": base,
            "vary": [[v.path, list(v.values)] for v in varies],
            "chunk_size": chunk_size,
            "finance": finance,
            "format": _FORMAT_VERSION,
        },
        sort_keys=True,
        default=str,
    )
    fingerprint = hashlib.sha256(payload.encode()).hexdigest()
    return SweepPlan(
        base, Path(file) if file else None, grid, group_mappings, chunks, fingerprint, finance
    )


# ---------------------------------------------------------------------------------------------
# resumable atomic Parquet output
# ---------------------------------------------------------------------------------------------
class ResumableWriter:
    """Chunked checkpoints of a sweep, merged atomically into one Parquet (and CSV) file.

    Parameters
    ----------
    out : str or Path
        Final Parquet file.
    fingerprint : str
        Identity of the sweep; a resume must present the same one.
    n_chunks : int
    resume : bool
        Continue the unfinished sweep found in ``OUT.parts/``.
    overwrite : bool
        Start over: discard an unfinished sweep and replace an existing result.

    Raises
    ------
    GreenkommonError
        If ``OUT`` or ``OUT.parts/`` exists and neither ``resume`` nor ``overwrite`` says what to do,
        or the parts belong to a different sweep.
    """

    def __init__(
        self,
        out: str | Path,
        fingerprint: str,
        n_chunks: int,
        *,
        resume: bool = False,
        overwrite: bool = False,
    ):
        self.out = Path(out)
        self.parts = self.out.with_name(self.out.name + ".parts")
        self.fingerprint = fingerprint
        self.n_chunks = n_chunks
        manifest = self.parts / _MANIFEST
        if overwrite and self.parts.exists():
            shutil.rmtree(self.parts)
        if self.parts.exists() and not resume:
            raise GreenkommonError(
                f"{self.parts}: an unfinished sweep is there: add --resume to continue it or "
                "--overwrite to start over"
            )
        if self.out.exists() and not (overwrite or (resume and self.parts.exists())):
            if resume:
                raise GreenkommonError(
                    f"{self.out}: this sweep is already complete (no unfinished parts in {self.parts}); "
                    "add --overwrite to run it again"
                )
            raise GreenkommonError(f"{self.out}: exists: add --overwrite to replace it")
        if self.parts.exists():
            try:
                old = json.loads(manifest.read_text())
            except (OSError, ValueError):
                raise DataError(
                    f"{manifest}: missing or unreadable: cannot resume; use --overwrite"
                ) from None
            if old.get("fingerprint") != fingerprint:
                raise GreenkommonError(
                    f"{self.parts}: belongs to a different sweep (scenario, --vary or --chunk-size "
                    "changed): rerun with the same arguments, or --overwrite"
                )
        else:
            self.parts.mkdir(parents=True)
            try:
                _atomic_write(
                    manifest,
                    lambda p: p.write_text(
                        json.dumps(
                            {
                                "fingerprint": fingerprint,
                                "n_chunks": n_chunks,
                                "format": _FORMAT_VERSION,
                            }
                        )
                    ),
                )
            except BaseException:
                # a parts folder without its manifest could neither resume nor be told apart
                # from a user's folder: leave nothing
                shutil.rmtree(self.parts, ignore_errors=True)
                raise

    def part_path(self, chunk_id: int) -> Path:
        return self.parts / f"part-{chunk_id:07d}.parquet"

    def done(self) -> set[int]:
        """Chunk ids already checkpointed."""
        out = set()
        for p in self.parts.glob("part-*.parquet"):
            try:
                out.add(int(p.stem.split("-")[1]))
            except ValueError:
                continue
        return out

    def write_chunk(self, chunk_id: int, frame: pd.DataFrame) -> None:
        """Checkpoint one chunk (atomic)."""
        _atomic_write(self.part_path(chunk_id), lambda p: frame.to_parquet(p, index=False))

    def finalize(self, grid: pd.DataFrame, csv: bool = False) -> pd.DataFrame:
        """Merge the parts with the grid values, write ``OUT`` (and ``OUT`` .csv) atomically,
        remove the part folder, and return the table."""
        missing = sorted(set(range(self.n_chunks)) - self.done())
        if missing:
            raise GreenkommonError(
                f"{self.parts}: chunks {missing[:5]} are missing; rerun with --resume"
            )
        parts = [pd.read_parquet(self.part_path(i)) for i in range(self.n_chunks)]
        table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"variant_id": []})
        table = table.sort_values("variant_id", kind="stable").reset_index(drop=True)
        if len(table) != len(grid) or not np.array_equal(
            table["variant_id"].to_numpy(), np.arange(len(grid))
        ):
            raise DataError(
                f"{self.parts}: the parts do not cover variants 0..{len(grid) - 1} exactly once"
            )
        values = grid.reset_index(drop=True).copy()
        for col in values.columns:
            values[col] = _column_values(values[col])
        kpis = table[[c for c in table.columns if c != "variant_id" and c not in values.columns]]
        table = pd.concat([table[["variant_id"]], values, kpis], axis=1)
        _atomic_write(self.out, lambda p: table.to_parquet(p, index=False))
        if csv:
            _atomic_write(self.out.with_suffix(".csv"), lambda p: table.to_csv(p, index=False))
        shutil.rmtree(self.parts)
        return table


def _column_values(col: pd.Series) -> pd.Series:
    """A grid column with a Parquet-friendly dtype (numbers stay numbers, mixes become text)."""
    values = list(col)
    if all(isinstance(v, bool) for v in values):
        return pd.Series(values, dtype=bool)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pd.Series(
            values, dtype=float if any(isinstance(v, float) for v in values) else np.int64
        )
    return pd.Series([str(v) for v in values], dtype=object)


# ---------------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------------
def run_sweep(
    scenario_path: str | Path,
    varies: Sequence[Vary],
    out: str | Path,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    resume: bool = False,
    overwrite: bool = False,
    csv: bool = False,
    dask_address: str | Any | None = None,
    progress: bool = True,
    finance: bool = False,
) -> pd.DataFrame:
    """Evaluate the grid of ``varies`` over a scenario file and write ``out`` (Parquet).

    Parameters
    ----------
    scenario_path : str or Path
        Base scenario (TOML, ``extends`` allowed).
    varies : sequence of Vary
        Dimensions (:func:`parse_vary`).
    out : str or Path
        Result Parquet file; parts are checkpointed in ``out.parts/`` until the end.
    chunk_size : int
        Variants per checkpoint.
    resume : bool
        Continue an interrupted sweep with the same arguments.
    overwrite : bool
        Start over, replacing existing results.
    csv : bool
        Also write ``out`` with a ``.csv`` suffix.
    dask_address : str or None
        ``None``: run here (numba uses the local cores). ``'local'``: a
        :class:`dask.distributed.LocalCluster` of processes. Otherwise the address of a running
        scheduler (``tcp://host:8786``).
    progress : bool
        Show a tqdm bar with ETA on stderr.
    finance : bool
        Add the long-term projection columns (see :func:`evaluate_chunk`); ~0.1 s per variant.

    Returns
    -------
    pandas.DataFrame
        The result table (also written to ``out``).
    """
    from .scenario import read_scenario_mapping

    base = read_scenario_mapping(scenario_path)
    base.pop("extends", None)
    plan = make_plan(base, varies, scenario_path, chunk_size, finance)
    writer = ResumableWriter(
        out, plan.fingerprint, len(plan.chunks), resume=resume, overwrite=overwrite
    )
    done = writer.done()
    todo = [c for c in plan.chunks if c.chunk_id not in done]
    n_done = sum(len(c.rows) for c in plan.chunks if c.chunk_id in done)
    bar = _progress(plan.n_variants, n_done, progress)
    try:
        if dask_address is None:
            _run_local(plan, todo, writer, bar)
        else:
            _run_dask(plan, todo, writer, bar, dask_address)
    finally:
        bar.close()
    return writer.finalize(plan.grid, csv=csv)


def _progress(total: int, initial: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="variant",
        desc="sweep",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
        smoothing=0.1,
    )


def _run_local(plan: SweepPlan, todo: Iterable[Chunk], writer: ResumableWriter, bar: Any) -> None:
    energy: GroupEnergy  # computed at the first chunk (groups are >= 0)
    energy_group = -1
    for chunk in todo:
        if chunk.group != energy_group:
            energy = compute_group_energy(plan.group_mappings[chunk.group], plan.file)
            energy_group = chunk.group
        frame = evaluate_chunk(
            energy, plan.group_mappings[chunk.group], plan.file, chunk.rows, plan.finance
        )
        writer.write_chunk(chunk.chunk_id, frame)
        bar.update(len(chunk.rows))


def connect_dask(address: str) -> Any:
    """A :class:`distributed.Client` on ``address`` (``'local'``: a new LocalCluster of processes)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is a dependency
        raise GreenkommonError("--dask needs the 'dask[distributed]' package") from None
    if not logging.getLogger().isEnabledFor(logging.INFO):
        # distributed logs its life cycle at INFO on its own handler; keep the CLI quiet unless -v
        logging.getLogger("distributed").setLevel(logging.WARNING)
    if address == "local":
        cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=":0")
        client: Any = Client(cluster)
        client._greenkommon_cluster = cluster  # closed with the client by _run_dask
        return client
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise GreenkommonError(
            f"--dask {address}: cannot reach a Dask scheduler there ({exc})"
        ) from None


@contextlib.contextmanager
def dask_client(address: str | Any) -> Iterator[Any]:
    """A Dask client for one run: ``address`` itself when it is already a client, otherwise
    :func:`connect_dask`'s, closed on exit together with the LocalCluster it may have started."""
    if not isinstance(address, str):
        yield address
        return
    client = connect_dask(address)
    try:
        yield client
    finally:
        cluster = getattr(client, "_greenkommon_cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()


def _run_dask(
    plan: SweepPlan, todo: Sequence[Chunk], writer: ResumableWriter, bar: Any, address: str | Any
) -> None:
    from dask.distributed import as_completed

    with dask_client(address) as client:
        groups = sorted({c.group for c in todo})
        energy = {
            g: client.submit(
                compute_group_energy,
                plan.group_mappings[g],
                plan.file,
                pure=False,
                key=f"greenkommon-energy-{plan.fingerprint[:12]}-{g}",
            )
            for g in groups
        }
        futures = {
            client.submit(
                evaluate_chunk,
                energy[c.group],
                plan.group_mappings[c.group],
                plan.file,
                c.rows,
                plan.finance,
                pure=False,
            ): c
            for c in todo
        }
        for fut in as_completed(futures):
            chunk = futures[fut]
            writer.write_chunk(chunk.chunk_id, fut.result())
            bar.update(len(chunk.rows))
            fut.release()


__all__ = [
    "Chunk",
    "GroupEnergy",
    "ResumableWriter",
    "SweepPlan",
    "Vary",
    "apply_overrides",
    "batch_allocation_kpis",
    "build_grid",
    "compute_group_energy",
    "connect_dask",
    "evaluate_chunk",
    "fill_key",
    "make_plan",
    "parse_range",
    "parse_value",
    "parse_vary",
    "run_sweep",
]
