"""`./dev test`: the whole test suite, and a clear word on the browser tests.

Browser tests drive the system's Chromium through Playwright. Where no Chromium is installed
they are skipped and this runner says so; with INTEGRUM_REQUIRE_BROWSER=1 (CI) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import sys

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    configured = os.environ.get("INTEGRUM_CHROMIUM")
    if configured:
        return configured if os.path.exists(configured) else None
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def main(argv: list[str]) -> int:
    import pytest

    chromium = find_chromium()
    if chromium is None:
        print(
            "No Chromium found: the browser tests will be SKIPPED. Install it"
            " (Debian: apt-get install chromium) or point INTEGRUM_CHROMIUM at it to run them.",
            flush=True,
        )
    else:
        os.environ["INTEGRUM_CHROMIUM"] = chromium
        print(f"Browser tests use {chromium}.", flush=True)
    return int(pytest.main(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
