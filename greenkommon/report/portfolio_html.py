"""The overview page of a portfolio report: operations, venues, collective, links to each
operation's own report (``greenkommon report`` on a scenario of several operations)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .html import CSS, _e, _table, write_text_atomic
from .i18n import fmt_number

if TYPE_CHECKING:  # pragma: no cover
    from ..results import PortfolioResult

#: Words of the page, English and French.
LABELS = {
    "title": {"en": "Portfolio of operations", "fr": "Portefeuille d'opérations"},
    "operations": {"en": "Operations", "fr": "Opérations"},
    "venues": {"en": "Venues", "fr": "Lieux"},
    "collective": {"en": "Collective", "fr": "Ensemble"},
    "operation": {"en": "operation", "fr": "opération"},
    "members": {"en": "venues", "fr": "lieux"},
    "kwp": {"en": "plants [kWp]", "fr": "centrales [kWc]"},
    "production": {"en": "production [kWh/yr]", "fr": "production [kWh/an]"},
    "allocated": {"en": "allocated [kWh/yr]", "fr": "affecté [kWh/an]"},
    "eligible": {"en": "eligible", "fr": "éligible"},
    "farthest": {"en": "farthest pair [km]", "fr": "plus grande distance [km]"},
    "report": {"en": "report", "fr": "rapport"},
    "venue": {"en": "venue", "fr": "lieu"},
    "consumption": {"en": "consumption [kWh/yr]", "fr": "consommation [kWh/an]"},
    "own": {"en": "own roof used [kWh/yr]", "fr": "toiture propre consommée [kWh/an]"},
    "bill_without": {"en": "bill without [€/yr]", "fr": "facture sans [€/an]"},
    "bill_with": {"en": "bill with [€/yr]", "fr": "facture avec [€/an]"},
    "savings": {"en": "savings [€/yr]", "fr": "économies [€/an]"},
    "yes": {"en": "yes", "fr": "oui"},
    "no": {"en": "NO", "fr": "NON"},
    "none": {"en": "none (own roof or nothing)", "fr": "aucune (toiture propre ou rien)"},
    "own_note": {
        "en": "Savings of a venue with its own roof are before that roof's costs (not projected).",
        "fr": "Les économies d'un lieu avec sa propre toiture sont avant les coûts de celle-ci "
        "(non projetés).",
    },
    "eligible_count": {
        "en": "{n} of {total} operations eligible",
        "fr": "{n} opérations éligibles sur {total}",
    },
}


def _t(key: str, lang: str) -> str:
    return LABELS[key][lang if lang in ("en", "fr") else "en"]


def build_portfolio_page(result: PortfolioResult, reports: Sequence[str], lang: str = "en") -> str:
    """HTML of the overview of a portfolio.

    Parameters
    ----------
    result : PortfolioResult
    reports : sequence of str
        File name of each operation's report, in operation order (linked from the table).
    lang : {'en', 'fr'}
    """
    n = lambda v, d=0: fmt_number(v, d, lang)  # noqa: E731
    c = result.collective
    op_rows = []
    for op, link in zip(result.operations, reports, strict=True):
        t = op.totals()
        op_rows.append(
            [
                op.name,
                ", ".join(op.venue_names),
                n(t.peak_power_kwp),
                n(t.production_kwh),
                n(t.allocated_kwh),
                _t("yes" if op.eligibility.eligible else "no", lang),
                n(op.eligibility.max_distance_km, 2),
                link,
            ]
        )
    ops_table = _table(
        [
            _t(k, lang)
            for k in (
                "operation",
                "members",
                "kwp",
                "production",
                "allocated",
                "eligible",
                "farthest",
                "report",
            )
        ],
        op_rows,
        numeric_from=2,
    )
    # the link column: the escaped file name becomes an anchor to it
    for link in reports:
        ops_table = ops_table.replace(
            f'<td class="n">{_e(link)}</td>', f'<td><a href="{_e(link)}">{_e(link)}</a></td>'
        )
    venue_rows = [
        [
            v.name,
            v.operation or _t("none", lang),
            n(v.consumption_kwh),
            n(v.own_self_consumed_kwh),
            n(v.allocated_kwh),
            n(v.bill_without_eur),
            n(v.bill_with_eur),
            n(v.savings_eur),
        ]
        for v in result.venues
    ]
    venue_rows.append(
        [
            _t("collective", lang),
            "",
            n(c.consumption_kwh),
            n(c.own_self_consumed_kwh),
            n(c.allocated_kwh),
            n(c.bill_without_eur),
            n(c.bill_with_eur),
            n(c.savings_eur),
        ]
    )
    venues_table = _table(
        [
            _t(k, lang)
            for k in (
                "venue",
                "operation",
                "consumption",
                "own",
                "allocated",
                "bill_without",
                "bill_with",
                "savings",
            )
        ],
        venue_rows,
        numeric_from=2,
        total_last=True,
    )
    count = _t("eligible_count", lang).format(n=c.n_eligible_operations, total=c.n_operations)
    return (
        f'<!DOCTYPE html><html lang="{_e(lang)}"><head><meta charset="utf-8">'
        f"<title>{_e(_t('title', lang))}: {_e(result.scenario.name)}</title>"
        f"<style>{CSS}</style></head><body><main>"
        f"<h1>{_e(result.scenario.name)}</h1><p>{_e(count)}</p>"
        f'<section id="operations"><h2>{_e(_t("operations", lang))}</h2>{ops_table}</section>'
        f'<section id="venues"><h2>{_e(_t("venues", lang))}</h2>{venues_table}'
        f"<p>{_e(_t('own_note', lang))}</p></section></main></body></html>"
    )


def write_portfolio_page(
    result: PortfolioResult, path: str | Path, reports: Sequence[str], lang: str = "en"
) -> Path:
    """Write :func:`build_portfolio_page` to ``path`` atomically; returns the path."""
    return write_text_atomic(path, build_portfolio_page(result, reports, lang))
