"""Eligibility of an extended collective self-consumption operation (distance and power rules).

An *ACC étendue* is allowed when the two farthest participants (consumers' delivery points and
producers' injection points) are at most a given distance apart and the cumulated peak power of
the producers stays under a cap. Which distance and cap apply depends on the communes involved and
on derogations; every figure and its source live in ``greenkommon/data/acc_rules_fr.toml``.

Public entry points: :class:`EligibilityConfig` (the ``[eligibility]`` table),
:func:`check_eligibility` (a scenario in, an :class:`EligibilityReport` out),
:func:`check_participants` (the same on bare coordinates) and :func:`format_eligibility`.
Distances are geodesic on the WGS84 ellipsoid (Karney's algorithm, :mod:`geographiclib`).

Modules: :mod:`~greenkommon.eligibility.rules` (the rules file and the choice of a rule),
:mod:`~greenkommon.eligibility.distance` (geodesic distances, groups within a limit, minimax
point), :mod:`~greenkommon.eligibility.checks` (the check and its report) and
:mod:`~greenkommon.eligibility.formatting` (the text section). Every public name is re-exported
here: import from :mod:`greenkommon.eligibility`.
"""

from ..config.eligibility import COMMUNE_CATEGORIES, RULE_CHOICES, TERRITORIES, EligibilityConfig
from .checks import (
    MAX_VENUES_FOR_SUBSETS,
    EligibilityReport,
    RoofSuggestion,
    check_eligibility,
    check_operation,
    check_participants,
)
from .distance import _DISTANCE_SLACK_KM as _DISTANCE_SLACK_KM
from .distance import geodesic_km, largest_within, minimax_point, pairwise_distances_km
from .formatting import format_eligibility
from .rules import RULES_FILE, Rule, load_rules, select_rule

__all__ = [
    "COMMUNE_CATEGORIES",
    "EligibilityConfig",
    "EligibilityReport",
    "MAX_VENUES_FOR_SUBSETS",
    "RULES_FILE",
    "RULE_CHOICES",
    "Rule",
    "RoofSuggestion",
    "TERRITORIES",
    "check_eligibility",
    "check_operation",
    "check_participants",
    "format_eligibility",
    "geodesic_km",
    "largest_within",
    "load_rules",
    "minimax_point",
    "pairwise_distances_km",
    "select_rule",
]
