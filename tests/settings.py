"""Settings for the test suite: the real settings, a throwaway keyring, and the scaffold app.

The scaffold app (``tests/scaffold``) holds small models and endpoints that exercise the core
machinery — encrypted fields, history, scope, the API base — before and independently of the
domain apps.
"""

import os
import tempfile

from registry.keyring import new_keyring_document

os.environ["REGISTRY_ENV_FILE"] = os.devnull  # ignore a developer's var/dev.env
os.environ.setdefault("REGISTRY_MODE", "dev")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("REGISTRY_KEYRING", new_keyring_document())
# Documents filed outside a test's own storage (e.g. the module-wide demo seed of tests/victims)
# go to a throwaway folder, never to var/media.
os.environ.setdefault("ATTACHMENTS_ROOT", tempfile.mkdtemp(prefix="registry-test-attachments-"))

from registry.settings import *  # noqa: E402, F403
from registry.settings import DATABASES, INSTALLED_APPS, VAR_DIR  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.scaffold"]
ROOT_URLCONF = "tests.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; argon2 is tested apart  # noqa: S105

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so tests can scan the raw bytes of the database; one per process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# Most tests sign in with a password alone; tests/registry/test_two_factor.py (and the others
# about sign-in) turn the second factor on with the ``settings`` fixture.
REGISTRY_REQUIRE_2FA = False
