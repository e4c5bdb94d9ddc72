"""Settings of the benchmarks: the registry's own, plus the benchmark-only ``baseline`` app
(plaintext and untracked twins of the registry's models, to measure what encryption and
history cost). Production's ``INSTALLED_APPS`` never include it.

Self-contained, so ``make bench`` needs nothing from ``var/dev.env``: a throwaway secret key,
the demo mode, and the keyring named by ``REGISTRY_KEYRING_FILE`` (``benchmarks/run.py`` gives
each benchmark database its own, under ``var/bench/``); ``DATABASE_URL`` names the database.
"""

import os
from pathlib import Path

from registry.keyring import new_keyring_document, write_secret_file

BENCH_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"

os.environ["REGISTRY_ENV_FILE"] = os.devnull  # never a developer's var/dev.env
os.environ.setdefault("REGISTRY_MODE", "demo")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-never-used-elsewhere-0123456789")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}")
if not os.environ.get("REGISTRY_KEYRING"):
    _keyring = Path(os.environ.setdefault("REGISTRY_KEYRING_FILE", str(BENCH_DIR / "keyring.json")))
    if not _keyring.exists():
        write_secret_file(_keyring, new_keyring_document())

from registry.settings import *  # noqa: E402, F403
from registry.settings import ALLOWED_HOSTS, INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks.baseline"]
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # the in-process client of the API measurements
REGISTRY_REQUIRE_2FA = False
# The measurements search far faster than a person: the per-account search limit (registry.ratelimit)
# would time its own refusals. The limit is the subject of tests, not of these timings.
REGISTRY_SEARCH_RATE = 10**9
DEBUG = False  # no query log: the measurements capture queries only where they count them
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
