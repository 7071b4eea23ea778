"""Regulatory cases: contested rules the user compares instead of a silent default.

A regulatory *case* is one reading of a rule whose application is contested, as a dated switch
over the project's life. Today there is one: the 0 €/MWh accise rate on collectively
self-consumed (AUTOCONS) kWh.

The accise case
---------------
Art. 75 of the loi de finances 2025 (loi n° 2025-127 of 14 Feb 2025) amended CIBS L312-79 and
L312-87 so that renewable electricity from a site under 1 MW consumed by the participants of a
collective self-consumption operation is taxed at 0 €/MWh. The tax administration's rescrit
BOI-RES-EAT-000208 (BOFiP node 367293) requires an "identité matérielle" between the electricity
produced and the electricity consumed, which, as written question n° 9484 (AN, H. Ott) puts it,
"a pour effet d'exclure les opérations d'ACC". Third parties also report that the measure runs
until 1 Jan 2027. So three readings:

- ``does_not_apply`` (default, the cautious reading): AUTOCONS kWh pay the accise of the venue's
  category, like grid kWh;
- ``applies``: AUTOCONS kWh at 0 €/MWh (plant < 1 MWp, from the data file's start date);
- ``applies_until`` a date: the 0 rate until that date (excluded), the full rate after.

The case changes *only* the accise on AUTOCONS kWh; everything else in the bill is the same. The
bill model is one (:func:`greenkommon.economics.compute_bills`); a case is a field of
:class:`~greenkommon.economics.PricesConfig` (``prices.accise_case``).

Public API (used by run, compare, finance, plan, report, web)
-------------------------------------------------------------
- :class:`AcciseCase`: frozen; ``name``, ``label_en``, ``label_fr``, ``applies_on(date)``,
  ``applies_in_year(year)``, ``share_of_year(year)`` (the fraction of a calendar year the 0 rate
  applies, for yearly projections), ``mask(datetime64 array)``.
- :data:`ACCISE_DOES_NOT_APPLY`, :data:`ACCISE_APPLIES`, :func:`accise_applies_until`.
- :func:`parse_accise_case` (scenario text -> case).
- :func:`accise_cases(prices)`: ``(chosen, alternative)`` to display side by side.
- :func:`with_accise_case(prices, case)`: the same ``PricesConfig`` under another case; pass it to
  ``compute_bills`` (or any function taking ``prices``) to evaluate the bills under that case.
- :func:`bills_by_accise_case(result)`: ``{case: bill table}`` for a run result (chosen first).
- :func:`finance_by_accise_case(result)`: ``{case: FinanceResult}`` (NPV under each reading).
- :func:`format_accise_cases(result)`: the text block ``greenkommon run`` prints (year-1 savings
  and, when the result carries a projection, the NPV under each reading).

A yearly projection over the plant's life blends the two year-1 bill tables with
``share_of_year``: ``savings_y = s·savings(applies) + (1 − s)·savings(does_not_apply)`` with
``s = case.share_of_year(year)``, since the case only switches a per-kWh tax line.

References
----------
- CIBS L312-79, L312-87 as modified by art. 75 of loi n° 2025-127 of 14 Feb 2025.
- BOI-RES-EAT-000208 (rescrit, BOFiP node 367293): "identité matérielle".
- Assemblée nationale, written question n° 9484 (17th legislature, H. Ott).
- ``../shared/reference/figures-2026.md`` §1; ``greenkommon/data/tariffs_fr.toml``
  ``[accise.acc_exemption]``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .config.prices import PricesConfig

#: Readings of the accise case, in the scenario's vocabulary (``[prices] accise_exemption``).
ACCISE_READINGS = ("does_not_apply", "applies", "applies_until")


@dataclass(frozen=True)
class AcciseCase:
    """One reading of the 0 €/MWh accise rate on AUTOCONS kWh.

    Attributes
    ----------
    reading : {'does_not_apply', 'applies', 'applies_until'}
    until : datetime.date or None
        First day on which the 0 rate no longer applies (``applies_until`` only).

    Notes
    -----
    The case says whether the 0 rate *may* apply at a date; the bill model adds the law's own
    conditions (plant peak power < 1 MWp, on or after the data file's start date).
    """

    reading: str = "does_not_apply"
    until: dt.date | None = None

    def __post_init__(self) -> None:
        from .errors import ScenarioError

        if self.reading not in ACCISE_READINGS:
            raise ScenarioError(
                f"accise case = {self.reading!r}: expected one of {', '.join(ACCISE_READINGS)}"
            )
        if (self.reading == "applies_until") != (self.until is not None):
            raise ScenarioError(
                f"accise case {self.reading!r} with until = {self.until!r}: a date goes with "
                "'applies_until' and only with it"
            )
        if self.until is not None and (
            isinstance(self.until, dt.datetime) or not isinstance(self.until, dt.date)
        ):
            raise ScenarioError(f"accise case until = {self.until!r}: expected a date")

    @property
    def name(self) -> str:
        """Short identifier: ``accise_does_not_apply``, ``accise_applies``,
        ``accise_applies_until_2027-01-01``."""
        if self.until is not None:
            return f"accise_applies_until_{self.until.isoformat()}"
        return f"accise_{self.reading}"

    @property
    def label_en(self) -> str:
        if self.reading == "does_not_apply":
            return "accise paid on self-consumed kWh (0 €/MWh rate does not apply; tax administration's reading)"
        if self.reading == "applies":
            return "0 €/MWh accise on self-consumed kWh (rate applies; reading of the law's text)"
        return f"0 €/MWh accise on self-consumed kWh until {self.until}, paid after"

    @property
    def label_fr(self) -> str:
        if self.reading == "does_not_apply":
            return "accise due sur les kWh autoconsommés (tarif nul non applicable ; lecture du rescrit)"
        if self.reading == "applies":
            return "accise à 0 €/MWh sur les kWh autoconsommés (tarif nul applicable ; lecture de la loi)"
        return f"accise à 0 €/MWh sur les kWh autoconsommés jusqu'au {self.until}, due ensuite"

    @property
    def short_en(self) -> str:
        """A column-header label."""
        if self.reading == "does_not_apply":
            return "accise paid"
        if self.reading == "applies":
            return "accise 0"
        return f"accise 0 until {self.until}"

    def applies_on(self, date: dt.date) -> bool:
        """Whether the 0 rate may apply on ``date`` under this reading."""
        if self.reading == "does_not_apply":
            return False
        if self.until is None:
            return True
        day = date.date() if isinstance(date, dt.datetime) else date
        return day < self.until

    def share_of_year(self, year: int) -> float:
        """Fraction of calendar ``year`` (by days) on which the 0 rate may apply [-]."""
        if self.reading == "does_not_apply":
            return 0.0
        if self.until is None:
            return 1.0
        start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
        days = (min(max(self.until, start), end) - start).days
        return days / (end - start).days

    def applies_in_year(self, year: int) -> bool:
        """Whether the 0 rate may apply on every day of calendar ``year``."""
        return self.share_of_year(year) == 1.0

    def mask(self, when: np.ndarray) -> np.ndarray:
        """Where the 0 rate may apply, for wall-clock times ``when`` (``datetime64``) [bool]."""
        when = np.asarray(when)
        if self.reading == "does_not_apply":
            return np.zeros(when.shape, dtype=bool)
        if self.until is None:
            return np.ones(when.shape, dtype=bool)
        return when < np.datetime64(self.until, "ns")

    @property
    def alternative(self) -> AcciseCase:
        """The reading to show next to this one: the cautious reading, or the 0 rate."""
        if self.reading == "does_not_apply":
            return ACCISE_APPLIES
        return ACCISE_DOES_NOT_APPLY


ACCISE_DOES_NOT_APPLY = AcciseCase("does_not_apply")
ACCISE_APPLIES = AcciseCase("applies")


def accise_applies_until(date: dt.date) -> AcciseCase:
    """The 0 rate until ``date`` (excluded), the category's rate from ``date``."""
    return AcciseCase("applies_until", date)


def parse_accise_case(reading: str, until: dt.date | None = None) -> AcciseCase:
    """A case from the scenario's words (``[prices] accise_exemption`` and ``_until``)."""
    return AcciseCase(reading, until if reading == "applies_until" else None)


def legacy_accise_case(flag: bool) -> AcciseCase:
    """The case the deprecated ``[prices] accise_exemption_acc = true/false`` meant."""
    return ACCISE_APPLIES if flag else ACCISE_DOES_NOT_APPLY


def accise_cases(prices: PricesConfig) -> tuple[AcciseCase, AcciseCase]:
    """``(chosen, alternative)``: the scenario's accise case and the one to show next to it."""
    chosen = prices.accise_case
    return chosen, chosen.alternative


def with_accise_case(prices: PricesConfig, case: AcciseCase) -> PricesConfig:
    """``prices`` under another accise case (everything else unchanged)."""
    return dataclasses.replace(prices, accise_case=case)


def bills_by_accise_case(result: Any) -> dict[AcciseCase, pd.DataFrame]:
    """Bill tables of a run result under the chosen case and its alternative (chosen first).

    ``result`` is one operation's result (:class:`greenkommon.results.OperationResult`) or
    any object with ``scenario``, ``consumption_kwh``, ``allocated_kwh``,
    ``surplus_kwh`` and ``bills`` (the chosen case's table, reused as is). The allocation is the
    same under both cases: only the bills are recomputed.
    """
    from .economics import compute_bills

    scenario = result.scenario
    chosen, alternative = accise_cases(scenario.prices)
    out = {chosen: result.bills}
    out[alternative] = compute_bills(
        result.consumption_kwh,
        result.allocated_kwh,
        result.surplus_kwh,
        [v.contract for v in scenario.venues],
        with_accise_case(scenario.prices, alternative),
        scenario.plant.peak_power_kwp,
    )
    return out


def finance_by_accise_case(
    result: Any,
    *,
    tables: dict[AcciseCase, pd.DataFrame] | None = None,
    headline_only: bool = False,
) -> dict[AcciseCase, Any]:
    """The producer's and venues' long-term projection under each reading (chosen first).

    ``result`` as in :func:`bills_by_accise_case`; its ``finance`` is reused for the chosen case
    when present; the other reading goes through the run's own projection
    (:func:`~greenkommon.economics.finance.project_result`), so an ``applies_until`` reading
    switches at its date (``share_of_year``) and a producer is paid on its own plants' kWh only.

    ``tables``: the bill tables of :func:`bills_by_accise_case` when the caller already has them
    (they are not recomputed). ``headline_only``: project the other reading's headline escalation
    case only, without the bank view (what an NPV line needs; the case is computed exactly as in
    the full projection, the cases being independent of each other).
    """
    from .economics.finance import project_result

    scenario = result.scenario
    out: dict[AcciseCase, Any] = {}
    for case, bills in (tables if tables is not None else bills_by_accise_case(result)).items():
        if case == scenario.prices.accise_case and getattr(result, "finance", None) is not None:
            out[case] = result.finance
            continue
        # the same projection as the run's (producer paid on its own plants' AUTOPROD only,
        # dated accise blend), on the other reading's bills
        variant = dataclasses.replace(
            result,
            scenario=dataclasses.replace(scenario, prices=with_accise_case(scenario.prices, case)),
            bills=bills,
            finance=None,
        )
        out[case] = project_result(variant, headline_only=headline_only)
    return out


def _npv_lines(result: Any, tables: dict[AcciseCase, pd.DataFrame]) -> list[str]:
    fins = finance_by_accise_case(result, tables=tables, headline_only=True)
    cases = list(fins)
    npv = {c: fins[c].metrics["npv_eur"] for c in cases}
    venues = [n for n in npv[cases[0]].index if not str(n).startswith("producer")]
    first = fins[cases[0]]
    lines = [
        f"NPV over {first.lifetime_years} years at {100 * first.discount_rate:.1f} % "
        f"[€] ({first.reference_case} supply-price case), under each reading:"
    ]
    rows = [("all venues", [float(npv[c].loc[venues].sum()) for c in cases])]
    rows += [(str(n), [float(npv[c].loc[n]) for c in cases]) for n in npv[cases[0]].index]
    for label, values in rows:
        if str(label) in venues:
            continue
        lines.append(f"  {label:<20} " + " ".join(f"{round(v):>24,}" for v in values))
    return lines


def format_accise_cases(result: Any) -> str:
    """Venues' year-1 savings under both readings of the accise on self-consumed kWh."""
    tables = bills_by_accise_case(result)
    cases = list(tables)
    names = list(result.bills.index)
    width = max(22, *(len(str(n)) for n in names))
    head = f"{'venue':<{width}} " + " ".join(f"{c.short_en:>24}" for c in cases)
    lines = [
        "Regulatory case: the 0 €/MWh accise on self-consumed kWh (contested; CIBS L312-87 vs "
        "rescrit BOI-RES-EAT-000208)",
        f"  chosen:      {cases[0].label_en}",
        f"  alternative: {cases[1].label_en}",
        "Venues' savings [€/yr, as borne] under each reading:",
        head,
    ]
    for name in names:
        vals = " ".join(f"{round(tables[c].loc[name, 'savings_eur']):>24,}" for c in cases)
        lines.append(f"{str(name):<{width}} {vals}")
    totals = " ".join(f"{round(tables[c]['savings_eur'].sum()):>24,}" for c in cases)
    lines.append(f"{'all venues':<{width}} {totals}")
    exempt = {c: float(tables[c]["accise_exempt_kwh"].sum()) for c in cases}
    lines.append(
        "Self-consumed kWh at the 0 rate: "
        + ", ".join(f"{c.short_en}: {exempt[c]:,.0f} kWh" for c in cases)
        + ". Set [prices] accise_exemption = 'does_not_apply' | 'applies' | 'applies_until'."
    )
    if getattr(result, "finance", None) is not None:
        lines += _npv_lines(result, tables)
    return "\n".join(lines)


__all__ = [
    "ACCISE_APPLIES",
    "ACCISE_DOES_NOT_APPLY",
    "ACCISE_READINGS",
    "AcciseCase",
    "accise_applies_until",
    "accise_cases",
    "bills_by_accise_case",
    "finance_by_accise_case",
    "format_accise_cases",
    "legacy_accise_case",
    "parse_accise_case",
    "with_accise_case",
]
