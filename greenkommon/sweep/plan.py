"""The plan of a sweep: its grid split into energy groups and checkpointed chunks."""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ScenarioError
from .grid import (
    PEAK_PATH,
    Vary,
    _check_size,
    _check_variant,
    _scale_plant,
    apply_overrides,
    build_grid,
    is_cheap,
)

#: Default number of variants per checkpointed chunk.
DEFAULT_CHUNK_SIZE = 2000

#: Format version of the part files; bump when the columns change meaning.
_FORMAT_VERSION = 1


# ---------------------------------------------------------------------------------------------
# plan: groups and chunks
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Chunk:
    """A checkpoint unit: variants of one energy group."""

    chunk_id: int
    group: int
    rows: tuple[tuple[int, dict[str, Any]], ...]


@dataclass(frozen=True)
class SweepPlan:
    """A grid split into energy groups and chunks.

    Attributes
    ----------
    base : dict
        Raw base mapping (``extends`` resolved).
    file : Path or None
    grid : pandas.DataFrame
        See :func:`build_grid`.
    group_mappings : list of dict
        Raw mapping of each energy group.
    chunks : list of Chunk
    fingerprint : str
        Hash of the base mapping, the grid and the chunking (a resumed sweep must match it).
    """

    base: dict[str, Any]
    file: Path | None
    grid: pd.DataFrame
    group_mappings: list[dict[str, Any]]
    chunks: list[Chunk]
    fingerprint: str
    finance: bool = False

    @property
    def n_variants(self) -> int:
        return len(self.grid)


def make_plan(
    base: dict[str, Any],
    varies: Sequence[Vary],
    file: str | Path | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    finance: bool = False,
) -> SweepPlan:
    """Split the grid of ``varies`` over ``base`` into energy groups and chunks.

    Every distinct variant is validated (parsed as a scenario) before anything runs, so a bad
    value fails in a second, not an hour into the sweep.
    """

    if chunk_size < 1:
        raise ScenarioError(f"--chunk-size {chunk_size}: expected an integer >= 1")
    grid = build_grid(varies)
    expensive = [v.path for v in varies if not is_cheap(v.path)]
    cheap = [v.path for v in varies if is_cheap(v.path)]
    group_of: dict[tuple[int, ...], int] = {}
    group_mappings: list[dict[str, Any]] = []
    members: list[list[tuple[int, dict[str, Any]]]] = []
    records = grid.to_dict("records")
    # a variant's position in each dimension identifies its values (distinct by repr), so
    # tuples of positions group the rows without hashing or serialising their values
    codes = list(itertools.product(*(range(len(v.values)) for v in varies)))
    expensive_at = [j for j, v in enumerate(varies) if not is_cheap(v.path)]
    combo_at = [j for j, v in enumerate(varies) if is_cheap(v.path) and v.path != PEAK_PATH]
    combo_of: list[tuple[int, ...]] = []
    for vid, (rec, code) in enumerate(zip(records, codes or [()], strict=True)):
        tag = tuple(code[j] for j in expensive_at)
        if tag not in group_of:
            g_over = {p: rec[p] for p in expensive}
            group_of[tag] = len(group_mappings)
            mapping = apply_overrides(base, g_over)
            _check_variant(mapping, file, g_over)  # fail early on a bad group value
            group_mappings.append(mapping)
            members.append([])
        members[group_of[tag]].append((vid, {p: rec[p] for p in cheap}))
        combo_of.append(tuple(code[j] for j in combo_at))
    # Validate each distinct cheap combination once against the first group.
    seen: set[tuple[int, ...]] = set()
    for rec, combo in zip(records, combo_of, strict=True):
        if combo not in seen:
            seen.add(combo)
            over = {p: rec[p] for p in cheap if p != PEAK_PATH}
            _check_variant(apply_overrides(group_mappings[0], over), file, over)
    if PEAK_PATH in grid:
        _scale_plant(copy.deepcopy(base), grid[PEAK_PATH].iloc[0])  # the plant can be scaled
        for value in grid[PEAK_PATH].unique():
            _check_size(value)
    chunks: list[Chunk] = []
    for g, rows in enumerate(members):
        # Variants sharing key/prices/finance next to each other, plant sizes ascending: a chunk
        # then spans few combinations, each needing few economics set-ups (see _money_by_size).
        rank: dict[tuple[int, ...], int] = {}
        for vid, _over in rows:
            rank.setdefault(combo_of[vid], len(rank))
        rows = sorted(
            rows,
            key=lambda row: (rank[combo_of[row[0]]], float(row[1].get(PEAK_PATH, 0.0)), row[0]),
        )
        for lo in range(0, len(rows), chunk_size):
            chunks.append(Chunk(len(chunks), g, tuple(rows[lo : lo + chunk_size])))
    payload = json.dumps(
        {
            "base": base,
            "vary": [[v.path, list(v.values)] for v in varies],
            "chunk_size": chunk_size,
            "finance": finance,
            "format": _FORMAT_VERSION,
        },
        sort_keys=True,
        default=str,
    )
    fingerprint = hashlib.sha256(payload.encode()).hexdigest()
    return SweepPlan(
        base, Path(file) if file else None, grid, group_mappings, chunks, fingerprint, finance
    )
