"""The eligibility section as text, for ``greenkommon check`` and ``greenkommon run``.

:func:`format_eligibility` renders an :class:`EligibilityReport`: verdict, rule and its source,
farthest participants against the limit, power against the cap, each venue's distance to the roof,
and when the set is not eligible the largest eligible groups and where a roof would serve them;
then the report's notes. Plain text, no meter id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from .checks import EligibilityReport
from .distance import _DISTANCE_SLACK_KM

# ------------------------------------------------------------------------------------------------
# Text


def _names(group: Iterable[str]) -> str:
    return ", ".join(group)


def format_eligibility(report: EligibilityReport) -> str:
    """Human-readable eligibility section (plain text, no meter id)."""
    r = report
    rule = r.rule
    lines = [f"Eligibility (ACC étendue): {r.verdict}"]
    lines.append(f"  rule: {rule.label} [{rule.confidence}]")
    lines.append(f"        {rule.source}")
    lines.append(
        f"  roof (injection point): {r.producer}; {len(r.venues)} venues (delivery points)"
        + (f"; other producers: {', '.join(r.producers[1:])}" if len(r.producers) > 1 else "")
    )

    def show(name: str) -> str:
        return "the roof" if name == r.producer else name

    a, b = (show(x) for x in r.farthest_pair)
    if r.limit_km is None:
        lines.append(
            f"  distance: no km criterion; farthest participants {a} ↔ {b}: {r.max_distance_km:.2f} km"
        )
    elif r.distance_ok:
        lines.append(
            f"  distance: OK, farthest participants {a} ↔ {b}: {r.max_distance_km:.2f} km <= {r.limit_km:g} km"
        )
    else:
        lines.append(
            f"  distance: EXCEEDED, farthest participants {a} ↔ {b}: {r.max_distance_km:.2f} km > {r.limit_km:g} km "
            f"(by {r.excess_km:.2f} km)"
        )
    mw = r.peak_power_kwp / 1000.0
    lines.append(
        f"  power: {r.peak_power_kwp:.0f} kWp = {mw:.3f} MWp {'<' if r.power_ok else '>='} {r.power_cap_mw:g} MW cap: "
        f"{'OK' if r.power_ok else 'EXCEEDED'}"
    )
    lines.append("  distance to the roof:")
    width = max(len(v) for v in r.venues)
    for v in r.venues:
        d = float(r.distances_km.loc[r.producer, v])
        flag = (
            ""
            if r.limit_km is None
            else ("  ok" if d <= r.limit_km + _DISTANCE_SLACK_KM else "  too far")
        )
        lines.append(f"    {v:<{width}}  {d:6.2f} km{flag}")
    if not r.distance_ok and r.limit_km is not None:
        n = len(r.venues)
        if r.largest_subsets:
            k = len(r.largest_subsets[0])
            lines.append(f"  largest eligible groups with this roof ({k} of {n} venues):")
            lines += [f"    - {_names(s)}" for s in r.largest_subsets]
        else:
            lines.append(f"  no venue is within {r.limit_km:g} km of this roof")
        roof = r.roof
        if roof is not None and roof.possible:
            lines.append(
                f"  a roof at ({roof.latitude_deg:.5f}, {roof.longitude_deg:.5f}) would be at most "
                f"{roof.radius_km:.2f} km from every venue: any roof within {roof.margin_km:.2f} km of that point "
                f"makes all venues eligible (the current roof is {roof.current_roof_offset_km:.2f} km away from it)"
            )
        elif roof is not None:
            pair = cast(tuple[str, str], roof.blocking_pair)  # always set when not possible
            lines.append(
                f"  no roof location can make all venues eligible: {pair[0]} and "
                f"{pair[1]} are {roof.blocking_distance_km:.2f} km apart (> {r.limit_km:g} km)"
            )
            if r.any_roof_subsets:
                k = len(r.any_roof_subsets[0])
                lines.append(f"  largest groups some roof could serve ({k} of {n} venues):")
                for group, (lat, lon, rad) in zip(
                    r.any_roof_subsets, r.any_roof_centres, strict=True
                ):
                    where = f"roof near ({lat:.5f}, {lon:.5f}), at most {rad:.2f} km from each"
                    lines.append(f"    - {_names(group)}  [{where}]")
    for note in r.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)
