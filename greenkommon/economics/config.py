"""Former home of the economics tables; they live in :mod:`greenkommon.config.prices`."""

from ..config.prices import (
    SURPLUS_SALES,
    TARIFF_KINDS,
    TURPE_OPTIONS_GT36,
    TURPE_OPTIONS_LE36,
    ContractConfig,
    FinanceConfig,
    PricesConfig,
)

__all__ = [
    "SURPLUS_SALES",
    "TARIFF_KINDS",
    "TURPE_OPTIONS_GT36",
    "TURPE_OPTIONS_LE36",
    "ContractConfig",
    "FinanceConfig",
    "PricesConfig",
]
