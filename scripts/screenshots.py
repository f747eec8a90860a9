"""Take screenshots of the main pages for docs/screenshots/, from a fresh demo register.

    .venv/bin/python scripts/screenshots.py [--chromium /usr/bin/chromium]

Starts ``algoreg demo`` on a free loopback port with a temporary database, logs in as the demo's
administrator and saves full-width PNGs of the public and management pages.
"""

import argparse
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def shoot(page: Page, name: str, url: str) -> None:
    """Open ``url`` and save a screenshot of the top of the page."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
    print(f"  {name}.png  {url}")


def main() -> None:
    """Start the demo, take the screenshots, stop the demo."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        demo = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("algoreg")),
                "demo",
                "--port",
                str(port),
                "--database",
                f"{folder}/demo.sqlite3",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            password = ""
            assert demo.stdout is not None
            for line in demo.stdout:
                if match := re.search(r"Login:\s+admin / (\S+)", line):
                    password = match.group(1)
                    break
            while True:
                try:
                    httpx.get(f"{base}/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            algorithm = httpx.get(f"{base}/api/v1/algorithms", params={"limit": 200}).json()["items"]
            with_history = next((a["id"] for a in algorithm if a["version"] > 1), algorithm[0]["id"])
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu"]
                )
                page = browser.new_page(viewport={"width": 1280, "height": 900}, base_url=base)
                shoot(page, "search", "/?q=vergunning")
                shoot(page, "search-en", "/?q=vergunning&lang=en")
                page.goto("/?lang=nl")
                shoot(page, "algorithm", f"/algoritme/{with_history}")
                shoot(page, "difference", f"/algoritme/{with_history}/verschil")
                shoot(page, "organisations", "/organisaties")
                shoot(page, "statistics", "/statistieken")
                page.goto("/inloggen")
                page.get_by_label("Gebruikersnaam").fill("admin")
                page.get_by_label("Wachtwoord").fill(password)
                page.get_by_role("button", name="Inloggen").click()
                page.wait_for_load_state()
                shoot(page, "manage-dashboard", "/beheer")
                shoot(page, "manage-edit", f"/beheer/algoritme/{with_history}/bewerken")
                shoot(page, "manage-algorithm", f"/beheer/algoritme/{with_history}")
                shoot(page, "manage-history", f"/beheer/algoritme/{with_history}/geschiedenis")
                shoot(page, "manage-users", "/beheer/gebruikers")
                browser.close()
        finally:
            demo.terminate()
            demo.wait(timeout=10)


if __name__ == "__main__":
    main()
