"""``greenkommon serve``'s JSON API on a real server (uvicorn in a thread, plain urllib).

The figures are checked against ``greenkommon run`` (the CLI path) and the refusals against the
one-line contract: a 4xx with ``{"error": "<one line>"}``, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import uvicorn

from greenkommon.cli import main as cli_main
from greenkommon.web import create_app
from greenkommon.web.store import MAX_UPLOAD_BYTES

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
BASE = "greenkommon.toml"


#: The app behind each origin started by :func:`serving` (for tests that look at the cache).
SERVED: dict[str, Any] = {}


@contextlib.contextmanager
def serving(folder: Path = SCENARIOS) -> Iterator[str]:
    """The app on a free loopback port (uvicorn in a thread); yields its origin."""
    app = create_app(folder)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    origin = f"http://127.0.0.1:{port}"
    SERVED[origin] = app
    try:
        yield origin
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        SERVED.pop(origin, None)


@pytest.fixture(scope="module")
def live_server() -> Iterator[str]:
    with serving() as origin:
        yield origin


def call(
    origin: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    ctype: str = "application/json",
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes, dict[str, str]]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(origin + path, data=data, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def evaluate(origin: str, settings: dict[str, Any], scenario: str = BASE) -> dict[str, Any]:
    status, content, _ = call(origin, "/api/evaluate", {"scenario": scenario, "set": settings})
    assert status == 200, content
    return json.loads(content)


def refused(origin: str, path: str, body: Any = None, status: int = 400, **kw: Any) -> str:
    got, content, _ = call(origin, path, body, **kw)
    assert got == status, (got, content)
    message = json.loads(content)["error"]
    assert isinstance(message, str) and message and "\n" not in message
    assert "Traceback" not in message
    return message


def run_cli(scenario: Path, out: Path) -> pd.DataFrame:
    """``greenkommon run SCENARIO --out OUT``; its per-venue table."""
    assert cli_main(["run", str(scenario), "--brief", "--out", str(out)]) == 0
    return pd.read_csv(out / "venues.csv", index_col=0)


def by_venue(payload: dict[str, Any], field: str) -> pd.Series:
    return pd.Series({v["name"]: v[field] for v in payload["venues"]})


# ---------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------
def test_baseline_equals_run(live_server, tmp_path):
    page = evaluate(live_server, {})
    venues = run_cli(SCENARIOS / BASE, tmp_path / "out")
    for page_field, cli_field in (
        ("savings_eur_per_year", "savings_eur"),
        ("bill_with_eur_per_year", "bill_with_eur"),
        ("bill_without_eur_per_year", "bill_without_eur"),
        ("allocated_kwh_per_year", "allocated_kwh"),
    ):
        got = by_venue(page, page_field)
        np.testing.assert_allclose(got.to_numpy(), venues.loc[got.index, cli_field], atol=0.01)
    c = page["collective"]
    assert c["savings_eur_per_year"] == pytest.approx(
        sum(by_venue(page, "savings_eur_per_year")), abs=0.05
    )
    assert c["allocated_kwh_per_year"] + c["surplus_kwh_per_year"] == pytest.approx(
        c["production_kwh_per_year"], abs=1.0
    )
    # the bundled scenario is honest: the four venues cannot share the roof (issue 12)
    decision = page["decision"]
    assert decision["go"] is False and decision["eligible"] is False
    assert decision["sentence_en"].startswith("NO-GO: not eligible")
    assert decision["sentence_fr"].startswith("NO-GO")
    (operation,) = page["operations"]
    assert operation["eligibility"]["eligible"] is False
    far = operation["eligibility"]["max_distance_km"]
    assert far == max(d["distance_km"] for d in operation["eligibility"]["distances_km"])
    assert operation["producer"]["project_npv_eur"] < 0


def test_downloaded_scenario_reproduces_the_page(live_server, tmp_path):
    """Plant size, key, price, a venue out and new financing: ``run`` on the download agrees."""
    settings = {
        "plant.peak_power_kwp": 600,
        "key.type": "static",
        "prices.internal_price_eur_per_kwh": 0.085,
        "venues.le 6b.remove": True,
        "finance.loan_amount_eur": 300000.0,
        "finance.headline_case": "+6 %/yr",
    }
    page = evaluate(live_server, settings)
    assert [v["name"] for v in page["venues"]] == [
        "Les Poussières",
        "Villa Mais d'Ici",
        "Mains d'Œuvres",
    ]
    assert page["collective"]["peak_power_kwp"] == pytest.approx(600)
    assert page["operations"][0]["finance"]["reference_case"] == "+6 %/yr"
    status, toml, headers = call(
        live_server, "/api/download/scenario.toml", {"scenario": BASE, "set": settings}
    )
    assert status == 200
    assert "attachment" in headers["content-disposition"]
    path = tmp_path / "page.toml"
    path.write_bytes(toml)
    venues = run_cli(path, tmp_path / "out")
    got = by_venue(page, "savings_eur_per_year")
    np.testing.assert_allclose(got.to_numpy(), venues.loc[got.index, "savings_eur"], atol=0.01)
    # the static key the page filled in (consumption shares) is written into the file
    assert b"[key.coefficients]" in toml


def test_plant_size_scales_production_and_moves_savings(live_server):
    small = evaluate(live_server, {"plant.peak_power_kwp": 200, "finance.loan_amount_eur": 0.0})
    large = evaluate(live_server, {"plant.peak_power_kwp": 400})
    ratio = (
        large["collective"]["production_kwh_per_year"]
        / small["collective"]["production_kwh_per_year"]
    )
    assert ratio == pytest.approx(2.0, rel=1e-9)
    assert all(
        s < la
        for s, la in zip(
            by_venue(small, "allocated_kwh_per_year"),
            by_venue(large, "allocated_kwh_per_year"),
            strict=True,
        )
    )


def test_settings_change_reuses_the_cached_energy(live_server):
    cache = SERVED[live_server].state.service.cache
    app_misses = cache.misses
    for kwp, price in ((350, 0.09), (450, 0.11), (500, 0.12)):
        evaluate(
            live_server,
            {
                "plant.peak_power_kwp": kwp,
                "prices.internal_price_eur_per_kwh": price,
                "key.type": "static",
            },
        )
    assert cache.misses == app_misses


def test_concurrent_users_get_their_own_settings(live_server):
    asks = [
        {"plant.peak_power_kwp": kwp, "finance.loan_amount_eur": 0.0}
        for kwp in (150, 250, 350, 450)
    ] * 2
    alone = {a["plant.peak_power_kwp"]: evaluate(live_server, a)["collective"] for a in asks[:4]}
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda a: evaluate(live_server, a)["collective"], asks))
    for ask, got in zip(asks, together, strict=True):
        assert got == alone[ask["plant.peak_power_kwp"]]


def test_monthly_plot_and_downloads(live_server):
    body = {"scenario": BASE, "set": {"key.type": "static"}}
    status, svg, headers = call(live_server, "/api/monthly.svg?lang=fr", body)
    assert status == 200 and headers["content-type"].startswith("image/svg+xml")
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    status, html, _ = call(live_server, "/api/download/report.html?lang=fr", body)
    assert status == 200 and b"<html" in html[:200]
    status, xlsx, _ = call(live_server, "/api/download/workbook.xlsx", body)
    assert status == 200 and xlsx[:2] == b"PK"
    status, key, _ = call(live_server, "/api/download/enedis-key.zip", body)
    assert status == 200
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(key)).namelist()
    assert names == ["dynamic_key.csv", "static_key.csv"]


def test_page_and_its_files_are_served_with_a_strict_policy(live_server):
    status, html, headers = call(live_server, "/")
    assert status == 200 and b'<script src="/static/app.js"' in html
    assert "default-src 'none'" in headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/style.css"):
        status, content, _ = call(live_server, asset)
        assert status == 200 and content
        # no asset from the internet: no absolute URL in the page's files
        assert b"http://" not in content and b"https://" not in content
    assert b"http" not in html.replace(b'lang="fr"', b"")
    status, listing, _ = call(live_server, "/api/scenarios")
    names = [s["file"] for s in json.loads(listing)["scenarios"]]
    assert BASE in names


# ---------------------------------------------------------------------------------------------
# refusals
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "needle"),
    [
        ({"plant.peak_power_kwp": "big"}, "plant.peak_power_kwp"),
        ({"plant.peak_power_kwp": -5}, "plant.peak_power_kwp"),
        ({"prices.internal_price_eur_per_kwh": "abc"}, "internal_price_eur_per_kwh"),
        ({"key.type": "magic"}, "key.type"),
        ({"finance.lifetime_years": 2.5}, "lifetime_years"),
        ({"venues.Nowhere.contract.subscribed_kva": 36}, "Nowhere"),
        ({"venues.Nowhere.remove": True}, "Nowhere"),
        ({"weather.source": "pvgis"}, "not settable"),
        ({"key.coefficients_file": "/etc/passwd"}, "upload token"),
        ({"venues.le 6b.load": {"load_file": "../../etc/passwd"}}, "upload token"),
        ({"venues.le 6b.load.load_file": "upload:AAAAAAAAAAAAAAAAAAAAAAAA"}, "no such upload"),
        ({"prices.tariffs_file": "scenarios/greenkommon.toml"}, "upload token"),
        ({"plant.peak_power_kwp": None}, "null"),
    ],
)
def test_bad_settings_get_one_line(live_server, settings, needle):
    message = (
        refused(live_server, "/api/evaluate", {"scenario": BASE, "set": settings}, status=400)
        if "no such upload" not in needle
        else refused(live_server, "/api/evaluate", {"scenario": BASE, "set": settings}, status=404)
    )
    assert needle in message


@pytest.mark.parametrize(
    "name", ["../pyproject.toml", "/etc/passwd", "scenarios/greenkommon.toml", "..", "", 7, None]
)
def test_scenario_names_cannot_leave_the_folder(live_server, name):
    status = 404 if isinstance(name, str) and name else 400
    message = refused(live_server, "/api/evaluate", {"scenario": name, "set": {}}, status=status)
    assert "pyproject" not in message or "no such scenario" in message


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "expected an object"),
        (b'{"scenario": "greenkommon.toml", "set": [1]}', "set ="),
        (b'{"scenario": "greenkommon.toml", "sett": {}}', "unknown field"),
        (b'{"set": {}}', "missing field"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_malformed_bodies(live_server, raw, needle):
    assert needle in refused(live_server, "/api/evaluate", raw=raw)


def test_other_refusals(live_server):
    body = {"scenario": BASE, "set": {}}
    refused(
        live_server, "/api/evaluate", raw=json.dumps(body).encode(), ctype="text/plain", status=415
    )
    refused(live_server, "/api/evaluate", raw=b"{" + b" " * 100_000 + b"}", status=413)
    refused(live_server, "/api/download/passwd", body, status=404)
    refused(live_server, "/api/monthly.svg?lang=de", body, status=400)
    refused(live_server, "/api/nothing", status=404)
    refused(live_server, "/static/../pyproject.toml", status=404)
    # a page of another site reaching the loopback through DNS rebinding is refused
    status, content, _ = call(live_server, "/", headers={"Host": "evil.example:8050"})
    assert status == 400


def test_oversized_and_invalid_uploads(live_server):
    upload = "/api/upload?kind=scenario&filename=big.toml"
    big = b"#" * (MAX_UPLOAD_BYTES + 1)
    assert "larger than" in refused(
        live_server, upload, raw=big, ctype="application/octet-stream", status=413
    )
    message = refused(
        live_server, upload, raw=b"name = [unclosed", ctype="application/octet-stream"
    )
    assert message.startswith("big.toml: not valid TOML")
    message = refused(
        live_server,
        upload,
        raw=b'extends = "greenkommon.toml"\n[key]\ncoefficients_file = "/etc/passwd"\n',
        ctype="application/octet-stream",
    )
    assert "cannot name a file" in message
    message = refused(
        live_server,
        upload,
        raw=b'extends = "../pyproject.toml"\n',
        ctype="application/octet-stream",
        status=404,
    )
    assert "no such scenario" in message
    refused(live_server, "/api/upload?kind=binary", raw=b"x", ctype="application/octet-stream")
    refused(
        live_server,
        "/api/upload?kind=load&filename=x.exe",
        raw=b"x",
        ctype="application/octet-stream",
        status=415,
    )
    refused(live_server, upload, raw=b"x", ctype="application/json", status=415)


def test_uploaded_scenario_and_load_curve(live_server, tmp_path):
    prm = "12345678901234"
    text = (
        'extends = "greenkommon.toml"\nname = "Mine"\n[key]\ntype = "static"\n'
        "[[venues]]\n"
        f'name = "le 6b"\nmeter_id = "{prm}"\n'
    ).encode()
    status, content, _ = call(
        live_server,
        "/api/upload?kind=scenario&filename=mine.toml",
        raw=text,
        ctype="application/octet-stream",
    )
    assert status == 200, content
    token = json.loads(content)["token"]
    page = evaluate(live_server, {}, scenario=token)
    assert page["scenario"]["name"] == "Mine" and page["operations"][0]["key"]["type"] == "static"
    # meter ids are never shown
    status, content, _ = call(live_server, "/api/evaluate", {"scenario": token, "set": {}})
    assert prm.encode() not in content

    # an Enedis portal export of a full year for le 6b: 30-min mean power [W]
    index = pd.date_range("2026-01-01 00:30", "2027-01-01 00:00", freq="30min", tz="Europe/Paris")
    watts = np.where((index.hour >= 9) & (index.hour < 19), 60000, 20000)
    lines = [
        "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
        "Grandeur metier;Etape metier;Unite;Pas en minutes",
        f"{prm};Courbe de charge;01/01/2026;01/01/2027;Energie active;Consommation;Comptage Brut;W;30",
        "Horodate;Valeur",
    ]
    lines += [f"{t.isoformat()};{w}" for t, w in zip(index, watts, strict=True)]
    status, content, _ = call(
        live_server,
        f"/api/upload?kind=load&filename={prm}_courbe.csv",
        raw="\n".join(lines).encode("latin-1"),
        ctype="application/octet-stream",
    )
    assert status == 200, content
    curve = json.loads(content)["token"]
    page = evaluate(live_server, {"venues.le 6b.load": {"load_file": curve}})
    expected_kwh = float(watts.sum()) * 0.5 / 1000.0
    got = by_venue(page, "consumption_kwh_per_year")["le 6b"]
    assert got == pytest.approx(expected_kwh, rel=1e-6)

    # a broken curve: one line, the file named without its meter id
    message = refused(
        live_server,
        f"/api/upload?kind=load&filename={prm}_broken.csv",
        raw=b"Horodate;Valeur\nyesterday;lots\n",
        ctype="application/octet-stream",
    )
    assert prm not in message and "_broken.csv" in message


# ---------------------------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------------------------
def test_serve_command_binds_loopback_and_warns_for_the_network(monkeypatch, capsys):
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    assert cli_main(["serve", str(SCENARIOS / BASE)]) == 0
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8050
    assert "warning" not in capsys.readouterr().err
    assert cli_main(["serve", str(SCENARIOS / BASE), "--host", "0.0.0.0", "--port", "9000"]) == 0
    assert calls[-1]["host"] == "0.0.0.0" and calls[-1]["port"] == 9000
    err = capsys.readouterr().err
    assert "warning: listening on 0.0.0.0: anyone" in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["nowhere.toml"], "nowhere.toml: no such scenario file"),
        (["README.md"], "expected a .toml scenario file"),
        ([str(SCENARIOS / BASE), "--port", "70000"], "--port 70000"),
    ],
)
def test_serve_command_refuses_bad_arguments(monkeypatch, capsys, args, needle):
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: pytest.fail("must not start"))
    monkeypatch.chdir(REPO)
    assert cli_main(["serve", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1


def test_portfolio_roofs_and_membership_reproduce_with_run(live_server, tmp_path):
    """A portfolio: one roof resized, a venue moved between operations, per-operation keys."""
    base = evaluate(live_server, {}, scenario="portfolio.toml")
    plants = base["settings"]["plants"]
    operations = base["settings"]["operations"]
    assert len(plants) == 2 and len(operations) == 2
    first, second = operations
    moved = first["venues"][0]
    settings = {
        f"plants.{plants[0]['name']}.peak_power_kwp": 2 * plants[0]["peak_power_kwp"],
        f"operations.{first['name']}.venues": first["venues"][1:],
        f"operations.{second['name']}.venues": [*second["venues"], moved],
        f"operations.{second['name']}.key.type": "static",
    }
    page = evaluate(live_server, settings, scenario="portfolio.toml")
    ops = {o["name"]: o for o in page["operations"]}
    assert moved in ops[second["name"]]["venues"] and moved not in ops[first["name"]]["venues"]
    assert ops[second["name"]]["key"]["type"] == "static"
    assert ops[first["name"]]["peak_power_kwp"] == pytest.approx(2 * plants[0]["peak_power_kwp"])
    status, toml, _ = call(
        live_server, "/api/download/scenario.toml", {"scenario": "portfolio.toml", "set": settings}
    )
    assert status == 200
    path = tmp_path / "portfolio-page.toml"
    path.write_bytes(toml)
    from greenkommon.pipeline import run_scenario
    from greenkommon.scenario import load_scenario

    expected = run_scenario(load_scenario(path))
    got = by_venue(page, "savings_eur_per_year")
    for v in expected.venues:
        assert got[v.name] == pytest.approx(v.savings_eur, abs=0.01)
    assert page["collective"]["savings_eur_per_year"] == pytest.approx(
        expected.collective.savings_eur, abs=0.01
    )
    # the same venue in two operations is refused with one line
    message = refused(
        live_server,
        "/api/evaluate",
        {
            "scenario": "portfolio.toml",
            "set": {f"operations.{second['name']}.venues": [*second["venues"], moved]},
        },
    )
    assert moved in message


def test_accise_case_changes_only_the_bill_with(live_server):
    """The contested accise exemption lowers each venue's bill with the operation, never the
    bill without it."""
    no = evaluate(live_server, {"prices.accise_exemption": "does_not_apply"})
    yes = evaluate(live_server, {"prices.accise_exemption": "applies"})
    assert no["settings"]["prices.accise_exemption"] == "does_not_apply"
    for a, b in zip(no["venues"], yes["venues"], strict=True):
        assert a["bill_without_eur_per_year"] == b["bill_without_eur_per_year"]
        assert b["bill_with_eur_per_year"] < a["bill_with_eur_per_year"]
    message = refused(
        live_server,
        "/api/evaluate",
        {"scenario": BASE, "set": {"prices.accise_exemption": "sometimes"}},
    )
    assert "accise_exemption" in message


def test_plan_ranks_configurations_in_the_page_language(live_server):
    body = {"scenario": BASE, "set": {}}
    status, content, _ = call(live_server, "/api/plan?lang=fr", body)
    assert status == 200, content
    plan = json.loads(content)
    assert plan["answer"] and plan["venues"] == [v for v in plan["venues"]]
    assert isinstance(plan["configurations"], list)
    assert {p["a"] for p in plan["blocking_pairs"]} <= set(plan["venues"]) | {
        r["name"] for r in plan["roofs"]
    }
    refused(live_server, "/api/plan?lang=xx", body)
    refused(live_server, "/api/plan", {"scenario": "../x.toml", "set": {}}, status=404)
