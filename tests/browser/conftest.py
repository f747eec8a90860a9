"""Browser tests: the real server as a process, Debian's chromium driven by Playwright, axe-core.

The server runs ``algoreg serve`` on a free loopback port against the test database; tests put
their data in through the domain services on that same database. Chromium must be installed at
/usr/bin/chromium (`.ci/run` installs it with apt-get); without it these tests fail, not skip.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response, sync_playwright
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from algoreg.db.session import transaction
from algoreg.register import accounts
from algoreg.register.roles import SYSTEM, Role
from tests.helpers import free_port
from tests.served import running_server

CHROMIUM = os.environ.get("ALGOREG_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
PASSWORD = "een-lang-wachtwoord"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def server(migrated_engine: Engine, database_url: str) -> Iterator[str]:
    """Base URL of ``algoreg serve`` running as a real process on the test database."""
    port = free_port()
    with running_server(database_url, {"ALGOREG_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}, port) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless, started by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}; install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield instance
        instance.close()


class Tabs:
    """Opens browser tabs, each in its own context (own cookies), and collects their errors.

    Any console error (such as a CSP violation) or failed sub-resource fails the test.
    """

    def __init__(self, browser: Browser, server: str) -> None:
        self.browser = browser
        self.server = server
        self.errors: list[str] = []
        self.contexts: list[BrowserContext] = []

    def open(self, lang: str = "nl-NL") -> Page:
        """Return a new tab with axe-core available and error tracking on."""
        context = self.browser.new_context(base_url=self.server, locale=lang)
        # Injected through the browser's debugging protocol, so the site's CSP stays fully in force.
        context.add_init_script(path=str(AXE))
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        tab = context.new_page()

        def on_console(message: ConsoleMessage) -> None:
            # A page answered with 4xx on purpose is logged as a failed load; broken resources
            # are caught by the response check below instead.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                self.errors.append(message.text)

        def on_response(response: Response) -> None:
            if response.status >= 400 and response.request.resource_type != "document":
                self.errors.append(f"{response.status} for {response.url}")

        tab.on("console", on_console)
        tab.on("response", on_response)
        tab.on("pageerror", lambda error: self.errors.append(str(error)))
        return tab

    def close(self) -> None:
        """Close every context."""
        for context in self.contexts:
            context.close()


@pytest.fixture
def tabs(browser: Browser, server: str, engine: Engine) -> Iterator[Tabs]:
    """A tab opener on an emptied database; the test fails on any browser error in its tabs."""
    opener = Tabs(browser, server)
    yield opener
    opener.close()
    assert not opener.errors, f"browser console errors: {opener.errors}"


@pytest.fixture
def page(tabs: Tabs) -> Page:
    """One fresh browser tab."""
    return tabs.open()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page for WCAG 2.1 A and AA; return the violations."""
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return list(result["violations"])


def assert_accessible(page: Page) -> None:
    """Fail with a readable list when axe-core finds WCAG 2.1 A/AA violations on the page."""
    violations = axe_violations(page)
    described = [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in violations
    ]
    assert not violations, f"{page.url}:\n" + "\n".join(described)


def make_user(
    factory: sessionmaker[Session], username: str, roles: dict[str, Role], superuser: bool = False
) -> str:
    """Create a user with roles per organisation code; returns the username."""
    with transaction(factory) as session:
        accounts.create_user(session, SYSTEM, username, username.title(), PASSWORD, is_superuser=superuser)
        for code, role in roles.items():
            accounts.grant_role(session, SYSTEM, username, code, role)
    return username


def log_in(page: Page, username: str) -> None:
    """Log in through the login form with the keyboard-free path (fill and click)."""
    page.goto("/inloggen")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
