"""``greenkommon report``: arguments, files written, key comparison wiring.

The simulation is replaced by the synthetic result of ``test_report`` (monkeypatched
``simulate_energy`` and ``evaluate``) so these tests check the command, not the stages; the end-to-end run on the
bundled scenario is ``test_report_command_on_bundled_scenario``.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest
from openpyxl import load_workbook
from test_report import REPO, make_fake_result

import greenkommon.energy as energy_stage
import greenkommon.evaluate as evaluate_stage
from greenkommon.cli import main
from greenkommon.scenario import load_scenario

BUNDLED = REPO / "scenarios" / "greenkommon.toml"


@pytest.fixture
def fake_pipeline(monkeypatch):
    runs = []

    def fake_evaluate(scenario, energy, project_finance=True):
        assert energy is FAKE_ENERGY  # the variants reuse the simulated energy
        runs.append(scenario.key.type)
        if scenario.key.type == "optimised":
            raise NotImplementedError("key.type = 'optimised' is not wired into the pipeline yet")
        coefs = None if scenario.key.coefficients is None else np.array(scenario.key.coefficients)
        op = make_fake_result(scenario, finance=False, key_coefficients=coefs)
        return SimpleNamespace(operations=(op,), only_operation=op)

    monkeypatch.setattr(energy_stage, "simulate_energy", lambda scenario: FAKE_ENERGY)
    monkeypatch.setattr(evaluate_stage, "evaluate", fake_evaluate)
    return runs


FAKE_ENERGY = object()


def test_help_lists_options(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for opt in ("--html", "--xlsx", "--lang", "--no-compare", "--keys"):
        assert opt in out


def test_report_writes_both_files_with_comparison(fake_pipeline, tmp_path, capsys):
    html_path, xlsx_path = tmp_path / "r.html", tmp_path / "out" / "r.xlsx"
    code = main(
        ["report", str(BUNDLED), "--html", str(html_path), "--xlsx", str(xlsx_path), "--lang", "fr"]
    )
    assert code == 0
    assert fake_pipeline == ["prorata", "static", "optimised"]  # base run, then the two variants
    page = html_path.read_text(encoding="utf-8")
    assert '<html lang="fr">' in page
    fig = re.search(r'<figure id="fig-key-comparison" class="plot">', page)
    assert fig, "key comparison figure missing"
    assert "optimised" in page or "optimisées" in page
    err = capsys.readouterr().err
    assert "'optimised' skipped" in err
    wb = load_workbook(xlsx_path)
    ws = wb["Comparaison des clés"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head_at = next(i for i, r in enumerate(rows) if r[0] == "Clé de répartition")
    header, body = rows[head_at], {r[0]: r for r in rows[head_at + 1 :] if r[0]}
    assert set(body) >= {"prorata", "static"}
    assert body["static"][1] == "parts fixes au prorata des consommations annuelles"
    # the fixed-shares variant uses each venue's share of the yearly consumption (the fake run
    # reproduces each venue's annual_consumption_kwh of the file exactly)
    venues = load_scenario(BUNDLED).venues
    total = sum(v.load.annual_consumption_kwh for v in venues)
    for v in venues:
        col = header.index(f"{v.name}: Part de la production [%]")
        assert body["static"][col] == pytest.approx(
            100 * v.load.annual_consumption_kwh / total, abs=1e-6
        )
        assert body["prorata"][col] is None  # pro rata: no fixed share


def test_report_default_output_and_no_compare(fake_pipeline, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(BUNDLED), "--no-compare"]) == 0
    assert fake_pipeline == ["prorata"]
    page = (tmp_path / "greenkommon-report.html").read_text(encoding="utf-8")
    assert "--no-compare" in page  # the missing comparison is explained, not silently dropped


def test_report_rejects_unknown_key(fake_pipeline, tmp_path, capsys):
    assert (
        main(
            ["report", str(BUNDLED), "--keys", "prorata,magic", "--html", str(tmp_path / "x.html")]
        )
        == 2
    )
    assert "'magic'" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists() and fake_pipeline == []


def test_report_bad_scenario_is_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 1\n", encoding="utf-8")
    assert main(["report", str(bad), "--html", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")
