"""The sweep's pre-streaming path, kept as the reference the streaming one is tested against.

:func:`eager_chunks` is the former planner (one override dictionary per variant, chunks of one
energy group in group-major order, plant sizes ascending) and :func:`merge_in_memory` the former
end of a sweep (every part concatenated in memory, sorted by ``variant_id``, then the grid's
values joined). :func:`sweep_in_memory` chains them with :func:`~.kpis.evaluate_chunk`: the table
the streaming :func:`~.run.run_sweep` must reproduce. Memory grows with the number of variants:
for tests and small grids only.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from .grid import PEAK_PATH, Vary, build_grid, is_cheap
from .group import compute_group_energy
from .kpis import evaluate_chunk
from .plan import make_plan


def eager_chunks(
    varies: Sequence[Vary], chunk_size: int
) -> list[tuple[int, tuple[tuple[int, dict[str, Any]], ...]]]:
    """(energy group, rows) of every chunk, rows as ``(variant_id, cheap overrides)``."""
    grid = build_grid(varies)
    cheap = [v.path for v in varies if is_cheap(v.path)]
    records = grid.to_dict("records")
    codes = list(itertools.product(*(range(len(v.values)) for v in varies)))
    expensive_at = [j for j, v in enumerate(varies) if not is_cheap(v.path)]
    combo_at = [j for j, v in enumerate(varies) if is_cheap(v.path) and v.path != PEAK_PATH]
    group_of: dict[tuple[int, ...], int] = {}
    members: list[list[tuple[int, dict[str, Any]]]] = []
    combo_of: list[tuple[int, ...]] = []
    for vid, (rec, code) in enumerate(zip(records, codes or [()], strict=True)):
        tag = tuple(code[j] for j in expensive_at)
        if tag not in group_of:
            group_of[tag] = len(members)
            members.append([])
        members[group_of[tag]].append((vid, {p: rec[p] for p in cheap}))
        combo_of.append(tuple(code[j] for j in combo_at))
    chunks = []
    for g, rows in enumerate(members):
        rank: dict[tuple[int, ...], int] = {}
        for vid, _over in rows:
            rank.setdefault(combo_of[vid], len(rank))
        rows = sorted(
            rows,
            key=lambda row: (rank[combo_of[row[0]]], float(row[1].get(PEAK_PATH, 0.0)), row[0]),
        )
        for lo in range(0, len(rows), chunk_size):
            chunks.append((g, tuple(rows[lo : lo + chunk_size])))
    return chunks


def merge_in_memory(parts: Sequence[pd.DataFrame], grid: pd.DataFrame) -> pd.DataFrame:
    """The result table from every chunk's frame: concatenated, sorted by ``variant_id``, the
    grid's values (:func:`~.output.column_values`) after ``variant_id``, then the KPIs."""
    from .output import column_values

    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"variant_id": []})
    table = table.sort_values("variant_id", kind="stable").reset_index(drop=True)
    if len(table) != len(grid) or not np.array_equal(
        table["variant_id"].to_numpy(), np.arange(len(grid))
    ):
        raise DataError(f"the parts do not cover variants 0..{len(grid) - 1} exactly once")
    values = grid.reset_index(drop=True).copy()
    for col in values.columns:
        values[col] = column_values(values[col])
    kpis = table[[c for c in table.columns if c != "variant_id" and c not in values.columns]]
    return pd.concat([table[["variant_id"]], values, kpis], axis=1)


def sweep_in_memory(
    base: dict[str, Any],
    varies: Sequence[Vary],
    file: str | Path | None,
    chunk_size: int,
    finance: bool = False,
) -> pd.DataFrame:
    """A sweep the former way: eager chunks evaluated in turn, merged in memory."""
    plan = make_plan(base, varies, file, chunk_size, finance)  # group mappings, validation
    frames = []
    energy: dict[int, Any] = {}
    for g, rows in eager_chunks(varies, chunk_size):
        if g not in energy:
            energy = {g: compute_group_energy(plan.group_mappings[g], file)}
        frames.append(evaluate_chunk(energy[g], plan.group_mappings[g], file, rows, finance))
    return merge_in_memory(frames, build_grid(varies))
