"""The plan's pure parts on small synthetic inputs, against brute-force references.

Groupings: every subset of roofs × venues checked pair by pair. Packings: every subset of the
candidate operations checked for disjointness. Corridor: hand-computed roots of affine NPVs.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenkommon.plan.corridor import Affine, fit_affine, price_corridor
from greenkommon.plan.rank import Candidate, top_packings
from greenkommon.plan.space import (
    Roof,
    Site,
    blocking_pairs,
    build_space,
    eligible_groupings,
    rejection_reason,
)


def _space(points_km, n_venues, limit=2.0):
    """A search space on a plane (distances Euclidean, in km) for exact references."""
    pts = np.asarray(points_km, dtype=float)
    d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2))
    venues = [Site(f"v{i}", 0.0, 0.0) for i in range(n_venues)]
    roofs = [Roof(f"r{j}", 0.0, 0.0, 100.0) for j in range(len(pts) - n_venues)]
    return build_space(venues, roofs, limit, 5000.0, distances_km=d)


def _brute_groupings(space):
    nv, nr = len(space.venues), len(space.roofs)
    out = set()
    for rs in range(1, 1 << nr):
        roofs = [r for r in range(nr) if rs >> r & 1]
        for ms in range(1, 1 << nv):
            members = [v for v in range(nv) if ms >> v & 1]
            parts = [nv + r for r in roofs] + members
            if all(
                space.distances_km[a, b] <= space.limit_km + 1e-9
                for a, b in itertools.combinations(parts, 2)
            ):
                out.add((tuple(roofs), tuple(members)))
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 3),
    st.lists(st.tuples(st.floats(0, 5), st.floats(0, 5)), min_size=9, max_size=9),
)
def test_groupings_are_exactly_the_eligible_subsets(nv, nr, coords):
    space = _space(coords[: nv + nr], nv)
    got = {(g.roofs, g.members) for g in eligible_groupings(space)}
    assert got == _brute_groupings(space)
    # each grouping's reported farthest pair is its true diameter
    for g in eligible_groupings(space):
        parts = [nv + r for r in g.roofs] + list(g.members)
        assert g.max_distance_km == pytest.approx(space.distances_km[np.ix_(parts, parts)].max())


def test_rejected_groupings_name_their_blocking_pair():
    # v0 and v1 are 3 km apart; both are 1.5 km from the roof
    space = _space([(0, 0), (3, 0), (1.5, 0)], 2)
    assert {(g.roofs, g.members) for g in eligible_groupings(space)} == {((0,), (0,)), ((0,), (1,))}
    pairs = blocking_pairs(space)
    assert [(p.a, p.b) for p in pairs] == [("v0", "v1")]
    assert rejection_reason(space, (0,), (0, 1)) == "v0 – v1: 3.00 km > 2 km"
    assert rejection_reason(space, (0,), (0,)) == ""


def test_eight_venues_and_four_roofs_enumerate_exactly():
    rng = np.random.default_rng(3)
    coords = rng.uniform(0, 4, (12, 2))
    space = _space(coords, 8)
    got = {(g.roofs, g.members) for g in eligible_groupings(space)}
    assert got == _brute_groupings(space)


def _random_candidates(rng, nv, nr, most):
    """Up to ``most`` candidate operations with random members, roofs and values [€]."""
    cands = []
    for _ in range(rng.integers(0, most)):
        members = tuple(sorted(rng.choice(nv, rng.integers(1, nv + 1), replace=False).tolist()))
        roofs = tuple(sorted(rng.choice(nr, rng.integers(1, nr + 1), replace=False).tolist()))
        cands.append(Candidate(members, roofs, float(rng.normal(10, 20))))
    return cands


def _brute_packings(n_venues, cands):
    best = []
    for size in range(len(cands) + 1):
        for combo in itertools.combinations(range(len(cands)), size):
            venues = [v for j in combo for v in cands[j].members]
            roofs = [r for j in combo for r in cands[j].roofs]
            if len(venues) == len(set(venues)) and len(roofs) == len(set(roofs)):
                best.append((sum(cands[j].value_eur for j in combo), combo))
    return sorted(best, key=lambda t: -t[0])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 3), st.integers(0, 10**6), st.integers(1, 6))
def test_top_packings_match_brute_force(nv, nr, seed, k):
    cands = _random_candidates(np.random.default_rng(seed), nv, nr, 9)
    got = top_packings(nv, cands, k)
    ref = _brute_packings(nv, cands)
    assert [p.value_eur for p in got] == pytest.approx([v for v, _ in ref[:k]])
    for p in got:
        venues = [v for j in p.candidates for v in cands[j].members]
        roofs = [r for j in p.candidates for r in cands[j].roofs]
        assert len(venues) == len(set(venues)) and len(roofs) == len(set(roofs))
        assert p.value_eur == pytest.approx(sum(cands[j].value_eur for j in p.candidates))


def test_corridor_by_hand():
    # producer: -1000 + 20000 q → 0 at 0.05; venues: 600 - 6000 q → 0.1, 900 - 10000 q → 0.09
    venues = [Affine(600.0, -6000.0), Affine(900.0, -10000.0)]
    c = price_corridor(venues, Affine(-1000.0, 20000.0), ["a", "b"])
    assert (c.low_eur_per_kwh, c.high_eur_per_kwh, c.binding_venue) == (0.05, 0.09, "b")
    assert not c.empty and c.recommended_eur_per_kwh == pytest.approx(0.07)
    # the producer needs 0.12: empty, gap 0.03 €/kWh
    c = price_corridor(venues, Affine(-2400.0, 20000.0), ["a", "b"])
    assert c.empty and c.gap_eur_per_kwh == pytest.approx(0.03)
    assert "the gap is 0.0300 €/kWh" in c.sentence()
    # a producer viable at price 0 starts the corridor at the floor
    c = price_corridor(venues, Affine(100.0, 20000.0), ["a", "b"])
    assert c.low_eur_per_kwh == 0.0
    # a venue that loses even at price 0: empty
    c = price_corridor([Affine(-5.0, -10.0)], Affine(0.0, 1.0), ["a"])
    assert c.empty and c.high_eur_per_kwh < 0


def test_fit_affine_recovers_a_line():
    f = fit_affine(0.05, 10.0, 0.15, -10.0)
    assert f(0.10) == pytest.approx(0.0) and f.root() == pytest.approx(0.10)
    assert math.isinf(Affine(5.0, 0.0).root())


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(0, 10**6))
def test_packing_milp_agrees_with_the_enumeration(nv, nr, seed):
    from greenkommon.plan.milp import best_packing_milp

    cands = _random_candidates(np.random.default_rng(seed), nv, nr, 12)
    best = top_packings(nv, cands, 1)[0]
    milp = best_packing_milp(nv, nr, cands)
    assert milp.value_eur == pytest.approx(best.value_eur, abs=1e-6)
    venues = [v for j in milp.candidates for v in cands[j].members]
    roofs = [r for j in milp.candidates for r in cands[j].roofs]
    assert len(venues) == len(set(venues)) and len(roofs) == len(set(roofs))
