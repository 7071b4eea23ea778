"""The grid of a sweep: ``--vary`` parsing, dotted-path overrides on a raw scenario mapping,
the split of paths into energy-changing and cheap ones."""

from __future__ import annotations

import copy
import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ScenarioError

#: Dotted path that scales every roof section in proportion.
PEAK_PATH = "plant.peak_power_kwp"

#: Prefixes of overrides that do not change weather, production shape or loads.
CHEAP_PREFIXES = ("key.", "prices.", "finance.")

#: Arrays of tables a dotted path addresses by their ``name`` (and what one of them is called).
NAMED_TABLES = {"venues": "venue", "plants": "plant", "operations": "operation"}

#: Key types that take coefficients from the scenario.
COEFFICIENT_KEYS = ("static", "redistributed")


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
    from ..scenario import parse_scenario

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


def is_portfolio(mapping: dict[str, Any]) -> bool:
    """Whether a raw scenario describes a portfolio (``[[plants]]`` or ``[[operations]]``)."""
    return "operations" in mapping or "plants" in mapping


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
