"""Eligibility of an extended collective self-consumption operation (distance and power rules)."""

from __future__ import annotations

from dataclasses import dataclass

from ._config import Section


@dataclass(frozen=True)
class EligibilityConfig:
    """``[eligibility]``: which distance rule applies (see ``acc-rules.md`` §3)."""

    rule: str = "standard_2km"

    @classmethod
    def from_section(cls, sec: Section) -> EligibilityConfig:
        cfg = cls(rule=sec.str("rule", "standard_2km", choices=("standard_2km",)))
        sec.finish()
        return cfg
