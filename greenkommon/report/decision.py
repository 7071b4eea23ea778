"""The decision line in a language: :class:`greenkommon.decision.Decision` as text (en / fr)."""

from __future__ import annotations

from typing import Any

from .i18n import case_label, fmt_number, tr


def _cases(names: Any, lang: str) -> str:
    return ", ".join(case_label(n, lang) for n in names)


def format_decision(decision: Any, lang: str = "en") -> str:
    """GO / NO-GO with its reasons, the cases where it holds and, when NO-GO, the alternative."""
    n = lambda v, d=0: fmt_number(v, d, lang)  # noqa: E731
    case = case_label(decision.reference_case, lang)
    cases = (
        tr("decision_holds_in", lang, cases=_cases(decision.cases_go, lang))
        if decision.cases_go
        else tr("decision_no_case", lang)
    )
    if decision.go:
        if decision.cases_no_go:
            cases += tr("decision_not_in", lang, cases=_cases(decision.cases_no_go, lang))
        return tr("decision_go", lang, npv=n(decision.collective_npv_eur), case=case, cases=cases)
    reasons = []
    if not decision.eligible:
        why = []
        e = decision.eligibility
        if e is not None and not e.distance_ok:
            why.append(
                tr(
                    "decision_distance",
                    lang,
                    a=e.farthest_pair[0],
                    b=e.farthest_pair[1],
                    d=n(e.max_distance_km, 2),
                    limit=n(e.limit_km or 0.0),
                )
            )
        if e is not None and not e.power_ok:
            why.append(tr("decision_power", lang, kwp=n(e.peak_power_kwp), cap=n(e.power_cap_mw)))
        reasons.append(tr("decision_not_eligible", lang, why=", ".join(why)))
    if decision.losers:
        who = ", ".join(f"{name} {n(v)} €" for name, v in decision.losers)
        reasons.append(tr("decision_losers", lang, who=who))
    if not decision.producer_viable:
        reasons.append(tr("decision_producer_loses", lang, eur=n(-decision.producer_npv_eur)))
    sep = " ; " if lang == "fr" else "; "
    text = tr("decision_no_go", lang, reasons=sep.join(reasons), case=case, cases=cases)
    if decision.plan is not None:
        from ..plan.output import answer

        best = decision.plan.best
        found = best is not None and bool(best.operations)
        text += " " + tr(
            "decision_alternative" if found else "decision_plan_none",
            lang,
            text=answer(decision.plan, lang, prefix=False, max_reasons=1),
        )
    return text
