"""Writing an optimised key as a scenario (TOML) or a dynamic-key CSV."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, OptimisationError


def optimised_scenario_toml(
    scenario: Any,
    base_file: str | Path,
    report: dict[str, Any],
    coefficients_file: str | None = None,
) -> str:
    """TOML text of a scenario that extends ``base_file`` with the optimised key.

    A static key is written as ``[key.coefficients]``; a dynamic key points at
    ``coefficients_file`` (written by :func:`write_dynamic_key`, relative to the new scenario).
    With sizing, the plant's sections are rewritten scaled to the chosen size (arrays are replaced,
    not merged, by ``extends``).
    """
    coefficients = report.get("coefficients_rounded")
    advice = report.get("advice") or {}
    if report.get("model") == "prorata":
        return (
            "\n".join(
                [
                    f"# Written by `greenkommon optimise` from {Path(base_file).name}",
                    f"# {advice.get('sentence', 'no optimised key meets the fairness options')}",
                    f"extends = {_toml_str(Path(base_file).as_posix())}",
                    f"name = {_toml_str(scenario.name + ' (default key)')}",
                    "",
                    "[key]",
                    'type = "prorata"',
                ]
            )
            + "\n"
        )
    if coefficients is None and coefficients_file is None:
        raise OptimisationError(
            "--write: a dynamic key needs its coefficients file (see write_dynamic_key)"
        )
    lines = [
        f"# Written by `greenkommon optimise` from {Path(base_file).name}",
        f"# optimiser value {report['optimiser_value_eur']:,.2f} €/yr; re-simulated with the written key "
        f"{report['resimulated_value_eur']:,.2f} €/yr",
        *([f"# answer: {advice['sentence']}"] if advice.get("sentence") else []),
        f"extends = {_toml_str(Path(base_file).as_posix())}",
        f"name = {_toml_str(scenario.name + ' (optimised key)')}",
        "",
    ]
    if report.get("peak_power_kwp") is not None:
        if report["peak_power_kwp"] <= 0:
            raise OptimisationError(
                "--write: the sizing chose no plant (0 kWp): there is no scenario to write"
            )
        factor = report["peak_power_kwp"] / scenario.plant.peak_power_kwp
        lines.append(f"# plant size chosen by the optimiser: {report['peak_power_kwp']:.3f} kWp")
        raw_sections = scenario.raw.get("plant", {}).get("sections", [])
        lines.append("[plant]")
        lines.append("")
        for sec in raw_sections:
            lines.append("[[plant.sections]]")
            for key, value in sec.items():
                if key == "peak_power_kwp":
                    value = round(float(value) * factor, 6)
                lines.append(f"{key} = {_toml_value(value)}")
            lines.append("")
        lines.extend(_scaled_financing(scenario, factor))
    lines.append("[key]")
    if coefficients is None:
        lines.append('type = "dynamic"')
        lines.append(f"coefficients_file = {_toml_str(str(coefficients_file))}")
        return "\n".join(lines) + "\n"
    lines.append('type = "static"')
    lines.append("")
    lines.append("[key.coefficients]")
    for name, k in coefficients.items():
        lines.append(f"{_toml_str(name)} = {round(k, 9)!r}")
    return "\n".join(lines) + "\n"


def write_dynamic_key(
    path: str | Path,
    coefficients: np.ndarray,
    production_kwh: Any,
    venue_names: Sequence[str],
    precision: float,
) -> Path:
    """Write a dynamic key (N, T) as the CSV ``greenkommon run`` reads (``Horodate;<venue>;…`` in %).

    Uses :func:`greenkommon.enedis.export_dynamic_key` (atomic); the coefficients should already
    be multiples of ``precision`` so that its flooring keeps them.
    """
    import pandas as pd

    from ..enedis import export_dynamic_key

    index = getattr(production_kwh, "index", None)
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(
            "write_dynamic_key: production_kwh must be a pandas Series with a time index"
        )
    p = np.asarray(production_kwh, dtype=float)
    # the exporter derives α = allocated / P: give it k·P so that α is the key itself
    share = pd.DataFrame(
        (np.asarray(coefficients) * p[None, :]).T, index=index, columns=list(venue_names)
    )
    out, _ = export_dynamic_key(path, pd.Series(p, index=index), share, step=precision)
    return out


def _scaled_financing(scenario: Any, factor: float) -> list[str]:
    """``[finance]`` lines scaling the producer's loan and the venues' equity [€] with the plant.

    Both are absolute amounts sized for the input plant; the finance stage refuses financing above
    the investment, so a smaller plant needs them scaled (the financing structure is kept).
    """
    fin = scenario.raw.get("finance", {}) if isinstance(scenario.raw, dict) else {}
    lines: list[str] = []
    if "loan_amount_eur" in fin:
        lines += [
            "[finance]",
            "# loan scaled with the plant size (same share of the investment)",
            f"loan_amount_eur = {round(float(fin['loan_amount_eur']) * factor, 2)!r}",
            "",
        ]
    equity = fin.get("equity_eur")
    if isinstance(equity, dict) and equity:
        lines += ["[finance.equity_eur]", "# venue equity scaled with the plant size"]
        lines += [f"{_toml_str(k)} = {round(float(v) * factor, 2)!r}" for k, v in equity.items()]
        lines.append("")
    return lines


def _toml_str(s: str) -> str:
    import json

    return json.dumps(s, ensure_ascii=False)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_str(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise OptimisationError(f"--write: cannot write value {v!r} to TOML")
