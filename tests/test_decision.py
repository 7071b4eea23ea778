"""GO / NO-GO for a scenario, against its own eligibility check and finance projection.

References: the scenario's eligibility report and the signs of its finance NPVs (computed by the
economics stage, not by the decision), and the plan's written best configuration (eligible, and
everyone wins at the suggested price by construction of the corridor).
"""

from __future__ import annotations

import shutil

import pytest

from greenkommon.decision import decide
from greenkommon.pipeline import run_scenario
from greenkommon.plan import plan_scenario
from greenkommon.plan.output import write_best
from greenkommon.scenario import load_scenario


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, baseline_scenario_path):
    folder = tmp_path_factory.mktemp("decision")
    shutil.copy(baseline_scenario_path, folder / "greenkommon.toml")
    # a cheaper plant than the bundled ASSUMPTION, so that the plan finds operations in which
    # everyone wins under either reading of the accise case (the decision is what is tested)
    path = folder / "cheaper.toml"
    path.write_text(
        'extends = "greenkommon.toml"\n[finance]\ncapex_eur_per_kwp = 600.0\n'
        "loan_amount_eur = 144000.0\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    return folder, scenario, run_scenario(scenario), plan_scenario(scenario, top=2)


def test_bundled_scenario_is_no_go_with_its_reasons_and_the_alternative(baseline):
    _, scenario, result, plan = baseline
    d = decide(result, plan=plan)
    report = result.extras["eligibility"]
    fin = result.extras["finance"]
    npv = fin.cases[fin.reference_case].collective.table()["npv_eur"]
    assert d.eligible == report.eligible is False
    assert d.producer_npv_eur == npv["producer"]
    assert not d.go and d.verdict == "NO-GO"
    text = d.sentence()
    assert text.startswith("NO-GO: not eligible")
    a, b = report.farthest_pair
    assert f"{a} – {b} {report.max_distance_km:.2f} km > 2 km" in text
    assert "Best eligible alternative:" in text
    assert plan.best.operations[0].member_names[0] in text.split("alternative:")[1]
    assert d.collective_npv_eur == pytest.approx(float(npv["collective"]))
    # the finance stage's identity: the collective is the venues and the producer together
    assert d.collective_npv_eur == pytest.approx(float(npv.drop("collective").sum()))


def test_decision_in_french_is_french(baseline):
    _, _, result, plan = baseline
    d = decide(result, plan=plan)
    text = d.sentence("fr")
    assert text.startswith("NO-GO (pas de feu vert) : non éligible")
    assert "Meilleure alternative éligible" in text
    assert ("le producteur perd" in text) == (d.producer_npv_eur < 0)
    for english in ("not eligible", "producer loses", "Best eligible", "on own roof", " key,"):
        assert english not in text


def test_written_best_configuration_is_go(baseline):
    folder, scenario, _, plan = baseline
    written = write_best(plan, scenario, folder / "cheaper.toml", folder / "best.toml")
    for path in written:
        result = run_scenario(load_scenario(path))
        d = decide(result, alternative=False)
        fin = result.extras["finance"]
        npv = fin.cases[fin.reference_case].collective.table()["npv_eur"]
        assert result.extras["eligibility"].eligible
        assert (npv >= 0).all()
        assert d.go and d.sentence().startswith("GO: eligible")
        assert d.plan is None


def test_compare_has_eligibility_and_collective_npv_rows(baseline):
    from greenkommon.compare import compare_results

    _, _, result, _ = baseline
    table = compare_results([result])
    col = table.columns[1]
    assert table.loc[("collective", "eligible_operations_pct"), col] == 0.0
    # compare uses the scenario's first escalation case; the collective is venues + producer
    fin = result.extras["finance"]
    npv = fin.cases[next(iter(fin.cases))].collective.table()["npv_eur"]
    expected = float(npv.drop("collective").sum())
    assert table.loc[("collective", "collective_npv_eur"), col] == pytest.approx(expected)


def test_report_opens_with_the_decision(baseline):
    from greenkommon.report.html import build_html_report

    _, _, result, plan = baseline
    d = decide(result, plan=plan)
    for lang, head in (("en", "NO-GO: not eligible"), ("fr", "NO-GO (pas de feu vert)")):
        html = build_html_report(result, lang=lang, extra={"decision": d})
        start = html.index('<div id="decision"')
        assert start < html.index('<section id="summary"')
        assert head in html[start : start + 2000]


def test_french_report_localises_eligibility_notes_and_sources(baseline):
    from greenkommon.report.html import build_html_report

    _, _, result, plan = baseline
    html = build_html_report(result, lang="fr", extra={"decision": decide(result, plan=plan)})
    for english in ("not checked:", "UNCONFIRMED", "general rule", "rule confidence", "€/yr"):
        assert english not in html, english
    assert "non vérifié" in html and "NON CONFIRMÉ" in html


def test_localise_by_hand():
    from greenkommon.report.i18n import localise

    note = "rural communes may ask the minister for the rural derogation (20 km, ministerial derogation on request): the farthest pair (4.48 km) would be within its 20 km"
    assert localise(note, "fr") == (
        "les communes rurales peuvent demander au ministre la dérogation rurale (20 km, "
        "dérogation ministérielle sur demande) : la paire la plus éloignée (4.48 km) serait dans "
        "ses 20 km"
    )
    assert localise(
        "UNCONFIRMED: rate from 1 Feb 2026 not found, 1 Aug 2025 rate carried on", "fr"
    ) == ("NON CONFIRMÉ : taux du 1er février 2026 introuvable, taux du 1er août 2025 reconduit")
    assert localise("not checked: anything new", "fr") == "non vérifié : anything new"
    assert localise("general rule (2 km)", "en") == "general rule (2 km)"
