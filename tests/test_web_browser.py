"""The members' page in a real headless Chromium (Debian's package; nothing is downloaded).

The browser is driven through the Chrome DevTools Protocol over ``--remote-debugging-pipe`` (a
small client below: no Selenium, no driver). Every request the page makes is intercepted: one to
anything but the test server fails the test, as does any console error, uncaught exception or
failed resource (CSP violations included). The test opens the page, moves the plant-size slider
with the keyboard and changes the key, checks that the figures change, downloads the scenario
with the page's button and checks that ``greenkommon run`` on that file gives the figures the page
shows.

With ``GREENKOMMON_SCREENSHOT_DIR`` set, a screenshot of the page is saved there (the README's).
"""

from __future__ import annotations

import base64
import json
import os
import re
import selectors
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_report_browser import HEADLESS_FLAGS, _chromium
from test_web_api import serving

from greenkommon.cli import main as cli_main

pytestmark = pytest.mark.browser

FLAGS = (*HEADLESS_FLAGS, "--disable-extensions", "--remote-debugging-pipe")


class Browser:
    """A headless Chromium driven over the DevTools pipe (fd 3: commands in, fd 4: replies out)."""

    def __init__(self, binary: str, profile: Path, allowed_origin: str) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire() -> None:  # in the child: the pipe ends at fds 3 and 4
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [
                binary,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--window-size=1400,1800",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=wire,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._from_browser, selectors.EVENT_READ)
        self.allowed_origin = allowed_origin
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.session: str | None = None

    # -- protocol --------------------------------------------------------------------------
    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if not self._sel.select(timeout=max(0.0, deadline - time.monotonic())):
                raise TimeoutError("no message from the browser")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("the browser closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(
        self, method: str, params: dict | None = None, timeout: float = 60.0, **kw: Any
    ) -> dict:
        self._next_id += 1
        my_id = self._next_id
        msg: dict[str, Any] = {"id": my_id, "method": method, "params": params or {}}
        session = kw.get("session", self.session)
        if session:
            msg["sessionId"] = session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == my_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._event(reply)

    def pump(self, seconds: float) -> None:
        """Handle events for ``seconds``."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self._event(self._read_message(deadline))
            except TimeoutError:
                return

    def _event(self, msg: dict[str, Any]) -> None:
        method, p = msg.get("method"), msg.get("params", {})
        if method == "Fetch.requestPaused":
            url = p["request"]["url"]
            if url.startswith(self.allowed_origin):
                self._reply("Fetch.continueRequest", {"requestId": p["requestId"]})
            else:
                self.blocked.append(url)
                self._reply(
                    "Fetch.failRequest",
                    {"requestId": p["requestId"], "errorReason": "BlockedByClient"},
                )
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            args = " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", [])
            )
            self.errors.append(f"console.{p['type']}: {args}")
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.errors.append(
                f"exception: {d.get('exception', {}).get('description') or d.get('text')}"
            )
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            e = p["entry"]
            self.errors.append(f"log: {e.get('text')} {e.get('url', '')}")

    def _reply(self, method: str, params: dict) -> None:
        # answered without waiting: the reply arrives among the events and is ignored there
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params, "sessionId": self.session}
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")

    # -- page helpers --------------------------------------------------------------------------
    def open(self, url: str, downloads: Path) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, session=None
        )["sessionId"]
        for method in ("Runtime.enable", "Log.enable", "Page.enable"):
            self.send(method)
        self.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
        self.send(
            "Browser.setDownloadBehavior",
            {"behavior": "allow", "downloadPath": str(downloads), "eventsEnabled": True},
            session=None,
        )
        self.send("Page.navigate", {"url": url})

    def js(self, expression: str) -> Any:
        r = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in r:
            raise AssertionError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            self.pump(0.1)
        raise AssertionError(f"timed out waiting for {expression}; errors: {self.errors}")

    def key(self, key: str, code: str, vk: int) -> None:
        for kind in ("rawKeyDown", "keyUp"):
            self.send(
                "Input.dispatchKeyEvent",
                {"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": vk},
            )

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(data["data"]))

    def close(self) -> None:
        try:
            self.send("Browser.close", session=None, timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


@pytest.fixture(scope="module")
def live_server() -> Iterator[str]:
    with serving() as origin:
        yield origin


@pytest.fixture()
def browser(live_server, tmp_path):
    binary = _chromium()
    if binary is None:
        pytest.skip("no headless Chromium on this machine (Debian: apt-get install chromium)")
    b = Browser(binary, tmp_path / "profile", live_server)
    yield b
    b.close()


# numbers as the page prints them: French grouping with (narrow) no-break spaces, decimal comma
def _number(text: str) -> float:
    t = re.sub(r"[\s\u00a0\u202f]", "", text).replace("−", "-").replace(",", ".")
    return float(t)


VENUE_ROWS = """[...document.querySelectorAll('#venues tbody tr')].map(r => [r.dataset.venue,
  r.querySelector('[data-field=savings_eur_per_year]').textContent,
  r.querySelector('[data-field=bill_with_eur_per_year]').textContent,
  r.querySelector('[data-field=self_sufficiency_pct]').textContent])"""


def test_page_moves_and_matches_run(browser, live_server, tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.open(live_server + "/", downloads)
    browser.wait_for("document.querySelectorAll('#venues tbody tr').length === 4")
    browser.wait_for("document.getElementById('monthly').naturalWidth > 0")
    assert browser.js("document.documentElement.lang") == "fr"
    before = browser.js(VENUE_ROWS)
    kwp_before = _number(browser.js("document.getElementById('c-kwp').textContent").split("k")[0])
    assert kwp_before == 400

    # move the plant-size slider with the keyboard: 15 steps of 10 kWp down
    browser.js("document.getElementById('kwp-0').focus()")
    for _ in range(15):
        browser.key("ArrowLeft", "ArrowLeft", 37)
    browser.wait_for("document.getElementById('c-kwp').textContent.startsWith('250')")
    browser.wait_for("document.getElementById('busy').hidden")
    moved = browser.js(VENUE_ROWS)
    assert [r[0] for r in moved] == [r[0] for r in before]
    # a smaller plant shares less with every venue (pro rata), and the money moves
    assert all(_number(m[3]) < _number(b[3]) for m, b in zip(moved, before, strict=True))
    assert all(m[1] != b[1] for m, b in zip(moved, before, strict=True))

    # a static key instead of Enedis's default
    browser.js(
        "const k = document.getElementById('key'); k.value = 'static';"
        "k.dispatchEvent(new Event('change'))"
    )
    browser.wait_for("document.querySelectorAll('#keytable thead th').length === 3")
    browser.wait_for("document.getElementById('busy').hidden")
    keyed = browser.js(VENUE_ROWS)
    assert keyed != moved

    # download the scenario with the page's button; `greenkommon run` must give the page's figures
    browser.js("document.querySelector('[data-download=\"scenario.toml\"]').click()")
    deadline = time.monotonic() + 60
    files: list[Path] = []
    while time.monotonic() < deadline and not files:
        browser.pump(0.2)
        files = [p for p in downloads.glob("*.toml")]
    assert files, f"no scenario downloaded; errors: {browser.errors}"
    out = tmp_path / "run"
    assert cli_main(["run", str(files[0]), "--brief", "--out", str(out)]) == 0
    venues = pd.read_csv(out / "venues.csv", index_col=0)
    for name, savings, bill_with, _ in keyed:
        assert _number(savings) == pytest.approx(venues.loc[name, "savings_eur"], abs=0.5)
        assert _number(bill_with) == pytest.approx(venues.loc[name, "bill_with_eur"], abs=0.5)

    # English on demand
    browser.js("document.getElementById('lang').click()")
    browser.wait_for("document.documentElement.lang === 'en'")
    browser.wait_for("document.getElementById('verdict').textContent.length > 0")
    # the plan's ranked configurations, on demand
    browser.js("document.getElementById('plan-button').click()")
    browser.wait_for("document.getElementById('plan-answer').textContent.length > 0", timeout=120)
    assert browser.js("document.getElementById('error').hidden")
    shots = os.environ.get("GREENKOMMON_SCREENSHOT_DIR")
    if shots:
        browser.js("document.getElementById('lang').click()")
        browser.wait_for("document.documentElement.lang === 'fr'")
        browser.wait_for("document.getElementById('monthly').naturalWidth > 0")
        browser.pump(0.5)  # the plan is asked again in French
        browser.wait_for("document.getElementById('plan-busy').hidden", 120)
        browser.pump(1.0)
        browser.screenshot(Path(shots) / "serve-page.png")
    browser.pump(0.5)
    assert browser.errors == []
    assert browser.blocked == []


def test_portfolio_page_moves_a_venue_and_a_roof(browser, live_server, tmp_path):
    browser.open(live_server + "/?lang=en", tmp_path)
    browser.wait_for("document.querySelectorAll('#venues tbody tr').length === 4")
    browser.js(
        "const s = document.getElementById('scenario'); s.value = 'portfolio.toml';"
        "s.dispatchEvent(new Event('change'))"
    )
    browser.wait_for("document.querySelectorAll('#cards .operation').length === 2")
    browser.wait_for("document.querySelectorAll('#plants input[type=range]').length === 2")
    assert browser.js("document.documentElement.lang") == "en"
    ops = browser.js(
        "[...document.querySelectorAll('#cards .operation')].map(c => c.dataset.operation)"
    )
    member = "[...document.querySelectorAll('#venues tbody tr')].map(r => [r.dataset.venue, r.children[1].textContent])"
    before = dict(browser.js(member))
    # Les Poussières moves to the other operation through its selector
    browser.js(
        f"const m = document.querySelector('#members select[data-venue=\"Les Poussières\"]');"
        f"m.value = {json.dumps(ops[1])}; m.dispatchEvent(new Event('change'))"
    )
    browser.wait_for(
        f"[...document.querySelectorAll('#venues tbody tr')].some(r => r.dataset.venue === 'Les Poussières'"
        f" && r.children[1].textContent.startsWith({json.dumps(ops[1])}))"
    )
    assert before["Les Poussières"].startswith(ops[0])
    # the first roof grows by 10 steps of 10 kWp
    kwp = "document.querySelector('#cards .operation dd').textContent"
    first = browser.js(kwp)
    browser.js("document.getElementById('kwp-0').focus()")
    for _ in range(10):
        browser.key("ArrowRight", "ArrowRight", 39)
    browser.wait_for(f"{kwp} !== {json.dumps(first)}")
    browser.wait_for("document.getElementById('busy').hidden")
    assert _number(browser.js(kwp).split("k")[0]) == _number(first.split("k")[0]) + 100
    browser.pump(0.5)
    assert browser.errors == []
    assert browser.blocked == []
