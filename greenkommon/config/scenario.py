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
"""

from __future__ import annotations

import copy
import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

from ..errors import ScenarioError
from ._section import _MISSING, Section
from .eligibility import EligibilityConfig
from .load import LoadConfig
from .optimise import OptimiseConfig
from .plan import PlanConfig
from .plant import PlantConfig
from .prices import ContractConfig, FinanceConfig, PricesConfig
from .weather import WeatherConfig

#: What a venue's own-roof surplus becomes (``[[venues]] own_surplus``).
OWN_SURPLUS_CHOICES = ("sell", "operation")

#: How several producers of one operation share (``[[operations]] allocation``): ``pooled``
#: (one key on the pooled production) or ``per_producer`` (a static key per producer, sent to
#: Enedis as a full dynamic key).
ALLOCATION_MODES = ("pooled", "per_producer")

#: Accepted simulation steps and their length in minutes.
STEPS_MINUTES: dict[str, int] = {"15min": 15, "30min": 30, "1h": 60}

#: Key types accepted in ``[key].type``.
KEY_TYPES = ("prorata", "static", "dynamic", "redistributed", "priority", "optimised")

#: Tolerance on "coefficients sum to at most 1" (floating-point sums of decimal shares).
COEFFICIENT_SUM_TOLERANCE = 1e-9


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
class KeyConfig:
    """``[key]``: the sharing key (clé de répartition).

    Attributes
    ----------
    type : str
        One of :data:`KEY_TYPES`. ``prorata`` is Enedis's default key (D315-6); ``static`` fixed
        shares; ``dynamic`` per-interval coefficients from ``coefficients_file``;
        ``redistributed`` and ``priority`` are PMO-side strategies sent as a dynamic key;
        ``optimised`` asks the optimiser for the best static key.
    coefficients : tuple of float or None
        Share of the pooled production per venue, in venue order [-] (Σ ≤ 1).
    priority_order : tuple of str or None
        Venue names, highest priority first (``priority`` key).
    coefficients_file : Path or None
        CSV of per-interval coefficients (``dynamic`` key).
    floor_to_permille : bool
        Floor coefficients to 0.1 % like an uploaded key and report the extra surplus.
    """

    type: str = "prorata"
    coefficients: tuple[float, ...] | None = None
    priority_order: tuple[str, ...] | None = None
    coefficients_file: Path | None = None
    floor_to_permille: bool = False
    coefficients_by_producer: tuple[tuple[str, tuple[float, ...]], ...] | None = None

    @classmethod
    def from_section(cls, sec: Section, venue_names: list[str]) -> KeyConfig:
        key_type = sec.str("type", "prorata", choices=KEY_TYPES)
        coefficients = None
        raw = sec.raw("coefficients", None)
        by_producer = _read_by_producer(sec, key_type, raw, venue_names)
        if by_producer is not None:
            pass  # a static key per producer (allocation = 'per_producer')
        elif key_type in ("static", "redistributed"):
            if raw is None:
                raise sec.error(
                    "coefficients",
                    sec.data.get("coefficients", _missing()),
                    f"a table {{venue name = share}} for a {key_type!r} key",
                )
            coefficients = _read_coefficients(sec, raw, venue_names)
        elif raw is not None:
            raise sec.error(
                "coefficients",
                raw,
                f"no coefficients for a {key_type!r} key (only static/redistributed take them)",
            )
        order = None
        if key_type == "priority":
            order = tuple(sec.strs("priority_order"))
            unknown = [n for n in order if n not in venue_names]
            if unknown or len(set(order)) != len(order) or set(order) != set(venue_names):
                raise sec.error(
                    "priority_order",
                    list(order),
                    f"each venue exactly once, among {', '.join(map(repr, venue_names))}",
                )
        elif "priority_order" in sec:
            raise sec.error(
                "priority_order",
                sec.raw("priority_order"),
                "no priority_order unless type = 'priority'",
            )
        coefficients_file = sec.path("coefficients_file", None)
        if key_type == "dynamic" and coefficients_file is None:
            raise sec.error(
                "coefficients_file",
                _missing(),
                "a CSV of per-interval coefficients for a 'dynamic' key",
            )
        if coefficients_file is not None and not coefficients_file.is_file():
            raise sec.error("coefficients_file", str(coefficients_file), "an existing file")
        cfg = cls(
            type=key_type,
            coefficients=coefficients,
            priority_order=order,
            coefficients_file=coefficients_file,
            floor_to_permille=sec.bool("floor_to_permille", False),
            coefficients_by_producer=by_producer,
        )
        sec.finish()
        return cfg


def _read_by_producer(
    sec: Section, key_type: str, coefficients: Any, venue_names: list[str]
) -> tuple[tuple[str, tuple[float, ...]], ...] | None:
    """``coefficients_by_producer = {producer = {venue = share}}``: a static key per producer."""
    raw = sec.raw("coefficients_by_producer", None)
    if raw is None:
        return None
    expected = "a table {producer name = {venue name = share}} (a static key per producer)"
    if key_type != "static":
        raise sec.error("coefficients_by_producer", raw, "nothing unless type = 'static'")
    if coefficients is not None:
        raise sec.error(
            "coefficients", coefficients, "no pooled coefficients with coefficients_by_producer"
        )
    if not isinstance(raw, dict) or not raw:
        raise sec.error("coefficients_by_producer", raw, expected)
    table = Section(raw, sec.field("coefficients_by_producer"), sec.file)
    return tuple(
        (str(name), _read_coefficients(table, shares, venue_names, field=str(name)))
        for name, shares in raw.items()
    )


def _missing() -> Any:
    return _MISSING


def _read_coefficients(
    sec: Section, raw: Any, venue_names: list[str], field: str = "coefficients"
) -> tuple[float, ...]:
    if not isinstance(raw, dict):
        raise sec.error(field, raw, "a table {venue name = share in [0, 1]}")
    unknown = [k for k in raw if k not in venue_names]
    if unknown:
        raise sec.error(
            f"{field}.{unknown[0]!r}",
            raw[unknown[0]],
            f"a venue of the scenario: {', '.join(map(repr, venue_names))}",
        )
    missing = [n for n in venue_names if n not in raw]
    if missing:
        raise sec.error(f"{field}.{missing[0]!r}", _missing(), "a share in [0, 1] for every venue")
    values = []
    for name in venue_names:
        v = raw[name]
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float)
            or not math.isfinite(v)
            or not 0 <= v <= 1
        ):
            raise sec.error(f"{field}.{name!r}", v, "a share in [0, 1]")
        values.append(float(v))
    total = sum(values)
    if total > 1 + COEFFICIENT_SUM_TOLERANCE:
        raise sec.error(field, raw, f"shares summing to at most 1 (they sum to {total:.6g})")
    return tuple(values)


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


def operation_producers(operation: OperationConfig, venues: tuple[Venue, ...]) -> list[str]:
    """An operation's producers in allocation order: its plants, then the own roofs of its
    members that give their surplus to it (member order)."""
    by_name = {v.name: v for v in venues}
    own = [by_name[n] for n in operation.venues if n in by_name]
    return list(operation.plants) + [
        v.own_plant.name for v in own if v.own_plant is not None and v.own_surplus == "operation"
    ]


def _check_producers(sec: Section, op: OperationConfig, producers: list[str]) -> None:
    """``per_producer`` needs a static key for every producer, and only then."""
    by = op.key.coefficients_by_producer
    if op.allocation == "per_producer":
        if by is None:
            raise sec.section("key").error(
                "coefficients_by_producer",
                _missing(),
                "a static key per producer when allocation = 'per_producer': producers "
                + ", ".join(map(repr, producers)),
            )
        named = [name for name, _ in by]
        if sorted(named) != sorted(producers):
            raise sec.section("key").error(
                "coefficients_by_producer",
                named,
                "one table per producer of the operation: " + ", ".join(map(repr, producers)),
            )
    elif by is not None:
        raise sec.error("allocation", op.allocation, "'per_producer' with coefficients_by_producer")


def _check_unique(root: Section, table: str, names: list[str]) -> None:
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise root.error(table, dup[0], f"unique {table} names (this name appears twice)")


def _check_membership(
    secs: list[Section],
    operations: tuple[OperationConfig, ...],
    venues: list[str],
    plants: list[str],
) -> None:
    """Venues and plants named by operations exist; a venue is in at most one operation."""
    seen: dict[str, str] = {}
    for sec, op in zip(secs, operations, strict=True):
        for v in op.venues:
            if v not in venues:
                raise sec.error(
                    "venues", v, "venue names of [[venues]]: " + ", ".join(map(repr, venues))
                )
            if v in seen:
                raise sec.error(
                    "venues",
                    v,
                    f"a venue in at most one operation (it is already in {seen[v]!r}: one ACC "
                    "operation per delivery point)",
                )
            seen[v] = op.name
        for p in op.plants:
            if p not in plants:
                raise sec.error(
                    "plants", p, "plant names of [[plants]]: " + ", ".join(map(repr, plants))
                )


def _check_venue_tables(
    root: Section, names: list[str], finance: FinanceConfig, optimise: OptimiseConfig
) -> None:
    """Tables keyed by venue name name venues of the scenario (cross-table, at load time)."""
    expected = "a venue of the scenario: " + ", ".join(map(repr, names))
    for venue in finance.equity_eur:
        if venue not in names:
            raise (
                root.section("finance")
                .section("equity_eur")
                .error(venue, finance.equity_eur[venue], expected)
            )
    opt = root.section("optimise", {})
    for venue, lo, hi in optimise.bounds:
        if venue not in names:
            raise opt.section("bounds").error(venue, [lo, hi], expected)
    for venue, share in optimise.equity_shares:
        if venue not in names:
            raise opt.section("equity_shares").error(venue, share, expected)


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
