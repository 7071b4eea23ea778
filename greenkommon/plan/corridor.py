"""The internal-price corridor of one operation, in closed form.

Everything a venue pays for its allocated kWh is the internal price times those kWh (plus the VAT
it cannot recover on them), indexed year by year the same way whatever the price; the producer
receives the price times the same kWh. Every venue's NPV is therefore an affine, decreasing
function of the internal price ``q`` and the producer's an affine, increasing one:

``V_i(q) = a_i + b_i q`` (``b_i ≤ 0``), ``P(q) = a_p + b_p q`` (``b_p ≥ 0``).

Two evaluations give the coefficients exactly; the corridor is ``[q_low, q_high]`` with
``q_low = −a_p / b_p`` (the producer reaches NPV 0 at its discount rate, or at the target rate
when one is given) and ``q_high = min_i −a_i / b_i`` (the highest price at which every venue is
still at least as well off as without the operation). The tests check the linearity against a
third evaluation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import DataError


@dataclass(frozen=True)
class Affine:
    """``value(q) = intercept + slope · q`` [€] for an internal price ``q`` [€/kWh]."""

    intercept_eur: float
    slope_eur_per_eur_per_kwh: float

    def __call__(self, q: float) -> float:
        return self.intercept_eur + self.slope_eur_per_eur_per_kwh * q

    def root(self) -> float:
        """The price where the value is 0 (±inf when the slope is 0: never or always)."""
        if self.slope_eur_per_eur_per_kwh == 0:
            return -math.inf if self.intercept_eur >= 0 else math.inf
        return -self.intercept_eur / self.slope_eur_per_eur_per_kwh


def fit_affine(q0: float, y0: float, q1: float, y1: float) -> Affine:
    """The affine function through ``(q0, y0)`` and ``(q1, y1)`` (``q0 ≠ q1``)."""
    if q0 == q1:
        raise DataError(f"fit_affine: the two prices must differ, got {q0!r} twice")
    slope = (y1 - y0) / (q1 - q0)
    return Affine(y0 - slope * q0, slope)


@dataclass(frozen=True)
class Corridor:
    """Internal prices at which the producer and every venue win.

    Attributes
    ----------
    low_eur_per_kwh : float
        Lowest price at which the producer's NPV reaches 0 (never below ``floor``) [€/kWh]
        (``inf``: no price makes the producer viable).
    high_eur_per_kwh : float
        Highest price at which every venue's NPV is still ≥ 0 [€/kWh] (``-inf``: none).
    binding_venue : str
        The venue that sets ``high`` (the first to stop winning when the price rises).
    empty : bool
    gap_eur_per_kwh : float
        ``low − high`` when empty (how far apart the two conditions are), else 0 [€/kWh].
    recommended_eur_per_kwh : float
        The middle of the corridor (the gain split evenly per kWh between producer and venues);
        NaN when empty.
    """

    low_eur_per_kwh: float
    high_eur_per_kwh: float
    binding_venue: str
    empty: bool
    gap_eur_per_kwh: float
    recommended_eur_per_kwh: float

    def sentence(self) -> str:
        if self.empty:
            if math.isinf(self.low_eur_per_kwh) or math.isinf(self.high_eur_per_kwh):
                return "no internal price lets both the producer and every venue win " + (
                    "(the producer loses at any price)"
                    if math.isinf(self.low_eur_per_kwh)
                    else f"({self.binding_venue} loses at any price)"
                )
            return (
                "no internal price lets both the producer and every venue win; the gap is "
                f"{self.gap_eur_per_kwh:.4f} €/kWh (producer needs ≥ {self.low_eur_per_kwh:.4f}, "
                f"{self.binding_venue} wins only ≤ {self.high_eur_per_kwh:.4f})"
            )
        return (
            f"internal price between {self.low_eur_per_kwh:.4f} and {self.high_eur_per_kwh:.4f} €/kWh "
            f"(suggested {self.recommended_eur_per_kwh:.4f})"
        )


def price_corridor(
    venues: Sequence[Affine],
    producer: Affine,
    venue_names: Sequence[str],
    floor_eur_per_kwh: float = 0.0,
) -> Corridor:
    """Closed-form corridor from the affine NPVs of the venues and of the producer.

    Parameters
    ----------
    venues : sequence of Affine
        Each member's NPV as a function of the internal price [€].
    producer : Affine
        The producer's NPV (at its discount rate or target rate) [€].
    venue_names : sequence of str
    floor_eur_per_kwh : float
        Lowest price considered [€/kWh] (0: the producer does not pay the venues).

    Returns
    -------
    Corridor
    """
    if producer.slope_eur_per_eur_per_kwh > 0:
        low = max(floor_eur_per_kwh, producer.root())
    else:
        low = floor_eur_per_kwh if producer.intercept_eur >= 0 else math.inf
    high = math.inf
    binding = ""
    for name, v in zip(venue_names, venues, strict=True):
        if v.slope_eur_per_eur_per_kwh < 0:
            limit = v.root()
        else:
            limit = math.inf if v.intercept_eur >= 0 else -math.inf
        if limit < high:
            high, binding = limit, name
    empty = not (low <= high) or math.isinf(low)
    if empty:
        gap = low - high if math.isfinite(low) and math.isfinite(high) else math.inf
        return Corridor(low, high, binding, True, gap, math.nan)
    rec = low if math.isinf(high) else 0.5 * (low + high)
    return Corridor(low, high, binding, False, 0.0, rec)


def affine_npvs(
    q0: float,
    q1: float,
    venue_npv0: np.ndarray,
    venue_npv1: np.ndarray,
    producer_npv0: float,
    producer_npv1: float,
) -> tuple[list[Affine], Affine]:
    """Affine NPVs of every venue and of the producer from two evaluations."""
    venues = [
        fit_affine(q0, float(a), q1, float(b)) for a, b in zip(venue_npv0, venue_npv1, strict=True)
    ]
    return venues, fit_affine(q0, producer_npv0, q1, producer_npv1)
