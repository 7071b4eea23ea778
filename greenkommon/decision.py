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
        The producer's NPV in the finance stage's collective view (its equity flow with the
        venues' stakes), reference case [€]; the lowest producer's over several operations.
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


def _case_verdicts(fin: Any) -> tuple[list[str], list[str]]:
    """Finance cases in which every venue and the producer are at NPV ≥ 0, and the others."""
    go: list[str] = []
    no_go: list[str] = []
    for name, case in fin.cases.items():
        npv = case.collective.table()["npv_eur"]
        (go if (npv.drop("collective") >= 0).all() else no_go).append(name)
    return go, no_go


def _operations(result: Any) -> tuple[Any, ...]:
    """The evaluated operations of a result (a portfolio's, or a one-operation result itself)."""
    ops = getattr(result, "operations", None)
    return tuple(ops) if ops else (result,)


def _plan_answer(scenario: Any) -> Any:
    """The plan's best configuration for ``scenario``, from the stage cache when it holds it.

    The answer depends only on the scenario's content and the package's code (the cache key),
    so a repeated ``run`` of an unchanged scenario reads it back: no Pyomo import, no solve.
    """
    from ._cache import cached

    def solve() -> Any:
        from .plan import plan_scenario

        return plan_scenario(scenario, top=1)

    return cached("plan", (scenario,), solve)


def decide(result: Any, *, alternative: bool = True, plan: Any = None) -> Decision:
    """The GO / NO-GO decision of an evaluated scenario.

    Parameters
    ----------
    result : PortfolioResult or ScenarioResult
        ``run_scenario`` output: every operation's eligibility and finance projection.
    alternative : bool
        When NO-GO, run the plan (unless ``plan`` is given) for the best eligible alternative.
    plan : PlanResult, optional
        A plan already computed for the same scenario.

    Notes
    -----
    Over several operations: eligible iff every operation is; every member of every operation
    at NPV ≥ 0; every operation's producer at NPV ≥ 0 (``producer_npv_eur`` is the lowest of
    them); the collective NPV sums venues and producers; a finance case holds iff it holds for
    every operation.
    """
    from .economics.finance import FinanceResult
    from .errors import DataError

    eligible = True
    report = None
    losers: list[tuple[str, float]] = []
    producers: list[float] = []
    collective = 0.0
    go_cases: list[str] | None = None
    all_cases: list[str] = []
    reference = ""
    for op in _operations(result):
        extras = op.extras or {}
        fin = extras.get("finance")
        if not isinstance(fin, FinanceResult):
            raise DataError("decision: the result holds no finance projection (extras['finance'])")
        rep = extras.get("eligibility")
        if rep is not None and (report is None or (eligible and not rep.eligible)):
            report = rep
        eligible = eligible and (rep is None or bool(rep.eligible))
        names = list(op.bills.index)
        reference = reference or fin.reference_case or next(iter(fin.cases))
        # the finance stage's collective view: venues with their stakes, the producer with its
        # equity flow, and their total
        npv = fin.cases[reference].collective.table()["npv_eur"]
        losers += [(n, float(npv[n])) for n in names if npv[n] < 0]
        producers.append(float(npv["producer"]))
        collective += float(npv["collective"])
        ok, _ = _case_verdicts(fin)
        go_cases = ok if go_cases is None else [c for c in go_cases if c in ok]
        all_cases += [c for c in fin.cases if c not in all_cases]
    producer = min(producers)
    go = eligible and not losers and producer >= 0
    if not go and plan is None and alternative:
        plan = _plan_answer(result.scenario)
    cases_go = tuple(go_cases or ())
    return Decision(
        go=go,
        eligible=eligible,
        eligibility=report,
        losers=tuple(losers),
        producer_npv_eur=producer,
        collective_npv_eur=collective,
        reference_case=reference,
        cases_go=cases_go,
        cases_no_go=tuple(c for c in all_cases if c not in cases_go),
        plan=None if go else plan,
    )
