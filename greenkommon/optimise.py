"""Optimise: sharing keys that minimise the collective's energy cost (Pyomo + HiGHS)."""

from __future__ import annotations

from dataclasses import dataclass

from ._config import Section


@dataclass(frozen=True)
class OptimiseConfig:
    """``[optimise]``: options of the key optimiser."""

    solver: str = "highs"

    @classmethod
    def from_section(cls, sec: Section) -> OptimiseConfig:
        cfg = cls(solver=sec.str("solver", "highs", choices=("highs",)))
        sec.finish()
        return cfg
