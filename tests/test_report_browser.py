"""The HTML report in a real headless Chromium: it renders, logs no error, shows every figure.

Two browser runs on a report built from the synthetic result of ``test_report``:

1. a copy of the page with a probe script injected first in ``<head>``: it records every error
   event (script errors and failed resource loads, caught in the capture phase) and
   ``console.error`` call, then on ``load`` writes, for each ``<figure>``, whether its image
   decoded (``naturalWidth > 0``) and its drawn size, as JSON into the DOM that ``--dump-dom``
   prints. Chromium's own console log (``--enable-logging=stderr``) is scanned too.
2. the unmodified page, screenshotted (``--screenshot``) for a human look.

All host names resolve to nothing (``--host-resolver-rules``), so a report that tried to fetch
anything from the network would fail to load it and be caught by the probe.

The screenshot is kept in ``GREENKOMMON_SCREENSHOT_DIR`` when that variable is set.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from test_report import make_fake_result

from greenkommon.report.html import FIGURE_IDS, build_html_report
from greenkommon.report.tables import KeyComparison

pytestmark = pytest.mark.browser

PROBE = """<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  window.__errors.push(e.message || ('failed to load ' + ((t && (t.currentSrc || t.src || t.href)) || '?')).slice(0, 200));
}, true);
(function () {
  var original = console.error;
  console.error = function () {
    window.__errors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
})();
window.addEventListener('load', function () {
  var figures = [];
  document.querySelectorAll('figure').forEach(function (f) {
    var img = f.querySelector('img');
    var box = img ? img.getBoundingClientRect() : null;
    figures.push({id: f.id, cls: f.className, img: !!img,
                  decoded: !!(img && img.complete && img.naturalWidth > 0),
                  width: box ? box.width : 0, height: box ? box.height : 0});
  });
  var out = document.createElement('pre');
  out.id = '__probe';
  out.textContent = JSON.stringify({errors: window.__errors, figures: figures});
  document.body.appendChild(out);
});
</script>"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


#: Headless, offline, no first-run or background traffic (shared with the web page's test).
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def _run(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        browser,
        *HEADLESS_FLAGS,
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def browser() -> str:
    path = _chromium()
    if path is None:
        pytest.skip("no headless Chromium on this machine (Debian: apt-get install chromium)")
    return path


def one_key_comparison(result) -> KeyComparison:
    """A comparison holding only the result's own key (enough to draw the figure)."""
    c = result.collective_summary()
    keys = ("self_consumption_pct", "self_sufficiency_pct", "surplus_kwh", "savings_eur")
    return KeyComparison(
        savings_eur=pd.DataFrame([result.bills["savings_eur"].rename(None)], index=["prorata"]),
        self_sufficiency_pct=pd.DataFrame(
            [result.venue_summary()["self_sufficiency_pct"].rename(None)], index=["prorata"]
        ),
        collective=pd.DataFrame([{k: c[k] for k in keys}], index=["prorata"]),
    )


@pytest.fixture(scope="module", params=["en", "fr"])
def page(request, tmp_path_factory) -> Path:
    result = make_fake_result()
    path = tmp_path_factory.mktemp("browser") / f"report-{request.param}.html"
    page = build_html_report(
        result, request.param, extra={"key_comparison": one_key_comparison(result)}
    )
    path.write_text(page, encoding="utf-8")
    return path


def _console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def test_report_renders_without_errors_and_shows_every_figure(browser, page, tmp_path):
    probed = tmp_path / "probed.html"
    text = page.read_text(encoding="utf-8")
    probed.write_text(text.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    proc = _run(
        browser, tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom", probed.as_uri()
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    m = re.search(r'<pre id="__probe">(.*?)</pre>', proc.stdout, re.S)
    assert m, f"probe did not run; DOM starts with {proc.stdout[:300]!r}"
    probe = json.loads(html.unescape(m.group(1)))
    assert probe["errors"] == []
    assert _console_lines(proc.stderr) == []
    figures = {f["id"]: f for f in probe["figures"]}
    assert set(figures) == set(FIGURE_IDS)
    for fid in FIGURE_IDS:
        f = figures[fid]
        assert f["img"] and f["decoded"], fid
        assert f["width"] > 300 and f["height"] > 100, (fid, f["width"], f["height"])


def test_report_screenshot(browser, page, tmp_path):
    shot = tmp_path / "report.png"
    proc = _run(
        browser,
        tmp_path / "profile",
        "--hide-scrollbars",
        "--window-size=1200,6000",
        "--virtual-time-budget=10000",
        f"--screenshot={shot}",
        page.as_uri(),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _console_lines(proc.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # a blank page compresses to a few kB; figures and text make it far larger
    assert len(data) > 100_000, len(data)
    keep = os.environ.get("GREENKOMMON_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / page.with_suffix(".png").name)
