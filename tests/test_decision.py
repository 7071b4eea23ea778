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
    scenario = load_scenario(folder / "greenkommon.toml")
    return folder, scenario, run_scenario(scenario), plan_scenario(scenario, top=2)


def test_bundled_scenario_is_no_go_with_its_reasons_and_the_alternative(baseline):
    _, scenario, result, plan = baseline
    d = decide(result, plan=plan)
    report = result.extras["eligibility"]
    npv = result.extras["finance"].metrics["npv_eur"]
    assert d.eligible == report.eligible is False
    assert d.producer_npv_eur == npv["producer (project)"] < 0
    assert not d.go and d.verdict == "NO-GO"
    text = d.sentence()
    assert text.startswith("NO-GO: not eligible")
    a, b = report.farthest_pair
    assert f"{a} – {b} {report.max_distance_km:.2f} km > 2 km" in text
    assert "Best eligible alternative:" in text
    assert plan.best.operations[0].member_names[0] in text.split("alternative:")[1]
    assert d.collective_npv_eur == pytest.approx(float(npv.sum() - npv["producer (equity)"]))


def test_decision_in_french_is_french(baseline):
    _, _, result, plan = baseline
    text = decide(result, plan=plan).sentence("fr")
    assert text.startswith("NO-GO (pas de feu vert) : non éligible")
    assert "le producteur perd" in text and "Meilleure alternative éligible" in text
    for english in ("not eligible", "producer loses", "Best eligible", "on own roof", " key,"):
        assert english not in text


def test_written_best_configuration_is_go(baseline):
    folder, scenario, _, plan = baseline
    written = write_best(plan, scenario, folder / "greenkommon.toml", folder / "best.toml")
    for path in written:
        result = run_scenario(load_scenario(path))
        d = decide(result, alternative=False)
        npv = result.extras["finance"].metrics["npv_eur"]
        assert result.extras["eligibility"].eligible
        assert (npv.drop(["producer (equity)"]) >= 0).all()
        assert d.go and d.sentence().startswith("GO: eligible")
        assert d.plan is None


def test_compare_has_eligibility_and_collective_npv_rows(baseline):
    from greenkommon.compare import compare_results

    _, _, result, _ = baseline
    table = compare_results([result])
    col = table.columns[1]
    assert table.loc[("collective", "eligible"), col] == 0.0
    npv = result.extras["finance"].cases[next(iter(result.extras["finance"].cases))].metrics
    expected = float(npv["npv_eur"].drop(["producer (equity)"]).sum())
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
