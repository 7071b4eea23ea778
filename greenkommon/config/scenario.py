"""Scenario files: TOML in, typed and validated :class:`Scenario` out.

A scenario is read and validated completely before anything runs. Each stage owns the config
dataclass of its own table (``[weather]`` → :class:`greenkommon.WeatherConfig`, ``[plant]`` →
:class:`greenkommon.PlantConfig`, ...); this module only composes them and checks what
spans several tables (venue names used by the key, ...).

A file may extend another one (``extends = "greenkommon.toml"``, relative to its own folder):
tables are merged recursively, the extending file wins; ``[[venues]]`` entries are merged by
``name`` (``remove = true`` drops a venue, and its name from the tables keyed by venue name such
as key coefficients and equity; a new name adds one); every other array is replaced. A file
with ``[[plants]]`` or ``[[operations]]`` extending a file with ``[plant]`` and ``[key]``
replaces those two tables (a portfolio built on a single operation's venues and prices).
Relative file paths are resolved against the folder of the file being loaded (keep a chain of
scenarios in one folder).

This module holds the dataclasses that compose the tables (:class:`Venue`,
:class:`OperationConfig`, :class:`Scenario`) and the parsing (:func:`parse_scenario`,
:func:`read_scenario`); its siblings hold the ``[key]`` table (:mod:`~greenkommon.config.key`),
the cross-table checks (:mod:`~greenkommon.config.validation`) and the file reading and
``extends`` merging (:mod:`~greenkommon.config.extends`), all re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ._section import Section
from .eligibility import EligibilityConfig
from .extends import merge_scenario, read_scenario_mapping, read_toml
from .key import COEFFICIENT_SUM_TOLERANCE, KEY_TYPES, KeyConfig
from .load import LoadConfig
from .optimise import OptimiseConfig
from .plan import PlanConfig
from .plant import PlantConfig
from .prices import ContractConfig, FinanceConfig, PricesConfig
from .validation import (
    _check_membership,
    _check_producers,
    _check_unique,
    _check_venue_tables,
    operation_producers,
)
from .weather import WeatherConfig

#: What a venue's own-roof surplus becomes (``[[venues]] own_surplus``).
OWN_SURPLUS_CHOICES = ("sell", "operation")

#: How several producers of one operation share (``[[operations]] allocation``): ``pooled``
#: (one key on the pooled production) or ``per_producer`` (a static key per producer, sent to
#: Enedis as a full dynamic key).
ALLOCATION_MODES = ("pooled", "per_producer")

#: Accepted simulation steps and their length in minutes.
STEPS_MINUTES: dict[str, int] = {"15min": 15, "30min": 30, "1h": 60}


@dataclass(frozen=True)
class SimulationConfig:
    """``[simulation]``: the time grid.

    Attributes
    ----------
    year : int
        Calendar year simulated.
    step : str
        Interval length: ``'30min'`` (default: Linky load curves are half-hourly), ``'15min'``
        (the imbalance-settlement period since 2025) or ``'1h'``.
    timezone : str
        IANA zone of the labels (``'Europe/Paris'``).
    """

    year: int = 2026
    step: str = "30min"
    timezone: str = "Europe/Paris"

    @classmethod
    def from_section(cls, sec: Section) -> SimulationConfig:
        cfg = cls(
            year=sec.int("year", 2026, min=1990, max=2100),
            step=sec.str("step", "30min", choices=tuple(STEPS_MINUTES)),
            timezone=sec.str("timezone", "Europe/Paris"),
        )
        try:
            import zoneinfo

            zoneinfo.ZoneInfo(cfg.timezone)
        except Exception:
            raise sec.error(
                "timezone", cfg.timezone, "an IANA time zone such as 'Europe/Paris'"
            ) from None
        sec.finish()
        return cfg


@dataclass(frozen=True)
class Venue:
    """``[[venues]]``: one consumer of the operation.

    Attributes
    ----------
    name : str
        Display name, unique in the scenario.
    latitude_deg, longitude_deg : float
        Delivery point coordinates [°, WGS84].
    address : str
        Postal address (information only).
    meter_id : str or None
        Enedis PRM (14 digits). Never printed unless the user asks for it.
    load : LoadConfig
        ``[venues.load]``: how the venue's consumption curve is obtained.
    contract : ContractConfig
        ``[venues.contract]``: the venue's supply and network contract.
    own_plant : PlantConfig or None
        ``[venues.own_plant]``: panels on the venue's own roof, behind its meter (individual
        self-consumption): their production is consumed first, the operation's key applies to
        what Enedis then measures. Location defaults to the venue's.
    own_surplus : {'sell', 'operation'}
        What becomes of the own roof's surplus: sold at the ``[prices]`` surplus price, or
        injected into the venue's operation as one more producer.
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    load: LoadConfig
    contract: ContractConfig
    address: str = ""
    meter_id: str | None = None
    own_plant: PlantConfig | None = None
    own_surplus: str = "sell"

    @classmethod
    def from_section(cls, sec: Section) -> Venue:
        name = sec.str("name")
        if not name.strip():
            raise sec.error("name", name, "a non-empty name")
        meter_id = sec.str("meter_id", None)
        if meter_id is not None and (len(meter_id) != 14 or not meter_id.isdigit()):
            # the value is a PRM: do not echo it back
            raise ScenarioError(
                f"{sec.file}: {sec.field('meter_id')}: expected 14 digits (Enedis PRM)"
            )
        lat = sec.float("latitude_deg", min=-90, max=90, unit="°")
        lon = sec.float("longitude_deg", min=-180, max=180, unit="°")
        venue = cls(
            name=name,
            latitude_deg=lat,
            longitude_deg=lon,
            address=sec.str("address", ""),
            meter_id=meter_id,
            load=LoadConfig.from_section(sec.section("load")),
            contract=ContractConfig.from_section(sec.section("contract", {})),
            own_plant=(
                _own_plant(sec.section("own_plant"), name, lat, lon) if "own_plant" in sec else None
            ),
            own_surplus=sec.str("own_surplus", "sell", choices=OWN_SURPLUS_CHOICES),
        )
        if venue.own_plant is None and "own_surplus" in sec:
            raise sec.error("own_surplus", venue.own_surplus, "no own_surplus without own_plant")
        sec.finish()
        return venue


def _own_plant(sec: Section, venue_name: str, lat: float, lon: float) -> PlantConfig:
    # the roof is the venue's: name and location default to the venue's delivery point
    data = {"name": f"{venue_name} (own roof)", "latitude_deg": lat, "longitude_deg": lon}
    data.update(sec.data)
    return PlantConfig.from_section(Section(data, sec.where, sec.file))


@dataclass(frozen=True)
class OperationConfig:
    """``[[operations]]``: one ACC operation of the portfolio.

    Attributes
    ----------
    name : str
        Unique in the scenario.
    plants : tuple of str
        Names of its shared plants (``[[plants]]``); their production is pooled.
    venues : tuple of str
        Its consumers (a venue belongs to at most one operation).
    key : KeyConfig
        ``[operations.key]``: its sharing key (coefficients name its venues).
    internal_price_eur_per_kwh : float or None
        Its internal price [€/kWh, excl. VAT]; ``None``: ``[prices]``'s.
    allocation : str
        How several producers share: ``'pooled'`` (Enedis pools the producers' injection and
        splits each venue's allocation back pro rata of injection) or ``'per_producer'`` (each
        producer's injection shared by its own static key,
        ``[operations.key] coefficients_by_producer``: a full dynamic key for Enedis).
    finance_overrides : tuple of (str, value)
        ``[operations.finance]``: fields overriding ``[finance]`` for its producer (raw TOML,
        merged and validated into :meth:`Scenario.operation_scenario`'s ``finance``).
    eligibility : EligibilityConfig or None
        ``[operations.eligibility]``: the facts of this operation's communes and derogations
        (``None``: the scenario's ``[eligibility]``).
    """

    name: str
    plants: tuple[str, ...]
    venues: tuple[str, ...]
    key: KeyConfig
    internal_price_eur_per_kwh: float | None = None
    allocation: str = "pooled"
    finance_overrides: tuple[tuple[str, Any], ...] = ()
    eligibility: EligibilityConfig | None = None

    @classmethod
    def from_section(cls, sec: Section) -> OperationConfig:
        name = sec.str("name")
        if not name.strip():
            raise sec.error("name", name, "a non-empty name")
        venues = tuple(sec.strs("venues"))
        if not venues:
            raise sec.error("venues", [], "at least one venue name")
        if len(set(venues)) != len(venues):
            raise sec.error("venues", list(venues), "each venue once")
        plants = tuple(sec.strs("plants"))
        if not plants:
            raise sec.error("plants", [], "at least one plant name of [[plants]]")
        if len(set(plants)) != len(plants):
            raise sec.error("plants", list(plants), "each plant once")
        fin = sec.section("finance", {})
        cfg = cls(
            name=name,
            plants=plants,
            venues=venues,
            key=KeyConfig.from_section(sec.section("key", {}), list(venues)),
            internal_price_eur_per_kwh=sec.float(
                "internal_price_eur_per_kwh", None, min=0, unit="€/kWh"
            ),
            allocation=sec.str("allocation", "pooled", choices=ALLOCATION_MODES),
            finance_overrides=tuple(fin.data.items()),
            eligibility=(
                EligibilityConfig.from_section(sec.section("eligibility"))
                if "eligibility" in sec
                else None
            ),
        )
        sec.finish()
        return cfg


@dataclass(frozen=True)
class Scenario:
    """A complete, validated scenario: a portfolio of one or more ACC operations.

    Attributes
    ----------
    name : str
        Title shown in outputs.
    file : Path or None
        The TOML file it was read from.
    simulation : SimulationConfig
    weather : WeatherConfig
    plant : PlantConfig
        The first shared plant (the only one of a single-operation file).
    venues : tuple of Venue
    key : KeyConfig
        The first operation's key.
    prices : PricesConfig
    finance : FinanceConfig
    optimise : OptimiseConfig
    eligibility : EligibilityConfig
    description : str
    plan : PlanConfig
        ``[plan]``: candidate roofs and options of ``greenkommon plan``.
    plants : tuple of PlantConfig
        Every shared plant (``[[plants]]``, or the single ``[plant]``).
    operations : tuple of OperationConfig
        Every operation (a file with ``[plant]`` and ``[key]`` is one operation of every venue).
    """

    name: str
    file: Path | None
    simulation: SimulationConfig
    weather: WeatherConfig
    plant: PlantConfig
    venues: tuple[Venue, ...]
    key: KeyConfig
    prices: PricesConfig
    finance: FinanceConfig
    optimise: OptimiseConfig
    eligibility: EligibilityConfig
    description: str = ""
    plan: PlanConfig = field(default_factory=PlanConfig)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    plants: tuple[PlantConfig, ...] = ()
    operations: tuple[OperationConfig, ...] = ()

    def __post_init__(self) -> None:
        # programmatic construction (tests, variants) of a single-operation scenario
        if not self.plants:
            object.__setattr__(self, "plants", (self.plant,))
        if not self.operations:
            op = OperationConfig(
                name=self.name,
                plants=(self.plant.name,),
                venues=tuple(v.name for v in self.venues),
                key=self.key,
            )
            object.__setattr__(self, "operations", (op,))

    @property
    def venue_names(self) -> list[str]:
        return [v.name for v in self.venues]

    @property
    def is_single_operation(self) -> bool:
        """One operation holding every venue (the layout of files without ``[[operations]]``)."""
        return len(self.operations) == 1 and set(self.operations[0].venues) == set(self.venue_names)

    def venue(self, name: str) -> Venue:
        return next(v for v in self.venues if v.name == name)

    def plant_named(self, name: str) -> PlantConfig:
        return next(p for p in self.plants if p.name == name)

    def operation_of(self, venue_name: str) -> OperationConfig | None:
        """The operation a venue belongs to (``None``: none)."""
        return next((op for op in self.operations if venue_name in op.venues), None)

    def operation_scenario(self, operation: OperationConfig) -> Scenario:
        """The operation seen as a scenario of one operation (what each stage evaluates).

        ``plant`` is its plant (several plants: one plant holding all their sections, located
        at the first, named after all; ``plants`` keeps them apart), ``venues`` its members in
        the operation's order, ``key`` its
        key, ``prices`` with its internal price, ``finance`` its producer's (``[finance]`` with
        ``[operations.finance]`` over it, equity of its members only, the plants' CAPEX
        override), ``optimise`` restricted to its members.
        """
        if self.is_single_operation and operation is self.operations[0]:
            return self
        plants = [self.plant_named(n) for n in operation.plants]
        plant = plants[0] if len(plants) == 1 else _merged_plant(plants)
        # the key's coefficients follow the operation's venue order
        members = tuple(self.venue(n) for n in operation.venues)
        names = {v.name for v in members}
        prices = self.prices
        if operation.internal_price_eur_per_kwh is not None:
            prices = replace(
                prices, internal_price_eur_per_kwh=operation.internal_price_eur_per_kwh
            )
        finance = _operation_finance(self, operation, plants, names)
        optimise = replace(
            self.optimise,
            bounds=tuple(b for b in self.optimise.bounds if b[0] in names),
            equity_shares=tuple(s for s in self.optimise.equity_shares if s[0] in names),
        )
        return replace(
            self,
            name=operation.name,
            plant=plant,
            plants=tuple(plants),
            venues=members,
            key=operation.key,
            prices=prices,
            finance=finance,
            optimise=optimise,
            eligibility=operation.eligibility or self.eligibility,
            operations=(operation,),
        )


def _merged_plant(plants: list[PlantConfig]) -> PlantConfig:
    """One plant holding the sections of several (its peak power is theirs: finance, caps)."""
    sections = tuple(replace(s, name=f"{p.name}: {s.name}") for p in plants for s in p.sections)
    return replace(
        plants[0],
        name=" + ".join(p.name for p in plants),
        sections=sections,
        capex_eur_per_kwp=_capex(plants),
    )


def _capex(plants: list[PlantConfig]) -> float | None:
    """kWp-weighted CAPEX of plants that all override it [€/kWp] (``None`` otherwise)."""
    pairs = [(p.capex_eur_per_kwp, p.peak_power_kwp) for p in plants]
    if any(c is None for c, _ in pairs):
        return None
    return sum(float(c or 0.0) * kwp for c, kwp in pairs) / sum(kwp for _, kwp in pairs)


def _operation_finance(
    scenario: Scenario, operation: OperationConfig, plants: list[PlantConfig], names: set[str]
) -> FinanceConfig:
    base = dict(scenario.raw.get("finance", {})) if scenario.raw else {}
    base.update(dict(operation.finance_overrides))
    equity = base.get("equity_eur")
    if isinstance(equity, dict):
        base["equity_eur"] = {k: v for k, v in equity.items() if k in names}
    capex = _capex(plants)
    if "capex_eur_per_kwp" not in dict(operation.finance_overrides) and capex is not None:
        base["capex_eur_per_kwp"] = capex
    where = f"operations[{scenario.operations.index(operation)}].finance"
    return FinanceConfig.from_section(Section(base, where, scenario.file))


def parse_scenario(data: dict[str, Any], file: str | Path | None = None) -> Scenario:
    """Validate an already-parsed (and merged) scenario mapping.

    A file describes either one operation (``[plant]`` and ``[key]``: every venue shares the
    plant) or a portfolio (``[[plants]]`` and ``[[operations]]``, each operation naming its
    plants and venues and holding its ``[operations.key]``).

    Raises
    ------
    ScenarioError
        One line naming file, field, value and what was expected.
    """
    root = Section(data, "", file)
    root.raw("extends", None)  # already resolved by load_scenario
    name = root.str("name", Path(file).stem if file else "scenario")
    venue_secs = root.sections("venues")
    if not venue_secs:
        raise root.error("venues", [], "at least one [[venues]] table")
    venues = tuple(Venue.from_section(s) for s in venue_secs)
    names = [v.name for v in venues]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise root.error("venues", dup[0], "unique venue names (this name appears twice)")
    portfolio = "operations" in root or "plants" in root
    if portfolio:
        for single in ("plant", "key"):
            if single in root:
                raise root.error(
                    single,
                    root.raw(single),
                    "no [" + single + "] table in a portfolio ([[plants]] and [[operations]]: "
                    "each operation has its own [operations.key])",
                )
        plant_secs = root.sections("plants")
        if not plant_secs:
            raise root.error("plants", [], "at least one [[plants]] table")
        plants = tuple(PlantConfig.from_section(s) for s in plant_secs)
        _check_unique(root, "plants", [p.name for p in plants])
        op_secs = root.sections("operations")
        if not op_secs:
            raise root.error("operations", [], "at least one [[operations]] table")
        operations = tuple(OperationConfig.from_section(s) for s in op_secs)
        _check_unique(root, "operations", [o.name for o in operations])
        _check_membership(op_secs, operations, names, [p.name for p in plants])
        for sec, op in zip(op_secs, operations, strict=True):
            _check_producers(sec, op, operation_producers(op, venues))
        plant, key = plants[0], operations[0].key
    else:
        plant = PlantConfig.from_section(root.section("plant"))
        plants = (plant,)
        key = KeyConfig.from_section(root.section("key", {}), names)
        operations = (
            OperationConfig(name=name, plants=(plant.name,), venues=tuple(names), key=key),
        )
    finance = FinanceConfig.from_section(root.section("finance", {}))
    if not portfolio and plant.capex_eur_per_kwp is not None:
        if finance.capex_eur_per_kwp is not None:
            raise root.section("plant").error(
                "capex_eur_per_kwp",
                plant.capex_eur_per_kwp,
                "one CAPEX: [plant] or [finance] capex_eur_per_kwp, not both",
            )
        finance = replace(finance, capex_eur_per_kwp=plant.capex_eur_per_kwp)
    optimise = OptimiseConfig.from_section(root.section("optimise", {}))
    _check_venue_tables(root, names, finance, optimise)
    scenario = Scenario(
        name=name,
        file=Path(file) if file else None,
        description=root.str("description", ""),
        simulation=SimulationConfig.from_section(root.section("simulation", {})),
        weather=WeatherConfig.from_section(root.section("weather", {})),
        plant=plant,
        venues=venues,
        key=key,
        prices=PricesConfig.from_section(root.section("prices", {})),
        finance=finance,
        optimise=optimise,
        eligibility=EligibilityConfig.from_section(root.section("eligibility", {})),
        plan=PlanConfig.from_section(root.section("plan", {}), names),
        raw=data,
        plants=plants,
        operations=operations,
    )
    root.finish()
    for op in operations:
        if len(operations) > 1 or op.finance_overrides:
            scenario.operation_scenario(op)  # its [finance] must validate now, not at run time
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        A TOML scenario (see ``scenarios/greenkommon.toml``).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        If the file is missing, not TOML, or any field is invalid.
    """
    data = read_scenario_mapping(path)
    return parse_scenario(data, path)


def read_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file (the notebook entry point).

    Same as :func:`load_scenario`; named like the other readers of the package.
    """
    return load_scenario(path)


__all__ = [
    "ALLOCATION_MODES",
    "COEFFICIENT_SUM_TOLERANCE",
    "KEY_TYPES",
    "OWN_SURPLUS_CHOICES",
    "STEPS_MINUTES",
    "KeyConfig",
    "OperationConfig",
    "Scenario",
    "SimulationConfig",
    "Venue",
    "load_scenario",
    "merge_scenario",
    "operation_producers",
    "parse_scenario",
    "read_scenario",
    "read_scenario_mapping",
    "read_toml",
]
