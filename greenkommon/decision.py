"""GO / NO-GO for a scenario as described, and the best eligible alternative when it is NO-GO.

A scenario is **GO** when, in the reference finance case:

1. every operation is eligible (the distance and power rules of ``greenkommon check``);
2. every venue is better off than without the operation (its NPV over the plant's life ≥ 0);
3. the producer is viable (its project NPV ≥ 0 at the discount rate).

The same three tests are applied to every finance case (supply-price escalation) to say under
which cases the answer holds. When the answer is NO-GO, :func:`decide` can ask
:func:`greenkommon.plan.plan_scenario` for the best eligible configuration in which every member
and producer wins, and states it in one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Decision:
    """The answer for a scenario as described.

    Attributes
    ----------
    go : bool
    eligible : bool
        Every operation passes the eligibility rules.
    eligibility : EligibilityReport or None
        The check behind ``eligible`` (the farthest pair, the power cap).
    losers : tuple of (str, float)
        Venues whose NPV is below 0 in the reference case, with it [€].
    producer_npv_eur : float
        The producer's project NPV, reference case [€].
    collective_npv_eur : float
        Venues and producer together, reference case [€].
    reference_case : str
    cases_go : tuple of str
        Finance cases in which every venue and the producer win (eligibility aside).
    cases_no_go : tuple of str
    plan : PlanResult or None
        When NO-GO and asked: the plan whose best eligible configuration is the alternative.
    """

    go: bool
    eligible: bool
    eligibility: Any
    losers: tuple[tuple[str, float], ...]
    producer_npv_eur: float
    collective_npv_eur: float
    reference_case: str
    cases_go: tuple[str, ...]
    cases_no_go: tuple[str, ...]
    plan: Any = None

    @property
    def verdict(self) -> str:
        return "GO" if self.go else "NO-GO"

    @property
    def everyone_better_off(self) -> bool:
        return not self.losers

    @property
    def producer_viable(self) -> bool:
        return self.producer_npv_eur >= 0

    def sentence(self, lang: str = "en") -> str:
        """The decision line shown at the top of ``run``, ``compare`` and the report."""
        from .report.decision import format_decision

        return format_decision(self, lang)


def _case_verdicts(fin: Any, names: list[str]) -> tuple[list[str], list[str]]:
    go: list[str] = []
    no_go: list[str] = []
    for name, case in fin.cases.items():
        npv = case.metrics["npv_eur"]
        ok = all(npv[n] >= 0 for n in names) and npv["producer (project)"] >= 0
        (go if ok else no_go).append(name)
    return go, no_go


def decide(result: Any, *, alternative: bool = True, plan: Any = None) -> Decision:
    """The GO / NO-GO decision of an evaluated scenario.

    Parameters
    ----------
    result : ScenarioResult
        ``run_scenario`` output (eligibility and finance in ``extras``).
    alternative : bool
        When NO-GO, run the plan (unless ``plan`` is given) for the best eligible alternative.
    plan : PlanResult, optional
        A plan already computed for the same scenario.
    """
    from .economics.finance import FinanceResult
    from .errors import DataError

    names = list(result.bills.index)
    fin = (result.extras or {}).get("finance")
    if not isinstance(fin, FinanceResult):
        raise DataError("decision: the result holds no finance projection (extras['finance'])")
    metrics = fin.metrics
    report = result.extras.get("eligibility")
    eligible = True if report is None else bool(report.eligible)
    losers = tuple(
        (n, float(metrics.loc[n, "npv_eur"])) for n in names if metrics.loc[n, "npv_eur"] < 0
    )
    producer = float(metrics.loc["producer (project)", "npv_eur"])
    collective = float(metrics.loc[names, "npv_eur"].sum()) + producer
    go_cases, no_go_cases = _case_verdicts(fin, names)
    go = eligible and not losers and producer >= 0
    if not go and plan is None and alternative:
        from .plan import plan_scenario

        plan = plan_scenario(result.scenario, top=1)
    return Decision(
        go=go,
        eligible=eligible,
        eligibility=report,
        losers=losers,
        producer_npv_eur=producer,
        collective_npv_eur=collective,
        reference_case=fin.reference_case or next(iter(fin.cases)),
        cases_go=tuple(go_cases),
        cases_no_go=tuple(no_go_cases),
        plan=None if go else plan,
    )
