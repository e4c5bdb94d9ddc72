"""Configuration from the environment: typed helpers, and production refusing to start bare."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from registry import env, sysdeps
from registry.keyring import new_keyring_document

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("yes", True), ("off", False), ("", False)])
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, value):
    monkeypatch.setenv("X_FLAG", raw)
    assert env.env_bool("X_FLAG") is value


@pytest.mark.parametrize(
    ("helper", "raw"),
    [
        (lambda: env.env_bool("X_VALUE"), "perhaps"),
        (lambda: env.env_int("X_VALUE", 1), "ten"),
        (lambda: env.env_int("X_VALUE", 1, minimum=5), "3"),
        (lambda: env.env_choice("X_VALUE", "a", ("a", "b")), "c"),
    ],
)
def test_env_helpers_refuse_bad_values_naming_the_variable(monkeypatch, helper, raw):
    monkeypatch.setenv("X_VALUE", raw)
    with pytest.raises(ImproperlyConfigured, match="X_VALUE"):
        helper()


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.delenv("X_SECRET", raising=False)
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env.env_str("X_SECRET") == "from-a-file"


def load_settings(extra_env):
    """Import the settings in a clean process with only ``extra_env`` configured."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("REGISTRY_", "SECRET_KEY"))}
    clean.pop("DATABASE_URL", None)
    clean.update({"REGISTRY_ENV_FILE": os.devnull, "DJANGO_SETTINGS_MODULE": "registry.settings", **extra_env})
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; print(s.DEBUG)"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_without_a_secret_key_stops_naming_it():
    result = load_settings({"REGISTRY_KEYRING": new_keyring_document()})
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


def test_production_without_a_keyring_stops_naming_it():
    result = load_settings({"SECRET_KEY": "x" * 50})
    assert result.returncode != 0 and "REGISTRY_KEYRING_FILE" in result.stderr


def test_a_configured_production_starts_with_debug_off():
    result = load_settings({"SECRET_KEY": "x" * 50, "REGISTRY_KEYRING": new_keyring_document()})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_passwords_are_hashed_with_argon2_in_the_real_settings():
    import registry.settings as real

    assert real.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_a_keyring_file_readable_by_others_is_refused(tmp_path, settings):
    from registry.crypto import KeyringError
    from registry.keyring import active_keyring

    path = tmp_path / "keyring.json"
    path.write_text(new_keyring_document())
    path.chmod(0o644)
    settings.REGISTRY_KEYRING = None
    settings.REGISTRY_KEYRING_FILE = str(path)
    with pytest.raises(KeyringError, match="readable by others"):
        active_keyring()
    path.chmod(0o600)
    settings.REGISTRY_KEYRING_FILE = str(path)  # a change of setting re-reads the keyring
    assert active_keyring().primary.cipher == "aes-256-gcm"


def test_system_package_check_names_the_debian_package(monkeypatch, capsys):
    absent = sysdeps.Requirement("HarfBuzz subsetter", "libharfbuzz-subset0", lambda: False, "speed")
    monkeypatch.setattr(sysdeps, "RUN", (absent,))
    monkeypatch.setattr(sysdeps, "_can_apt", lambda: False)
    assert sysdeps.main(["--install"]) == 1
    assert "apt-get install libharfbuzz-subset0" in capsys.readouterr().err


def test_django_check_reports_a_missing_system_package(monkeypatch):
    from registry.checks import system_packages

    monkeypatch.setattr(sysdeps, "RUN", (sysdeps.Requirement("Pango", "libpango-1.0-0", lambda: False, "layout"),))
    errors = system_packages(None)
    assert [error.id for error in errors] == ["registry.E001"] and "libpango-1.0-0" in errors[0].hint


def test_devsetup_writes_a_private_keyring_once(monkeypatch, tmp_path):
    from registry import devsetup
    from registry.keyring import parse_keyring

    monkeypatch.setattr(devsetup, "VAR", tmp_path)
    assert devsetup.main(["demo"]) == 0
    keyring_file, env_file = tmp_path / "keyring.json", tmp_path / "dev.env"
    first = keyring_file.read_text()
    assert oct(keyring_file.stat().st_mode & 0o777) == oct(0o600) == oct(env_file.stat().st_mode & 0o777)
    assert parse_keyring(first).primary
    assert "REGISTRY_MODE=demo" in env_file.read_text()
    devsetup.main(["demo"])
    assert keyring_file.read_text() == first  # never replaced: data encrypted with it stays readable
    assert "var/" in (ROOT / ".gitignore").read_text()


def test_a_delay_forgotten_before_it_ends_stops_start_up_naming_both_variables():
    result = load_settings(
        {
            "SECRET_KEY": "x" * 50,
            "REGISTRY_KEYRING": new_keyring_document(),
            "LOCKOUT_DELAY_MAX_SECONDS": "600",
            "LOCKOUT_DELAY_FORGET_SECONDS": "300",
        }
    )
    assert result.returncode != 0
    assert "LOCKOUT_DELAY_FORGET_SECONDS" in result.stderr and "LOCKOUT_DELAY_MAX_SECONDS" in result.stderr


def test_postgresql_options_of_the_url_are_kept_beside_the_registrys():
    """TLS settings in DATABASE_URL's query reach the driver; the registry's options are added to
    them, not put in their place."""
    url = "postgres://registry@db.example:5432/registry?sslmode=verify-full&sslrootcert=/etc/registry/ca.pem"
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("REGISTRY_", "SECRET_KEY"))}
    clean.update(
        {
            "REGISTRY_ENV_FILE": os.devnull,
            "SECRET_KEY": "x" * 50,
            "REGISTRY_KEYRING": new_keyring_document(),
            "DATABASE_URL": url,
            "DB_PREPARED_STATEMENTS": "off",
        }
    )
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import json; from registry import settings as s; print(json.dumps(s.DATABASES['default']['OPTIONS']))",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/registry/ca.pem",
        "server_side_binding": True,
        "prepare_threshold": None,
    }
