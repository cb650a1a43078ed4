"""Fixtures of the browser suite: the portal served once per session on a loopback port with a
fresh database, one headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) per
session, and a new browser context per test.

What fails a test beyond its own assertions: a JavaScript error or a console error in the page
(a Content-Security-Policy violation is one), and an exception raised in the app while serving
it. A failed test leaves a screenshot, the page's HTML and the browser's console under
`test-artifacts/e2e/`.

Run: `make test-e2e` (or `.venv/bin/python -m pytest tests/e2e`); `E2E_SCREENSHOTS=DIR` also
keeps screenshots of the main screens; `E2E_CHROMIUM=PATH` names another Chromium binary.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.mail import PROJECT, _free_port, _Handler

from .world import Live, start

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",  # CI containers often give /dev/shm only 64 MB
]
TIMEOUT_MS = 10_000  # any single wait; Playwright polls, so a passing step takes no longer
# Noise that is not the page's doing: the browser asks for /favicon.ico on its own.
IGNORED_CONSOLE = (re.compile(r"/favicon\.ico$"),)


class Watch:
    """What the browser and the server reported while a test ran."""

    def __init__(self, live: Live) -> None:
        self.live = live
        self.server_errors_before = len(live.server_errors)
        self.console: list[str] = []  # every console line, for the artefacts
        self.errors: list[str] = []
        self.expected: list[re.Pattern[str]] = []

    def expect_error(self, pattern: str) -> None:
        """Tolerate console errors matching `pattern` (an expected 404 page, say)."""
        self.expected.append(re.compile(pattern))

    def on_console(self, message) -> None:  # noqa: ANN001 (playwright's ConsoleMessage)
        url = (message.location or {}).get("url", "")
        line = f"[{message.type}] {message.text} ({url})"
        self.console.append(line)
        if message.type != "error" or any(p.search(url) for p in IGNORED_CONSOLE):
            return
        if any(p.search(message.text) or p.search(url) for p in self.expected):
            return
        self.errors.append(f"console error: {message.text} at {url}")

    def on_page_error(self, error) -> None:  # noqa: ANN001
        line = f"page error (uncaught JavaScript exception): {error}"
        self.console.append(line)
        self.errors.append(line)

    def on_dialog(self, dialog) -> None:  # noqa: ANN001
        """Answer "OK" to a confirm() or alert(), as the person would, and note what it asked."""
        from playwright.sync_api import Error

        self.console.append(f"[dialog {dialog.type}] {dialog.message}")
        try:
            dialog.accept()
        except Error:  # another listener of the test answered it already
            pass

    def problems(self) -> list[str]:
        return self.errors + [
            f"server error: {e}" for e in self.live.server_errors[self.server_errors_before :]
        ]


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The portal on a free loopback port, with a fresh, seeded SQLite database."""
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # no line per request
    served = start(tmp_path_factory.mktemp("e2e"))
    yield served
    served.server.shutdown()
    served.server.server_close()
    werkzeug_log.setLevel(level)


@pytest.fixture(scope="session")
def worker(live: Live, tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Handler]:
    """The SMTP server and one worker on the live portal's database and broker."""
    handler, port = _Handler(), _free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    config = live.app.config
    config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    env = {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "BROKER_URL": config["BROKER_URL"],
        "JOB_RESULT_DIR": str(config["JOB_RESULT_DIR"]),
        "UPLOAD_DIR": str(config["UPLOAD_DIR"]),  # the imports' kept uploads
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "PUBLIC_BASE_URL": live.url,
        "SECRET_KEY": config["SECRET_KEY"],  # the live server's own random key
        "PORTAL_DEMO": "0",
    }
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "portal", "worker"],
        cwd=PROJECT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield handler
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    smtp.stop()
    config.update(MAIL_SERVER="")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the whole session."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: run `make e2e-deps` (apt-get install chromium)"
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def watch(request: pytest.FixtureRequest, live: Live) -> Watch:
    """The test's record of browser and server errors (checked after the test body)."""
    request.node._e2e_watch = Watch(live)
    return request.node._e2e_watch


@pytest.fixture
def page(browser, live: Live, watch: Watch, request: pytest.FixtureRequest) -> Iterator:
    """A page in a new browser context (its own cookies), set up as staff in Jakarta would be."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(
        base_url=live.url,
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        viewport={"width": 1366, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    page.on("dialog", watch.on_dialog)
    request.node._e2e_page = page
    yield page
    context.close()


# --- hooks: errors fail the test; a failure leaves artefacts ---------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After the test body: any console, JavaScript or server error fails the test too."""
    watch: Watch | None = getattr(item, "_e2e_watch", None)
    try:
        result = yield
    except BaseException as failure:
        if watch and watch.problems():
            failure.add_note("Also reported meanwhile:\n  " + "\n  ".join(watch.problems()))
        raise
    if watch and watch.problems():
        raise AssertionError(
            "The browser or the server reported errors:\n  " + "\n  ".join(watch.problems())
        )
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """When a scenario fails, keep a screenshot, the page's HTML and the console log."""
    report = yield
    page = getattr(item, "_e2e_page", None)
    if report.failed and report.when in ("setup", "call") and page is not None:
        folder = item.config.rootpath / "test-artifacts" / "e2e"
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / re.sub(r"[^\w.-]+", "_", item.nodeid.split("::", 1)[-1])
        saved = []
        try:
            page.screenshot(path=f"{stem}.png", full_page=True)
            saved.append(f"{stem}.png")
            Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
            saved.append(f"{stem}.html")
        except Exception as error:  # a crashed page: say so, keep the report
            saved.append(f"(no screenshot: {error})")
        watch: Watch | None = getattr(item, "_e2e_watch", None)
        log = [f"url: {page.url}", *(watch.console if watch else [])]
        Path(f"{stem}.console.txt").write_text("\n".join(log) + "\n", encoding="utf-8")
        saved.append(f"{stem}.console.txt")
        report.sections.append(("e2e artefacts", "\n".join(saved)))
    return report
