"""Former home of the scenario reader; it lives in :mod:`greenkommon.config` (kept importable)."""

from .config.scenario import (
    COEFFICIENT_SUM_TOLERANCE,
    KEY_TYPES,
    STEPS_MINUTES,
    KeyConfig,
    Scenario,
    SimulationConfig,
    Venue,
    load_scenario,
    merge_scenario,
    parse_scenario,
    read_scenario,
    read_scenario_mapping,
)

__all__ = [
    "COEFFICIENT_SUM_TOLERANCE",
    "KEY_TYPES",
    "STEPS_MINUTES",
    "KeyConfig",
    "Scenario",
    "SimulationConfig",
    "Venue",
    "load_scenario",
    "merge_scenario",
    "parse_scenario",
    "read_scenario",
    "read_scenario_mapping",
]
