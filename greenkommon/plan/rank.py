"""Ranking configurations: the K best sets of disjoint operations, exactly.

Operations are independent once their members and roofs are fixed (each has its own plants,
key, price and producer), so a configuration's collective NPV is the sum of its operations'
(venues left out change nothing: 0). The best configurations are the best *packings* of
candidate operations: no venue and no roof in two operations. They are found exactly by a
depth-first search over "the lowest unassigned venue joins one of its candidate operations or
stays out", pruned by the exact best completion of every partial packing (a dynamic programme
over the set of venues and roofs already used, memoised).
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """One operation that may enter a configuration.

    Attributes
    ----------
    members : tuple of int
        Venue indices.
    roofs : tuple of int
        Roof indices.
    value_eur : float
        Its collective NPV (venues and producer) [€].
    """

    members: tuple[int, ...]
    roofs: tuple[int, ...]
    value_eur: float


@dataclass(frozen=True)
class Packing:
    """A configuration: indices of its candidates (sorted) and its collective NPV [€]."""

    candidates: tuple[int, ...]
    value_eur: float


def _mask(c: Candidate, n_venues: int) -> int:
    m = 0
    for i in c.members:
        m |= 1 << i
    for r in c.roofs:
        m |= 1 << (n_venues + r)
    return m


def top_packings(n_venues: int, candidates: Sequence[Candidate], k: int) -> list[Packing]:
    """The ``k`` configurations of highest collective NPV, best first (exact).

    Parameters
    ----------
    n_venues : int
    candidates : sequence of Candidate
        Feasible operations only (the caller drops those without a price corridor).
    k : int
        How many configurations to return (fewer if fewer exist; the empty configuration,
        everyone out, counts as one with value 0).

    Returns
    -------
    list of Packing
    """
    masks = [_mask(c, n_venues) for c in candidates]
    by_lowest: list[list[int]] = [[] for _ in range(n_venues)]
    for j, c in enumerate(candidates):
        if c.members:
            by_lowest[min(c.members)].append(j)

    def lowest_free(used: int) -> int:
        for v in range(n_venues):
            if not used >> v & 1:
                return v
        return -1

    @functools.cache
    def best(used: int) -> float:
        v = lowest_free(used)
        if v < 0:
            return 0.0
        out = best(used | 1 << v)
        for j in by_lowest[v]:
            if not masks[j] & used:
                out = max(out, candidates[j].value_eur + best(used | masks[j]))
        return out

    heap: list[tuple[float, int, tuple[int, ...]]] = []  # min-heap of the k best so far
    counter = 0

    def dfs(used: int, chosen: tuple[int, ...], acc: float) -> None:
        nonlocal counter
        if len(heap) == k and acc + best(used) < heap[0][0]:
            return
        v = lowest_free(used)
        if v < 0:
            counter += 1
            item = (acc, counter, chosen)
            if len(heap) < k:
                heapq.heappush(heap, item)
            elif acc > heap[0][0]:
                heapq.heapreplace(heap, item)
            return
        options = [(candidates[j].value_eur + best(used | masks[j]), j) for j in by_lowest[v]]
        options = [(b, j) for b, j in options if not masks[j] & used]
        options.append((best(used | 1 << v), -1))
        # the most promising branch first, so that the bound prunes early
        for _, j in sorted(options, reverse=True):
            if j < 0:
                dfs(used | 1 << v, chosen, acc)
            else:
                dfs(used | masks[j], chosen + (j,), acc + candidates[j].value_eur)

    if k > 0:
        dfs(0, (), 0.0)
    ranked = sorted(heap, key=lambda t: (-t[0], t[2]))
    return [Packing(tuple(sorted(ch)), val) for val, _, ch in ranked]
