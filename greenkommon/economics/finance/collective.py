"""One collective view of an escalation case: each venue, the producer, and their total.

The venues fund the producer (a SCIC) with a stake at year 0 and may get a remuneration back; the
producer sells them the allocated kWh. Both are transfers inside the collective, so they cancel in
its total (years 1..L, year 0 holds the investment):

- venue *v*: ``−stake_v`` at year 0, then ``savings_v,y + remuneration_v,y``;
- producer (its other members and its retained cash): ``−(CAPEX − loan − Σ stake)`` at year 0,
  then ``margin_y − debt service_y − Σ_v remuneration_v,y``, where the margin is the project flow
  (revenue − costs);
- collective = Σ venues + producer = ``−(CAPEX − loan)``, then
  ``Σ_v savings_v,y + margin_y − debt service_y``.

The identity checked for every year is ``Σ_v savings_v,y + margin_y = D_y``, where ``D_y`` (the
collective's cost difference) is computed from external flows only: the grid costs the venues
avoid, minus the network and tax charges on the allocated kWh, the change of fixed charges and the
VAT on the internal price a venue cannot recover, plus the surplus revenue, minus the producer's
costs. The internal price appears in neither ``D_y`` nor the collective total.

Stake remuneration (``[finance] stake_remuneration``):

- ``'none'``: nothing back (the stake buys the savings);
- ``'interest'``: ``stake_interest_rate × stake`` every year of the life;
- ``'dividend'``: ``dividend_payout_share × max(equity flow_y, 0) × equity share_v``, where the
  equity flow is the producer's after debt service and the equity share is the venue's stake over
  the producer's equity ``CAPEX − loan``. A cash view of distributions: corporate tax and the
  SCIC's statutory reserves are not modelled, so keep the payout share within what the statutes
  allow.

Stakes are not refunded at the end of the life (conservative for the venues).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import ScenarioError
from ._metrics import metrics

#: ``[finance] stake_remuneration`` values.
STAKE_REMUNERATIONS = ("none", "interest", "dividend")


@dataclass(frozen=True)
class StakePolicy:
    """How the venues' stakes are paid back [-/yr], [-]."""

    remuneration: str = "none"
    interest_rate: float = 0.0
    payout_share: float = 0.0

    def __post_init__(self) -> None:
        if self.remuneration not in STAKE_REMUNERATIONS:
            raise ScenarioError(
                f"finance.stake_remuneration = {self.remuneration!r}: expected one of "
                f"{', '.join(STAKE_REMUNERATIONS)}"
            )


@dataclass(frozen=True)
class CollectiveView:
    """Venues, producer and collective of one case; arrays over years 0..L unless said.

    Attributes
    ----------
    case : str
    venue_names : tuple of str
    stake_eur, equity_share : numpy.ndarray
        Per venue: stake [€] and its share of the producer's equity [-].
    savings_eur, remuneration_eur : numpy.ndarray
        (N, L+1) per venue [€/yr] (0 at year 0).
    venue_cash_flow_eur : numpy.ndarray
        (N, L+1): −stake, then savings + remuneration [€/yr].
    producer_margin_eur : numpy.ndarray
        Project flow (revenue − costs) [€/yr], −CAPEX at year 0.
    producer_cash_flow_eur : numpy.ndarray
        What stays with the producer: equity flow + venue stakes at year 0 − remuneration [€/yr].
    collective_cash_flow_eur : numpy.ndarray
        Σ venues + producer [€/yr].
    cost_difference_eur : numpy.ndarray
        ``D_y`` from external flows (see the module notes), years 1..L [€/yr].
    discount_rate : float
    """

    case: str
    venue_names: tuple[str, ...]
    stake_eur: np.ndarray
    equity_share: np.ndarray
    savings_eur: np.ndarray
    remuneration_eur: np.ndarray
    venue_cash_flow_eur: np.ndarray
    producer_margin_eur: np.ndarray
    producer_cash_flow_eur: np.ndarray
    collective_cash_flow_eur: np.ndarray
    cost_difference_eur: np.ndarray
    discount_rate: float

    @property
    def identity_gap_eur(self) -> np.ndarray:
        """Σ savings + margin − D per year 1..L [€/yr]: zero up to rounding."""
        return (
            self.savings_eur[:, 1:].sum(axis=0)
            + self.producer_margin_eur[1:]
            - self.cost_difference_eur
        )

    def table(self) -> pd.DataFrame:
        """One row per party (each venue, ``producer``, ``collective``): ``stake_eur``,
        ``savings_eur``, ``remuneration_eur`` (life totals, nominal) [€], ``npv_eur`` [€] at the
        discount rate, ``irr`` [-/yr]."""
        rows = {}
        for k, n in enumerate(self.venue_names):
            m = metrics(self.venue_cash_flow_eur[k], self.discount_rate)
            rows[n] = {
                "stake_eur": float(self.stake_eur[k]),
                "savings_eur": float(self.savings_eur[k].sum()),
                "remuneration_eur": float(self.remuneration_eur[k].sum()),
                "npv_eur": m["npv_eur"],
                "irr": m["irr"],
            }
        m = metrics(self.producer_cash_flow_eur, self.discount_rate)
        rows["producer"] = {
            "stake_eur": float(-self.stake_eur.sum()),
            "savings_eur": 0.0,
            "remuneration_eur": 0.0 - float(self.remuneration_eur.sum()),
            "npv_eur": m["npv_eur"],
            "irr": m["irr"],
        }
        m = metrics(self.collective_cash_flow_eur, self.discount_rate)
        rows["collective"] = {
            "stake_eur": 0.0,
            "savings_eur": float(self.savings_eur.sum()),
            "remuneration_eur": 0.0,
            "npv_eur": m["npv_eur"],
            "irr": m["irr"],
        }
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "party"
        return out


def collective_view(
    case: str,
    venue_names: tuple[str, ...],
    stake_eur: np.ndarray,
    savings_eur: np.ndarray,
    project_cash_flow_eur: np.ndarray,
    equity_cash_flow_eur: np.ndarray,
    producer_equity_eur: float,
    cost_difference_eur: np.ndarray,
    policy: StakePolicy,
    discount_rate: float,
) -> CollectiveView:
    """Build the collective view of one case.

    Parameters
    ----------
    savings_eur : numpy.ndarray
        (N, L) venue savings of years 1..L [€/yr].
    project_cash_flow_eur, equity_cash_flow_eur : numpy.ndarray
        Producer flows of years 0..L [€/yr] (equity: after debt service, all shareholders).
    producer_equity_eur : float
        CAPEX − loan [€]: the equity the stakes are a share of.
    cost_difference_eur : numpy.ndarray
        ``D_y`` of years 1..L [€/yr].
    """
    stake = np.asarray(stake_eur, dtype=float)
    n, life = savings_eur.shape
    share = stake / producer_equity_eur if producer_equity_eur > 0 else np.zeros(n)
    if policy.remuneration == "interest":
        rem = np.outer(stake * policy.interest_rate, np.ones(life))
    elif policy.remuneration == "dividend":
        distributable = policy.payout_share * np.clip(equity_cash_flow_eur[1:], 0.0, None)
        rem = np.outer(share, distributable)
    else:
        rem = np.zeros((n, life))
    zero = np.zeros((n, 1))
    sav0 = np.hstack([zero, savings_eur])
    rem0 = np.hstack([zero, rem])
    venue_cf = sav0 + rem0
    venue_cf[:, 0] = -stake
    producer_cf = np.array(equity_cash_flow_eur, dtype=float)
    producer_cf[0] += stake.sum()
    producer_cf -= rem0.sum(axis=0)
    return CollectiveView(
        case=case,
        venue_names=tuple(venue_names),
        stake_eur=stake,
        equity_share=share,
        savings_eur=sav0,
        remuneration_eur=rem0,
        venue_cash_flow_eur=venue_cf,
        producer_margin_eur=np.asarray(project_cash_flow_eur, dtype=float),
        producer_cash_flow_eur=producer_cf,
        collective_cash_flow_eur=venue_cf.sum(axis=0) + producer_cf,
        cost_difference_eur=np.asarray(cost_difference_eur, dtype=float),
        discount_rate=discount_rate,
    )


__all__ = ["STAKE_REMUNERATIONS", "CollectiveView", "StakePolicy", "collective_view"]
