"""The finance package's bundled data files (greenkommon/data/*.toml), read once."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


@cache
def read_data(name: str) -> dict[str, Any]:
    """The parsed ``greenkommon/data/<name>`` (cached: the files ship with the package)."""
    with (DATA_DIR / name).open("rb") as fh:
        return tomllib.load(fh)
