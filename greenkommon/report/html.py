"""Self-contained HTML report for the members of the operation.

One file, no network: CSS is inline, figures are SVG ``data:`` URIs, there is no script. The page
reads top-down: key figures in plain words, whether the venues may share the roof (eligibility),
the per-venue table, then the figures (monthly energy with its numbers, a summer and a winter
week, typical days, monthly self-sufficiency, cumulative cash flow with NPV/IRR/payback, key
comparison, and an uncertainty histogram when one is given), and last the flagged figures the
results rest on. A part that cannot be drawn (no finance projection, key comparison not run) is
replaced by a visible note saying why, never silently dropped.

Every figure sits in ``<figure id="fig-...">`` so tests and readers can find it.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import __version__
from .._io import atomic_write_text
from . import plots
from .finance_html import finance_first_screen
from .i18n import (
    case_label,
    check_lang,
    fmt_number,
    key_label,
    localise,
    month_names,
    party_label,
    reason_text,
    tr,
)
from .tables import (
    VENUE_SUMMARY_COLUMNS,
    FinanceTables,
    KeyComparison,
    finance_tables,
    is_flagged,
    tariff_figures,
    venue_summary_rows,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import ScenarioResult

#: Figure ids of a complete report, in page order.
FIGURE_IDS = (
    "fig-monthly-energy",
    "fig-week-summer",
    "fig-week-winter",
    "fig-typical-day",
    "fig-self-sufficiency",
    "fig-cashflow",
    "fig-key-comparison",
)

_TITLES = {
    "fig-monthly-energy": ("fig_monthly", "fig_monthly_text"),
    "fig-week-summer": ("fig_week_summer", "fig_week_text"),
    "fig-week-winter": ("fig_week_winter", "fig_week_text"),
    "fig-typical-day": ("fig_typical_day", "fig_typical_day_text"),
    "fig-self-sufficiency": ("fig_self_sufficiency", "fig_self_sufficiency_text"),
    "fig-cashflow": ("fig_cashflow", "fig_cashflow_text"),
    "fig-key-comparison": ("fig_key_comparison", "fig_key_comparison_text"),
    "fig-uncertainty": ("fig_uncertainty", "fig_uncertainty_text"),
}

CSS = """
:root { --ink:#1d1d1f; --muted:#5f6368; --line:#dadce0; --sun:#f2a900; --bg:#fafaf7; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 20px 60px; }
h1 { font-size: 1.9rem; margin: 0 0 4px; }
h2 { font-size: 1.35rem; margin: 40px 0 12px; border-bottom: 3px solid var(--sun); padding-bottom: 4px; }
h3 { font-size: 1.1rem; margin: 0 0 4px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin: 16px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.card .num { font-size: 1.8rem; font-weight: 700; }
.card .what { color: var(--muted); }
table { border-collapse: collapse; width: 100%; background: #fff; margin: 8px 0 4px; font-size: 0.93rem; }
th, td { border: 1px solid var(--line); padding: 6px 8px; }
th { background: #f1f1ec; text-align: left; vertical-align: bottom; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 700; background: #fbf6e6; }
figure { margin: 0 0 28px; background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px; }
figure img { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 0.93rem; margin-bottom: 8px; }
.missing { border-left: 4px solid #c5221f; background: #fdecea; padding: 10px 12px; }
#eligibility, #decision { margin: 12px 0; padding: 10px 14px; }
#decision.ok { border-left: 4px solid #188038; background: #e6f4ea; }
#eligibility.ok { border-left: 4px solid #188038; background: #e6f4ea; }
#eligibility h3 { margin-top: 0; }
footer { color: var(--muted); font-size: 0.85rem; margin-top: 40px; }
details { margin-top: 10px; }
summary { cursor: pointer; color: var(--muted); }
@media print {
  body { background: #fff; }
  figure, table, .card, #eligibility { break-inside: avoid; }
}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _table(
    header: list[str] | None, rows: list[list[str]], numeric_from: int = 1, total_last: bool = False
) -> str:
    out = ["<table>"]
    if header:
        out += ["<thead><tr>", *(f"<th>{_e(h)}</th>" for h in header), "</tr></thead>"]
    out.append("<tbody>")
    for i, row in enumerate(rows):
        cls = ' class="total"' if total_last and i == len(rows) - 1 else ""
        cells = [
            f'<td class="n">{_e(c)}</td>' if j >= numeric_from else f"<td>{_e(c)}</td>"
            for j, c in enumerate(row)
        ]
        out.append(f"<tr{cls}>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _grouped_table(first: str, groups: list[tuple[str, list[str]]], rows: list[list[str]]) -> str:
    """A table whose columns are grouped under a spanning header (e.g. a metric over cases)."""
    top = [f'<th rowspan="2">{_e(first)}</th>']
    # a one-column group without sub-header spans both header rows
    top += [
        f'<th rowspan="2">{_e(title)}</th>'
        if subs == [""]
        else f'<th colspan="{len(subs)}">{_e(title)}</th>'
        for title, subs in groups
    ]
    sub = [f"<th>{_e(h)}</th>" for _, subs in groups if subs != [""] for h in subs]
    body = "".join(
        "<tr>"
        + f"<td>{_e(r[0])}</td>"
        + "".join(f'<td class="n">{_e(c)}</td>' for c in r[1:])
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{''.join(top)}</tr><tr>{''.join(sub)}</tr></thead><tbody>{body}</tbody></table>"


def _figure(fid: str, content: Any, lang: str, fmt: str, details: str = "") -> str:
    title_key, text_key = _TITLES[fid]
    head = f"<h3>{_e(tr(title_key, lang))}</h3>"
    if isinstance(content, str):
        note = tr("unavailable", lang, reason=content)
        return f'<figure id="{fid}" class="unavailable">{head}<p class="missing">{_e(note)}</p></figure>'
    caption = f"<figcaption>{_e(tr(text_key, lang))}</figcaption>" if text_key else ""
    uri = plots.figure_to_data_uri(content, fmt)
    alt = _e(tr(title_key, lang))
    return f'<figure id="{fid}" class="plot">{head}{caption}<img src="{uri}" alt="{alt}">{details}</figure>'


def _monthly_details(result: ScenarioResult, lang: str) -> str:
    """The monthly numbers behind the energy figures, folded (no script: ``<details>``)."""
    prod = plots.monthly_sum(result.production_kwh).reindex(range(1, 13), fill_value=0.0)
    surplus = plots.monthly_sum(result.surplus_kwh).reindex(range(1, 13), fill_value=0.0)
    cons = plots.monthly_sum(result.consumption_kwh).reindex(range(1, 13), fill_value=0.0)
    share = plots.monthly_self_sufficiency_pct(
        result.allocated_kwh, result.consumption_kwh
    ).reindex(range(1, 13))
    venues = list(cons.columns)
    groups = [
        (tr("production_mwh", lang), [""]),
        (tr("surplus_mwh", lang), [""]),
        (tr("consumption_mwh", lang), venues),
        (tr("self_sufficiency_pct", lang), venues),
    ]
    months = month_names(lang)
    rows = [
        [
            months[m - 1],
            fmt_number(prod[m] / 1000, 1, lang),
            fmt_number(surplus[m] / 1000, 1, lang),
            *(fmt_number(cons.loc[m, v] / 1000, 1, lang) for v in venues),
            *(fmt_number(share.loc[m, v], 1, lang) for v in venues),
        ]
        for m in range(1, 13)
    ]
    table = _grouped_table(tr("month", lang), groups, rows)
    return f"<details><summary>{_e(tr('the_numbers', lang))}</summary>{table}</details>"


def _eligibility_block(result: ScenarioResult, lang: str) -> str:
    """Plain-words answer to "may these venues share this roof?" from ``result.eligibility``."""
    rep = result.eligibility
    head = f"<h3>{_e(tr('eligibility', lang))}</h3>"
    rule = rep.rule.label
    answer = tr("eligible_yes" if rep.eligible else "eligible_no", lang, rule=localise(rule, lang))
    parts = [
        f'<div id="eligibility" class="{"ok" if rep.eligible else "missing"}">{head}<p><strong>{_e(answer)}</strong></p><ul>'
    ]
    pair = rep.farthest_pair
    limit = rep.limit_km
    if limit is not None:
        parts.append(
            "<li>"
            + _e(
                tr(
                    "eligible_distance",
                    lang,
                    a=pair[0],
                    b=pair[1],
                    d=fmt_number(rep.max_distance_km, 2, lang),
                    limit=fmt_number(limit, 0, lang),
                )
            )
            + "</li>"
        )
    if not rep.power_ok:
        parts.append(
            "<li>"
            + _e(
                tr(
                    "eligible_power",
                    lang,
                    kwp=fmt_number(rep.peak_power_kwp, 0, lang),
                    cap=fmt_number(rep.power_cap_mw, 0, lang),
                )
            )
            + "</li>"
        )
    if not rep.eligible:
        groups = rep.largest_subsets
        if groups:
            parts.append(
                "<li>"
                + _e(tr("eligible_groups", lang, groups=" | ".join(", ".join(g) for g in groups)))
                + "</li>"
            )
        else:
            parts.append("<li>" + _e(tr("eligible_none", lang)) + "</li>")
    for note in rep.notes:
        parts.append(f"<li>{_e(localise(note, lang))}</li>")
    parts.append("</ul>")
    if not rep.eligible:
        parts.append(f"<p>{_e(tr('eligible_consequence', lang))}</p>")
    parts.append("</div>")
    return "".join(parts)


def _decision_block(result: ScenarioResult, lang: str, decision: Any) -> str:
    """GO / NO-GO at the top of the report (greenkommon.decision; computed if not given)."""
    from ..decision import decide
    from ..errors import DataError
    from .decision import format_decision

    head = f"<h3>{_e(tr('decision', lang))}</h3>"
    try:
        decision = decision if decision is not None else decide(result, alternative=False)
    except DataError as exc:
        reason = _e(tr("unavailable", lang, reason=str(exc)))
        return f'<div id="decision">{head}<p class="missing">{reason}</p></div>'
    css = "ok" if decision.go else "missing"
    return (
        f'<div id="decision" class="{css}">{head}'
        f"<p><strong>{_e(format_decision(decision, lang))}</strong></p></div>"
    )


def _summary(result: ScenarioResult, lang: str) -> str:
    coll = result.collective_summary()
    sc = result.scenario
    n = lambda v, d=0: fmt_number(v, d, lang)  # noqa: E731
    cards = [
        (f"{n(coll['production_kwh'] / 1000, 0)} MWh", tr("card_production", lang)),
        (f"{n(coll['self_consumption_pct'], 0)} %", tr("card_self_consumption", lang)),
        (f"{n(coll['self_sufficiency_pct'], 0)} %", tr("card_self_sufficiency", lang)),
        (f"{n(coll['savings_eur'], 0)} €", tr("card_savings", lang)),
    ]
    parts = [f'<section id="summary"><h2>{_e(tr("summary", lang))}</h2><div class="cards">']
    for num, what in cards:
        parts.append(
            f'<div class="card"><div class="num">{_e(num)}</div><div class="what">{_e(what)}</div></div>'
        )
    parts.append("</div>")
    sc_pct = coll["self_consumption_pct"]
    parts.append(
        "<p>"
        + _e(
            tr(
                "summary_plain",
                lang,
                self_consumption=n(sc_pct, 0),
                surplus=n(100 - sc_pct if sc_pct == sc_pct else float("nan"), 0),
                self_sufficiency=n(coll["self_sufficiency_pct"], 0),
            )
        )
        + "</p>"
    )

    header = [tr("venue", lang), *(tr(c, lang) for c in VENUE_SUMMARY_COLUMNS)]
    rows = venue_summary_rows(result, n, tr("all_venues", lang))
    parts.append(_eligibility_block(result, lang))
    parts.append(f"<h3>{_e(tr('per_venue', lang))}</h3>")
    parts.append(_table(header, rows, total_last=True))

    plant_rows = [
        [tr(k, lang), n(coll[k], 1 if k.endswith("_pct") else 0)]
        for k in (
            "peak_power_kwp",
            "production_kwh",
            "specific_yield_kwh_per_kwp",
            "surplus_kwh",
            "self_consumption_pct",
        )
    ]
    parts.append(_table(None, plant_rows))
    if result.coefficients is not None:
        parts.append(f"<h3>{_e(tr('coefficients', lang))}</h3>")
        parts.append(
            _table(
                [tr("venue", lang), tr("coefficient_pct", lang)],
                [
                    [name, n(100 * c, 1)]
                    for name, c in zip(sc.venue_names, result.coefficients, strict=True)
                ],
            )
        )
    parts.append("</section>")
    return "".join(parts)


def _finance_section(fin: FinanceTables | str, lang: str) -> tuple[Any, str]:
    """(cash-flow figure or reason, text and metrics table html)."""
    if isinstance(fin, str):
        return reason_text(fin, lang), ""
    cash = fin.cash_flows_eur
    labels = {c: party_label(str(c), lang) for c in cash.columns}
    fig = plots.plot_cumulative_cashflow(cash, fin.venues, lang, labels)
    rate = next((v for k, v, _ in fin.assumptions if k == "discount_rate"), float("nan"))
    text = tr(
        "finance_text",
        lang,
        case=case_label(fin.shown_case, lang),
        rate=fmt_number(100 * rate, 1, lang),
    )
    cases = list(fin.cases)
    case_names = [case_label(c, lang) for c in cases]
    metrics = fin.metrics
    parties = list(dict.fromkeys(metrics.index.get_level_values("party")))
    rows = []
    for party in parties:
        row = [party_label(str(party), lang)]
        row += [fmt_number(metrics.loc[(c, party), "npv_eur"], 0, lang) for c in cases]
        row += [fmt_number(metrics.loc[(c, party), "irr_pct"], 1, lang) for c in cases]
        for c in cases:
            pb = metrics.loc[(c, party), "payback_years"]
            row.append(tr("never", lang) if pd.isna(pb) else fmt_number(pb, 1, lang))
        rows.append(row)
    groups = [(tr(col, lang), case_names) for col in ("npv_eur", "irr_pct", "payback_years")]
    html_text = (
        f"<h3>{_e(tr('finance', lang))}</h3><p>{_e(text)}</p>"
        + _grouped_table(tr("party", lang), groups, rows)
        + f'<p class="sub">{_e(tr("never_note", lang))}</p>'
    )
    return fig, html_text


def _key_label(key_type: str, lang: str) -> str:
    return key_label(key_type, lang)


def _comparison_section(comp: KeyComparison | None, lang: str) -> tuple[Any, str]:
    if comp is None:
        return tr("no_comparison", lang), ""
    notes = "".join(
        f'<p class="missing">{_e(tr("key_failed", lang, key=_key_label(k, lang), reason=why))}</p>'
        for k, why in comp.failed.items()
    )
    if comp.savings_eur.empty:
        return "; ".join(
            tr("key_failed", lang, key=_key_label(k, lang), reason=why)
            for k, why in comp.failed.items()
        ) or tr("no_comparison", lang), ""

    def name(k: str) -> str:
        return key_label(k, lang, comp.label_keys.get(k))

    labels = {k: f"{i + 1}. {name(k)}" for i, k in enumerate(comp.savings_eur.index)}
    fig = plots.plot_key_comparison(
        comp.savings_eur.rename(index=labels),
        comp.collective["self_consumption_pct"].rename(index=labels),
        lang,
    )
    venues = list(comp.savings_eur.columns)
    groups = [
        (tr("savings_eur", lang), [*venues, tr("all_venues", lang)]),
        (tr("self_consumption_pct", lang), [""]),
        (tr("coefficient_pct", lang), venues),
    ]
    rows = []
    for k in comp.savings_eur.index:
        coefs = comp.coefficients.get(k)
        shares = (
            ["-"] * len(venues) if coefs is None else [fmt_number(100 * c, 1, lang) for c in coefs]
        )
        rows.append(
            [
                labels[k],
                *(fmt_number(v, 0, lang) for v in comp.savings_eur.loc[k]),
                fmt_number(comp.collective.loc[k, "savings_eur"], 0, lang),
                fmt_number(comp.collective.loc[k, "self_consumption_pct"], 1, lang),
                *shares,
            ]
        )
    note = f'<p class="sub">{_e(tr("shares_note", lang))}</p>'
    return fig, notes + _grouped_table(tr("key", lang), groups, rows) + note


def p50_p90(values: np.ndarray) -> tuple[float, float]:
    """(P50, P90) of sampled values: the median and the value exceeded by 90 % of them.

    Notes
    -----
    P90 is the 10th percentile (linear interpolation between order statistics), the PV-yield
    convention: a "P90 saving" is one that 9 sampled cases out of 10 beat.
    """
    from ..uncertainty import exceedance

    p = exceedance(values)  # the one P50/P90 convention of the package
    return p["P50"], p["P90"]


def _uncertainty_figure(uncertainty: Any, lang: str, fmt: str) -> str:
    """Optional histogram of sampled yearly savings with P50 and P90 marks.

    ``uncertainty`` is a mapping with ``savings_eur_samples`` (array of yearly savings [€/yr],
    one per sampled year/parameter set).

    Notes
    -----
    P90 is the value exceeded in 90 % of the samples (the 10th percentile), as in PV yield
    assessments; P50 the median.
    """
    samples = uncertainty.get("savings_eur_samples") if isinstance(uncertainty, dict) else None
    values = np.asarray(samples if samples is not None else [], dtype=float)
    values = values[np.isfinite(values)]
    if values.size < 2:
        return _figure("fig-uncertainty", tr("no_uncertainty", lang), lang, fmt)
    p50, p90 = p50_p90(values)
    fig = plots.plot_histogram(
        values,
        {f"P50 {fmt_number(p50, 0, lang)} €": p50, f"P90 {fmt_number(p90, 0, lang)} €": p90},
        tr("ax_savings_eur", lang),
    )
    return _figure("fig-uncertainty", fig, lang, fmt)


def _sources_section(result: ScenarioResult, lang: str) -> str:
    figures = tariff_figures(result)
    head = f'<section id="sources"><h2>{_e(tr("sources", lang))}</h2>'
    if figures.empty:
        return head + f"<p>{_e(tr('no_figures', lang))}</p></section>"
    flagged = figures[figures["confidence"].map(is_flagged)]
    text = tr("sources_text", lang, n_flagged=len(flagged), n=len(figures))
    rows = [
        [
            localise(r.figure, lang),
            fmt_number(r.value, 4, lang).rstrip("0").rstrip(",.")
            if isinstance(r.value, float)
            else localise(str(r.value), lang),
            localise(r.unit, lang),
            localise(r.confidence, lang),
        ]
        for r in flagged.itertuples(index=False)
    ]
    header = [tr("figure", lang), tr("value", lang), tr("unit", lang), tr("confidence", lang)]
    table = _table(header, rows, numeric_from=len(header)) if rows else ""
    return head + f"<p>{_e(text)}</p>" + table + "</section>"


def build_html_report(
    result: ScenarioResult, lang: str = "en", extra: dict[str, Any] | None = None, fmt: str = "svg"
) -> str:
    """The report of ``result`` as one self-contained HTML page.

    Parameters
    ----------
    result : ScenarioResult
    lang : {'en', 'fr'}
        Language of every label.
    extra : dict, optional
        Parts computed outside the result: ``'key_comparison'`` (:class:`KeyComparison`),
        ``'finance'`` (:class:`FinanceTables`, overrides ``result.finance``).
    fmt : {'svg', 'png'}
        Image format of the figures.

    Returns
    -------
    str
        The HTML document (UTF-8 text). Missing parts are announced in the page.
    """
    check_lang(lang)
    extra = extra or {}
    sc = result.scenario
    figures: dict[str, Any] = dict(plots.report_figures(result, lang))
    fin = extra.get("finance") or finance_tables(result)
    figures["fig-cashflow"], finance_html = _finance_section(fin, lang)
    figures["fig-key-comparison"], comparison_html = _comparison_section(
        extra.get("key_comparison"), lang
    )

    head = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(tr('title', lang))}: {_e(sc.name)}</title><style>{CSS}</style></head><body><main>"
    )
    intro = (
        f"<h1>{_e(tr('title', lang))}</h1>"
        f'<p class="sub">{_e(tr("subtitle", lang, name=sc.name, year=sc.simulation.year, key=_key_label(sc.key.type, lang), weather=result.weather_meta.get("source", "?")))}</p>'
        f"<p>{_e(tr('intro', lang, kwp=fmt_number(sc.plant.peak_power_kwp, 0, lang), step=sc.simulation.step))}</p>"
    )
    if sc.description:
        intro += f"<p><em>{_e(sc.description)}</em></p>"
    body = [
        head,
        intro,
        _decision_block(result, lang, extra.get("decision")),
        # the money: who gains or loses what (finance engineer's section)
        finance_first_screen(result, lang, extra.get("tornado")),
        _summary(result, lang),
        f'<section id="plots"><h2>{_e(tr("plots", lang))}</h2>',
    ]
    for fid in FIGURE_IDS:
        details = _monthly_details(result, lang) if fid == "fig-monthly-energy" else ""
        body.append(_figure(fid, figures[fid], lang, fmt, details))
        if fid == "fig-cashflow":
            body.append(finance_html)
        if fid == "fig-key-comparison":
            body.append(comparison_html)
    uncertainty = extra.get("uncertainty")
    if uncertainty is not None:
        body.append(_uncertainty_figure(uncertainty, lang, fmt))
    body.append("</section>")
    body.append(_sources_section(result, lang))
    body.append(
        f"<footer>{_e(tr('generated', lang, version=__version__))}</footer></main></body></html>"
    )
    return "\n".join(body)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary sibling and :func:`os.replace`."""
    # mkstemp makes it private; a report is meant to be shared
    return atomic_write_text(path, text, mode=0o644)


def write_html_report(
    result: ScenarioResult, path: str | Path, lang: str = "en", extra: dict[str, Any] | None = None
) -> Path:
    """Write :func:`build_html_report` to ``path`` atomically; returns the path. Meter ids (a
    load file's name often carries one) are hidden unless ``--show-prm``."""
    from ..prm import redact

    return write_text_atomic(path, redact(build_html_report(result, lang, extra)))
