"""``greenkommon allocate``: replay a sharing key on measured curves (CSV in, CSV out).

A PMO can check what Enedis allocated, or what another key would have allocated, on its real
production and load curves.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .. import prm
from .._io import atomic_write, check_output_file
from ..errors import DataError
from ._options import add_deprecated

KEYS = ("prorata", "static", "dynamic", "redistributed", "priority")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "allocate",
        help="apply a sharing key to measured production and consumption curves (CSV in, CSV out)",
        description=(
            "Apply an Enedis sharing key (or a PMO strategy sent as a dynamic key) to measured curves, "
            "interval by interval, and write the six quantities Enedis reports: production (PROD), "
            "allocated production (AUTOPROD), surplus (SURPLUS) and, per venue, consumption (CONS), "
            "allocated energy (AUTOCONS) and supplier complement (COMPLEMENT). "
            "Input CSVs: first column the interval label (identical in every file, same order), "
            "then one column per producer (production file) or per venue (consumption file), in "
            "kWh per interval (or Wh with --unit Wh)."
        ),
        epilog=(
            "Example: greenkommon allocate --production prod.csv --consumption cons.csv "
            "--key static --coefficients 0.4,0.3,0.2,0.1 --out allocation.csv"
        ),
    )
    p.add_argument(
        "--production",
        required=True,
        type=Path,
        metavar="FILE",
        help="CSV of injected energy per interval, one column per producer (pooled)",
    )
    p.add_argument(
        "--consumption",
        required=True,
        type=Path,
        metavar="FILE",
        help="CSV of consumed energy per interval, one column per venue",
    )
    p.add_argument(
        "--key",
        required=True,
        choices=KEYS,
        help="prorata: Enedis default key (D315-6); static: fixed shares; dynamic: "
        "per-interval shares from --coefficients-file; redistributed: fixed shares "
        "with reallocation of what a satisfied venue leaves; priority: venues served in "
        "--priority order",
    )
    p.add_argument(
        "--coefficients",
        metavar="A,B,...",
        help="shares per venue in the consumption file's column order, as percents (40%%, as "
        "in key files) or fractions (0.4); static and redistributed keys",
    )
    p.add_argument(
        "--coefficients-file",
        type=Path,
        metavar="FILE",
        help="CSV of per-interval shares (same labels as the curves, one column per venue, "
        "fractions); dynamic key",
    )
    p.add_argument(
        "--priority",
        metavar="VENUE,VENUE,...",
        help="venue column names (or 1-based positions), highest priority first",
    )
    p.add_argument(
        "--resolution-pct",
        type=float,
        default=None,
        metavar="PCT",
        help="floor the uploaded shares to PCT %% as a PMO's key file and report the extra "
        "surplus (0.1, the resolution of third-party PMO tools, is the one supported; default: "
        "unfloored)",
    )
    add_deprecated(p, "--floor-to-permille", "--resolution-pct 0.1", "resolution_pct", fixed=0.1)
    p.add_argument(
        "--unit",
        choices=("kWh", "Wh"),
        default="kWh",
        help="unit of the input and output energies (default kWh)",
    )
    p.add_argument("--sep", default=",", help="CSV field separator (default ',')")
    p.add_argument("--decimal", default=".", help="CSV decimal mark (default '.')")
    p.add_argument("--out", type=Path, metavar="FILE", help="output CSV (written atomically)")
    p.add_argument(
        "--show-prm",
        action="store_true",
        help="print venue columns that look like Enedis meter ids (PRM) instead of masking them",
    )
    p.set_defaults(func=run)


def _read_curves(path: Path, what: str, sep: str, decimal: str) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{path}: no such file ({what})")
    try:
        frame = pd.read_csv(
            path, sep=sep, decimal=decimal, index_col=0, dtype=str, keep_default_na=False
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"{path}: cannot read as CSV ({exc})") from None
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise DataError(
            f"{path}: expected a label column then at least one numeric column and one row"
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    values = np.empty(frame.shape)
    for j, col in enumerate(frame.columns):
        text = frame[col].str.strip()
        if decimal != ".":
            text = text.str.replace(decimal, ".", regex=False)
        numbers = pd.to_numeric(text.replace("", np.nan), errors="coerce")
        bad = numbers.isna()
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise DataError(
                f"{path}: line {row + 2}, column {col!r}: value {frame[col].iloc[row]!r}; "
                "expected a number (no gaps: fill missing intervals first)"
            )
        values[:, j] = numbers.to_numpy(dtype=float)
    return pd.DataFrame(values, index=frame.index, columns=frame.columns)


def _check_same_labels(
    ref: pd.DataFrame, ref_path: Path, other: pd.DataFrame, other_path: Path
) -> None:
    a = [str(x).strip() for x in ref.index]
    b = [str(x).strip() for x in other.index]
    if a == b:
        return
    for k, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            raise DataError(
                f"{other_path}: line {k + 2}: interval {y!r} but {ref_path} has {x!r}; "
                "expected the same intervals in the same order"
            )
    raise DataError(
        f"{other_path}: {len(b)} intervals but {ref_path} has {len(a)}; expected the same intervals"
    )


def _parse_coefficients(text: str, n: int) -> np.ndarray:
    parts = [s.strip() for s in text.split(",") if s.strip()]
    values = []
    for s in parts:
        try:
            values.append(float(s[:-1]) / 100.0 if s.endswith("%") else float(s))
        except ValueError:
            raise DataError(
                f"--coefficients: {s!r} is not a number; expected e.g. 40%,30%,20%,10% or "
                "0.4,0.3,0.2,0.1"
            ) from None
        if not s.endswith("%") and values[-1] > 1:
            # key files hold percents: a bare 25 is a percent typed without its sign
            raise DataError(
                f"--coefficients: {s!r}: expected a fraction <= 1 or a percent with its sign ({s}%)"
            )
    if len(values) != n:
        raise DataError(
            f"--coefficients: {len(values)} value(s) for {n} venue(s); expected one per venue column"
        )
    return np.array(values)


def _parse_priority(text: str, names: list[str]) -> list[int]:
    order = []
    for s in (s.strip() for s in text.split(",") if s.strip()):
        if s in names:
            order.append(names.index(s))
        elif s.isdigit() and 1 <= int(s) <= len(names):
            order.append(int(s) - 1)
        else:
            raise DataError(
                f"--priority: {s!r} is neither a venue column nor a position 1..{len(names)}"
            )
    if sorted(order) != list(range(len(names))):
        raise DataError(f"--priority: expected every venue exactly once ({len(names)} venues)")
    return order


def run(args: argparse.Namespace) -> int:
    from .. import allocation as al

    if args.out:
        check_output_file(
            args.out, inputs=[args.production, args.consumption, args.coefficients_file]
        )
    prod_df = _read_curves(args.production, "production", args.sep, args.decimal)
    cons_df = _read_curves(args.consumption, "consumption", args.sep, args.decimal)
    _check_same_labels(prod_df, args.production, cons_df, args.consumption)
    names = list(cons_df.columns)
    n = len(names)
    scale = 1000.0 if args.unit == "Wh" else 1.0
    production = prod_df.to_numpy().T / scale  # (P, T) [kWh]
    consumption = cons_df.to_numpy().T / scale  # (N, T) [kWh]

    key: al.Key
    if args.key in ("static", "redistributed"):
        if not args.coefficients:
            raise DataError(f"--key {args.key}: needs --coefficients (one share per venue column)")
        coef = _parse_coefficients(args.coefficients, n)
        key = al.StaticKey(coef) if args.key == "static" else al.RedistributedKey(coef)
    elif args.key == "dynamic":
        if not args.coefficients_file:
            raise DataError("--key dynamic: needs --coefficients-file")
        coef_df = _read_curves(args.coefficients_file, "coefficients", args.sep, args.decimal)
        _check_same_labels(cons_df, args.consumption, coef_df, args.coefficients_file)
        if list(coef_df.columns) != names:
            raise DataError(
                f"{args.coefficients_file}: columns {list(coef_df.columns)}; expected the venue "
                "columns of the consumption file, in the same order"
            )
        key = al.DynamicKey(coef_df.to_numpy().T)
    elif args.key == "priority":
        if not args.priority:
            raise DataError("--key priority: needs --priority (venues, highest priority first)")
        key = al.PriorityKey(np.asarray(_parse_priority(args.priority, names)))
    else:
        key = al.ProrataKey()
    for flag, keys in (
        ("coefficients", ("static", "redistributed")),
        ("coefficients_file", ("dynamic",)),
        ("priority", ("priority",)),
    ):
        if getattr(args, flag) and args.key not in keys:
            raise DataError(f"--{flag.replace('_', '-')}: not used by --key {args.key}")

    floored = args.resolution_pct is not None
    if floored and not math.isclose(args.resolution_pct, 100 * al.PERMILLE):
        raise DataError(
            f"--resolution-pct {args.resolution_pct:g}: expected {100 * al.PERMILLE:g} (the "
            "resolution allocate floors to)"
        )
    result = al.allocate(production, consumption, key, floor_to_permille=floored)

    if args.out:
        out = pd.DataFrame(index=cons_df.index)
        unit = args.unit.lower()
        out[f"prod_{unit}"] = result.production_kwh * scale
        out[f"autoprod_{unit}"] = result.allocated_kwh.sum(axis=0) * scale
        out[f"surplus_{unit}"] = result.surplus_kwh * scale
        for i, name in enumerate(names):
            name = prm.label(name, i)  # noqa: PLW2901  # a meter id only with --show-prm
            out[f"cons_{unit}[{name}]"] = result.consumption_kwh[i] * scale
            out[f"autocons_{unit}[{name}]"] = result.allocated_kwh[i] * scale
            out[f"complement_{unit}[{name}]"] = result.grid_import_kwh[i] * scale

        def write(tmp: Path) -> None:
            with open(tmp, "w", newline="") as fh:
                out.to_csv(fh, sep=args.sep, decimal=args.decimal, float_format="%.6f")

        atomic_write(args.out, write, suffix=".csv")

    print(_summary(result, names, args.unit, scale, args.key, floored))
    if args.out:
        print(f"written: {args.out}", file=sys.stderr)
    return 0


def _summary(result, names, unit, scale, key_name, floored) -> str:
    rows = []
    cons = result.consumption_kwh.sum(axis=1) * scale
    alloc = result.allocated_total_kwh * scale
    ss = result.self_sufficiency_by_venue
    for i, name in enumerate(names):
        rows.append((prm.label(name, i), cons[i], alloc[i], cons[i] - alloc[i], 100.0 * ss[i]))
    width = max(len("venue"), *(len(r[0]) for r in rows))
    head = (
        f"{'venue':<{width}}  {'consumption':>13}  {'allocated':>13}  {'complement':>13}  "
        f"{'self-suff.':>10}"
    )
    lines = [
        f"key: {key_name}" + (" (shares floored to 0.1 %)" if floored else ""),
        head,
        "-" * len(head),
    ]
    for name, c, a, g, s in rows:
        lines.append(f"{name:<{width}}  {c:>13,.1f}  {a:>13,.1f}  {g:>13,.1f}  {s:>9.1f}%")
    summary = result.summary()
    lines.append("-" * len(head))
    lines.append(
        f"production {summary['production_kwh'] * scale:,.1f} {unit}, allocated "
        f"{summary['allocated_kwh'] * scale:,.1f}, surplus {summary['surplus_kwh'] * scale:,.1f}; "
        f"self-consumption {100 * summary['self_consumption_rate']:.1f} %, "
        f"collective self-sufficiency {100 * summary['self_sufficiency_rate']:.1f} %"
    )
    if floored:
        lines.append(
            f"extra surplus from flooring the shares: {result.flooring_surplus_kwh * scale:,.3f} {unit}"
        )
    return "\n".join(lines)
