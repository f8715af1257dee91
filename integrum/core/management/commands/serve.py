"""`integrum serve`: run Integrum with gunicorn, static files served by whitenoise.

Gunicorn runs inside this process (through its application API) so that `integrum serve` needs
no separate configuration file and stops cleanly on Ctrl-C. Put a TLS-terminating proxy in front
of it in production and set INTEGRUM_HTTPS=1.

Next to gunicorn runs one background worker, `integrum db_worker`, which works through the task
queue kept in the database (reading the text of large uploads for search). It is started with
the server, started again if it dies, and stopped when the server stops.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

logger = logging.getLogger(__name__)


def worker_command() -> list[str]:
    """`integrum db_worker` with this interpreter; code reloading off so it stops when told."""
    return [sys.executable, "-m", "integrum.cli", "db_worker", "--no-reload"]


def uses_database_queue() -> bool:
    """Whether background tasks go to the database queue (the immediate backend needs no worker)."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


class BackgroundWorker:
    """A child process kept running beside the server: restarted if it dies, stopped with it.

    It runs in its own session, so Ctrl-C in the terminal reaches only the server, which then
    stops the worker once (SIGTERM: it finishes the task in hand), and kills it after `grace`
    seconds. Only the process that started it may stop it: gunicorn's forked workers may not.
    """

    def __init__(self, command: list[str], *, restart_delay: float = 5.0, grace: float = 20.0) -> None:
        self.command = command
        self.restart_delay = restart_delay
        self.grace = grace
        self.process: subprocess.Popen[bytes] | None = None
        self.owner_pid = os.getpid()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.command, start_new_session=True)

    def start(self) -> None:
        self.owner_pid = os.getpid()
        self.process = self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="integrum-worker-watch", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stopping.wait(self.restart_delay):
            if self.process is not None and self.process.poll() is not None:
                # Logging (not print): its locks are safe across gunicorn's forks.
                logger.warning(
                    "The background worker stopped (status %s); starting it again.", self.process.returncode
                )
                self.process = self._spawn()

    def stop(self) -> None:
        if os.getpid() != self.owner_pid:
            return
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(self.grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def default_workers() -> int:
    """Gunicorn's usual advice (two per core, plus one), capped so a small host keeps its memory."""
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def browser_host(host: str) -> str:
    """The address to print for a browser: a wildcard bind is reachable on the loopback."""
    if host in {"0.0.0.0", "::", ""}:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def server_url(host: str, port: int) -> str:
    return f"http://{browser_host(host)}:{port}/"


def gunicorn_options(*, host: str, port: int, workers: int) -> dict[str, Any]:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": workers,
        # The data directory is the one place Integrum writes to; gunicorn's worker heartbeat
        # files go to the system's temporary directory as usual.
        "accesslog": None,
        "errorlog": "-",
        "loglevel": os.environ.get("INTEGRUM_LOG_LEVEL", "warning").lower(),
        "proc_name": "integrum",
        # Gunicorn 25+ opens a control socket under $HOME by default: nothing here uses it, and
        # a server must not write into the home directory of whoever started it.
        "control_socket_disable": True,
        # Behind a proxy, trust X-Forwarded-* only from the loopback (gunicorn's default).
        "forwarded_allow_ips": os.environ.get("INTEGRUM_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        # Generous enough for a report PDF; a hung request is still recycled.
        "timeout": 60,
        "graceful_timeout": 10,
    }


class Command(BaseCommand):
    help = "Serve Integrum over HTTP with gunicorn (put a TLS proxy in front of it in production)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("INTEGRUM_WORKERS", "0")) or default_workers(),
            help="Number of worker processes (default: two per CPU core plus one, at most 8).",
        )
        parser.add_argument(
            "--no-background-worker",
            action="store_true",
            help="Do not start `integrum db_worker` beside the server (run it yourself, e.g. as a service).",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        no_background_worker: bool = False,
        **options: Any,
    ) -> None:
        from gunicorn.app.base import BaseApplication

        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        if settings.STATIC_ROOT:
            # Whitenoise warns on every worker start when a configured STATIC_ROOT is missing.
            Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)

        wanted = gunicorn_options(host=host, port=port, workers=workers)

        class IntegrumServer(BaseApplication):
            def load_config(self) -> None:
                for key, value in wanted.items():
                    # Older gunicorn (23, 24) has no control socket setting: skip what it lacks.
                    if key in self.cfg.settings:
                        self.cfg.set(key, value)

            def load(self) -> Any:
                from integrum.wsgi import application

                return application

        # Workers are forked from this process: they must not share its database connections.
        connections.close_all()
        self.stdout.write(
            f"Integrum is serving on {server_url(host, port)} with {workers} worker(s). Press Ctrl-C to stop."
        )
        self.stdout.flush()
        master_pid = os.getpid()
        background = None
        if not no_background_worker and uses_database_queue():
            background = BackgroundWorker(worker_command())
            background.start()
            self.stdout.write("A background worker runs the task queue beside the server.")
            self.stdout.flush()
        try:
            IntegrumServer(prog="integrum serve").run()
        except SystemExit as stop:
            if os.getpid() != master_pid:
                raise  # a forked worker leaving: it must not run the rest of this command
            # Gunicorn ends its master loop with sys.exit; a clean stop is not an error.
            if stop.code not in (0, None):
                raise CommandError(f"The server stopped with status {stop.code}.", returncode=1) from stop
        finally:
            if background is not None:
                background.stop()  # does nothing in a forked gunicorn worker
        self.stdout.write("Integrum has stopped.")
