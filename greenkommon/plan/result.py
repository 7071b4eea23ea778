"""What ``greenkommon plan`` finds: operation options, configurations, rejections, the plan.

Frozen dataclasses, units in field names. An :class:`OperationOption` is one grouping (roofs and
member venues) sized and keyed, with its NPVs as affine functions of the internal price and the
price corridor in which everyone wins, per case; a :class:`Configuration` is a ranked set of
disjoint options with each venue's outcome (:class:`VenueOutcome`); :class:`Rejection` says why a
grouping was dropped; :class:`PlanResult` holds them all with the search space and notes.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from .corridor import Affine, Corridor
from .evaluate import Energy, irr_of
from .space import BlockingPair, Grouping, SearchSpace


@dataclass(frozen=True)
class OperationOption:
    """One grouping with its plant sizes, key and price corridor, evaluated exactly.

    Attributes
    ----------
    grouping : Grouping
    name : str
        Label: its roofs, or "<venue> on its own roof".
    roof_names, member_names : tuple of str
    kwp_by_roof : tuple of float
        Plant size on each of its roofs [kWp].
    key : str
        ``'default'``, ``'static'`` or ``'dynamic'``.
    coefficients : numpy.ndarray or None
        Static (S,) or dynamic (S, T) rounded coefficients; ``None`` for the default key.
    corridor : Corridor
    venue_npv : tuple of Affine
        Each member's NPV against the internal price (reference case) [€].
    venue_savings : tuple of Affine
        Each member's year-1 savings against the internal price [€/yr].
    producer_npv : Affine
        [€] (at the target rate when one is set).
    cases : tuple of str
        Finance cases, the reference first, then the accise case when evaluated.
    case_venue_npv : tuple of tuple of Affine
    case_producer_npv : tuple of Affine
    case_collective_npv : tuple of Affine
        Venues and producer together, per case, at the discount rate [€].
    producer_flows : tuple of Affine
        The producer's yearly project cash flows (reference case) against the price [€].
    key_advice : str
        The optimiser's answer for this operation.
    linearity_gap_eur : float
        For ranked options: the largest difference between the affine NPVs and a direct
        evaluation at the suggested price [€] (NaN when not checked).
    """

    grouping: Grouping
    name: str
    roof_names: tuple[str, ...]
    member_names: tuple[str, ...]
    kwp_by_roof: tuple[float, ...]
    key: str
    coefficients: np.ndarray | None
    corridor: Corridor
    venue_npv: tuple[Affine, ...]
    venue_savings: tuple[Affine, ...]
    producer_npv: Affine
    cases: tuple[str, ...]
    case_venue_npv: tuple[tuple[Affine, ...], ...]
    case_producer_npv: tuple[Affine, ...]
    case_collective_npv: tuple[Affine, ...]
    producer_flows: tuple[Affine, ...]
    key_advice: str = ""
    linearity_gap_eur: float = math.nan

    @property
    def price_eur_per_kwh(self) -> float:
        """The suggested internal price [€/kWh] (the corridor's middle; NaN when empty)."""
        return self.corridor.recommended_eur_per_kwh

    def collective_npv_eur(self, q: float | None = None) -> float:
        return self.case_collective_npv_eur(0, q)

    def producer_irr(self, q: float | None = None) -> float:
        q = self.price_eur_per_kwh if q is None else q
        return irr_of(np.array([f(q) for f in self.producer_flows]))

    def case_collective_npv_eur(self, case: int, q: float | None = None) -> float:
        q = self.price_eur_per_kwh if q is None else q
        return float(self.case_collective_npv[case](q))

    def case_everyone_wins(self, case: int, q: float | None = None) -> bool:
        q = self.price_eur_per_kwh if q is None else q
        tol = 1e-6
        return all(v(q) >= -tol for v in self.case_venue_npv[case]) and (
            self.case_producer_npv[case](q) >= -tol
        )


@dataclass(frozen=True)
class VenueOutcome:
    """One venue in a configuration.

    Attributes
    ----------
    name : str
    operation : str
        The operation it joins (``'out'``: none).
    savings_eur_per_year : float
        Year-1 savings at the suggested internal price [€/yr].
    npv_eur : float
        [€] over the plant's life, reference case.
    """

    name: str
    operation: str
    savings_eur_per_year: float
    npv_eur: float


@dataclass(frozen=True)
class Configuration:
    """A ranked configuration.

    Attributes
    ----------
    rank : int
        1 = recommended.
    operations : tuple of OperationOption
    venues : tuple of VenueOutcome
        Every venue of the scenario, in scenario order.
    collective_npv_eur : float
        Venues and producers together, reference case, suggested prices [€].
    cases_won : tuple of str
        Cases in which it is the best ranked configuration where everyone still wins.
    case_collective_npv_eur : tuple of float
        Per case (see :attr:`PlanResult.cases`) [€].
    case_everyone_wins : tuple of bool
        Per case: every member and every producer still at NPV ≥ 0 at the suggested prices.
    why_not_first : str
        For runner-ups: how it falls short of the first.
    """

    rank: int
    operations: tuple[OperationOption, ...]
    venues: tuple[VenueOutcome, ...]
    collective_npv_eur: float
    cases_won: tuple[str, ...]
    case_collective_npv_eur: tuple[float, ...]
    case_everyone_wins: tuple[bool, ...]
    why_not_first: str = ""

    @property
    def label(self) -> str:
        if not self.operations:
            return "no operation"
        return " + ".join(f"{op.name} ({', '.join(op.member_names)})" for op in self.operations)


@dataclass(frozen=True)
class Rejection:
    """A grouping the plan had to drop, and why.

    Attributes
    ----------
    roof_names, member_names : tuple of str
    reason : str
        In the reference case.
    other_case : str
        When the grouping would let everyone win under the other reading of the accise case:
        that case and its price corridor (``''`` otherwise).
    option : OperationOption or None
        The option closest to a corridor (sizes, key) the reason is about.
    other_corridor : Corridor or None
        Its corridor under the other accise reading.
    """

    roof_names: tuple[str, ...]
    member_names: tuple[str, ...]
    reason: str
    other_case: str = ""
    option: OperationOption | None = None
    other_corridor: Corridor | None = None


@dataclass(frozen=True)
class PlanResult:
    """Everything ``greenkommon plan`` found.

    Attributes
    ----------
    scenario_name : str
    space : SearchSpace
    configurations : tuple of Configuration
        Ranked, best first (the best eligible configurations where everyone wins).
    cases : tuple of str
        Names of the cases of :attr:`Configuration.case_collective_npv_eur`.
    blocking : tuple of BlockingPair
        Pairs beyond the distance limit: any grouping holding one is not eligible.
    rejected : tuple of Rejection
        Eligible groupings without a price at which everyone wins.
    n_groupings : int
        Eligible groupings evaluated.
    notes : tuple of str
    elapsed_s : float
    """

    scenario_name: str
    space: SearchSpace
    configurations: tuple[Configuration, ...]
    cases: tuple[str, ...]
    blocking: tuple[BlockingPair, ...]
    rejected: tuple[Rejection, ...]
    n_groupings: int
    notes: tuple[str, ...]
    elapsed_s: float
    energy: Energy | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def best(self) -> Configuration | None:
        return self.configurations[0] if self.configurations else None
