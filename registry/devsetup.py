"""Prepare a checkout for local use: ``python -m registry.devsetup [dev|demo|serve]``.

``dev``/``demo`` write ``var/dev.env`` (mode, a random secret key, the keyring path) and a
development keyring ``var/keyring.json`` (mode 0600) when they do not exist yet. Every mode
first makes ``var/`` — which also holds the SQLite database — accessible to its owner only
(0700), creating it or tightening an existing one. ``serve``
writes ``var/serve.env`` for ``make serve``: production mode against the local PostgreSQL and
Redis, on loopback over plain HTTP (so cookies without the ``Secure`` flag), and creates its
PostgreSQL database when missing. All stay out of git. A real deployment never runs this; it
passes SECRET_KEY, REGISTRY_KEYRING_FILE, DATABASE_URL and CELERY_BROKER_URL itself.
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
from pathlib import Path

from registry.keyring import new_keyring_document, write_secret_file

VAR = Path(__file__).resolve().parent.parent / "var"


SERVE_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/registry"
SERVE_BROKER_URL = "redis://127.0.0.1:6379/0"


def _serve_settings() -> str:
    return (
        "REGISTRY_MODE=production\n"
        f"DATABASE_URL={SERVE_DATABASE_URL}\n"
        f"CELERY_BROKER_URL={SERVE_BROKER_URL}\n"
        "ALLOWED_HOSTS=127.0.0.1,localhost\n"
        "# Loopback over plain HTTP; behind a TLS proxy remove this line (cookies get the Secure flag).\n"
        "SECURE_COOKIES=false\n"
    )


def _create_database(url: str) -> None:
    """Create the database named in a postgres:// ``url`` unless it exists."""
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            sys.stdout.write(f"created the PostgreSQL database {name}\n")


def private_directory(path: Path) -> None:
    """Create ``path`` (and its parents) if missing, and leave it accessible to its owner only."""
    path.mkdir(mode=stat.S_IRWXU, parents=True, exist_ok=True)
    os.chmod(path, stat.S_IRWXU)  # mkdir's mode is subject to the umask, and an existing one is as it was


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else "dev"
    if mode not in {"dev", "demo", "serve"}:
        sys.stderr.write("usage: python -m registry.devsetup [dev|demo|serve]\n")
        return 2
    private_directory(VAR)
    keyring = VAR / "keyring.json"
    if not keyring.exists():
        write_secret_file(keyring, new_keyring_document())
        sys.stdout.write(f"created a development keyring at {keyring}\n")
    if mode == "serve":
        env_file = VAR / "serve.env"
        if not env_file.exists():
            write_secret_file(
                env_file,
                "# Written by `python -m registry.devsetup serve` for `make serve` on this machine.\n"
                f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
                f"REGISTRY_KEYRING_FILE={keyring}\n" + _serve_settings(),
            )
            sys.stdout.write(f"created {env_file}\n")
        _create_database(os.environ.get("DATABASE_URL", SERVE_DATABASE_URL))
        return 0
    env_file = VAR / "dev.env"
    if not env_file.exists():
        write_secret_file(
            env_file,
            "# Written by `python -m registry.devsetup` for this checkout only; never used in production.\n"
            f"REGISTRY_MODE={mode}\n"
            f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
            f"REGISTRY_KEYRING_FILE={keyring}\n",
        )
        sys.stdout.write(f"created {env_file}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
