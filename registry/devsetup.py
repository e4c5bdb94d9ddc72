"""Prepare a checkout for local use: ``python -m registry.devsetup [dev|demo]``.

Writes ``var/dev.env`` (mode, a random secret key, the keyring path) and a development keyring
``var/keyring.json`` (mode 0600) when they do not exist yet. Both stay out of git. A production
deployment never runs this; it passes SECRET_KEY and REGISTRY_KEYRING_FILE itself.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from registry.keyring import new_keyring_document, write_secret_file

VAR = Path(__file__).resolve().parent.parent / "var"


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else "dev"
    if mode not in {"dev", "demo"}:
        sys.stderr.write("usage: python -m registry.devsetup [dev|demo]\n")
        return 2
    keyring = VAR / "keyring.json"
    if not keyring.exists():
        write_secret_file(keyring, new_keyring_document())
        sys.stdout.write(f"created a development keyring at {keyring}\n")
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
