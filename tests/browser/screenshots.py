"""Screenshots of what residents see, saved for people to look at (never compared by tests)."""

from __future__ import annotations

from tests.conftest import ROOT

SCREENSHOTS = ROOT / "test-results" / "screenshots"  # git-ignored


def save_screenshot(page, name: str, *, full_page: bool = False) -> None:
    """Save the page as ``test-results/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
