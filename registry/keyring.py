"""Loading and creating the keyring of field-encryption keys.

The keyring is JSON::

    {"keys": [{"id": "k2026a", "cipher": "aes-256-gcm", "secret": "<base64, 32 bytes>"}],
     "blind_index_secret": "<base64, 32 bytes>"}

given by ``REGISTRY_KEYRING`` (the JSON itself) or ``REGISTRY_KEYRING_FILE`` (a file, mode 0600).
Create one with ``python -m registry.keyring new PATH``; add a key in front with
``python -m registry.keyring add PATH`` and then run ``manage.py rotate_keys``.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
import sys
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from registry.crypto import CIPHERS, FieldKey, Keyring, KeyringError


def parse_keyring(document: str) -> Keyring:
    """Build a :class:`Keyring` from its JSON text; any defect is a :class:`KeyringError`."""
    try:
        data = json.loads(document)
        keys = [
            FieldKey(key_id=item["id"], cipher=item["cipher"], secret=base64.b64decode(item["secret"]))
            for item in data["keys"]
        ]
        blind_secret = base64.b64decode(data["blind_index_secret"])
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyringError(f"the keyring is malformed: {exc.__class__.__name__} {exc}") from None
    return Keyring(keys, blind_secret)


def new_key_entry(cipher: str) -> dict[str, str]:
    if cipher not in CIPHERS:
        raise KeyringError(f"unknown cipher {cipher!r}")
    key_id = datetime.now(UTC).strftime("k%Y%m%d%H%M%S") + secrets.token_hex(2)
    return {"id": key_id, "cipher": cipher, "secret": base64.b64encode(secrets.token_bytes(CIPHERS[cipher])).decode()}


def new_keyring_document(cipher: str = "aes-256-gcm") -> str:
    document = {
        "keys": [new_key_entry(cipher)],
        "blind_index_secret": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    return json.dumps(document, indent=2)


def write_secret_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (created 0600, never widened)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def add_key(path: Path, cipher: str) -> str:
    """Put a new key in front of the keyring file (it encrypts from now on); return its id."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entry = new_key_entry(cipher)
    data["keys"].insert(0, entry)
    write_secret_file(path, json.dumps(data, indent=2))
    return entry["id"]


@lru_cache(maxsize=1)
def active_keyring() -> Keyring:
    """The keyring named by the settings, read once per process."""
    from django.conf import settings

    if settings.REGISTRY_KEYRING:
        return parse_keyring(settings.REGISTRY_KEYRING)
    path = Path(settings.REGISTRY_KEYRING_FILE)
    try:
        mode = path.stat().st_mode
        document = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyringError(f"REGISTRY_KEYRING_FILE={path} cannot be read: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyringError(f"REGISTRY_KEYRING_FILE={path} is readable by others; chmod 600 it")
    return parse_keyring(document)


def main(argv: list[str]) -> int:
    usage = "usage: python -m registry.keyring new|add PATH [--cipher aes-256-gcm|sm4-gcm]"
    if len(argv) < 2 or argv[0] not in {"new", "add"}:
        sys.stderr.write(usage + "\n")
        return 2
    cipher = (
        argv[argv.index("--cipher") + 1]
        if "--cipher" in argv
        else os.environ.get("REGISTRY_FIELD_CIPHER", "aes-256-gcm")
    )
    path = Path(argv[1])
    if argv[0] == "new":
        if path.exists():
            sys.stderr.write(f"{path} exists; refusing to overwrite a keyring\n")
            return 1
        write_secret_file(path, new_keyring_document(cipher))
        sys.stdout.write(f"wrote a new keyring to {path}\n")
    else:
        sys.stdout.write(f"added key {add_key(path, cipher)} in front of {path}; now run manage.py rotate_keys\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
