"""Cross-table validation of a scenario: what no single table can check on its own.

Names must be unique per table, memberships must name existing plants and venues (a venue in at
most one operation), an operation with ``allocation = 'per_producer'`` needs one static key per
producer (``coefficients_by_producer``, and only then), and the tables keyed by venue name
(equity, optimiser bounds and shares) must name venues of the scenario. :func:`~greenkommon.config.scenario.parse_scenario` calls these at load time, so a
scenario is rejected in one line before anything runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._section import Section
from .key import _missing
from .optimise import OptimiseConfig
from .prices import FinanceConfig

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import OperationConfig, Venue


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
