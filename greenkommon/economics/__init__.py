"""Economics: bills per venue with and without the operation, and long-term finance.

Contract (used by :mod:`greenkommon.pipeline`)::

    compute_bills(consumption_kwh, allocated_kwh, surplus_kwh, contracts, prices, plant_peak_kwp)
        -> pandas.DataFrame

one row per venue (index ``"venue"``) with ``bill_without_eur``, ``bill_with_eur``,
``savings_eur`` [€/yr] and the breakdown of a French bill (supply, TURPE, CTA, accise, internal
price, VAT). Every tariff figure comes from ``greenkommon/data/tariffs_fr.toml`` with its source
and confidence label.

Modules: :mod:`.config` (scenario tables), :mod:`.tariffs` (data file, calendar),
:mod:`.prices` (per-interval prices, one function per bill component),
:mod:`.bills` (yearly bills, marginal prices for the optimiser), :mod:`.finance` (long-term
projection: cash flows, NPV, IRR, payback, LCOE).
"""

from __future__ import annotations

from .bills import (
    BILL_COLUMNS,
    OptimiserPrices,
    allocated_kwh_value_eur_per_kwh,
    compute_bills,
    figures_table,
    format_bills,
    marginal_import_price_eur_per_kwh,
    optimiser_prices,
    scenario_optimiser_prices,
    surplus_price_eur_per_kwh,
)
from .config import ContractConfig, FinanceConfig, PricesConfig
from .finance import (
    EscalationCase,
    FinanceResult,
    ProducerInputs,
    assumptions_table,
    project_finance,
    project_result,
)
from .prices import VenuePrices, accise_category, venue_prices
from .tariffs import Figure, Tariffs, load_tariffs

__all__ = [
    "BILL_COLUMNS",
    "ContractConfig",
    "EscalationCase",
    "FinanceResult",
    "ProducerInputs",
    "assumptions_table",
    "project_finance",
    "project_result",
    "Figure",
    "FinanceConfig",
    "PricesConfig",
    "Tariffs",
    "VenuePrices",
    "accise_category",
    "allocated_kwh_value_eur_per_kwh",
    "compute_bills",
    "figures_table",
    "format_bills",
    "load_tariffs",
    "OptimiserPrices",
    "marginal_import_price_eur_per_kwh",
    "optimiser_prices",
    "scenario_optimiser_prices",
    "surplus_price_eur_per_kwh",
    "venue_prices",
]
