"""The PMO's monthly statements: what each venue owes the producer for its allocated kWh.

Per venue and calendar month (local time): allocated kWh (AUTOCONS), the internal price excl.
VAT, the amount excl. VAT, the VAT rate and amount, and the amount due incl. VAT:

.. math:: due_{v,m} = A_{v,m}\\,p\\,(1 + t)

with ``t`` the VAT rate on the internal price (``[prices] internal_price_vat``, rate from the
tariff data file). The kWh come from the simulation or from an Enedis statement of the six
quantities (AUTOCONS lines, :func:`greenkommon.enedis.read_statement`), whose meters are matched
to venues by their ``meter_id`` or by name. Meter ids are never written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError

#: Columns of :attr:`MonthlyStatements.table`.
COLUMNS = (
    "allocated_kwh",
    "internal_price_eur_per_kwh",
    "amount_excl_vat_eur",
    "vat_rate",
    "vat_eur",
    "amount_due_eur",
)


@dataclass(frozen=True)
class MonthlyStatements:
    """Statements of one operation.

    Attributes
    ----------
    table : pandas.DataFrame
        Index (venue, month ``YYYY-MM``); :data:`COLUMNS` ([kWh], [€/kWh], [€], [-], [€], [€]).
    source : str
        ``"simulation"`` or ``"Enedis statement <file name>"``.
    vat_label : str
        Confidence label of the VAT rate used.
    """

    table: pd.DataFrame
    source: str
    vat_label: str

    def to_csv_frame(self) -> pd.DataFrame:
        """Flat frame for a CSV: ``venue``, ``month``, the columns, ``source``."""
        out = self.table.reset_index()
        out["source"] = self.source
        return out


def monthly_statements(
    allocated_kwh: pd.DataFrame,
    internal_price_eur_per_kwh: float,
    vat_rate: float,
    source: str,
    vat_label: str = "",
) -> MonthlyStatements:
    """Statements from allocated kWh per interval (columns: venues; local DatetimeIndex)."""
    idx = pd.DatetimeIndex(allocated_kwh.index)
    months = idx.strftime("%Y-%m")
    monthly = allocated_kwh.groupby(months).sum()
    rows = []
    for venue in allocated_kwh.columns:
        for month, kwh in monthly[venue].items():
            amount = float(kwh) * internal_price_eur_per_kwh
            vat = amount * vat_rate
            rows.append(
                {
                    "venue": str(venue),
                    "month": str(month),
                    "allocated_kwh": float(kwh),
                    "internal_price_eur_per_kwh": internal_price_eur_per_kwh,
                    "amount_excl_vat_eur": amount,
                    "vat_rate": vat_rate,
                    "vat_eur": vat,
                    "amount_due_eur": amount + vat,
                }
            )
    table = pd.DataFrame(rows, columns=["venue", "month", *COLUMNS]).set_index(["venue", "month"])
    return MonthlyStatements(table=table, source=source, vat_label=vat_label)


def internal_vat(prices: Any) -> tuple[float, str]:
    """VAT rate on the internal price and its label (0 when the producer charges none)."""
    if not prices.internal_price_vat:
        return 0.0, "scenario (internal_price_vat = false)"
    vat = prices.tariffs.get("vat")
    return float(prices.tariffs.number("vat", "internal_rate")), str(
        vat.get("internal_confidence", "")
    )


def statements_from_result(result: Any) -> MonthlyStatements:
    """Statements of a simulated operation (``allocated_kwh``, ``scenario.prices``)."""
    prices = result.scenario.prices
    rate, label = internal_vat(prices)
    return monthly_statements(
        result.allocated_kwh, prices.internal_price_eur_per_kwh, rate, "simulation", label
    )


def statements_from_enedis(path: str | Path, scenario: Any, **read_kw: Any) -> MonthlyStatements:
    """Statements from an Enedis statement file's AUTOCONS lines (Wh → kWh)."""
    from ..enedis import read_statement

    path = Path(path)
    frame = read_statement(path, tz=scenario.simulation.timezone, **read_kw)
    auto = frame[frame["quantity"] == "AUTOCONS"]
    if auto.empty:
        raise DataError(f"{path}: no AUTOCONS line: expected the consumers' allocated energy")
    by_meter = {}
    for v in scenario.venues:
        if getattr(v, "meter_id", None):
            by_meter[str(v.meter_id)] = v.name
        by_meter.setdefault(v.name, v.name)
    unknown = sorted(set(auto["meter"]) - set(by_meter))
    if unknown:
        raise DataError(
            f"{path}: {len(unknown)} AUTOCONS meter(s) match no venue (by [venues] meter_id or "
            "name): expected the operation's consumers"
        )
    auto = auto.assign(venue=auto["meter"].map(by_meter))
    wide = auto.pivot_table(
        index="interval_start", columns="venue", values="energy_wh", aggfunc="sum"
    ).fillna(0.0)
    wide = wide.reindex(columns=[v.name for v in scenario.venues if v.name in wide.columns])
    prices = scenario.prices
    rate, label = internal_vat(prices)
    return monthly_statements(
        wide / 1000.0,
        prices.internal_price_eur_per_kwh,
        rate,
        f"Enedis statement {path.name}",
        label,
    )


def check_totals(st: MonthlyStatements, allocated_kwh: pd.DataFrame) -> float:
    """Largest |monthly sum − yearly allocated kWh| per venue [kWh] (a conservation check)."""
    sums = st.table["allocated_kwh"].groupby(level="venue").sum()
    return float(np.max(np.abs(sums.reindex(allocated_kwh.columns) - allocated_kwh.sum())))


__all__ = [
    "COLUMNS",
    "MonthlyStatements",
    "check_totals",
    "internal_vat",
    "monthly_statements",
    "statements_from_enedis",
    "statements_from_result",
]
