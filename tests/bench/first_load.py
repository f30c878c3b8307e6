"""Benchmark: the privacy centre's first load, today's page against the page before issue 29's
second round (``BASELINE``), both built and loaded in the same run.

Each page is built with its own ``web/build.mjs`` (the old one from ``git archive``, on the
installed ``web/node_modules`` when its lockfile is the same, else ``npm ci`` from npm's cache or
the registry), served as the local runtime serves the site (``local.site.Site`` with a
``config.json`` of the same shape) behind a layer that compresses as CloudFront does, and loaded
in a fresh Chromium context (an empty cache: a first visit) throttled through the DevTools
protocol as Lighthouse's devtools throttling does for its mobile "Slow 4G" profile. Per load:
what the browser fetched (bytes as received, headers included, and requests), and the time from
the navigation's start to the first screen being usable (its heading and first control shown).
The rounds alternate which page loads first; the figures are medians and new/old ratios.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from math import comb
from pathlib import Path
from statistics import median
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from local.site import Site, page_config
from tests.bench import quiet
from tests.bench.results import Row
from tests.support import page_build
from tests.support.browser import launch_options

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
BASELINE = "6a62f3b^"  # the privacy centre before issue 29's second round
ROUNDS = 9
SIGNIFICANCE = 0.05

# Lighthouse's mobile "Slow 4G" (150 ms RTT, 1.6 Mbps down, 750 Kbps up, CPU 4x) as its devtools
# throttling applies it, per request: RTT x 3.75, throughputs x 0.9, in bytes per second.
# https://github.com/GoogleChrome/lighthouse/blob/main/core/config/constants.js
SLOW_4G = {
    "offline": False,
    "latency": 150 * 3.75,
    "downloadThroughput": 1.6 * 1024 * 0.9 * 1024 / 8,
    "uploadThroughput": 750 * 0.9 * 1024 / 8,
}
CPU_SLOWDOWN = 4
PHONE: dict[str, Any] = {  # Lighthouse's mobile screen (constants.js, screenEmulationMetrics)
    "viewport": {"width": 412, "height": 823},
    "device_scale_factor": 1.75,
    "is_mobile": True,
    "has_touch": True,
}

# CloudFront compresses (Compress: true, infra/site.py's CachingOptimized policy) a response of
# these types from 1,000 to 10,000,000 bytes, with Brotli when the viewer accepts it, else gzip:
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html
# Chromium accepts Brotli, so CloudFront would send it; Python's standard library has no Brotli
# compressor, so both pages are gzipped here (level 6, zlib's default): Brotli shrinks both more.
COMPRESSED_TYPES = {"text/html", "text/css", "text/javascript", "application/json", "image/svg+xml"}
COMPRESSED_SIZES = range(1_000, 10_000_001)

# The first screens: where a first visit lands, and a deep link to sign in. Usable when the
# page's heading and its first control are shown.
SCREENS = {
    "welcome": ("#/", "#view h2", "#nav a"),
    "sign-in": ("#/sign-in", "#view h2", "#view input"),
}
# Runs in the page before its own scripts (through the DevTools protocol, which its CSP does not
# govern): notes the time, from the navigation's start, of the first frame that shows both.
PROBE = """([heading, control]) => {
  const shown = (selector) => document.querySelector(selector)?.checkVisibility() ?? false;
  const watch = new MutationObserver(() => {
    if (!shown(heading) || !shown(control)) return;
    watch.disconnect();
    requestAnimationFrame(() => { window.__usable = performance.now(); });
  });
  watch.observe(document, { childList: true, subtree: true });
}"""


def compressed_as_cloudfront(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """``app``'s responses gzipped where CloudFront would compress them for a gzip viewer."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = Response.from_app(app, environ)
        body = response.get_data()
        if (
            "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
            and response.mimetype in COMPRESSED_TYPES
            and len(body) in COMPRESSED_SIZES
        ):
            response.set_data(gzip.compress(body, compresslevel=6))
            response.headers["Content-Encoding"] = "gzip"
            response.vary.add("Accept-Encoding")
        return response(environ, start_response)

    return wsgi


def _run(command: list[str], cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)


def build_old(workdir: Path, commit: str = BASELINE) -> Path:
    """The page at ``commit``, built by its own script; its dist folder."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "web"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(workdir, filter="data")
    web = workdir / "web"
    if (web / "package-lock.json").read_bytes() == (WEB / "package-lock.json").read_bytes():
        (web / "node_modules").symlink_to(WEB / "node_modules")
    else:  # npm's cache (make's npm_config_cache) first, else the registry
        _run(["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"], web)
    _run(["node", "build.mjs"], web)
    return web / "dist"


def build_new(workdir: Path) -> Path:
    """This working copy's page, built into ``workdir`` (``web/dist`` is left as it is)."""
    _run(["node", "build.mjs", str(workdir)], WEB)
    return workdir


@contextmanager
def serving(dist: Path) -> Iterator[str]:
    """The page of ``dist`` as the local runtime serves it, compressed; its address."""
    config = {
        "region": "ap-southeast-1",
        "api_url": "http://127.0.0.1:9/bench/",  # the first screens call no API
        "user_pool_id": "ap-southeast-1_Bench0001",
        "user_pool_client_id": "benchclient",
        "identity_pool_id": "ap-southeast-1:00000000-0000-0000-0000-000000000000",
    }
    site = Site(page_config(config, "arn:aws:iam::123456789012:role/bench-guest"), dist=dist)
    server = make_server("127.0.0.1", 0, compressed_as_cloudfront(site), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()


@dataclass
class Load:
    """One load: bytes received (headers included), requests, milliseconds to usable."""

    received: int = 0
    requests: int = 0
    usable_ms: float = 0.0
    encodings: set[str] = field(default_factory=set)


def load_once(browser: Any, url: str, screen: str) -> Load:
    """``screen`` of the page at ``url`` in a fresh, throttled context."""
    address, heading, control = SCREENS[screen]
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.add_init_script(f"({PROBE})({[heading, control]!r})")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        load = Load()

        def sent(event: dict[str, Any]) -> None:
            load.requests += not event["request"]["url"].startswith("data:")

        def finished(event: dict[str, Any]) -> None:
            load.received += int(event["encodedDataLength"])

        def answered(event: dict[str, Any]) -> None:
            headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
            load.encodings.add(headers.get("content-encoding", "identity"))

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.responseReceived", answered)
        page.goto(url + address, wait_until="commit")
        page.wait_for_function("() => window.__usable", polling=100, timeout=120_000)
        page.wait_for_load_state("networkidle", timeout=120_000)  # what it fetches after, too
        load.usable_ms = float(page.evaluate("window.__usable"))
        return load
    finally:
        context.close()


@dataclass
class Screen:
    """One screen's loads, old and new, round by round."""

    old: list[Load] = field(default_factory=list)
    new: list[Load] = field(default_factory=list)

    def ratios(self) -> list[float]:
        return [n.usable_ms / o.usable_ms for o, n in zip(self.old, self.new, strict=True)]


def slower_rounds_allowed(rounds: int, significance: float = SIGNIFICANCE) -> int:
    """The most rounds in which the new page may be the slower without being slower beyond the
    noise: one-sided sign test, each round a coin toss when both pages are as fast."""
    for k in range(rounds + 1):
        if sum(comb(rounds, i) for i in range(k, rounds + 1)) / 2**rounds <= significance:
            return k - 1
    return rounds


def measure(old_url: str, new_url: str, rounds: int = ROUNDS) -> dict[str, Screen]:
    """Each screen of both pages, ``rounds`` times after a load of each not counted; the pages
    alternate which loads first."""
    from playwright.sync_api import sync_playwright

    screens = {name: Screen() for name in SCREENS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options())
        try:
            for name, screen in screens.items():
                load_once(browser, old_url, name)  # not counted: Chromium's first context
                load_once(browser, new_url, name)
                for n in range(rounds):
                    pair = [(screen.old, old_url), (screen.new, new_url)]
                    for loads, url in pair if n % 2 == 0 else reversed(pair):
                        loads.append(load_once(browser, url, name))
        finally:
            browser.close()
    return screens


def _kb(n: float) -> str:
    return f"{n / 1000:.1f} KB"  # of 1,000 bytes, as the README says the bundle's size


def rows(screens: dict[str, Screen], sizes: dict[str, int], rounds: int = ROUNDS) -> list[Row]:
    """The figures: bytes must not grow (they are the same at every load); time to usable must
    not be the new page's in more rounds than chance explains."""
    allowed = slower_rounds_allowed(rounds)
    print(f"first-screen scripts gzipped: {_kb(sizes['old'])} -> {_kb(sizes['new'])}")
    found = [
        Row(
            "privacy centre, first-screen scripts gzipped (level 6): old / new",
            f"{_kb(sizes['old'])} / {_kb(sizes['new'])}; ratio {sizes['new'] / sizes['old']:.2f}",
            "≤ 1.00",
            sizes["new"] <= sizes["old"],
        )
    ]
    for name, screen in screens.items():
        old_bytes = median(load.received for load in screen.old)
        new_bytes = median(load.received for load in screen.new)
        old_ms = median(load.usable_ms for load in screen.old)
        new_ms = median(load.usable_ms for load in screen.new)
        ratios = screen.ratios()
        slower = sum(r > 1 for r in ratios)
        encodings = ", ".join(sorted(set().union(*(load.encodings for load in screen.new))))
        print(
            f"{name}: received {_kb(old_bytes)} -> {_kb(new_bytes)}, requests "
            f"{screen.old[0].requests} -> {screen.new[0].requests}, usable {old_ms:.0f} -> "
            f"{new_ms:.0f} ms (median ratio {median(ratios):.2f}, new slower in {slower} of "
            f"{rounds} rounds; encodings {encodings})"
        )
        found += [
            Row(
                f"privacy centre, {name} screen, first load, bytes received (gzip, headers "
                f"included) and requests: old / new, median of {rounds}",
                f"{_kb(old_bytes)} / {_kb(new_bytes)}, ratio {new_bytes / old_bytes:.2f}; "
                f"{median(load.requests for load in screen.old):.0f} / "
                f"{median(load.requests for load in screen.new):.0f} requests",
                "bytes ≤ 1.00",
                new_bytes <= old_bytes,
            ),
            Row(
                f"privacy centre, {name} screen, first load, time to usable on Slow 4G, CPU "
                f"{CPU_SLOWDOWN}x: old / new, medians of {rounds} alternating rounds",
                f"{old_ms:.0f} / {new_ms:.0f} ms; median ratio {median(ratios):.2f} "
                f"({min(ratios):.2f}-{max(ratios):.2f}), new slower in {slower} of {rounds}",
                f"≤ 1.00: slower in ≤ {allowed} of {rounds} (sign test, 5%)",
                slower <= allowed,
            ),
        ]
    return found


def first_screen_gzipped(dist: Path) -> int:
    """The gzipped size (level 6) of the scripts the page runs before its first screen."""
    names = page_build.scripts(dist, when_needed=False)
    return sum(len(gzip.compress((dist / name).read_bytes(), compresslevel=6)) for name in names)


def main() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-first-load-") as work:
        old = build_old(Path(work) / "old")
        new = build_new(Path(work) / "new")
        sizes = {"old": first_screen_gzipped(old), "new": first_screen_gzipped(new)}
        with serving(old) as old_url, serving(new) as new_url:
            screens = measure(old_url, new_url)
    return rows(screens, sizes)


if __name__ == "__main__":
    quiet()
    main()
