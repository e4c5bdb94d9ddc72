"""Run the registry as a provincial deployment does: ``python -m registry.serve``.

Starts gunicorn (``deploy/gunicorn.conf.py``) and, when ``CELERY_BROKER_URL`` is set, Celery
workers for batch work (dossier archival) and Celery beat, which runs the daily reminders
(``inbox.tasks``, at ``REMINDERS_AT``) and the audit log's checkpoints (``registry.tasks``,
every ``REGISTRY_AUDIT_CHECKPOINT_MINUTES``), and keeps them together: a signal (Ctrl-C, SIGTERM)
stops them all, and if one exits the others are stopped too, so a supervisor (systemd, a
container runtime) sees one process that lives or dies as a whole.

The configuration is the settings' own: this module reads ``registry.settings`` before it starts
anything, so the env file the settings read (``REGISTRY_ENV_FILE``, which ``make serve`` points
at ``var/serve.env``) decides here too — the broker, and ``SERVE_BIND`` and
``CELERY_CONCURRENCY`` — and the processes started inherit it. A configuration error stops
start-up with the settings' message. Several app servers and workers may run on different hosts
against one PostgreSQL and one Redis: start this module on each, with ``--no-beat`` on all but
one (a second beat would only repeat reminder runs that write nothing twice and record
checkpoints twice as often), or gunicorn,
``celery -A registry worker`` and ``celery -A registry beat`` apart.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from registry.env import env_bool

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = BASE_DIR / "deploy" / "gunicorn.conf.py"


def _settings():
    """The registry's settings, read as every process of the deployment reads them (which loads
    ``REGISTRY_ENV_FILE`` into this process's environment, inherited by what it starts)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    from django.conf import settings

    settings.CELERY_BROKER_URL  # noqa: B018 (reading one setting loads them all, or fails naming the variable)
    return settings


def _commands(args: argparse.Namespace, settings) -> list[list[str]]:
    bin_dir = Path(sys.executable).parent
    commands = [[str(bin_dir / "gunicorn"), "--config", str(GUNICORN_CONFIG), "--bind", args.bind]]
    if args.workers:
        commands[0] += ["--workers", str(args.workers)]
    if not settings.CELERY_BROKER_URL:
        return commands
    celery = [str(bin_dir / "celery"), "--app", "registry"]
    if args.celery_concurrency > 0:
        commands.append(
            [
                *celery, "worker", "--loglevel", "INFO", "--concurrency", str(args.celery_concurrency),
                "--hostname", f"registry@{args.hostname}",
            ]
        )  # fmt: skip
    if args.beat:
        Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        commands.append([*celery, "beat", "--loglevel", "INFO"])
    return commands


def main(argv: list[str] | None = None) -> int:
    settings = _settings()
    parser = argparse.ArgumentParser(prog="python -m registry.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--bind", default=os.environ.get("SERVE_BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--celery-concurrency", type=int, default=int(os.environ.get("CELERY_CONCURRENCY", "2")))
    parser.add_argument("--hostname", default=os.uname().nodename)
    parser.add_argument(
        "--beat",
        action=argparse.BooleanOptionalAction,
        default=env_bool("SERVE_BEAT", True),
        help="run Celery beat (the daily reminders) when a broker is set (default: yes; SERVE_BEAT=false)",
    )
    args = parser.parse_args(argv)

    processes = [subprocess.Popen(command, cwd=BASE_DIR) for command in _commands(args, settings)]  # noqa: S603
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(0.2)
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
    failed = [process.returncode for process in processes if process.returncode not in (0, -signal.SIGTERM)]
    return 0 if stopping or not failed else 1


if __name__ == "__main__":
    sys.exit(main())
