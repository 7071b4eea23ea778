"""``greenkommon allocate``: CSV in, CSV out, on the worked example of acc-rules.md."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenkommon.cli import main

LABELS = ["2026-06-01T12:00:00+02:00", "2026-06-01T12:30:00+02:00"]


@pytest.fixture
def curves(tmp_path):
    # step 1: P = 100, C = [10, 30, 40, 50] (the reference's worked example)
    # step 2: P = 200, same consumers (default key: A = C, surplus 70)
    prod = tmp_path / "prod.csv"
    cons = tmp_path / "cons.csv"
    pd.DataFrame({"label": LABELS, "roof": [100.0, 200.0]}).to_csv(prod, index=False)
    pd.DataFrame(
        {
            "label": LABELS,
            "A": [10.0, 10.0],
            "B": [30.0, 30.0],
            "C": [40.0, 40.0],
            "D": [50.0, 50.0],
        }
    ).to_csv(cons, index=False)
    return prod, cons, tmp_path


def _run(curves, *extra):
    prod, cons, tmp = curves
    out = tmp / "out.csv"
    code = main(
        [
            "allocate",
            "--production",
            str(prod),
            "--consumption",
            str(cons),
            "--out",
            str(out),
            *extra,
        ]
    )
    return code, out


def test_static_key(curves, capsys):
    code, out = _run(curves, "--key", "static", "--coefficients", "0.25,0.25,0.25,25%")
    assert code == 0
    df = pd.read_csv(out, index_col=0)
    assert list(df.index) == LABELS
    # step 1: 10, 25, 25, 25 / surplus 15; step 2: 25 % of 200 = 50 → 10, 30, 40, 50 / surplus 70
    np.testing.assert_allclose(
        df[[f"autocons_kwh[{v}]" for v in "ABCD"]].to_numpy(),
        [[10, 25, 25, 25], [10, 30, 40, 50]],
        atol=1e-6,
    )
    np.testing.assert_allclose(df["surplus_kwh"], [15, 70], atol=1e-6)
    np.testing.assert_allclose(df["complement_kwh[D]"], [25, 0], atol=1e-6)
    np.testing.assert_allclose(df["autoprod_kwh"] + df["surplus_kwh"], df["prod_kwh"], atol=1e-6)
    printed = capsys.readouterr().out
    assert "key: static" in printed and "surplus 85.0" in printed


def test_prorata_and_redistributed(curves):
    _, out = _run(curves, "--key", "prorata")
    df = pd.read_csv(out, index_col=0)
    np.testing.assert_allclose(
        df.filter(like="autocons").iloc[0], [7.6923, 23.0769, 30.7692, 38.4615], atol=1e-3
    )
    _, out = _run(curves, "--key", "redistributed", "--coefficients", "0.25,0.25,0.25,0.25")
    df = pd.read_csv(out, index_col=0)
    np.testing.assert_allclose(df.filter(like="autocons").iloc[0], [10, 30, 30, 30], atol=1e-6)


def test_priority_by_name(curves):
    # D first takes 50, then A 10, B 30, C the last 10 of step 1
    _, out = _run(curves, "--key", "priority", "--priority", "D,A,B,C")
    df = pd.read_csv(out, index_col=0)
    np.testing.assert_allclose(df.filter(like="autocons").iloc[0], [10, 30, 10, 50], atol=1e-6)


def test_dynamic_key_file(curves):
    prod, cons, tmp = curves
    coef = tmp / "coef.csv"
    pd.DataFrame(
        {"label": LABELS, "A": [0.1, 0], "B": [0.3, 0], "C": [0.3, 0], "D": [0.3, 1]}
    ).to_csv(coef, index=False)
    _, out = _run(curves, "--key", "dynamic", "--coefficients-file", str(coef))
    df = pd.read_csv(out, index_col=0)
    np.testing.assert_allclose(
        df.filter(like="autocons").to_numpy(), [[10, 30, 30, 30], [0, 0, 0, 50]], atol=1e-6
    )


def test_wh_unit_and_separator(tmp_path):
    prod = tmp_path / "p.csv"
    cons = tmp_path / "c.csv"
    prod.write_text("h;P\n00:00;1000,0\n")
    cons.write_text("h;x;y\n00:00;400,0;800,0\n")
    out = tmp_path / "o.csv"
    code = main(
        [
            "allocate",
            "--production",
            str(prod),
            "--consumption",
            str(cons),
            "--key",
            "priority",
            "--priority",
            "1,2",
            "--unit",
            "Wh",
            "--sep",
            ";",
            "--decimal",
            ",",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    df = pd.read_csv(out, sep=";", decimal=",", index_col=0)
    np.testing.assert_allclose(
        [df["autocons_wh[x]"].iloc[0], df["autocons_wh[y]"].iloc[0]], [400, 600], atol=1e-3
    )


def test_prm_columns_are_masked(tmp_path, capsys):
    prod = tmp_path / "p.csv"
    cons = tmp_path / "c.csv"
    prod.write_text("t,P\n0,1\n")
    cons.write_text("t,12345678901234\n0,1\n")
    assert (
        main(
            ["allocate", "--production", str(prod), "--consumption", str(cons), "--key", "prorata"]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "12345678901234" not in printed and "PRM hidden" in printed


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--key", "static", "--coefficients", "0.5,0.5,0.5,0.5"], "sum to 2"),
        (["--key", "static", "--coefficients", "0.5,0.5"], "2 value(s) for 4 venue(s)"),
        (["--key", "static"], "needs --coefficients"),
        (["--key", "prorata", "--coefficients", "0.1,0.1,0.1,0.1"], "not used by --key prorata"),
        (["--key", "priority", "--priority", "A,B"], "every venue exactly once"),
    ],
)
def test_errors_are_one_line(curves, capsys, extra, message):
    code, out = _run(curves, *extra)
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_mismatched_labels(curves, capsys):
    prod, cons, tmp = curves
    prod.write_text("label,roof\n2026-06-01T12:00:00+02:00,100\n2026-06-01T13:00:00+02:00,200\n")
    code, _ = _run(curves, "--key", "prorata")
    assert code == 2
    assert "line 3" in capsys.readouterr().err


def test_gap_in_curve(curves, capsys):
    prod, cons, tmp = curves
    cons.write_text(f"label,A\n{LABELS[0]},1\n{LABELS[1]},\n")
    code, _ = _run(curves, "--key", "prorata")
    assert code == 2
    assert "line 3, column 'A'" in capsys.readouterr().err
