"""Scenario input a user gets wrong without noticing: each case fails loudly or is accepted as
meant, never turned silently into a wrong number (issue 17, class "silent wrong numbers")."""

from __future__ import annotations

import pytest
from helpers import BASELINE

from greenkommon.cli import main
from greenkommon.errors import ScenarioError
from greenkommon.scenario import load_scenario


def _extending(tmp_path, text: str, name: str = "s.toml"):
    path = tmp_path / name
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n{text}', encoding="utf-8")
    return path


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    text = f'extends = "{BASELINE.as_posix()}"\nname = "saved on Windows"\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_scenario(path).name == "saved on Windows"


def test_a_venue_listed_twice_in_one_file_is_an_error(tmp_path):
    path = _extending(
        tmp_path,
        '[[venues]]\nname = "le 6b"\n[venues.load]\nannual_consumption_kwh = 1000.0\n'
        '[[venues]]\nname = "le 6b"\n[venues.load]\nnoise_pct = 5.0\n',
    )
    with pytest.raises(ScenarioError, match=r"venues\[1\]\.name = 'le 6b': expected unique venue"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[[plant.sections]]\nname = 'x'\npeak_power_kwp = 1e9\n", "peak_power_kwp = 1000000000.0"),
        ("[plant]\nhost_load_kw = 1e7\n", "host_load_kw = 10000000.0"),
        (
            "[[venues]]\nname = 'le 6b'\n[venues.load]\nannual_consumption_kwh = 1e12\n",
            "annual_consumption_kwh = 1000000000000.0",
        ),
    ],
)
def test_sanity_bounds_are_one_line_errors(tmp_path, capsys, text, field):
    path = _extending(tmp_path, text)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and field in err[0] and "expected a number" in err[0] and "<=" in err[0]


@pytest.mark.parametrize(
    ("text", "typo", "meant"),
    [
        (
            "[[plant.sections]]\nname = 'x'\npeak_power_kw = 100\n",
            "peak_power_kw",
            "peak_power_kwp",
        ),
        ("[plant]\nalbedoo = 0.3\n", "plant.albedoo", "albedo"),
        ("[simulation]\nsteps = '1h'\n", "simulation.steps", "step"),
    ],
)
def test_a_misspelled_field_is_named_with_its_likely_meaning(tmp_path, text, typo, meant):
    with pytest.raises(ScenarioError) as exc:
        load_scenario(_extending(tmp_path, text))
    message = str(exc.value)
    assert typo in message and f"did you mean {meant!r}?" in message
    assert "is missing" not in message  # the right field is not blamed


def test_sweep_vary_typo_names_the_vary_and_the_close_field(tmp_path, capsys):
    path = _extending(tmp_path, '[simulation]\nstep = "1h"\n')
    code = main(
        ["sweep", str(path), "--vary", "plant.albedoo=0.3", "--out", str(tmp_path / "s.parquet")]
    )
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: --vary plant.albedoo=0.3: ") and "did you mean 'albedo'?" in err
    assert not (tmp_path / "s.parquet").exists()


def _power_file(tmp_path, header: str, values: list[float]):
    import pandas as pd

    idx = pd.date_range("2026-03-02", periods=len(values), freq="30min", tz="Europe/Paris")
    lines = [f"timestamp;{header}"] + [
        f"{t.isoformat()};{v}" for t, v in zip(idx, values, strict=True)
    ]
    path = tmp_path / "power.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_kilowatts_declared_as_watts_are_flagged(tmp_path):
    from greenkommon.consumption_io import read_enedis_load_curve
    from greenkommon.errors import GreenkommonWarning

    # a 40-150 kW venue whose values (in kW) are labelled W would import 1000x too small
    kw_values = [40.0, 55.5, 150.0, 120.25, 80.0, 45.0] * 8
    with pytest.warns(GreenkommonWarning, match=r"peak at 150\.0 W.*1000x too small"):
        data, _ = read_enedis_load_curve(_power_file(tmp_path, "power_w", kw_values))
    assert data["power_kw"].max() == pytest.approx(0.150)  # imported as declared, but said
    # the same numbers declared in kW import silently
    data, _ = read_enedis_load_curve(_power_file(tmp_path, "power_kw", kw_values))
    assert data["power_kw"].max() == pytest.approx(150.0)


def test_watts_declared_as_kilowatts_are_refused(tmp_path):
    from greenkommon.consumption_io import read_enedis_load_curve
    from greenkommon.errors import DataError

    w_values = [40_000.0, 150_000.0, 120_250.0] * 16  # W, labelled kW: a 150 MW "venue"
    with pytest.raises(DataError, match=r"average power 150,000 kW.*check the unit"):
        read_enedis_load_curve(_power_file(tmp_path, "power_kw", w_values))


def _measured_year(tmp_path, header: str, low: float, high: float):
    """A scenario whose le 6b (144 kVA) is measured: a year of hourly values in [low, high]."""
    import numpy as np
    import pandas as pd

    idx = pd.date_range("2026-01-01", "2027-01-01", freq="h", inclusive="left", tz="Europe/Paris")
    values = low + (high - low) * (0.5 + 0.5 * np.sin(np.arange(len(idx)) * 2 * np.pi / 24))
    lines = [f"timestamp;{header}"] + [
        f"{t.isoformat()};{v:.3f}" for t, v in zip(idx, values, strict=True)
    ]
    (tmp_path / "le6b.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return _extending(
        tmp_path,
        '[simulation]\nstep = "1h"\n[[venues]]\nname = "le 6b"\n[venues.load]\n'
        'load_file = "le6b.csv"\n',
    )


def test_watts_declared_as_kilowatts_exceed_the_subscribed_power(tmp_path, capsys):
    # 2,000-20,000 W written under power_kw: a 20 MW peak for a 144 kVA contract
    path = _measured_year(tmp_path, "power_kw", 2_000.0, 20_000.0)
    assert main(["run", str(path), "--brief"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "le 6b: measured peak 20,000 kW is 139x the subscribed power" in err[0]


def test_kilowatts_declared_as_watts_are_said_against_the_subscribed_power(tmp_path):
    from greenkommon.config import read_scenario
    from greenkommon.energy import simulate_energy
    from greenkommon.errors import GreenkommonWarning

    # 40-150 kW written under power_w: a 150 W peak for a 144 kVA contract
    path = _measured_year(tmp_path, "power_w", 40.0, 150.0)
    with pytest.warns(GreenkommonWarning) as record:
        simulate_energy(read_scenario(path))
    messages = [str(w.message) for w in record]
    assert any("under 1 % of the subscribed power 144 kVA" in m for m in messages), messages
