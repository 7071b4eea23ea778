"""``[plan]`` of a scenario: see :mod:`greenkommon.config.plan` (read with the scenario)."""

from __future__ import annotations

from typing import Any

from ..config.plan import PlanConfig, RoofConfig

__all__ = ["PlanConfig", "RoofConfig", "read_plan_config"]


def read_plan_config(scenario: Any) -> PlanConfig:
    """The scenario's ``[plan]`` table (an empty one for scenarios built without it)."""
    plan = getattr(scenario, "plan", None)
    return plan if isinstance(plan, PlanConfig) else PlanConfig()
