"""Browser tests: Playwright for Python driving Debian's Chromium against Django's live server.

No browser is downloaded: Chromium comes from Debian (`bin/ensure-chromium`), axe-core from npm.
Screenshots of each step go to test-artifacts/e2e/; on failure the last page is saved there too.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright beside the live server thread

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_REPORT = ARTIFACTS / "axe-report.txt"
WIDTH_REPORT = ARTIFACTS / "width-report.txt"
PHONE = {"width": 390, "height": 844}  # every page must fit a 390 px phone screen with no sideways scroll
DESKTOP = {"width": 1280, "height": 900}
DEMO_PASSWORD = "Radiology-demo-2026"  # portal/accounts/demo.py


def pytest_sessionstart(session):
    AXE_REPORT.unlink(missing_ok=True)  # one report per run
    WIDTH_REPORT.unlink(missing_ok=True)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _axe_source() -> str:
    return AXE.read_text()


@pytest.fixture
def browser(transactional_db):
    # Function-scoped, and started only after the database is ready: Playwright's sync API switches
    # greenlets, and Django's per-context connection objects made after that lose the test
    # database's serialized contents (so the data migrations made would not be restored).
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run bin/ensure-chromium (make test-e2e does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Journey:
    """A browser tab with helpers: step screenshots, axe checks, console errors."""

    def __init__(self, page, base_url: str, name: str):
        self.page = page
        self.base_url = base_url
        self.name = name
        self.step = 0
        self.console_errors: list[str] = []
        self.axe_violations: list[str] = []
        self.width_violations: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda e: self.console_errors.append(f"{page.url}: {e}"))

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        text = message.text
        if text.startswith("axe.run results"):  # Wagtail's userbar runs its own checker for editors
            with contextlib.suppress(Exception):  # keep the plain text if the details cannot be read
                found = [(v["id"], v["nodes"][0]["html"][:80]) for v in message.args[1].json_value()]
                text = f"Wagtail userbar checker: {found}"
        if "status of 400" in text and re.search(r"/admin/(pages|snippets)/.+/edit/", self.page.url):
            # Wagtail 8's autosave posts the editor form every WAGTAIL_AUTOSAVE_INTERVAL ms; while a
            # field is half typed (a title just cleared) it answers 400 and shows that in its own
            # indicator. The publish that follows is checked by the test itself.
            return
        self.console_errors.append(f"{self.page.url}: {text}")

    def goto(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def snap(self, label: str) -> None:
        self.step += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.step:02d}-{safe}.png"), full_page=True)

    def check_accessibility(self, label: str) -> None:
        """Run axe-core (WCAG 2.2 AA rules) on the current page; keep serious/critical violations.

        Every check is written to test-artifacts/e2e/axe-report.txt. The Wagtail admin (/admin/) is
        Wagtail's own UI, not the portal's: its findings are reported there but do not fail a test.
        """
        if not AXE.exists():
            pytest.fail("axe-core is missing: run `npm ci` (make test-e2e does).")
        # Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) stays on.
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(_axe_source() + "\n;undefined")
        # Check the settled page: a colour caught halfway through a CSS transition (a slot button that
        # was just chosen) is not the contrast anyone reads. Finite transitions/animations only.
        result = self.page.evaluate(
            """async () => {
                const running = document.getAnimations().filter(
                    a => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
                await Promise.all(running.map(a => a.finished.catch(() => null)));
                return await axe.run(document, {runOnly: {type: 'tag',
                    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}});
            }"""
        )
        path = self.page.url.removeprefix(self.base_url)
        third_party = path.startswith("/admin/")
        found = []
        for violation in result["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
                first = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")[:240]
                found.append(f"{label} ({path}): {violation['id']} ({violation['impact']}) {targets} {first}")
        if not third_party:
            self.axe_violations.extend(found)
        minor = sum(1 for v in result["violations"] if v["impact"] not in ("serious", "critical"))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with AXE_REPORT.open("a") as report:
            report.write(f"{self.name}\t{label}\t{path}\tserious/critical: {len(found)}\tmoderate/minor: {minor}"
                         f"{'  (Wagtail admin, reported only)' if third_party else ''}\n")
            for line in found:
                report.write(f"    {line}\n")

    def check_phone_width(self, label: str) -> None:
        """Lay the page out at 390 px and measure document.documentElement.scrollWidth: more than
        390 means a phone scrolls sideways. The widest offenders go in the message and in
        test-artifacts/e2e/width-report.txt; a screenshot at 390 px is kept beside the step's.
        The Wagtail admin is Wagtail's own UI: reported only, like its axe findings."""
        page = self.page
        page.set_viewport_size(PHONE)
        try:
            measured = page.evaluate(
                r"""async () => {
                    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                    const limit = window.innerWidth;
                    const wide = [];
                    for (const el of document.body.querySelectorAll('*')) {
                        const box = el.getBoundingClientRect();
                        if (box.width && box.right > limit + 1 && getComputedStyle(el).position !== 'fixed') {
                            let hidden = false;
                            for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                                const o = getComputedStyle(p).overflowX;
                                if (['auto', 'scroll', 'hidden', 'clip'].includes(o)) { hidden = true; break; }
                            }
                            if (!hidden) wide.push([Math.round(box.right), el.tagName.toLowerCase()
                                + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string'
                                ? '.' + el.className.trim().split(/\s+/).slice(0, 3).join('.') : '')]);
                        }
                    }
                    wide.sort((a, b) => b[0] - a[0]);
                    return {scroll: document.documentElement.scrollWidth, limit, wide: wide.slice(0, 4)};
                }"""
            )
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            safe = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.step:02d}-{safe}-390.png"), full_page=True)
        finally:
            page.set_viewport_size(DESKTOP)
        path = page.url.removeprefix(self.base_url)
        third_party = path.startswith("/admin/")
        ok = measured["scroll"] <= measured["limit"]
        line = f"{label} ({path}): scrollWidth {measured['scroll']} px at {measured['limit']} px"
        if not ok:
            line += f"; widest: {measured['wide']}"
            if not third_party:
                self.width_violations.append(line)
        with WIDTH_REPORT.open("a") as report:
            report.write(f"{self.name}\t{'ok' if ok else 'TOO WIDE'}\t{line}"
                         f"{'  (Wagtail admin, reported only)' if third_party else ''}\n")

    def _checks(self, label: str) -> None:
        self.snap(label)
        self.check_accessibility(label)
        self.check_phone_width(label)

    def visit(self, path: str, label: str):
        self.goto(path)
        self._checks(label)
        return self.page

    def arrived(self, label: str):
        """After a click that loaded a page: screenshot it, check it with axe, measure it at 390 px."""
        self.page.wait_for_load_state()
        self._checks(label)
        return self.page

    def follow(self, locator, label: str | None = None):
        """Click something that loads a new page; wait for that page (then screenshot + axe)."""
        with self.page.expect_navigation():
            locator.click()
        if label:
            self.arrived(label)
        return self.page

    def sign_in(self, email: str, password: str = DEMO_PASSWORD, *, check: bool = False):
        """Sign in through the login form (staff with TOTP land on the code page)."""
        page = self.visit("/login/", "login") if check else self.goto("/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        return self.follow(page.get_by_role("button", name="Sign in"))

    def assert_clean(self) -> None:
        """No console errors (CSP violations among them), no serious/critical axe violations, and
        every page visited fits a 390 px screen."""
        assert self.console_errors == [], f"console errors in {self.name}: {self.console_errors}"
        assert self.axe_violations == [], f"accessibility violations in {self.name}: {self.axe_violations}"
        # Every page visited must fit 390 px (width-report.txt lists each, on every run);
        # E2E_STRICT_WIDTH=0 only reports, for looking at a layout change in progress.
        if os.environ.get("E2E_STRICT_WIDTH", "1") != "0":
            assert self.width_violations == [], f"pages wider than 390 px in {self.name}: {self.width_violations}"


def _open(browser, live_server, name: str) -> tuple[Journey, object]:
    for stale in ARTIFACTS.glob(f"{name}-*.png"):  # screenshots of an earlier run of this test
        stale.unlink()
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    # A page load may wait longer: the live server's first render (cold templates, Wagtail's site
    # lookup) took over 15 s on this shared 2-core machine while the other suites ran.
    page.set_default_navigation_timeout(45_000)
    return Journey(page, live_server.url, name), context


def _close(request, opened: list) -> None:
    failed = getattr(request.node, "rep_call", None) and request.node.rep_call.failed
    for trip, context in opened:
        if failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            trip.page.screenshot(path=str(ARTIFACTS / f"{trip.name}-FAILED.png"), full_page=True)
        context.close()


@pytest.fixture
def journey(browser, live_server, request):
    opened = [_open(browser, live_server, request.node.name)]
    yield opened[0][0]
    _close(request, opened)


@pytest.fixture
def person(browser, live_server, request):
    """Factory for stories with several people: `person("reception")` is a browser context of its
    own (its own cookies and session), with its own screenshots."""
    opened = []

    def make(role: str) -> Journey:
        opened.append(_open(browser, live_server, f"{request.node.name}-{role}"))
        return opened[-1][0]

    yield make
    _close(request, opened)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
