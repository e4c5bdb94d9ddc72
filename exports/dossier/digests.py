"""The two digests every dossier is recorded with: SHA-256, and SM3 for deployments assessed
under China's commercial-cryptography rules (both from ``cryptography``/hashlib)."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import hashes


def sha256_hexdigest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sm3_hexdigest(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()
