"""Reading scenario files and merging their ``extends`` chains into one mapping.

:func:`read_toml` reads one TOML file (one-line errors, a UTF-8 byte-order mark tolerated);
:func:`read_scenario_mapping` follows ``extends = "base.toml"`` (relative to the extending file,
circular chains refused) and :func:`merge_scenario` merges two mappings: tables recursively, the
extending file wins, ``[[venues]]`` by name (``remove = true`` drops a venue and its name from the
tables keyed by venue name), other arrays replaced, and a portfolio (``[[plants]]``,
``[[operations]]``) replacing a base's ``[plant]`` and ``[key]``.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any, cast

from ..errors import ScenarioError


def read_toml(path: Path) -> dict[str, Any]:
    """One TOML file as a mapping (no ``extends`` resolution); one-line errors."""
    try:
        # utf-8-sig: Windows editors save UTF-8 with a byte-order mark, which TOML forbids
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text: {exc.reason}") from None


def read_scenario_mapping(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a TOML scenario and resolve its ``extends`` chain into one mapping."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    resolved = path.resolve()
    if resolved in _seen:
        raise ScenarioError(f"{path}: extends = ...: circular chain through {resolved.name}")
    data = read_toml(path)
    _check_unique_venues(data, path)
    base_name = data.get("extends")
    if base_name is None:
        return data
    if not isinstance(base_name, str):
        raise ScenarioError(f"{path}: extends = {base_name!r}: expected a file name (string)")
    base_path = path.parent / base_name
    if not base_path.is_file():
        raise ScenarioError(
            f"{path}: extends = {base_name!r}: expected an existing scenario file next to it"
        )
    base = read_scenario_mapping(base_path, _seen + (resolved,))
    merged = merge_scenario(base, data)
    merged.pop("extends", None)
    return merged


def _check_unique_venues(data: dict[str, Any], path: Path) -> None:
    """A venue listed twice in one file is a mistake (merging the two silently hid it)."""
    venues = data.get("venues")
    if not isinstance(venues, list):
        return
    seen: set[Any] = set()
    for i, v in enumerate(venues):
        name = v.get("name") if isinstance(v, dict) else None
        if name is None:
            continue
        if not isinstance(name, str):
            return  # the venue's own validation names the bad value
        if name in seen:
            raise ScenarioError(
                f"{path}: venues[{i}].name = {name!r}: expected unique venue names in one file "
                "(this one is listed twice; an extending file lists a venue once, with all its "
                "changes)"
            )
        seen.add(name)


def merge_scenario(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` onto ``base`` (see module docstring for the rules)."""
    out = copy.deepcopy(base)
    if ("plants" in override or "operations" in override) and "plants" not in base:
        # a portfolio extending a single-operation file: its plants and operations replace
        # the base's [plant] and [key]
        out.pop("plant", None)
        out.pop("key", None)
    for key, value in override.items():
        if key == "extends":
            continue
        if key == "venues" and isinstance(value, list) and isinstance(out.get("venues"), list):
            out["venues"], removed = _merge_venues(out["venues"], value)
            if removed:
                _prune_venue_names(out, removed, override)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_scenario(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _prune_venue_names(data: dict[str, Any], removed: set[str], override: dict[str, Any]) -> None:
    """Drop a removed venue from the tables keyed by venue name (key coefficients, equity,
    optimiser bounds...) and from lists of venue names, unless the extending file sets them."""

    def prune(node: Any, over: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: prune(v, over.get(k) if isinstance(over, dict) else None)
                for k, v in node.items()
                if k == "venues"
                or not (k in removed and not (isinstance(over, dict) and k in over))
            }
        if (
            isinstance(node, list)
            and node
            and all(isinstance(v, str) for v in node)
            and over is None
        ):
            return [v for v in node if v not in removed]
        return node

    for key in list(data):
        if key != "venues":
            data[key] = prune(data[key], override.get(key))


def _merge_venues(
    base: list[dict[str, Any]], override: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], set[str]]:
    venues = [copy.deepcopy(v) for v in base]
    by_name = {v.get("name"): i for i, v in enumerate(venues)}
    drop: set[str] = set()
    for entry in override:
        name = entry.get("name")
        if entry.get("remove") is True:
            if name not in by_name:
                raise ScenarioError(
                    f"venues: remove = true for {name!r}, which the base scenario does not have"
                )
            drop.add(cast(str, name))  # a key of by_name: a base venue's name
            continue
        if name in by_name:
            merged = merge_scenario(venues[by_name[name]], entry)
            load = entry.get("load")
            if (
                isinstance(load, dict)
                and "load_file" in load
                and "annual_consumption_kwh" not in load
                and isinstance(merged.get("load"), dict)
            ):
                # the base's yearly total described the synthetic profile this file replaces
                # with a measured curve: it must not rescale the measurement
                merged["load"].pop("annual_consumption_kwh", None)
            venues[by_name[name]] = merged
        else:
            venues.append(copy.deepcopy(entry))
            by_name[name] = len(venues) - 1
    return [v for v in venues if v.get("name") not in drop], drop
