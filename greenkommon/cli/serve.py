"""``greenkommon serve``: the members' web page (a local server; see :mod:`greenkommon.web`)."""

from __future__ import annotations

import argparse
import sys
import threading
import webbrowser
from pathlib import Path

from ..errors import ScenarioError

#: Host names that only this machine can reach.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="open the members' web page: move a slider, see who gains",
        description=(
            "Serve a local web page (French by default, English with ?lang=en) where members change "
            "who joins, the plant size, the key, prices and financing and see, at once, each venue's "
            "bill with and without the operation, the producer's view, eligibility and the GO/NO-GO "
            "decision. The page and its JSON API (POST /api/evaluate) call the same evaluation as "
            "`greenkommon run`; nothing is loaded from the internet."
        ),
    )
    p.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="scenario the page opens with (default: scenarios/greenkommon.toml); the page offers "
        "every scenario of its folder",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens it to the "
        "network, without any login)",
    )
    p.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from ..web import create_app

    if args.scenario is None:
        folder, default = Path("scenarios"), None
        if not folder.is_dir():
            raise ScenarioError(
                "scenarios/: no such folder here: run from the project folder or name a scenario "
                "file (greenkommon serve path/to/scenario.toml)"
            )
    else:
        path = Path(args.scenario)
        if not path.is_file():
            raise ScenarioError(f"{path}: no such scenario file")
        if path.suffix != ".toml":
            raise ScenarioError(f"{path}: expected a .toml scenario file")
        folder, default = path.parent, path.name
    if not 0 < args.port < 65536:
        raise ScenarioError(f"--port {args.port}: expected a port number in 1..65535")
    local = args.host in LOOPBACK
    if not local:
        print(
            f"warning: listening on {args.host}: anyone who can reach this machine on the network "
            "can use the page and its API (there is no login)",
            file=sys.stderr,
        )
    app = create_app(folder, default, local_only=local)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else shown}:{args.port}/"
    print(f"greenkommon serve: {url}  (Ctrl+C to stop)", file=sys.stderr)
    if args.open:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False)
    return 0
