"""Text output of ``greenkommon finance``: metrics, yearly table, collective view, bank metrics."""

from __future__ import annotations

import numpy as np

from ...errors import ScenarioError
from .projection import EscalationCase, FinanceResult, assumptions_table


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f} %"


def _yrs(x: float) -> str:
    return "never" if not np.isfinite(x) else f"{x:.1f}"


def format_metrics(fin: FinanceResult) -> str:
    """NPV / IRR / payback of every stakeholder under every case, as a text table."""
    lines = [
        f"{'case':<10} {'stakeholder':<22} {'NPV [€]':>12} {'IRR':>9} {'payback [yr]':>13} {'disc. payback':>14}"
    ]
    for (case, who), m in fin.summary().iterrows():
        lines.append(
            f"{case:<10} {who:<22} {m['npv_eur']:>12,.0f} {_pct(m['irr']):>9} "
            f"{_yrs(m['simple_payback_years']):>13} {_yrs(m['discounted_payback_years']):>14}"
        )
    return "\n".join(lines)


def format_cash_flows(case: EscalationCase) -> str:
    """Yearly cash flows of one case: each venue's cash flow, the producer's two flows [€]."""
    venues = list(dict.fromkeys(case.venues.index.get_level_values("venue")))
    short = [v if len(v) <= 14 else v[:13] + "." for v in venues]
    head = (
        f"{'year':>4} "
        + " ".join(f"{s:>14}" for s in short)
        + f" {'producer proj.':>14} {'producer eq.':>14} {'cum. savings':>13}"
    )
    lines = [head]
    for y in case.producer.index:
        row = [case.venues.loc[(v, y), "cash_flow_eur"] for v in venues]
        cum_total = sum(case.venues.loc[(v, y), "cumulative_savings_eur"] for v in venues)
        lines.append(
            f"{y:>4} "
            + " ".join(f"{x:>14,.0f}" for x in row)
            + f" {case.producer.loc[y, 'project_cash_flow_eur']:>14,.0f}"
            + f" {case.producer.loc[y, 'equity_cash_flow_eur']:>14,.0f} {float(cum_total):>13,.0f}"
        )
    return "\n".join(lines)


def year_ranges(years: tuple[int, ...]) -> str:
    """``1, 2, 3, 7`` → ``1-3, 7``."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def format_collective(fin: FinanceResult, case: str | None = None) -> str:
    """Who gains what over the life in one case: each venue, the producer, the collective."""
    c = fin.cases[case or fin.reference_case]
    view = c.collective
    tab = view.table()
    life = fin.lifetime_years
    total = tab.loc["collective", "npv_eur"]
    verdict = "gains" if total >= 0 else "loses"
    lines = [
        f"Collective view, case {c.name!r} ({life} years, NPV at {_pct(fin.discount_rate)}): "
        f"the collective {verdict} {abs(total):,.0f} €",
        f"{'party':<22} {'stake [€]':>12} {'savings [€]':>12} {'stake back [€]':>14} "
        f"{'NPV [€]':>12} {'IRR':>9}",
    ]
    for who, r in tab.iterrows():
        if who == "collective":
            lines.append("-" * 86)
        lines.append(
            f"{str(who):<22} {r['stake_eur']:>12,.0f} {r['savings_eur']:>12,.0f} "
            f"{r['remuneration_eur']:>14,.0f} {r['npv_eur']:>12,.0f} {_pct(r['irr']):>9}"
        )
    gap = float(np.abs(view.identity_gap_eur).max())
    lines += [
        "savings and stake back: life totals, nominal; producer = the SCIC after paying the venues "
        "(its other members and retained cash); stakes and internal price cancel in the total.",
        f"Identity, every year: Σ venue savings + producer margin = collective cost difference "
        f"(max |gap| {gap:.1e} €)",
    ]
    return "\n".join(lines)


def format_bank(fin: FinanceResult) -> str:
    """DSCR line(s), loan sizing, shortfall and the equity-vs-project note."""
    b = fin.bank
    if b is None:
        return "Bank view: not computed"
    if b.loan_eur <= 0:
        head = "DSCR: no loan in the scenario"
        lines = [head]
    else:
        lines = []
        for d in (b.p50, b.p90):
            below = (
                f"years < 1: {year_ranges(d.years_below_one)} (shortfall "
                f"{d.shortfall_eur:,.0f} €, paid by the producer's members; reserve needed "
                f"{d.reserve_eur:,.0f} €)"
                if d.years_below_one
                else "no year below 1"
            )
            lines.append(
                f"DSCR at {d.production_case} (production × {d.production_factor:.3f}): "
                f"min {d.min_dscr:.2f} (year {d.min_dscr_year}), average {d.average_dscr:.2f}; {below}"
            )
    y = b.yield_p90
    s = b.sizing
    lines += [
        f"  CFADS = revenue − OPEX, insurance, rent, PMO fee − inverter reserve (provisioned evenly up "
        f"to its year); {y.name}: σ = {y.sigma_pct:.1f} %, P90 = P50 × {y.factor:.3f} [{y.label}] "
        "(greenkommon/data/finance_fr.toml)",
        f"Loan sizing to min DSCR {s.dscr_target:g} [{s.dscr_target_label}] at {s.production_case} "
        f"({100 * s.rate:g} %, {s.term_years} yr): debt allowed {s.debt_allowed_eur:,.0f} €, equity left "
        f"{s.equity_left_eur:,.0f} € (scenario loan {b.loan_eur:,.0f} €; binding year {s.binding_year})",
    ]
    if b.equity_note:
        lines.append(f"Note: {b.equity_note}")
    return "\n".join(lines)


def format_finance(fin: FinanceResult, case: str | None = None) -> str:
    """The text report of ``greenkommon finance``: collective view and DSCR of the headline case,
    inputs, metrics of every case, one case's yearly table."""
    names = list(fin.cases)
    if case is None:
        case = fin.reference_case or names[0]
    if case not in fin.cases:
        raise ScenarioError(f"--case {case!r}: expected one of {', '.join(map(repr, names))}")
    others = [n for n in names if n != fin.reference_case]
    out = [
        f"Long-term projection: {fin.lifetime_years} years, discount rate {_pct(fin.discount_rate)}; "
        f"headline case {fin.reference_case!r} ([finance] headline_case), sensitivities: "
        f"{', '.join(map(repr, others)) or 'none'}",
        "",
        format_collective(fin),
        "",
        format_bank(fin),
        "",
        f"Plant LCOE: {fin.lcoe_eur_per_kwh:.4f} €/kWh (CAPEX + discounted costs / discounted production)",
        "",
        "Producer figures (year-1 €):",
    ]
    for _, r in assumptions_table(fin).iterrows():
        value = r["value"]
        text = f"{value:,.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
        out.append(f"  {r['figure']:<28} {text:>14}  [{r['label']}]")
    out += [
        "",
        "Every case (venues: −stake at year 0, then savings and stake back; producer: project and "
        "equity views):",
        format_metrics(fin),
        "",
        f"Yearly cash flows [€], case {case!r}:",
        format_cash_flows(fin.cases[case]),
    ]
    return "\n".join(out)
