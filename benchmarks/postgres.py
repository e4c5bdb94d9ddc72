"""The benchmarks' throwaway PostgreSQL databases, on the server ``BENCH_POSTGRES_URL`` names
(default ``postgres://postgres@127.0.0.1:5432``): created for one run, dropped after it, also
when the run fails. ``benchmarks/run.py`` and ``benchmarks/load.py`` both take theirs here."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


def server() -> str:
    """The PostgreSQL server the benchmarks use, as a URL without a database."""
    return os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")


@contextmanager
def throwaway_database(name: str) -> Iterator[str | None]:
    """The URL of a new database ``name`` on :func:`server`, dropped on leaving; ``None`` (and a
    line on standard error) when the server does not answer."""
    import psycopg

    try:
        admin = psycopg.connect(f"{server()}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        sys.stderr.write(
            f"[bench {time.strftime('%H:%M:%S', time.gmtime())} UTC] PostgreSQL not reachable at "
            f"{server()}: {str(error).splitlines()[0]}; skipped\n"
        )
        yield None
        return
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{server()}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
