"""Reading and validating a scenario: a portfolio of ACC operations.

Every table of a scenario file has a small frozen config dataclass with a
``from_section(section)`` constructor reading it through :class:`Section` (errors name file, field,
value and expectation, in one line). This package imports only the standard library and numpy:
no simulation stage is imported to parse a file (the tariff figures of ``[prices]`` are read by
:mod:`greenkommon.economics.tariffs`, imported when a ``[prices]`` table is read).

Entry point: :func:`read_scenario` (alias :func:`load_scenario`).
"""

from ._section import Section
from .eligibility import EligibilityConfig
from .load import LoadConfig
from .optimise import OptimiseConfig
from .plan import PlanConfig, RoofConfig
from .plant import PlantConfig, RoofSection
from .prices import ContractConfig, FinanceConfig, PricesConfig
from .scenario import (
    KEY_TYPES,
    KeyConfig,
    Scenario,
    SimulationConfig,
    Venue,
    load_scenario,
    parse_scenario,
    read_scenario,
)
from .weather import WeatherConfig

__all__ = [
    "KEY_TYPES",
    "ContractConfig",
    "EligibilityConfig",
    "FinanceConfig",
    "KeyConfig",
    "LoadConfig",
    "OptimiseConfig",
    "PlanConfig",
    "PlantConfig",
    "PricesConfig",
    "RoofConfig",
    "RoofSection",
    "Scenario",
    "Section",
    "SimulationConfig",
    "Venue",
    "WeatherConfig",
    "load_scenario",
    "parse_scenario",
    "read_scenario",
]
