"""The rules data: which distance and power rule applies to an operation, from the rules file.

``greenkommon/data/acc_rules_fr.toml`` holds every rule (standard 2 km, peri-urban and rural
derogations, the 2025 public-body derogation, the power cap) with its source and confidence;
:func:`load_rules` reads it (bundled, or a file the user gives), :class:`Rule` is one of its
tables, and :func:`select_rule` picks the rule an ``[eligibility]`` table's facts (communes,
territory, derogations) call for.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..config.eligibility import EligibilityConfig
from ..errors import DataError, ScenarioError

#: Bundled rules file.
RULES_FILE = "acc_rules_fr.toml"


@dataclass(frozen=True)
class Rule:
    """One distance/power rule of the rules file.

    Attributes
    ----------
    key : str
        Table name in the rules file (``standard``, ``rural_derogation``, ...).
    label : str
    max_distance_km : float or None
        Limit on the distance between the two farthest participants [km]; ``None`` = no km
        criterion.
    max_power_mw : float
        Cumulated peak power must be strictly below this [MW].
    source : str
    confidence : str
        ``LAW``, ``3RD-PARTY`` or ``UNCONFIRMED``.
    """

    key: str
    label: str
    max_distance_km: float | None
    max_power_mw: float
    source: str
    confidence: str


# ------------------------------------------------------------------------------------------------
# Rules file


@functools.cache
def _load_bundled_rules() -> dict[str, Any]:
    text = resources.files("greenkommon").joinpath("data", RULES_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_rules(path: str | Path | None = None) -> dict[str, Any]:
    """Read the eligibility rules (bundled ``acc_rules_fr.toml`` by default).

    Raises
    ------
    DataError
        If the file is not valid TOML or lacks a ``[rules]`` table.
    """
    if path is None:
        data = _load_bundled_rules()
        where = RULES_FILE
    else:
        where = str(path)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: cannot read eligibility rules: {exc}") from None
    if not isinstance(data.get("rules"), Mapping) or "standard" not in data["rules"]:
        raise DataError(f"{where}: expected a [rules.standard] table (and the derogations)")
    return data


def _rule(rules: Mapping[str, Any], key: str, territory: str) -> Rule:
    try:
        table = rules["rules"][key]
    except KeyError:
        raise DataError(f"eligibility rules: [rules.{key}] is missing") from None
    cap = table.get(f"max_power_mw_{territory}")
    if not isinstance(cap, int | float) or isinstance(cap, bool) or cap <= 0:
        raise ScenarioError(
            f"eligibility.territory = {territory!r}: the rules file gives no power cap for "
            f"[rules.{key}] in this territory (max_power_mw_{territory})"
        )
    dist = table.get("max_distance_km")
    return Rule(
        key=key,
        label=str(table.get("label", key)),
        max_distance_km=None if dist is None else float(dist),
        max_power_mw=float(cap),
        source=str(table.get("source", "")),
        confidence=str(table.get("confidence", "UNCONFIRMED")),
    )


def select_rule(config: EligibilityConfig, rules: Mapping[str, Any] | None = None) -> Rule:
    """The rule that applies to an operation described by ``config``.

    Notes
    -----
    Order: ``rule = 'standard_2km'`` forces the general rule; otherwise the 2025 public-body
    derogation if its conditions hold; otherwise the rural (20 km) or peri-urban (10 km)
    derogation if it was obtained; otherwise the general rule (2 km). The 10/20 km derogations
    are granted on request by the minister (arrêté du 19 septembre 2023), so the commune category
    alone does not widen the limit.
    """
    rules = load_rules(config.rules_file) if rules is None else rules
    if config.rule == "standard_2km":
        return _rule(rules, "standard", config.territory)
    if config.public_body_derogation:
        return _rule(rules, "public_body_derogation", config.territory)
    if config.distance_derogation and config.commune_category == "rural":
        return _rule(rules, "rural_derogation", config.territory)
    if config.distance_derogation and config.commune_category == "peri_urban":
        return _rule(rules, "peri_urban_derogation", config.territory)
    return _rule(rules, "standard", config.territory)
