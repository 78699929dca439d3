#!/usr/bin/env python3
"""Screenshots of every page at a phone's width (390 px) and a laptop's (1280 px), from the demo.

    python3 scripts/screenshots.py              # writes docs/screenshots/<page>-390.png and -1280.png
    python3 scripts/screenshots.py --port 8023  # the demo on this port instead of a free one

Runs `flightbridge demo` in a throw-away data directory on a free port, then drives Debian's chromium
as a pilot would: log in, connect MyFlightbook (the demo's offline sandbox), sync, import the sample
Logger package, sync the demo's aircraft models, open a flight. Each picture is the top of the page
(at most MAX_HEIGHT px), so the files stay small. Never touches ./var or a real MyFlightbook.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bootstrap import ROOT, ensure_venv  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
WIDTHS = {390: 844, 1280: 860}
MAX_HEIGHT = {390: 2200, 1280: 1500}
CHROMIUM = os.environ.get("FLIGHTBRIDGE_CHROMIUM", "/usr/bin/chromium")
USERNAME, PASSWORD = "pilot", "flightbridge-demo"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, deadline_seconds: float = 120) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the demo did not answer at {url} within {deadline_seconds:.0f}s")


def shoot(page, name: str, width: int) -> None:
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT[width])
    path = OUT / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
    print(f"  {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")


def shoot_section(page, name: str, selector: str, width: int) -> None:
    """The top of one section of a long page (the logbook's totals, its flights table)."""
    section = page.locator(selector)
    section.scroll_into_view_if_needed()
    box = section.bounding_box()
    height = min(box["height"], MAX_HEIGHT[width] * 0.6)
    path = OUT / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True,
                    clip={"x": 0, "y": box["y"] + page.evaluate("window.scrollY"), "width": width, "height": height})
    print(f"  {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")


def set_the_scene(page, base: str, data_dir: Path) -> dict[str, str]:
    """Bring the demo's data in through the pages, as a pilot would; returns name → path of each page."""
    page.goto(f"{base}/accounts/login/?next=/logbook/")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/logbook/")
    page.click("#mfb-connect")
    page.click("#approve")
    page.wait_for_url(f"{base}/logbook/**")
    page.goto(f"{base}/logbook/")
    page.click("#mfb-sync-button")
    page.wait_for_selector('#mfb-sync-state[data-state="ready"]', timeout=180_000)
    page.goto(f"{base}/logbook/import/logger")
    page.fill("textarea[name=link]", (data_dir / "logger-sample-package.json").read_text())
    page.click("#logger-import-form button[type=submit]")
    page.wait_for_selector("#logger-import-result")
    page.goto(f"{base}/fleet/sync/")
    page.click('button[data-action="sync-all"]')
    page.wait_for_selector('#jobs li[data-job-status="succeeded"]', timeout=120_000)
    page.goto(f"{base}/logbook/aircraft/")
    aircraft_path = page.locator("tr[data-aircraft-id] td a").first.get_attribute("href")
    page.goto(f"{base}/fleet/sync/")
    edit_path = page.locator('a[data-action="edit"]').first.get_attribute("href")
    page.goto(f"{base}/logbook/")
    flight_path = page.locator("tr[data-flight-id] td[data-col='date'] a").first.get_attribute("href")
    flight_id = flight_path.rstrip("/").rsplit("/", 1)[1]
    return {
        "logbook": "/logbook/",
        "flight": flight_path,
        "imports": "/logbook/imports/",
        "currency": "/logbook/currency/",
        "logger-export": "/logbook/export/logger?from=2025-01-01&export=1",
        "logger-qr": f"/logbook/export/logger?flight={flight_id}",
        "fleet-sync": "/fleet/sync/",
        "fleet-source-new": "/fleet/sources/new",
        "fleet-source-edit": edit_path,
        "mfb-fleet": "/fleet/myflightbook/",
        "csv-export": "/logbook/export/csv",
        "csv-import": "/logbook/import/csv",
        "log-flight": "/logbook/flights/new",
        "flight-check": "/logbook/check/",
        "settings": "/settings/",
        "aircraft": "/logbook/aircraft/",
        "aircraft-detail": f"{aircraft_path}?q=cessna",
        "404": "/logbook/no-such-page/",
    }


def main() -> None:
    python = ensure_venv("test")  # Playwright comes with the test tools
    if os.environ.get("FLIGHTBRIDGE_SCREENSHOTS_CHILD") != "1":
        # Re-run inside the venv, where Playwright lives.
        env = {**os.environ, "FLIGHTBRIDGE_SCREENSHOTS_CHILD": "1"}
        raise SystemExit(subprocess.run([str(python), __file__, *sys.argv[1:]], env=env).returncode)

    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="flightbridge-screenshots-") as data_dir:
        env = {**os.environ, "FLIGHTBRIDGE_DATA_DIR": data_dir, "FLIGHTBRIDGE_LOG_LEVEL": "WARNING"}
        log = open(Path(data_dir) / "demo.log", "wb")
        demo = subprocess.Popen([str(python.parent / "flightbridge"), "demo", "--port", str(port)], env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_up(f"{base}/accounts/login/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
                scene = browser.new_context(viewport={"width": 1280, "height": 860})
                paths = set_the_scene(scene.new_page(), base, Path(data_dir))
                scene.close()
                for width, height in WIDTHS.items():
                    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
                    page = context.new_page()
                    page.goto(f"{base}/accounts/login/?next=/logbook/")
                    shoot(page, "login", width)
                    page.fill("input[name=username]", USERNAME)
                    page.fill("input[name=password]", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_url(f"{base}/logbook/")
                    for name, path in paths.items():
                        page.goto(base + path)
                        shoot(page, name, width)
                        if name == "logbook":
                            shoot_section(page, "logbook-totals-by-source", "#logbook-totals", width)
                            shoot_section(page, "logbook-flights", "#flights", width)
                    page.goto(f"{base}/logbook/import/logger")
                    page.fill("textarea[name=link]", (Path(data_dir) / "logger-sample-package.json").read_text())
                    page.click("#logger-import-form button[type=submit]")
                    page.wait_for_selector("#logger-import-result")
                    shoot(page, "logger-import", width)
                    # A hand entry the flight check refuses: the box at the top of the page.
                    page.goto(f"{base}/logbook/flights/new")
                    for name, value in (("date", "2026-12-05"), ("tail_number", "N172SP"), ("departure", "KPAO"),
                                        ("destination", "KSQL"), ("total_flight_time", "1:15"), ("pic", "12.5"),
                                        ("day_landings", "1"), ("day_full_stop_landings", "2")):
                        page.fill(f"[name={name}]", value)
                    page.click("#log-save")
                    page.wait_for_selector("#refused")
                    shoot(page, "log-flight-refused", width)
                    # The model sync's preview of the demo's source (a POST: what a sync would do, nothing saved).
                    page.goto(f"{base}/fleet/sync/")
                    page.locator('button[data-action="preview"]').first.click()
                    page.wait_for_selector("#source-preview")
                    shoot(page, "fleet-preview", width)
                    context.close()
                browser.close()
        except BaseException:
            log.flush()
            print((Path(data_dir) / "demo.log").read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
        finally:
            os.killpg(demo.pid, signal.SIGTERM)
            demo.wait(timeout=30)
            log.close()


if __name__ == "__main__":
    main()
