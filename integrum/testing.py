"""`./dev test`: the whole test suite, and a clear word on the browser tests.

Browser tests drive the system's Chromium through Playwright. Where no Chromium is installed
they are skipped and this runner says so; with INTEGRUM_REQUIRE_BROWSER=1 (CI) they fail instead.

Where the machine has more than one core the suite runs on all of them (pytest-xdist, one worker
per core, each with its own test database). INTEGRUM_TEST_WORKERS=1, or `-n 0`, runs it in one
process; giving `-n`, `-p no:xdist`, `--pdb` or `--trace` leaves the choice to pytest.
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


# Arguments that choose the workers themselves, or that need a single process.
SINGLE_PROCESS_ARGS = {"--numprocesses", "--dist", "--pdb", "--trace", "--collect-only", "--co", "no:xdist"}


def worker_count() -> int:
    """Workers for the suite: INTEGRUM_TEST_WORKERS, else one per core this process may use."""
    configured = os.environ.get("INTEGRUM_TEST_WORKERS", "").strip()
    if configured:
        return max(1, int(configured))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parallel_args(argv: list[str]) -> list[str]:
    """xdist options to put before the caller's arguments, or none."""
    for arg in argv:
        if arg.startswith("-n") or arg.split("=")[0] in SINGLE_PROCESS_ARGS or arg == "-pno:xdist":
            return []
    workers = worker_count()
    if workers < 2:
        return []
    # loadscope: the tests of a module (or of a class) run on one worker, so a module or class
    # fixture (the seeded demo in core/tests/test_cli.py) is set up once; each worker takes the
    # next module when it is free. (`loadgroup` would be finer, but its `xdist_group` marks have
    # no effect with pytest 9.2 and xdist 3.8.)
    return ["-n", str(workers), "--dist", "loadscope"]


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
    parallel = parallel_args(argv)
    if parallel:
        print(f"Running on {parallel[1]} workers (INTEGRUM_TEST_WORKERS=1 for one process).", flush=True)
    return int(pytest.main([*parallel, *argv]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
