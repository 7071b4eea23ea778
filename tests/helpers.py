"""Helpers shared by the tests (importable because pytest puts ``tests/`` on ``sys.path``)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "greenkommon.toml"


def hourly_variant(
    folder: Path, name: str = "hourly", extra: str = "", *, title: bool = False
) -> Path:
    """Write ``<folder>/<name>.toml``: the baseline on an hourly grid (same physics, half the
    steps of the bundled 30-min scenario: quicker tests), plus ``extra`` TOML. With ``title``,
    the scenario is also named ``name``."""
    path = folder / f"{name}.toml"
    head = f'extends = "{BASELINE.as_posix()}"\n' + (f'name = "{name}"\n' if title else "")
    path.write_text(f'{head}[simulation]\nstep = "1h"\n{extra}', encoding="utf-8")
    return path
