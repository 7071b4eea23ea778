"""Scenario reading: the bundled file validates; every malformed file gets one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenkommon.cli import main
from greenkommon.errors import ScenarioError
from greenkommon.scenario import load_scenario, merge_scenario

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "greenkommon.toml"


def write_override(tmp_path: Path, body: str, name: str = "variant.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{BASE.as_posix()}"\n{body}', encoding="utf-8")
    return path


def test_bundled_scenario_is_valid():
    sc = load_scenario(BASE)
    assert sc.venue_names == ["Les Poussières", "Villa Mais d'Ici", "le 6b", "Mains d'Œuvres"]
    assert sc.plant.peak_power_kwp > 0
    assert sc.simulation.step in ("15min", "30min", "1h")
    assert sc.simulation.timezone == "Europe/Paris"


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ('[key]\ntype = "magic"\n', ["key.type = 'magic'", "'prorata'", "'static'"]),
        (
            "[[plant.sections]]\nname = 'x'\npeak_power_kwp = -5.0\n",
            ["plant.sections[0].peak_power_kwp = -5.0", "> 0", "kWp"],
        ),
        (
            "[[plant.sections]]\nname = 'x'\npeak_power_kwp = 'big'\n",
            ["plant.sections[0].peak_power_kwp = 'big'", "a number"],
        ),
        (
            '[key]\ntype = "static"\ncoefficients = { "Les Poussières" = 0.5, "Villa Mais d\'Ici" = 0.3, '
            '"le 6b" = 0.2, "Mains d\'Œuvres" = 0.1 }\n',
            ["key.coefficients", "sum to 1.1"],
        ),
        (
            '[key]\ntype = "static"\ncoefficients = { "Les Poussières" = 0.5, "le 6b" = 0.2, '
            '"Mains d\'Œuvres" = 0.1 }\n',
            ['key.coefficients."Villa Mais d\'Ici" is missing', "every venue"],
        ),
        (
            '[key]\ntype = "static"\ncoefficients = { "Nowhere" = 0.5 }\n',
            ["key.coefficients.'Nowhere'", "a venue of the scenario"],
        ),
        ('[key]\ntype = "static"\n', ["key.coefficients is missing"]),
        ("[simulation]\nstep = '5min'\n", ["simulation.step = '5min'", "'30min'"]),
        ("[simulation]\nyear = 2026.5\n", ["simulation.year = 2026.5", "an integer"]),
        ("[plant]\npeak_power_kw = 100\n", ["plant.peak_power_kw", "unknown field"]),
        (
            "[[venues]]\nname = 'le 6b'\n[venues.load]\nannual_consumption_kwh = -1.0\n",
            ["venues[2].load.annual_consumption_kwh = -1.0", "> 0"],
        ),
        (
            "[[venues]]\nname = 'New venue'\nlatitude_deg = 48.9\n",
            ["venues[4].longitude_deg is missing"],
        ),
        (
            "[prices]\ninternal_price_eur_per_kwh = -0.1\n",
            ["prices.internal_price_eur_per_kwh = -0.1", ">= 0"],
        ),
    ],
)
def test_malformed_scenarios_name_file_field_value(tmp_path, body, fragments):
    path = write_override(tmp_path, body)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    for fragment in fragments:
        assert fragment in message, message


def test_not_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [unclosed\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.toml")


def test_duplicated_venue_names(tmp_path):
    path = tmp_path / "dup.toml"
    text = BASE.read_text(encoding="utf-8").replace('name = "Les Poussières"', 'name = "le 6b"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match="unique venue names"):
        load_scenario(path)


def test_circular_extends(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="circular"):
        load_scenario(tmp_path / "a.toml")


def test_extends_merges_tables_and_venues(tmp_path):
    path = write_override(
        tmp_path,
        '[key]\ntype = "static"\ncoefficients = { "Les Poussières" = 0.1, "le 6b" = 0.5, "Mains d\'Œuvres" = 0.4 }\n'
        '[[venues]]\nname = "Villa Mais d\'Ici"\nremove = true\n'
        "[[venues]]\nname = 'le 6b'\n[venues.load]\nannual_consumption_kwh = 123456.0\n",
    )
    sc = load_scenario(path)
    assert sc.venue_names == ["Les Poussières", "le 6b", "Mains d'Œuvres"]
    six_b = sc.venues[1]
    assert six_b.load.annual_consumption_kwh == 123456.0
    assert six_b.latitude_deg == load_scenario(BASE).venues[2].latitude_deg  # untouched fields kept
    assert sc.key.coefficients == (0.1, 0.5, 0.4)


def test_merge_rules_are_recursive_and_replace_arrays():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 3}
    out = merge_scenario(base, {"a": {"c": [9]}, "e": 4})
    assert out == {"a": {"b": 1, "c": [9]}, "d": 3, "e": 4}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 3}  # input untouched


def test_meter_id_is_never_echoed(tmp_path):
    path = write_override(tmp_path, "[[venues]]\nname = 'le 6b'\nmeter_id = '1234567890123'\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "1234567890123" not in str(info.value)
    assert "14 digits" in str(info.value)


def test_cli_prints_one_line_error(tmp_path, capsys):
    path = write_override(tmp_path, '[key]\ntype = "magic"\n')
    code = main(["run", str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("error: ") and "key.type = 'magic'" in err[-1]
    assert not any("Traceback" in line for line in err)


def test_removing_a_venue_drops_it_from_venue_keyed_tables(tmp_path):
    base = load_scenario(BASE)
    path = write_override(tmp_path, '[[venues]]\nname = "Villa Mais d\'Ici"\nremove = true\n')
    sc = load_scenario(path)
    assert "Villa Mais d'Ici" not in sc.venue_names
    raw_equity = base.raw.get("finance", {}).get("equity_eur", {})
    assert "Villa Mais d'Ici" in raw_equity  # the baseline gives equity per venue
    assert set(sc.raw["finance"]["equity_eur"]) == set(raw_equity) - {"Villa Mais d'Ici"}
