"""Economics: bills per venue with and without the operation, and long-term finance.

Contract (used by :mod:`greenkommon.pipeline`)::

    compute_bills(consumption_kwh, allocated_kwh, surplus_kwh, contracts, prices, plant_peak_kwp)
        -> pandas.DataFrame

one row per venue with ``bill_without_eur``, ``bill_with_eur``, ``savings_eur`` [€/yr].
"""

from __future__ import annotations

from dataclasses import dataclass

from ._config import Section


@dataclass(frozen=True)
class PricesConfig:
    """``[prices]``: prices of the operation.

    Attributes
    ----------
    supply_price_eur_per_kwh : float
        Supplier price of grid kWh (all-in energy price used by the simple bill) [€/kWh].
    internal_price_eur_per_kwh : float
        Price the venues pay the producer for allocated kWh [€/kWh].
    surplus_price_eur_per_kwh : float
        Price the producer gets for surplus kWh [€/kWh].
    """

    supply_price_eur_per_kwh: float = 0.1659
    internal_price_eur_per_kwh: float = 0.10
    surplus_price_eur_per_kwh: float = 0.0

    @classmethod
    def from_section(cls, sec: Section) -> PricesConfig:
        cfg = cls(
            supply_price_eur_per_kwh=sec.float("supply_price_eur_per_kwh", 0.1659, min=0, unit="€/kWh"),
            internal_price_eur_per_kwh=sec.float("internal_price_eur_per_kwh", 0.10, min=0, unit="€/kWh"),
            surplus_price_eur_per_kwh=sec.float("surplus_price_eur_per_kwh", 0.0, min=0, unit="€/kWh"),
        )
        sec.finish()
        return cfg


@dataclass(frozen=True)
class ContractConfig:
    """``[venues.contract]``: a venue's own supply contract (defaults to ``[prices]``)."""

    supply_price_eur_per_kwh: float | None = None

    @classmethod
    def from_section(cls, sec: Section) -> ContractConfig:
        cfg = cls(supply_price_eur_per_kwh=sec.float("supply_price_eur_per_kwh", None, min=0, unit="€/kWh"))
        sec.finish()
        return cfg


@dataclass(frozen=True)
class FinanceConfig:
    """``[finance]``: long-term projection parameters."""

    lifetime_years: int = 20
    discount_rate: float = 0.04

    @classmethod
    def from_section(cls, sec: Section) -> FinanceConfig:
        cfg = cls(
            lifetime_years=sec.int("lifetime_years", 20, min=1, max=50),
            discount_rate=sec.float("discount_rate", 0.04, min=-0.99, max=1.0),
        )
        sec.finish()
        return cfg
