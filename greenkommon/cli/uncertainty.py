"""``greenkommon uncertainty``: P90/P50/P10 over many weather years and load variations."""

from __future__ import annotations

import argparse
import sys
import time

from ._options import add_deprecated


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "uncertainty",
        help="run a scenario over many weather years and load variations; print P90/P50/P10",
        description=(
            "Run the scenario over N sampled years: weather from the synthetic generator (seeds 1..N, "
            "monthly irradiation varied from year to year with the climatology's sourced variability) "
            "or from a multi-year hourly series (--weather-file, e.g. a PVGIS download), each venue's "
            "yearly volume varied (lognormal, mean 1) and its profile noised. Prints P90/P50/P10 of "
            "production, self-consumption, each venue's self-sufficiency and savings, and the "
            "producer's NPV and IRR. P90 is the value exceeded in 90 % of the sampled years (the 10th "
            "percentile), the figure banks ask for."
        ),
        epilog="example: greenkommon uncertainty scenarios/greenkommon.toml --years 200 --out uncertainty/",
    )
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--years", type=int, default=200, help="number of sampled years (default: 200)")
    p.add_argument(
        "--volume-sd",
        type=float,
        default=5.0,
        metavar="PCT",
        help="standard deviation of each venue's yearly volume [%%] (default: 5)",
    )
    p.add_argument(
        "--profile-noise",
        type=float,
        default=5.0,
        metavar="PCT",
        help="per-interval load noise [%%], volume kept (default: 5)",
    )
    p.add_argument(
        "--irradiation-sd",
        type=float,
        default=None,
        metavar="PCT",
        help=(
            "year-to-year standard deviation of the annual irradiation of the synthetic sampled "
            "years [%%] (default: [weather].interannual_sd_pct, else the climatology's "
            "[interannual] figure: 3.9 %% for the bundled one, a literature figure labelled "
            "UNCONFIRMED, see weather/README.md). 0: typical-climatology years only. Not with "
            "--weather-file"
        ),
    )
    p.add_argument(
        "--dask",
        nargs="?",
        const="local",
        default=None,
        metavar="ADDRESS",
        help="spread the years over a Dask cluster (ADDRESS, or no value for local processes)",
    )
    p.add_argument("--load-seed", type=int, default=0, help="seed of the load draws (default: 0)")
    add_deprecated(p, "--seed", "--load-seed", "load_seed", type=int)
    p.add_argument(
        "--weather-file",
        metavar="FILE",
        default=None,
        help="multi-year hourly weather series (PVGIS hourly csv/json, ...) instead of synthetic years",
    )
    p.add_argument(
        "--case",
        default=None,
        metavar="NAME",
        help="escalation case of the producer NPV (default: the scenario's headline case, [finance] headline_case)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="write samples.parquet/csv, summary.csv and the histogram to DIR: a new or empty "
        "folder, or a previous result (only greenkommon's own files there are replaced). A "
        "single-operation run without --dask streams its samples there block by block (memory "
        "flat in --years); portfolios and --dask runs hold the samples in memory",
    )
    p.add_argument(
        "--image",
        choices=("png", "svg", "pdf"),
        default="png",
        help="histogram format (default: png)",
    )
    p.add_argument(
        "--report",
        metavar="FILE.html",
        default=None,
        help="also write the scenario's HTML report with the savings histogram (P50/P90)",
    )
    p.add_argument(
        "--lang", choices=("en", "fr"), default="en", help="language of --report (default: en)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._io import check_output_file, check_output_folder
    from ..scenario import load_scenario
    from ..uncertainty import UncertaintyResult, format_summary, run_uncertainty
    from ..uncertainty.stream import StreamedUncertainty, stream_uncertainty

    t0 = time.perf_counter()
    if args.out:
        check_output_folder(args.out)
    if args.report:
        check_output_file(args.report, "--report")
    scenario = load_scenario(args.scenario)
    if args.report and len(scenario.operations) > 1:
        from ..errors import ScenarioError

        # the sampled figures are the portfolio's; a report is one operation's
        raise ScenarioError(
            f"{args.scenario}: --report {args.report}: the uncertainty report is one "
            f"operation's and this portfolio has {len(scenario.operations)}; use --out"
        )
    print(f"sampling {args.years} year(s) of {scenario.name!r} ...", file=sys.stderr)
    options = dict(
        volume_sd_pct=args.volume_sd,
        profile_noise_pct=args.profile_noise,
        irradiation_sd_pct=args.irradiation_sd,
        seed=args.load_seed,
        weather_file=args.weather_file,
        case=args.case,
        progress=not args.no_progress,
        dask_address=args.dask,
    )
    result: UncertaintyResult | StreamedUncertainty
    if args.out:
        # single-operation runs in this process stream to DIR (bounded memory)
        result = stream_uncertainty(scenario, args.out, args.years, image=args.image, **options)
    else:
        result = run_uncertainty(scenario, args.years, **options)
    print(format_summary(result))
    if args.out:
        print(
            f"\nsamples, summary and histogram.{args.image} written to {args.out}/", file=sys.stderr
        )
    if args.report:
        from ..pipeline import run_scenario
        from ..report.html import write_html_report

        run = run_scenario(scenario).only_operation
        path = write_html_report(
            run, args.report, lang=args.lang, extra={"uncertainty": result.report_mapping()}
        )
        print(f"report written to {path}", file=sys.stderr)
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
