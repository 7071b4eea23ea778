"""The report's first screen on money: who gains or loses what, the bank's view, the assumptions.

One section, placed right under the report's title: the collective view of the headline case
(each venue, the producer, the collective total over the project life), DSCR at P50 and P90 with
the loan a target DSCR allows, every assumption that drives the result with its label (loads
synthetic or measured, internal price, CAPEX, loan, LCOE, surplus option, accise case) and, when
computed, the tornado. Its figures are those of ``greenkommon finance`` (the same
:class:`~greenkommon.economics.finance.FinanceResult`).
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import numpy as np

from ..economics.finance._format import year_ranges

TEXT = {
    "en": {
        "title": "Money over the project life: who gains, who loses",
        "verdict": "Over {life} years, in the headline case “{case}” (NPV at {rate} %), the "
        "collective of the venues and their producer {verb} {amount} €.",
        "gains": "gains",
        "loses": "loses",
        "others": "Other cases (sensitivities): {others}.",
        "party": "party",
        "stake": "stake [€]",
        "savings": "savings over the life [€]",
        "back": "stake remuneration [€]",
        "npv": "NPV [€]",
        "producer": "producer (SCIC, after paying the venues)",
        "collective": "collective",
        "identity": "Venue savings + producer margin = the collective's cost difference, every "
        "year (largest gap {gap} €); stakes and the internal price are transfers inside the "
        "collective.",
        "bank": "The bank's view",
        "dscr": "DSCR at {case}: minimum {min} (year {year}), average {avg}; {below}.",
        "below": "years below 1: {years}, shortfall {short} € paid by the producer's members "
        "(reserve needed {reserve} €)",
        "none_below": "no year below 1",
        "sizing": "At a target minimum DSCR of {target} [{label}] at {case}, the loan allowed is "
        "{debt} € (the scenario borrows {loan} €), leaving {equity} € of equity.",
        "p90": "P90 production: {name}, P50 × {factor} (σ {sigma} %, {label}; "
        "greenkommon/data/finance_fr.toml).",
        "no_loan": "No loan in the scenario: no DSCR.",
        "assumptions": "Assumptions that drive the result",
        "figure": "assumption",
        "value": "value",
        "label": "label",
        "tornado": "What moves the result (tornado, each bar re-evaluated)",
        "driver": "driver",
        "low": "low setting",
        "high": "high setting",
        "npv_low": "collective NPV, low [€]",
        "npv_high": "collective NPV, high [€]",
        "dscr_low": "min DSCR, low",
        "dscr_high": "min DSCR, high",
        "no_tornado": "Tornado not computed (greenkommon report --tornado, or greenkommon "
        "finance --tornado).",
    },
    "fr": {
        "title": "L'argent sur la durée du projet : qui gagne, qui perd",
        "verdict": "Sur {life} ans, dans le cas de référence « {case} » (VAN à {rate} %), le "
        "collectif des lieux et de leur producteur {verb} {amount} €.",
        "gains": "gagne",
        "loses": "perd",
        "others": "Autres cas (sensibilités) : {others}.",
        "party": "partie",
        "stake": "apport [€]",
        "savings": "économies sur la durée [€]",
        "back": "rémunération de l'apport [€]",
        "npv": "VAN [€]",
        "producer": "producteur (SCIC, après rémunération des lieux)",
        "collective": "collectif",
        "identity": "Économies des lieux + marge du producteur = écart de coût du collectif, "
        "chaque année (écart max {gap} €) ; apports et prix interne sont des transferts internes.",
        "bank": "Le point de vue de la banque",
        "dscr": "DSCR à {case} : minimum {min} (année {year}), moyenne {avg} ; {below}.",
        "below": "années sous 1 : {years}, manque {short} € couvert par les sociétaires du "
        "producteur (réserve nécessaire {reserve} €)",
        "none_below": "aucune année sous 1",
        "sizing": "Pour un DSCR minimum cible de {target} [{label}] à {case}, le prêt possible est "
        "de {debt} € (le scénario emprunte {loan} €), soit {equity} € de fonds propres.",
        "p90": "Production P90 : {name}, P50 × {factor} (σ {sigma} %, {label} ; "
        "greenkommon/data/finance_fr.toml).",
        "no_loan": "Pas de prêt dans le scénario : pas de DSCR.",
        "assumptions": "Hypothèses qui déterminent le résultat",
        "figure": "hypothèse",
        "value": "valeur",
        "label": "étiquette",
        "tornado": "Ce qui fait varier le résultat (tornade, chaque barre réévaluée)",
        "driver": "facteur",
        "low": "réglage bas",
        "high": "réglage haut",
        "npv_low": "VAN collective, bas [€]",
        "npv_high": "VAN collective, haut [€]",
        "dscr_low": "DSCR min, bas",
        "dscr_high": "DSCR min, haut",
        "no_tornado": "Tornade non calculée (greenkommon report --tornado, ou greenkommon "
        "finance --tornado).",
    },
}


#: Words of figures, labels and settings made outside this module, in French.
_FR = (
    ("data file default", "valeur par défaut du fichier de données"),
    ("UNCONFIRMED", "NON CONFIRMÉ"),
    ("ASSUMPTION", "HYPOTHÈSE"),
    ("3RD-PARTY", "SOURCE TIERCE"),
    ("INFERENCE", "DÉDUCTION"),
    ("interannual", "interannuel"),
    ("other", "autres"),
    ("one-year", "sur un an"),
    ("ten-year", "sur dix ans"),
    ("scenario", "scénario"),
    ("computed", "calculé"),
    ("simulation", "simulation"),
    ("no sale", "pas de vente"),
    ("market sale", "vente au marché"),
    ("simplified tender", "appel d'offres simplifié"),
    ("synthetic archetypes", "profils synthétiques"),
    ("synthetic", "synthétique"),
    ("measured", "mesurée"),
    ("loan", "prêt"),
    ("/yr", "/an"),
    (" yr", " ans"),
)


def _l(text: Any, lang: str) -> str:
    """A label made elsewhere, its known words in French for ``lang = 'fr'``."""
    out = str(text)
    if lang == "fr":
        for en, fr in _FR:
            out = out.replace(en, fr)
    return out


def _e(x: Any) -> str:
    return html.escape(str(x))


def _n(x: float, d: int, lang: str) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    s = f"{x:,.{d}f}"
    return s.replace(",", "\u202f").replace(".", ",") if lang == "fr" else s


def _table(header: list[str], rows: list[list[str]], total_last: bool = False) -> str:
    out = ["<table><thead><tr>", *(f"<th>{_e(h)}</th>" for h in header), "</tr></thead><tbody>"]
    for i, r in enumerate(rows):
        cls = ' class="total"' if total_last and i == len(rows) - 1 else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def projection_of(result: Any) -> Any:
    """The :class:`FinanceResult` of a run result (one operation), or None."""
    from ..economics.finance import FinanceResult

    fin = getattr(result, "finance", None)
    if not isinstance(fin, FinanceResult):
        fin = (getattr(result, "extras", None) or {}).get("finance")
    return fin if isinstance(fin, FinanceResult) else None


def assumption_rows(result: Any, fin: Any, lang: str) -> list[list[str]]:
    """(assumption, value, label) of what drives the result."""
    sc = result.scenario
    pin = fin.producer_inputs
    n = lambda x, d=0: _n(x, d, lang)  # noqa: E731
    measured = [v.name for v in sc.venues if getattr(v.load, "load_file", None)]
    synthetic = [v.name for v in sc.venues if v.name not in measured]
    loads = (
        ("measured: " + ", ".join(measured) if measured else "")
        + ("; " if measured and synthetic else "")
        + ("synthetic archetypes: " + ", ".join(synthetic) if synthetic else "")
    )
    rows = [
        ["loads", loads, "measured" if not synthetic else "ASSUMPTION (synthetic)"],
        [
            "internal price [€/kWh excl. VAT]",
            n(sc.prices.internal_price_eur_per_kwh, 4),
            "scenario",
        ],
        ["CAPEX [€]", n(pin.capex_eur), pin.labels.get("capex_eur", "")],
        [
            "loan [€, rate, years]",
            f"{n(sc.finance.loan_amount_eur)} € at {n(100 * sc.finance.loan_rate, 2)} %, "
            f"{sc.finance.loan_term_years} yr",
            "scenario",
        ],
        ["LCOE [€/kWh]", n(fin.lcoe_eur_per_kwh, 4), "computed"],
        [
            "surplus option",
            f"{sc.prices.surplus_sale}: {n(pin.surplus_price_eur_per_kwh, 4)} €/kWh",
            pin.labels.get("surplus_price_eur_per_kwh", ""),
        ],
    ]
    case = getattr(sc.prices, "accise_case", None)
    if case is not None:
        rows.append(
            [
                "accise case",
                case.label_en if lang == "en" else case.label_fr,
                "contested: a case, compare both",
            ]
        )
    rows += [
        ["discount rate", f"{n(100 * fin.discount_rate, 1)} %", "scenario"],
        ["project life [yr]", str(fin.lifetime_years), "scenario"],
        ["OPEX [€/yr]", n(pin.opex_eur_per_year), pin.labels.get("opex_eur_per_year", "")],
    ]
    if lang == "fr":
        names = {
            "loads": "consommations",
            "internal price [€/kWh excl. VAT]": "prix interne [€/kWh HT]",
            "CAPEX [€]": "investissement (CAPEX) [€]",
            "loan [€, rate, years]": "prêt [€, taux, durée]",
            "LCOE [€/kWh]": "coût actualisé (LCOE) [€/kWh]",
            "surplus option": "vente du surplus",
            "accise case": "cas de l'accise",
            "discount rate": "taux d'actualisation",
            "project life [yr]": "durée du projet [ans]",
            "OPEX [€/yr]": "exploitation (OPEX) [€/an]",
        }
        rows = [[names.get(r[0], r[0]), _l(r[1], lang), _l(r[2], lang)] for r in rows]
    return rows


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def finance_first_screen(result: Any, lang: str = "en", tornado: Any = None) -> str:
    """The section's HTML ('' when the run has no finance projection)."""
    fin = projection_of(result)
    if fin is None:
        return ""
    t = TEXT[lang]
    n = lambda x, d=0: _n(x, d, lang)  # noqa: E731
    view = fin.headline.collective
    tab = view.table()
    total = float(tab.loc["collective", "npv_eur"])
    parts = [f'<section id="finance-verdict"><h2>{_e(t["title"])}</h2>']
    parts.append(
        "<p><strong>"
        + _e(
            t["verdict"].format(
                life=fin.lifetime_years,
                case=fin.reference_case,
                rate=n(100 * fin.discount_rate, 1),
                verb=t["gains"] if total >= 0 else t["loses"],
                amount=n(abs(total)),
            )
        )
        + "</strong></p>"
    )
    others = [
        f"{name}: {n(float(c.collective.table().loc['collective', 'npv_eur']))} €"
        for name, c in fin.cases.items()
        if name != fin.reference_case
    ]
    if others:
        parts.append(f'<p class="sub">{_e(t["others"].format(others="; ".join(others)))}</p>')
    rows = []
    for who, r in tab.iterrows():
        name = (
            t["producer"] if who == "producer" else t["collective"] if who == "collective" else who
        )
        rows.append(
            [
                str(name),
                n(r["stake_eur"]),
                n(r["savings_eur"]),
                n(r["remuneration_eur"]),
                n(r["npv_eur"]),
            ]
        )
    parts.append(
        _table([t["party"], t["stake"], t["savings"], t["back"], t["npv"]], rows, total_last=True)
    )
    gap = float(np.abs(view.identity_gap_eur).max())
    parts.append(f'<p class="sub">{_e(t["identity"].format(gap=f"{gap:.1e}"))}</p>')
    b = fin.bank
    if b is not None:
        parts.append(f"<h3>{_e(t['bank'])}</h3>")
        if b.loan_eur > 0:
            for d in (b.p50, b.p90):
                below = (
                    t["below"].format(
                        years=year_ranges(d.years_below_one),
                        short=n(d.shortfall_eur),
                        reserve=n(d.reserve_eur),
                    )
                    if d.years_below_one
                    else t["none_below"]
                )
                parts.append(
                    "<p>"
                    + _e(
                        t["dscr"].format(
                            case=_l(d.production_case, lang),
                            min=n(d.min_dscr, 2),
                            year=d.min_dscr_year,
                            avg=n(d.average_dscr, 2),
                            below=below,
                        )
                    )
                    + "</p>"
                )
        else:
            parts.append(f"<p>{_e(t['no_loan'])}</p>")
        s = b.sizing
        parts.append(
            "<p>"
            + _e(
                t["sizing"].format(
                    target=n(s.dscr_target, 2),
                    label=_l(s.dscr_target_label, lang),
                    case=_l(s.production_case, lang),
                    debt=n(s.debt_allowed_eur),
                    loan=n(b.loan_eur),
                    equity=n(s.equity_left_eur),
                )
            )
            + "</p>"
        )
        y = b.yield_p90
        parts.append(
            '<p class="sub">'
            + _e(
                t["p90"].format(
                    name=_l(y.name, lang),
                    factor=n(y.factor, 3),
                    sigma=n(y.sigma_pct, 1),
                    label=_l(y.label, lang),
                )
            )
            + "</p>"
        )
        if b.equity_note:
            note = (
                b.equity_note
                if lang == "en"
                else (
                    "VAN du producteur (fonds propres) = VAN du projet : le taux du prêt égale le taux "
                    "d'actualisation ; emprunter ne crée ni ne détruit de valeur, seul le calendrier "
                    "des fonds propres change (TRI, retour, DSCR)."
                )
            )
            parts.append(f'<p class="sub">{_e(note)}</p>')
    parts.append(f"<h3>{_e(t['assumptions'])}</h3>")
    parts.append(_table([t["figure"], t["value"], t["label"]], assumption_rows(result, fin, lang)))
    parts.append(f"<h3>{_e(t['tornado'])}</h3>")
    if tornado is None:
        parts.append(f'<p class="sub">{_e(t["no_tornado"])}</p>')
    else:
        from ..tornado import plot_tornado

        rows = [
            [
                _l(bar.driver, lang),
                _l(bar.low_setting, lang),
                _l(bar.high_setting, lang),
                n(bar.collective_npv_low_eur),
                n(bar.collective_npv_high_eur),
                n(bar.min_dscr_low, 2),
                n(bar.min_dscr_high, 2),
            ]
            for bar in tornado.bars
        ]
        parts.append(
            _table(
                [
                    t["driver"],
                    t["low"],
                    t["high"],
                    t["npv_low"],
                    t["npv_high"],
                    t["dscr_low"],
                    t["dscr_high"],
                ],
                rows,
            )
        )
        parts.append(
            f'<figure id="fig-tornado"><img alt="tornado" src="data:image/png;base64,{_png(plot_tornado(tornado))}"></figure>'
        )
    parts.append("</section>")
    return "".join(parts)


__all__ = ["TEXT", "assumption_rows", "finance_first_screen", "projection_of"]
