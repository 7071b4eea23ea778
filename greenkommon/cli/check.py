"""``greenkommon check``: is the operation eligible (distance and power rules)?"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="check the ACC étendue eligibility rules (distance between participants, power cap)",
        description=(
            "Check a scenario against the rules of an extended collective self-consumption operation: "
            "the geodesic distance between the two farthest participants (venues' delivery points and "
            "the roof's injection point) and the cumulated peak power. The rule (2 km in general, 10/20 km "
            "derogations for peri-urban/rural communes, 2025 public-body derogation) follows the "
            "[eligibility] table of the scenario; figures and sources are in greenkommon/data/acc_rules_fr.toml. "
            "When the full set is not eligible, lists the largest eligible groups of venues for the roof "
            "and where a roof would make every venue eligible, if anywhere. Needs no simulation."
        ),
    )
    p.add_argument("scenario", help="scenario TOML file, e.g. scenarios/greenkommon.toml")
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 1 when the operation is not eligible (default: 0 whenever the check ran)",
    )
    p.add_argument(
        "--distances", action="store_true", help="also print the matrix of pairwise distances [km]"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..config import read_scenario
    from ..eligibility import check_operation, format_eligibility

    scenario = read_scenario(args.scenario)
    several = len(scenario.operations) > 1
    eligible = True
    for i, op in enumerate(scenario.operations):
        report = check_operation(scenario, op)
        eligible &= report.eligible
        if several:
            print(("\n" if i else "") + f"operation {op.name!r}: {', '.join(op.venues)}")
        print(format_eligibility(report))
        if args.distances:
            print("\npairwise geodesic distances [km]:")
            table = report.distances_km
            if not several:
                table = table.rename(
                    index={report.producer: "roof"}, columns={report.producer: "roof"}
                )
            print(table.round(3).to_string())
    outside = [v.name for v in scenario.venues if scenario.operation_of(v.name) is None]
    if outside:
        print(f"\nin no operation (own roof or nothing): {', '.join(outside)}")
    return 1 if (args.strict and not eligible) else 0
