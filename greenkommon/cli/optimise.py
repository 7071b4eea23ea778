"""``greenkommon optimise``: the sharing key that minimises the collective's energy cost."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import warnings
from pathlib import Path

from .._io import atomic_write_text, check_output_file
from ..errors import GreenkommonWarning


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "optimise",
        help="find the sharing key (and optionally plant size) that minimises the collective's energy cost",
        description=(
            "Simulate the scenario's production and consumption, then solve the key optimiser "
            "(Pyomo + HiGHS, exact): a static key by default, or a dynamic key, or the plant size "
            "together with a static key. Prints the chosen key, the collective and per-venue savings "
            "against the pro-rata key and against no operation, the optimiser's value and the value "
            "re-simulated with the key floored to the precision of an uploaded key. Options default "
            "to the scenario's [optimise] table."
        ),
        epilog="Example: greenkommon optimise scenarios/greenkommon.toml --fairness no_loss,maxmin --write scenarios/optimised.toml",
    )
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument(
        "--fairness",
        metavar="LIST",
        help="comma-separated fairness options: no_loss (no venue worse off than without the "
        "operation), vs_prorata (than under the pro-rata key), equity_shares (savings >= the "
        "shares of [optimise.equity_shares]), maxmin (maximise the minimum relative saving); "
        "'none' clears the scenario's list",
    )
    p.add_argument(
        "--dynamic",
        action="store_true",
        help="optimise a dynamic key (one coefficient per venue and interval)",
    )
    p.add_argument(
        "--size",
        action="store_true",
        help="optimise the plant size [kWp] with the static key, up to [optimise] max_peak_power_kwp "
        "(or roof_area_m2 x peak_power_kwp_per_m2; default: the scenario's plant); the plant's cost "
        "comes from [finance] unless [optimise] capex_eur_per_kwp is set",
    )
    p.add_argument(
        "--method",
        choices=("choose", "simplex", "ipm"),
        help="HiGHS algorithm (default: the scenario's, ipm)",
    )
    p.add_argument("--no-round", action="store_true", help="keep the coefficients unrounded")
    p.add_argument(
        "--write",
        metavar="NEW.toml",
        help="write a scenario extending the input one with the optimised key (static: in the "
        "file; dynamic: in NEW_key.csv next to it) and plant size; `greenkommon run NEW.toml` "
        "simulates it",
    )
    p.add_argument("--json", metavar="FILE", help="also write the optimiser report as JSON")
    p.set_defaults(func=run)


def _config(scenario, args):
    from ..errors import ScenarioError
    from ..optimise import FAIRNESS_OPTIONS

    cfg = scenario.optimise
    changes = {}
    if args.fairness is not None:
        names = tuple(
            f.strip() for f in args.fairness.split(",") if f.strip() and f.strip() != "none"
        )
        bad = [f for f in names if f not in FAIRNESS_OPTIONS]
        if bad:
            raise ScenarioError(
                f"--fairness {args.fairness!r}: unknown option {bad[0]!r}; expected among {', '.join(FAIRNESS_OPTIONS)}"
            )
        if "equity_shares" in names and not cfg.equity_shares:
            raise ScenarioError(
                f"--fairness equity_shares: {scenario.file}: [optimise.equity_shares] is missing"
            )
        changes["fairness"] = names
    if args.dynamic:
        changes["model"] = "dynamic"
    if args.method:
        changes["method"] = args.method
    if args.no_round:
        changes["round_keys"] = False
    if args.size:
        if args.dynamic:
            raise ScenarioError("--size optimises a static key: drop --dynamic")
        changes["size_plant"] = True
        asked = changes.get("fairness", cfg.fairness)
        dropped = [f for f in asked if f != "no_loss"]
        if dropped and args.fairness is None:
            # the scenario's options, not the user's flag: size with what sizing supports
            warnings.warn(
                f"--size: the scenario's fairness {', '.join(dropped)} dropped (it depends on the "
                "size non-linearly; sizing keeps no_loss only)",
                GreenkommonWarning,
                stacklevel=1,
            )
            changes["fairness"] = tuple(f for f in asked if f == "no_loss")
    return dataclasses.replace(cfg, **changes)


def format_report(report: dict, names: list[str]) -> str:
    """Printed summary of an optimiser report."""
    lines = []
    title = {
        "static": "optimised static key",
        "dynamic": "optimised dynamic key",
        "sizing": "optimised plant size and static key",
        "prorata": "no static key meets the fairness options: Enedis default key",
    }[report["model"]]
    fair = ", ".join(report["fairness"]) or "none"
    advice = report["advice"]
    lines.append(f"answer: {advice['sentence']}")
    for warning in advice["warnings"]:
        lines.append(f"warning: {warning}")
    lines.append("")
    lines.append(f"{title} (fairness: {fair})")
    if report.get("peak_power_kwp") is not None:
        lines.append(f"plant size: {report['peak_power_kwp']:,.1f} kWp")
    lines.append("")
    width = max(len(n) for n in names + ["collective"])
    if "coefficients_rounded" in report:
        head = f"{'venue':<{width}}  {'key %':>8}  {'optimal %':>10}  {'savings €/yr':>13}  {'vs pro-rata €/yr':>17}"
    else:
        head = (
            f"{'venue':<{width}}  {'key % (*)':>10}  {'savings €/yr':>13}  {'vs pro-rata €/yr':>17}"
        )
    lines.append(head)
    lines.append("-" * len(head))
    for n in names:
        sav = report["savings_eur"][n]
        diff = sav - report["prorata_savings_eur"][n]
        if "coefficients_rounded" in report:
            lines.append(
                f"{n:<{width}}  {100 * report['coefficients_rounded'][n]:>8.1f}  {100 * report['coefficients'][n]:>10.4f}"
                f"  {sav:>13,.2f}  {diff:>+17,.2f}"
            )
        else:
            lines.append(
                f"{n:<{width}}  {100 * report['weighted_coefficients'][n]:>10.2f}  {sav:>13,.2f}  {diff:>+17,.2f}"
            )
    total = sum(report["savings_eur"].values())
    total_pr = sum(report["prorata_savings_eur"].values())
    pad = 20 if "coefficients_rounded" in report else 10
    lines.append("-" * len(head))
    lines.append(
        f"{'collective':<{width}}  {'':>{pad}}  {total:>13,.2f}  {total - total_pr:>+17,.2f}"
    )
    lines.append("")
    if "coefficients_rounded" in report:
        step = report.get("key_precision")
        lines.append(
            "key %: the coefficient to upload to Enedis"
            + (f", floored to the upload step {100 * step:g} %" if step else " (not rounded)")
            + "; optimal %: the optimiser's exact coefficient before rounding (the figures are "
            "re-simulated with the uploaded key)"
        )
    if "weighted_coefficients" in report:
        lines.append(
            "(*) dynamic key: coefficients weighted by production (share of the year's production)"
        )
    lines.append(
        "savings: each venue's bill reduction against no operation, net of the internal price it pays; "
        "vs pro-rata: against Enedis's default key"
    )
    lines.append(
        f"collective value (self-consumed kWh at import price over surplus value) [€/yr]: optimiser "
        f"{report['optimiser_value_eur']:,.2f}, re-simulated {report['resimulated_value_eur']:,.2f}, "
        f"pro-rata key {report['prorata_value_eur']:,.2f}"
    )
    if report.get("min_relative_saving") is not None:
        lines.append(
            f"minimum relative saving (maxmin): {100 * report['min_relative_saving']:.3f} % of the bill"
        )
    st = report["stats"]
    lines.append(
        f"LP: {st['n_variables']} variables, {st['n_constraints']} constraints, {st['n_solves']} solve(s), "
        f"build {st['build_s']:.3f} s, solve {st['solve_s']:.3f} s"
    )
    for note in report["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def _simulate(scenario):
    """Production (T,) and consumption (T × N) of the scenario's physical stages."""
    from ..pipeline import simulate_energy

    _, _, _, production_kwh, consumption_kwh = simulate_energy(scenario)
    return production_kwh, consumption_kwh


def run(args: argparse.Namespace) -> int:
    from ..optimise import optimise_scenario, optimised_scenario_toml, write_dynamic_key
    from ..scenario import load_scenario

    t0 = time.perf_counter()
    if args.json:
        check_output_file(args.json, "--json")
    if args.write:
        new = check_output_file(args.write, "--write", inputs=[args.scenario])
        check_output_file(new.with_name(new.stem + "_key.csv"), "--write", inputs=[args.scenario])
    scenario = load_scenario(args.scenario)
    cfg = _config(scenario, args)
    print(f"simulating {scenario.name!r} ...", file=sys.stderr)
    production_kwh, consumption_kwh = _simulate(scenario)
    print("optimising ...", file=sys.stderr)
    result, report = optimise_scenario(scenario, production_kwh, consumption_kwh, config=cfg)
    print(format_report(report, scenario.venue_names))
    if args.json:
        atomic_write_text(Path(args.json), json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if args.write:
        out = Path(args.write)
        base = Path(args.scenario)
        if out.resolve().parent != base.resolve().parent:
            rel = os.path.relpath(base.resolve(), out.resolve().parent)
            warnings.warn(
                f"{out}: written outside the folder of {base.name}; relative paths of the scenario chain "
                "are resolved from each file's own folder, keep the chain in one folder",
                GreenkommonWarning,
                stacklevel=1,
            )
        else:
            rel = base.name
        key_file = None
        if result.coefficients.ndim == 2 and result.model != "prorata":
            key_path = out.with_name(out.stem + "_key.csv")
            write_dynamic_key(
                key_path, result.coefficients, production_kwh, scenario.venue_names, cfg.precision()
            )
            key_file = key_path.name
            print(f"\ndynamic key written to {key_path}")
        try:
            atomic_write_text(
                out, optimised_scenario_toml(scenario, rel, report, coefficients_file=key_file)
            )
        except BaseException:
            if key_file:  # the key file was written by this command: no half result left
                out.with_name(key_file).unlink(missing_ok=True)
            raise
        print(f"\nscenario written to {out} (run it with: greenkommon run {out})")
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
