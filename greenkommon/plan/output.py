"""Presenting a plan: the answer, the ranked table, JSON with units, and the scenario of the best."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np

from .core import OperationOption, PlanResult
from .evaluate import KEY_LABELS


def _eur(x: float) -> str:
    return f"{x:,.0f} €" if math.isfinite(x) else "n/a"


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %" if math.isfinite(x) else "n/a"


def _case_name(name: str, lang: str) -> str:
    from ..report.i18n import case_label, localise, tr

    if name.startswith("P90 ") and lang == "fr":
        basis, factor = name.split(" production (×")
        return tr("case_p90", lang, basis=localise(basis, lang), factor=factor.rstrip(")"))
    if name.startswith("accise exemption"):
        label = "case_accise_not_applied" if "not applied" in name else "case_accise_applied"
        until = name.split(" until ")[1] if " until " in name else ""
        return tr(label, lang) + (f" ({tr('until', lang)} {until})" if until else "")
    return case_label(name, lang)


def _op_name(op: OperationOption, space: Any, lang: str) -> str:
    from ..report.i18n import tr

    roofs = [space.roofs[r] for r in op.grouping.roofs]
    if len(op.member_names) == 1 and len(roofs) == 1 and roofs[0].owner == op.member_names[0]:
        return tr("plan_own_roof", lang, name=op.member_names[0])
    return op.name


def answer(result: PlanResult, lang: str = "en", prefix: bool = True, max_reasons: int = 3) -> str:
    """The plan's answer in one sentence (``lang``: ``'en'`` or ``'fr'``).

    ``prefix=False`` drops the leading "Recommended:" (when quoted as an alternative);
    ``max_reasons`` dropped groupings are quoted when nothing is recommended.
    """
    from ..report.i18n import fmt_number, tr

    best = result.best
    if best is None or not best.operations:
        reasons = "; ".join(
            f"{', '.join(r.member_names)}: {r.reason}" for r in result.rejected[:max_reasons]
        )
        text = tr("plan_none", lang, reasons=f" ({reasons})" if reasons else "")
        other = [r for r in result.rejected if r.other_case]
        if other:
            r = other[0]
            text += " " + tr(
                "plan_other_case",
                lang,
                members=", ".join(r.member_names),
                roof=" + ".join(r.roof_names),
                case=r.other_case,
            )
        return text
    sep = " ; " if lang == "fr" else "; "
    ops = sep.join(
        tr(
            "plan_operation",
            lang,
            members=", ".join(op.member_names),
            roof=_op_name(op, result.space, lang),
            kwp=fmt_number(sum(op.kwp_by_roof), 0, lang),
            key=tr(f"plan_key_{op.key}", lang),
            price=fmt_number(op.price_eur_per_kwh, 4, lang),
        )
        for op in best.operations
    )
    out = [v.name for v in best.venues if v.operation == "out"]
    lost = [
        _case_name(name, lang)
        for name, ok in zip(result.cases[1:], best.case_everyone_wins[1:], strict=True)
        if not ok
    ]
    cases = (
        tr("plan_not_every_case", lang, cases=", ".join(lost))
        if lost
        else tr("plan_every_case", lang)
    )
    text = tr(
        "plan_recommended",
        lang,
        ops=ops,
        out=tr("plan_stay_out", lang, names=", ".join(out)) if out else "",
        npv=fmt_number(best.collective_npv_eur, 0, lang),
        cases=cases,
    )
    if not prefix:
        head = tr("plan_recommended", lang, ops="", out="", npv="", cases="").split("{")[0]
        text = text.removeprefix(head[: head.index(":") + 1]).lstrip()
    return text


def _operation_lines(op: OperationOption, space: Any) -> list[str]:
    kwp = ", ".join(
        f"{k:,.1f} kWp on {n}" for k, n in zip(op.kwp_by_roof, op.roof_names, strict=True)
    )
    q = op.price_eur_per_kwh
    g = op.grouping
    limit = space.limit_km
    eligible = (
        f"eligible: farthest pair {g.farthest_pair[0]} – {g.farthest_pair[1]} "
        f"{g.max_distance_km:.2f} km ≤ {limit:g} km"
        if limit is not None and len(g.members) + len(g.roofs) > 1
        else "eligible"
    )
    lines = [
        f"  operation {op.name}: {', '.join(op.member_names)}",
        f"    plant: {kwp}; key: {KEY_LABELS[op.key]}; {eligible}",
        f"    {op.corridor.sentence()}",
        f"    producer NPV {_eur(op.producer_npv(q))}, IRR {_pct(op.producer_irr())}; "
        f"collective NPV {_eur(op.collective_npv_eur())}",
    ]
    if op.key_advice:
        lines.append(f"    key: {op.key_advice}")
    return lines


def format_plan(result: PlanResult, top: int | None = None) -> str:
    """The plan as text: answer, eligibility, ranked configurations, rejections, notes."""
    space = result.space
    lines = [
        f"plan for {result.scenario_name!r}: {len(space.venues)} venue(s), {len(space.roofs)} "
        f"candidate roof(s), rule: {space.rule_label or 'n/a'}",
        "",
        f"answer: {answer(result)}",
        "",
        f"eligibility: {result.n_groupings} eligible grouping(s) evaluated; every other grouping "
        "holds one of these pairs beyond the limit:",
    ]
    venue_names = {v.name for v in space.venues}
    shown = [b for b in result.blocking if b.a in venue_names or b.b in venue_names]
    lines += [f"  {b.reason}" for b in shown] or ["  (none)"]
    lines.append("")
    lines.append(
        "NPV: over the plant's life at the discount rate, reference escalation case; venues "
        "against no operation; savings: year 1 at the suggested internal price"
    )
    for c in result.configurations[:top]:
        lines.append("")
        head = f"#{c.rank}  {c.label}: collective NPV {_eur(c.collective_npv_eur)}"
        lines.append(head)
        if c.why_not_first:
            lines.append(f"  why not first: {c.why_not_first}")
        for op in c.operations:
            lines += _operation_lines(op, space)
        width = max(len(v.name) for v in c.venues)
        lines.append(f"  {'venue':<{width}}  {'saving yr 1 €/yr':>16}  {'NPV €':>10}  operation")
        for v in c.venues:
            lines.append(
                f"  {v.name:<{width}}  {v.savings_eur_per_year:>16,.0f}  {v.npv_eur:>10,.0f}  {v.operation}"
            )
        neg = [v.name for v in c.venues if v.operation != "out" and v.savings_eur_per_year < 0]
        if neg:
            lines.append(
                f"  note: {', '.join(neg)} pay(s) more than today in year 1 and gain later "
                "(escalation); [plan] year_one_savings = true requires savings from year 1"
            )
        cases = "; ".join(
            f"{name}: {_eur(v)}{'' if ok else ' (someone loses)'}"
            for name, v, ok in zip(
                result.cases, c.case_collective_npv_eur, c.case_everyone_wins, strict=True
            )
        )
        lines.append(f"  cases (collective NPV): {cases}")
        lines.append(f"  best in: {', '.join(c.cases_won) or 'no case'}")
    nobody = [
        name
        for k, name in enumerate(result.cases)
        if not any(c.case_everyone_wins[k] and c.operations for c in result.configurations)
    ]
    if nobody:
        lines.append("")
        lines.append(
            f"in {', '.join(nobody)}: no ranked configuration with an operation lets everyone win"
        )
    if result.rejected:
        lines.append("")
        lines.append("eligible groupings dropped (no price at which everyone wins):")
        for r in result.rejected:
            lines.append(f"  {', '.join(r.member_names)} on {' + '.join(r.roof_names)}: {r.reason}")
            if r.other_case:
                lines.append(f"    but with {r.other_case}")
    lines.append("")
    for note in result.notes:
        lines.append(f"note: {note}")
    lines.append(f"plan computed in {result.elapsed_s:.1f} s")
    return "\n".join(lines)


def _op_dict(op: OperationOption) -> dict[str, Any]:
    q = op.price_eur_per_kwh
    return {
        "name": op.name,
        "roofs": list(op.roof_names),
        "members": list(op.member_names),
        "peak_power_kwp_by_roof": dict(zip(op.roof_names, op.kwp_by_roof, strict=True)),
        "key": op.key,
        "key_label": KEY_LABELS[op.key],
        "static_coefficients": (
            dict(zip(op.member_names, op.coefficients.tolist(), strict=True))
            if op.coefficients is not None and op.coefficients.ndim == 1
            else None
        ),
        "price_corridor_eur_per_kwh": {
            "low": op.corridor.low_eur_per_kwh,
            "high": op.corridor.high_eur_per_kwh,
            "suggested": q,
            "binding_venue": op.corridor.binding_venue,
        },
        "producer_npv_eur": op.producer_npv(q),
        "producer_irr_pct": 100 * op.producer_irr(),
        "collective_npv_eur": op.collective_npv_eur(),
        "eligibility": {
            "eligible": True,
            "farthest_pair": list(op.grouping.farthest_pair),
            "max_distance_km": op.grouping.max_distance_km,
        },
        "key_advice": op.key_advice,
    }


def _finite(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


def plan_to_dict(result: PlanResult) -> dict[str, Any]:
    """JSON-ready plan, units in the keys (non-finite numbers as ``null``)."""
    space = result.space
    return _finite(
        {
            "scenario": result.scenario_name,
            "answer": answer(result),
            "rule": space.rule_label,
            "distance_limit_km": space.limit_km,
            "venues": [v.name for v in space.venues],
            "roofs": [
                {
                    "name": r.name,
                    "max_peak_power_kwp": r.max_peak_power_kwp,
                    "capex_eur_per_kwp": r.capex_eur_per_kwp,
                    "owner": r.owner,
                    "source": r.source,
                }
                for r in space.roofs
            ],
            "blocking_pairs": [
                {"a": b.a, "b": b.b, "distance_km": b.distance_km, "limit_km": b.limit_km}
                for b in result.blocking
            ],
            "n_eligible_groupings": result.n_groupings,
            "cases": list(result.cases),
            "configurations": [
                {
                    "rank": c.rank,
                    "label": c.label,
                    "collective_npv_eur": c.collective_npv_eur,
                    "operations": [_op_dict(op) for op in c.operations],
                    "venues": [
                        {
                            "name": v.name,
                            "operation": v.operation,
                            "savings_year_1_eur_per_year": v.savings_eur_per_year,
                            "npv_eur": v.npv_eur,
                        }
                        for v in c.venues
                    ],
                    "case_collective_npv_eur": dict(
                        zip(result.cases, c.case_collective_npv_eur, strict=True)
                    ),
                    "case_everyone_wins": dict(
                        zip(result.cases, c.case_everyone_wins, strict=True)
                    ),
                    "best_in_cases": list(c.cases_won),
                    "why_not_first": c.why_not_first,
                }
                for c in result.configurations
            ],
            "rejected_groupings": [
                {
                    "roofs": list(r.roof_names),
                    "members": list(r.member_names),
                    "reason": r.reason,
                    "feasible_in_other_accise_case": r.other_case,
                }
                for r in result.rejected
            ],
            "notes": list(result.notes),
            "elapsed_s": result.elapsed_s,
        }
    )


def operation_scenario_toml(
    scenario: Any,
    base_file: str,
    op: OperationOption,
    layout: Any,
    roof: Any,
    key_file: str | None = None,
) -> str:
    """TOML of a scenario extending ``base_file`` with one operation of a plan.

    Non-members are removed (``remove = true``), the plant moves to the operation's roof with its
    sections scaled to the chosen size, the key and the suggested internal price are set, and the
    producer's loan and the members' equity [€] scale with the plant (as in the evaluation).
    """
    from ..optimise.write import _toml_str, _toml_value
    from .core import roof_capex
    from .evaluate import sub_scenario

    members = list(op.grouping.members)
    kwp = float(sum(op.kwp_by_roof))
    if len(op.roof_names) != 1:
        raise ValueError("operation_scenario_toml: one roof per written operation")
    capex = roof_capex(scenario, [roof], op.kwp_by_roof)
    sub = sub_scenario(scenario, members, kwp, capex_eur_per_kwp=capex, layout=layout)
    lines = [
        f"# Written by `greenkommon plan` from {Path(base_file).name}: operation {op.name}",
        f"# {op.corridor.sentence()}",
        f"extends = {_toml_str(Path(base_file).as_posix())}",
        f"name = {_toml_str(scenario.name + ' (plan: ' + op.name + ')')}",
        "",
    ]
    for v in scenario.venues:
        if v.name not in op.member_names:
            lines += ["[[venues]]", f"name = {_toml_str(v.name)}", "remove = true", ""]
    plant = sub.plant
    lines += [
        "[plant]",
        f"name = {_toml_str(plant.name)}",
        f"latitude_deg = {plant.latitude_deg!r}",
        f"longitude_deg = {plant.longitude_deg!r}",
        f"altitude_m = {plant.altitude_m!r}",
        "",
    ]
    for sec in plant.sections:
        lines.append("[[plant.sections]]")
        defaults = type(sec)(name=sec.name, peak_power_kwp=sec.peak_power_kwp)
        for f in dataclasses.fields(sec):
            value = getattr(sec, f.name)
            if f.name in ("name", "peak_power_kwp") or (
                value is not None and value != getattr(defaults, f.name)
            ):
                lines.append(f"{f.name} = {_toml_value(value)}")
        lines.append("")
    lines += [
        "[plan]",
        "# the written operation is one plan's answer: no candidate roofs",
        "roofs = []",
        "",
        "[prices]",
        f"internal_price_eur_per_kwh = {op.price_eur_per_kwh!r}",
        "",
        "[finance]",
        f"loan_amount_eur = {sub.finance.loan_amount_eur!r}",
    ]
    if sub.finance.capex_eur_per_kwp is not None:
        lines.append(f"capex_eur_per_kwp = {sub.finance.capex_eur_per_kwp!r}")
    lines.append("")
    lines.append("[finance.equity_eur]")
    lines += [f"{_toml_str(k)} = {v!r}" for k, v in sub.finance.equity_eur.items()]
    lines.append("")
    if op.key == "default":
        lines += ["[key]", 'type = "prorata"']
    elif op.coefficients is not None and op.coefficients.ndim == 1:
        lines += ["[key]", 'type = "static"', "", "[key.coefficients]"]
        lines += [
            f"{_toml_str(n)} = {float(k)!r}"
            for n, k in zip(op.member_names, op.coefficients, strict=True)
        ]
    else:
        lines += ["[key]", 'type = "dynamic"', f"coefficients_file = {_toml_str(str(key_file))}"]
    return "\n".join(lines) + "\n"


def write_best(result: PlanResult, scenario: Any, base: Path, out: Path) -> list[Path]:
    """Write the recommended configuration: one scenario per operation (``out``, ``out_2``, …).

    Today's scenario file describes one operation; each written file extends ``base`` and
    ``greenkommon run`` reproduces that operation's figures.
    """
    import os

    from .._io import atomic_write_text

    best = result.best
    if best is None or not best.operations:
        raise ValueError("the plan recommends no operation: there is no scenario to write")
    if len(getattr(scenario, "operations", ())) > 1 or "plants" in scenario.raw:
        raise ValueError(
            "writing a plan's configuration from a portfolio scenario ([[plants]], [[operations]]) "
            "is not supported yet: plan a single-operation scenario to write it"
        )
    energy = result.energy
    assert energy is not None
    rel = (
        base.name
        if out.resolve().parent == base.resolve().parent
        else os.path.relpath(base.resolve(), out.resolve().parent)
    )
    written = []
    for k, op in enumerate(best.operations, start=1):
        path = out if k == 1 else out.with_name(f"{out.stem}_{k}{out.suffix}")
        key_file = None
        if op.coefficients is not None and op.coefficients.ndim == 2:
            key_file = _write_dynamic(result, scenario, op, path)
        r = op.grouping.roofs[0]
        text = operation_scenario_toml(
            scenario, rel, op, energy.layouts[r], result.space.roofs[r], key_file
        )
        atomic_write_text(path, text)
        written.append(path)
    return written


def _write_dynamic(result: PlanResult, scenario: Any, op: OperationOption, path: Path) -> str:
    from ..optimise import write_dynamic_key

    energy = result.energy
    assert energy is not None and op.coefficients is not None
    import pandas as pd

    prod = np.asarray(op.kwp_by_roof) @ energy.unit_production_kwh_per_kwp[list(op.grouping.roofs)]
    key_path = path.with_name(path.stem + "_key.csv")
    write_dynamic_key(
        key_path,
        op.coefficients,
        pd.Series(prod, index=energy.index),
        list(op.member_names),
        scenario.optimise.precision(),
    )
    return key_path.name
