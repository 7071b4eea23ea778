"""Eligibility rules (distance between the two farthest participants, power cap).

Independent references: distances from geographiclib's Karney solver called directly (not through
geopy), synthetic layouts built with geodesic "direct" problems at known distances, brute-force
subset enumeration, and the figures of acc-rules.md §3.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic
from hypothesis import example, given, settings
from hypothesis import strategies as st

from greenkommon import eligibility as el
from greenkommon.errors import ScenarioError
from greenkommon.scenario import load_scenario

WGS84 = Geodesic.WGS84
ORIGIN = (48.9, 2.36)  # Plaine Commune


def dist_km(a, b) -> float:
    return WGS84.Inverse(a[0], a[1], b[0], b[1])["s12"] / 1000.0


def at(origin, bearing_deg: float, km: float) -> tuple[float, float]:
    g = WGS84.Direct(origin[0], origin[1], bearing_deg, km * 1000.0)
    return g["lat2"], g["lon2"]


def venues_at(points: dict[str, tuple[float, float]]):
    return [(n, lat, lon) for n, (lat, lon) in points.items()]


# ----------------------------------------------------------------------------------------------
# rules file and rule selection


def test_rules_file_figures_match_the_reference():
    rules = el.load_rules()["rules"]
    # acc-rules.md §3.2: 2 km, 5 MW (arrêté of 21 Feb 2025), 0.5 MW ZNI, 10/20 km derogations,
    # public-body derogation without km criterion and < 10 MW
    assert rules["standard"]["max_distance_km"] == 2.0
    assert rules["standard"]["max_power_mw_mainland"] == 5.0
    assert rules["standard"]["max_power_mw_zni"] == 0.5
    assert rules["peri_urban_derogation"]["max_distance_km"] == 10.0
    assert rules["rural_derogation"]["max_distance_km"] == 20.0
    assert "max_distance_km" not in rules["public_body_derogation"]
    assert rules["public_body_derogation"]["max_power_mw_mainland"] == 10.0
    for table in rules.values():
        assert table["source"] and table["confidence"] in ("LAW", "3RD-PARTY", "UNCONFIRMED")
    # Plaine Commune is an EPT; the EPCI à fiscalité propre is the Métropole du Grand Paris
    # (figures-2026.md §8: Gazette des communes, Gossement, Seban)
    pc = el.load_rules()["plaine_commune"]
    assert pc["epci_confidence"] == "3RD-PARTY"
    assert pc["epci_a_fiscalite_propre"] == "Métropole du Grand Paris"


@pytest.mark.parametrize(
    ("fields", "key", "limit_km", "cap_mw"),
    [
        ({}, "standard", 2.0, 5.0),
        ({"commune_category": "rural"}, "standard", 2.0, 5.0),  # derogation must be asked for
        ({"commune_category": "rural", "distance_derogation": True}, "rural_derogation", 20.0, 5.0),
        (
            {"commune_category": "peri_urban", "distance_derogation": True},
            "peri_urban_derogation",
            10.0,
            5.0,
        ),
        ({"public_body_derogation": True}, "public_body_derogation", None, 10.0),
        ({"territory": "zni"}, "standard", 2.0, 0.5),
        ({"rule": "standard_2km"}, "standard", 2.0, 5.0),
    ],
)
def test_select_rule(fields, key, limit_km, cap_mw):
    rule = el.select_rule(el.EligibilityConfig(**fields))
    assert (rule.key, rule.max_distance_km, rule.max_power_mw) == (key, limit_km, cap_mw)


def test_public_body_in_zni_has_no_known_cap():
    with pytest.raises(ScenarioError, match="zni"):
        el.select_rule(el.EligibilityConfig(public_body_derogation=True, territory="zni"))


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ('commune_category = "urban"\ndistance_derogation = true', "distance_derogation"),
        ('commune_category = "suburban"', "commune_category"),
        ('rule = "standard_2km"\npublic_body_derogation = true', "rule"),
        ("max_km = 3", "max_km"),
        ('rules_file = "nowhere.toml"', "rules_file"),
    ],
)
def test_config_errors_name_the_field(tmp_path, baseline_scenario_path, table, match):
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{baseline_scenario_path}"\n[eligibility]\n{table}\n')
    with pytest.raises(ScenarioError, match=f"eligibility.{match}"):
        load_scenario(path)


# ----------------------------------------------------------------------------------------------
# the bundled scenario: its honest verdict


def test_bundled_scenario_is_not_eligible(baseline_scenario_path):
    scenario = load_scenario(baseline_scenario_path)
    report = el.check_eligibility(scenario)
    roof = (scenario.plant.latitude_deg, scenario.plant.longitude_deg)
    pts = {scenario.plant.name: roof} | {
        v.name: (v.latitude_deg, v.longitude_deg) for v in scenario.venues
    }
    names = list(pts)
    # independent reference: geographiclib directly, all pairs
    pairs = {(a, b): dist_km(pts[a], pts[b]) for a, b in itertools.combinations(names, 2)}
    far = max(pairs, key=pairs.get)
    assert report.rule.key == "standard" and report.limit_km == 2.0
    assert set(report.farthest_pair) == set(far)
    assert report.max_distance_km == pytest.approx(pairs[far], abs=1e-6)
    assert report.excess_km == pytest.approx(pairs[far] - 2.0, abs=1e-6)
    assert not report.eligible and not report.distance_ok and report.power_ok
    assert report.verdict == "NOT ELIGIBLE"
    # brute force: largest venue groups all within 2 km of the roof and of each other
    venues = names[1:]

    def ok(group, with_roof):
        members = ([names[0]] if with_roof else []) + list(group)
        return all(dist_km(pts[a], pts[b]) <= 2.0 for a, b in itertools.combinations(members, 2))

    for group, (lat, lon, rad) in zip(
        report.any_roof_subsets, report.any_roof_centres, strict=True
    ):
        assert max(dist_km((lat, lon), pts[v]) for v in group) == pytest.approx(rad, abs=1e-6)
        assert rad <= 2.0
    for with_roof, got in ((True, report.largest_subsets), (False, report.any_roof_subsets)):
        best = max(
            k
            for k in range(len(venues) + 1)
            if any(ok(g, with_roof) for g in itertools.combinations(venues, k))
        )
        expected = {g for g in itertools.combinations(venues, best) if ok(g, with_roof)}
        assert set(got) == expected
    # no roof helps when two venues are more than 2 km apart
    venue_pairs = {k: v for k, v in pairs.items() if names[0] not in k}
    worst = max(venue_pairs, key=venue_pairs.get)
    assert venue_pairs[worst] > 2.0
    assert report.roof is not None and not report.roof.possible
    assert set(report.roof.blocking_pair) == set(worst)
    text = el.format_eligibility(report)
    assert "NOT ELIGIBLE" in text and f"{pairs[far] - 2.0:.2f} km" in text
    assert "UNCONFIRMED" in text  # the urban-commune inference for Plaine Commune


def test_report_to_dict_is_json_ready(baseline_scenario_path):
    import json

    report = el.check_eligibility(load_scenario(baseline_scenario_path))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["verdict"] == "NOT ELIGIBLE" and data["rule"]["max_distance_km"] == 2.0
    assert data["max_distance_km"] == pytest.approx(report.max_distance_km)
    assert data["largest_subsets"] == [list(g) for g in report.largest_subsets]
    assert data["roof_suggestion"]["possible"] is False
    a, b = report.farthest_pair
    assert data["distances_km"][a][b] == pytest.approx(report.max_distance_km)


def test_bundled_scenario_with_rural_derogation_would_pass(tmp_path, baseline_scenario_path):
    # not the real situation (Plaine Commune is urban): checks the [eligibility] table is wired
    path = tmp_path / "rural.toml"
    path.write_text(
        f'extends = "{baseline_scenario_path}"\n[eligibility]\n'
        'commune_category = "rural"\ndistance_derogation = true\n'
    )
    report = el.check_eligibility(load_scenario(path))
    assert report.eligible and report.limit_km == 20.0 and report.excess_km == 0.0
    assert report.largest_subsets == (tuple(v for v in report.venues),)


# ----------------------------------------------------------------------------------------------
# synthetic layouts


def test_limit_is_inclusive_and_power_cap_strict():
    venue = at(ORIGIN, 30.0, 2.0)  # exactly 2 km from the roof
    r = el.check_participants([("v", *venue)], ("roof", *ORIGIN), 4999.0)
    assert r.max_distance_km == pytest.approx(2.0, abs=1e-9)
    assert r.eligible
    r = el.check_participants([("v", *at(ORIGIN, 30.0, 2.001))], ("roof", *ORIGIN), 4999.0)
    assert not r.eligible and r.excess_km == pytest.approx(0.001, abs=1e-9)
    # « inférieure à 5 MW »: 5,000 kWp is not below the cap
    r = el.check_participants([("v", *venue)], ("roof", *ORIGIN), 5000.0)
    assert r.distance_ok and not r.power_ok and not r.eligible
    assert any("5 MW" in n for n in r.notes)


def test_roof_suggestion_when_venues_are_close_but_roof_is_far():
    x = at(ORIGIN, 0.0, 3.0)
    north, south = at(x, 0.0, 0.9), at(x, 180.0, 0.9)
    roof = at(x, 90.0, 2.5)
    r = el.check_participants([("N", *north), ("S", *south)], ("roof", *roof), 300.0)
    assert not r.eligible
    assert r.largest_subsets == ()  # both venues are ~2.66 km from the roof
    assert r.any_roof_subsets == (("N", "S"),)
    ((lat, lon, rad),) = r.any_roof_centres
    assert dist_km((lat, lon), x) < 2e-3 and rad == pytest.approx(0.9, abs=1e-3)
    s = r.roof
    assert s.possible
    # the minimax point of two venues is their geodesic midpoint, radius half their distance
    assert s.radius_km == pytest.approx(0.9, abs=1e-3)
    assert dist_km((s.latitude_deg, s.longitude_deg), x) < 2e-3
    assert s.margin_km == pytest.approx(2.0 - 0.9, abs=1e-3)
    assert s.current_roof_offset_km == pytest.approx(2.5, abs=2e-3)
    text = el.format_eligibility(r)
    assert "no venue is within 2 km of this roof" in text and "makes all venues eligible" in text


def test_far_apart_venues_block_any_roof():
    a, b, c = at(ORIGIN, 0.0, 1.5), at(ORIGIN, 180.0, 1.5), at(ORIGIN, 90.0, 0.5)
    r = el.check_participants([("A", *a), ("B", *b), ("C", *c)], ("roof", *ORIGIN), 100.0)
    assert set(r.farthest_pair) == {"A", "B"}
    assert r.max_distance_km == pytest.approx(3.0, abs=1e-6)
    assert r.excess_km == pytest.approx(1.0, abs=1e-6)
    # A–C and B–C are ~1.58 km: {A, C} and {B, C} are the largest groups with this roof
    assert set(r.largest_subsets) == {("A", "C"), ("B", "C")}
    assert not r.roof.possible and set(r.roof.blocking_pair) == {"A", "B"}


def test_public_body_derogation_has_no_distance_limit():
    far = at(ORIGIN, 45.0, 30.0)
    cfg = el.EligibilityConfig(public_body_derogation=True)
    r = el.check_participants([("v", *far)], ("roof", *ORIGIN), 9000.0, cfg)
    assert r.eligible and r.limit_km is None and r.excess_km == 0.0
    # the output says where the derogation works and who may take part, not "unknown"
    assert any("Métropole du Grand Paris" in n and "public-service" in n for n in r.notes)
    assert not el.check_participants([("v", *far)], ("roof", *ORIGIN), 10000.0, cfg).eligible


def test_rural_commune_without_derogation_gets_a_hint():
    r = el.check_participants(
        [("v", *at(ORIGIN, 0.0, 8.0))],
        ("roof", *ORIGIN),
        100.0,
        el.EligibilityConfig(commune_category="rural"),
    )
    assert not r.eligible
    assert any("20 km" in n and "be within" in n for n in r.notes)


# ----------------------------------------------------------------------------------------------
# geometry properties


def test_minimax_point_of_an_equilateral_triangle_is_its_centre():
    pts = [at(ORIGIN, b, 1.2) for b in (10.0, 130.0, 250.0)]
    lat, lon, radius = el.minimax_point([p[0] for p in pts], [p[1] for p in pts])
    assert dist_km((lat, lon), ORIGIN) < 1e-5  # 1 cm
    assert radius == pytest.approx(1.2, abs=1e-5)
    # obtuse triangle: the centre is the midpoint of the longest side
    a, b, c = at(ORIGIN, 0.0, 1.0), at(ORIGIN, 180.0, 1.0), at(ORIGIN, 90.0, 0.3)
    lat, lon, radius = el.minimax_point([a[0], b[0], c[0]], [a[1], b[1], c[1]])
    assert dist_km((lat, lon), ORIGIN) < 1e-5 and radius == pytest.approx(1.0, abs=1e-5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 360), st.floats(0, 3)), min_size=2, max_size=6))
# a case where a first SLSQP-based version stopped 6.6 m short of the optimum
@example([(0.0, 0.0), (14.0, 0.125), (288.0, 0.1875), (291.0, 0.25)])
def test_minimax_point_is_optimal(polar):
    pts = [at(ORIGIN, b, d) for b, d in polar]
    lat, lon, radius = el.minimax_point([p[0] for p in pts], [p[1] for p in pts])
    dists = [dist_km((lat, lon), p) for p in pts]
    assert radius == pytest.approx(max(dists), abs=1e-9)
    diameter = max(dist_km(p, q) for p, q in itertools.combinations(pts, 2))
    # lower bound: half the diameter; upper bound (Jung): diameter / √3, small slack for the ellipsoid
    assert radius >= diameter / 2 - 1e-6
    assert radius <= diameter / math.sqrt(3) * 1.001 + 1e-5
    # no candidate does better: the input points, the centroid, the midpoints of all pairs
    candidates = pts + [(np.mean([p[0] for p in pts]), np.mean([p[1] for p in pts]))]
    candidates += [
        ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2) for p, q in itertools.combinations(pts, 2)
    ]
    for c in candidates:
        assert radius <= max(dist_km(c, p) for p in pts) + 1e-5


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9), st.integers(0, 2**31 - 1), st.floats(0.5, 2.5))
def test_largest_within_matches_brute_force(n, seed, limit):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 4, size=(n, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    members = [i for i in range(n) if rng.random() < 0.8]
    got = el.largest_within(d, limit, members)
    if not members:
        assert got == []
        return
    best = []
    for k in range(len(members), 0, -1):
        best = [
            g
            for g in itertools.combinations(members, k)
            if all(d[i, j] <= limit for i, j in itertools.combinations(g, 2))
        ]
        if best:
            break
    assert got == sorted(best)


# ----------------------------------------------------------------------------------------------
# command line


def test_cli_check(baseline_scenario_path, capsys):
    from greenkommon.cli import main

    assert main(["check", str(baseline_scenario_path), "--distances"]) == 0
    out = capsys.readouterr().out
    assert "NOT ELIGIBLE" in out and "pairwise geodesic distances" in out
    assert main(["check", str(baseline_scenario_path), "--strict"]) == 1


def test_subset_search_is_skipped_for_many_venues():
    from greenkommon.errors import GreenkommonWarning

    n = el.MAX_VENUES_FOR_SUBSETS + 1
    venues = [(f"v{k}", *at(ORIGIN, 360.0 * k / n, 0.1)) for k in range(n)]
    with pytest.warns(GreenkommonWarning, match="subset search skipped"):
        r = el.check_participants(venues, ("roof", *at(ORIGIN, 0.0, 5.0)), 100.0)
    assert not r.eligible and r.largest_subsets == () and r.roof is None
    assert r.max_distance_km == pytest.approx(5.1, abs=0.01)
