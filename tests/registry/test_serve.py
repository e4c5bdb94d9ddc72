"""``python -m registry.serve`` reads the settings' configuration: a broker named only in the env
file (``REGISTRY_ENV_FILE``, as ``make serve`` writes ``var/serve.env``) starts a worker and beat."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from registry.keyring import new_keyring_document, write_secret_file

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import json, sys; from registry import serve; settings = serve._settings(); "
    "parser_args = serve.argparse.Namespace(bind='127.0.0.1:1', workers=0, celery_concurrency=1, hostname='h', "
    "beat='--no-beat' not in sys.argv); print(json.dumps(serve._commands(parser_args, settings)))"
)


def commands(tmp_path, broker: str, *args: str, extra: str = "") -> list[list[str]]:
    keyring = tmp_path / "keyring.json"
    write_secret_file(keyring, new_keyring_document())
    env_file = tmp_path / "serve.env"
    lines = [
        f"SECRET_KEY={'k' * 60}",
        f"REGISTRY_KEYRING_FILE={keyring}",
        "REGISTRY_MODE=dev",
        f"CELERY_BEAT_SCHEDULE_FILENAME={tmp_path / 'beat' / 'schedule'}",
        f"CELERY_BROKER_URL={broker}",
        extra,
    ]
    write_secret_file(env_file, "\n".join(lines) + "\n")
    env = {"PATH": os.environ.get("PATH", ""), "REGISTRY_ENV_FILE": str(env_file)}
    shown = subprocess.run(  # noqa: S603 (our own module)
        [sys.executable, "-c", SHOW, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(shown.stdout)


def test_a_broker_in_the_env_file_starts_a_worker_and_beat(tmp_path):
    started = [command[3] if "celery" in command[0] else "gunicorn" for command in commands(tmp_path, "redis://x:1/0")]
    assert started == ["gunicorn", "worker", "beat"]
    assert (tmp_path / "beat").is_dir()


def test_without_a_broker_gunicorn_alone_and_beat_can_be_left_to_another_host(tmp_path):
    assert len(commands(tmp_path, "")) == 1
    assert [command[3] for command in commands(tmp_path, "redis://x:1/0", "--no-beat")[1:]] == ["worker"]


def test_a_configuration_error_in_the_env_file_stops_start_up_naming_the_variable(tmp_path):
    try:
        commands(tmp_path, "redis://x:1/0", extra="REMINDERS_AT=25:00")
    except subprocess.CalledProcessError as refused:
        assert "REMINDERS_AT must be a time of day" in refused.stderr
    else:
        raise AssertionError("a bad REMINDERS_AT was accepted")
