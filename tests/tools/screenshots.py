"""Screenshots of the main states of the search page on the demo corpus: `make screenshots`.

Starts the app on a free loopback port with its own data folder (var/screenshots), loads the demo
corpus there if it is empty, and drives Debian's Chromium through Playwright.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([*manage, "load_demo", "--if-empty"], env=env, check=True)
    server = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)  # noqa: S310 - loopback only
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the app did not start")


def shoot(page: Page, name: str) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUT / f"{name}.png"))
    print(f"docs/screenshots/{name}.png")


def journeys(page: Page, base: str) -> None:
    page.goto(base + "/")
    shoot(page, "01-browse")
    page.locator("#q").press_sequentially("Trump", delay=40)
    page.wait_for_url("**/?q=Trump")
    shoot(page, "02-search-as-you-type")
    page.locator("a[data-facet=person][data-value=joe-biden]").click()
    page.wait_for_url("**person=joe-biden")
    busiest = page.locator("a[data-facet=date]").evaluate_all(
        "els => els.reduce((a, b) => (+b.dataset.count > +a.dataset.count ? b : a)).dataset.value"
    )
    page.locator(f"a[data-facet=date][data-value='{busiest}']").click()
    page.wait_for_url("**from=**")
    shoot(page, "03-person-and-date-drilldown")
    hit = page.locator("li.hit").first
    hit.locator("[data-action=context]").click()
    hit.locator(".context").wait_for()
    if hit.locator("[data-action=more]").count():
        hit.locator("[data-action=more]").click()
        hit.locator(".more-matches").wait_for()
    shoot(page, "04-context-and-more-in-article")
    page.locator("li.hit a.title").first.click()
    shoot(page, "05-article-page")
    page.goto(base + "/?q=Trump")
    bar = page.locator(".timeline-chart a.bar").evaluate_all(
        "els => els.reduce((a, b) => (+b.dataset.count > +a.dataset.count ? b : a)).getAttribute('href')"
    )
    page.locator(f".timeline-chart a.bar[href='{bar}']").focus()  # the value shows on keyboard focus
    shoot(page, "07-timeline-axes-and-focus")
    page.goto(base + "/?person=donald-trump")
    page.locator("#facet-with a[data-facet=with]").first.click()
    page.wait_for_url("**with=**")
    shoot(page, "09-mentioned-with")
    page.goto(base + "/person/donald-trump/")
    shoot(page, "10-person-page")
    page.goto(base + "/compare/?q=Trump&q=Biden&q=climate&per=volume")
    shoot(page, "11-compare-queries")
    page.goto(base + "/?q=admire+president")
    page.locator("li.hit[data-copies] a[data-action=first-appeared]").first.click()
    shoot(page, "12-where-did-this-first-appear")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/?q=climate")
    shoot(page, "06-phone-width")
    page.locator("#filters > summary").click()
    shoot(page, "08-phone-filters-open")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NEWSAPP_VAR_DIR": str(ROOT / "var" / "screenshots"), "DJANGO_DEBUG": "1"}
    port = free_port()
    server = start_server(env, port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            journeys(page, f"http://127.0.0.1:{port}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
