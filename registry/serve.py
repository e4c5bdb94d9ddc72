"""Run the registry as a provincial deployment does: ``python -m registry.serve``.

Starts gunicorn (``deploy/gunicorn.conf.py``) and, when ``CELERY_BROKER_URL`` is set, Celery
workers for batch work (dossier archival), and keeps them together: a signal (Ctrl-C, SIGTERM)
stops both, and if one exits the other is stopped too, so a supervisor (systemd, a container
runtime) sees one process that lives or dies as a whole. Settings come from the environment
(``REGISTRY_ENV_FILE`` may name an env file, as ``make serve`` does); nothing here decides
them. Several app servers and workers may run on different hosts against one PostgreSQL and
one Redis: start this module on each, or gunicorn and ``celery -A registry worker`` apart.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = BASE_DIR / "deploy" / "gunicorn.conf.py"


def _commands(args: argparse.Namespace) -> list[list[str]]:
    bin_dir = Path(sys.executable).parent
    commands = [[str(bin_dir / "gunicorn"), "--config", str(GUNICORN_CONFIG), "--bind", args.bind]]
    if args.workers:
        commands[0] += ["--workers", str(args.workers)]
    if os.environ.get("CELERY_BROKER_URL") and args.celery_concurrency > 0:
        commands.append(
            [
                str(bin_dir / "celery"), "--app", "registry", "worker", "--loglevel", "INFO",
                "--concurrency", str(args.celery_concurrency), "--hostname", f"registry@{args.hostname}",
            ]
        )  # fmt: skip
    return commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--bind", default=os.environ.get("SERVE_BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--celery-concurrency", type=int, default=int(os.environ.get("CELERY_CONCURRENCY", "2")))
    parser.add_argument("--hostname", default=os.uname().nodename)
    args = parser.parse_args(argv)

    processes = [subprocess.Popen(command, cwd=BASE_DIR) for command in _commands(args)]  # noqa: S603
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
