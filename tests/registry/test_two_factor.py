"""The TOTP second factor: required by default, enrolment, the code step, and the API token.

The suite runs with two-factor sign-in off (tests/settings.py) so other tests can sign in with a
password; every test here turns it on (``two_factor_required``) unless it is about it being off.
"""

import importlib
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice as PlainTOTPDevice  # django-otp's, in clear
from rest_framework.test import APIClient

from registry import crypto, rotation, two_factor
from registry.models import ApiToken, AuditEvent, Authenticator
from tests.helpers import assert_not_stored, inline_scripts
from tests.registry.test_rotate_keys import first_key_id, only_first_key, with_new_first_key
from tests.sign_in import code_for, enrol_device, sign_in, verified_session, wrong_code_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_factor_required(settings):
    settings.REGISTRY_REQUIRE_2FA = True


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def html(response) -> str:
    return response.content.decode()


def setting_in_a_fresh_process(name, extra_env):
    """The value of setting ``name`` when the settings load with only ``extra_env`` configured."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("REGISTRY_", "SECRET_KEY"))}
    env.pop("DATABASE_URL", None)
    env.update({"REGISTRY_ENV_FILE": os.devnull, "DJANGO_SETTINGS_MODULE": "registry.settings", **extra_env})
    env.setdefault("SECRET_KEY", "x" * 50)
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# --- On by default, off in the demo ---------------------------------------------------------


@pytest.mark.parametrize("mode", ["production", "dev"])
def test_two_factor_is_required_by_default(mode):
    from registry.keyring import new_keyring_document

    value = setting_in_a_fresh_process(
        "REGISTRY_REQUIRE_2FA", {"REGISTRY_MODE": mode, "REGISTRY_KEYRING": new_keyring_document()}
    )
    assert value == "True"


def test_the_demo_turns_two_factor_off_unless_asked_for():
    from registry.keyring import new_keyring_document

    keyring = new_keyring_document()
    assert setting_in_a_fresh_process(
        "REGISTRY_REQUIRE_2FA", {"REGISTRY_MODE": "demo", "REGISTRY_KEYRING": keyring}
    ) == ("False")
    assert (
        setting_in_a_fresh_process(
            "REGISTRY_REQUIRE_2FA", {"REGISTRY_MODE": "demo", "REGISTRY_KEYRING": keyring, "REGISTRY_REQUIRE_2FA": "1"}
        )
        == "True"
    )


def test_demo_login_page_says_plainly_that_two_factor_is_off(settings, client, db):
    settings.REGISTRY_MODE = "demo"
    settings.REGISTRY_REQUIRE_2FA = False

    page = html(client.get(reverse("login")))

    assert 'id="two-factor-off"' in page
    assert "本演示系统已关闭双重验证登录" in page


def test_login_page_does_not_mention_two_factor_being_off_when_it_is_required(two_factor_required, client, db):
    page = html(client.get(reverse("login")))

    assert 'id="two-factor-off"' not in page
    assert "关闭双重验证" not in page


# --- A password alone never signs in --------------------------------------------------------


def test_with_two_factor_required_a_correct_password_alone_never_yields_a_session(
    two_factor_required, client, cast, password
):
    device = enrol_device(cast.alice)

    response = sign_in(client, "alice", password)

    assert response.status_code == 302
    assert response.url == reverse("two-factor-verify")
    assert not signed_in(client)
    assert client.get(reverse("dashboard")).status_code == 302
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert device.persistent_id  # the device exists; only the code is missing


def test_an_account_without_a_device_is_sent_to_enrolment_after_its_password(
    two_factor_required, client, cast, password
):
    response = sign_in(client, "bob", password)

    assert response.url == reverse("two-factor-enrol")
    assert not signed_in(client)
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 302 and dashboard.url.startswith(reverse("login"))


def test_with_password_and_code_the_user_is_signed_in_and_verified(two_factor_required, client, cast, password):
    device = enrol_device(cast.alice)

    sign_in(client, "alice", password)
    response = client.post(reverse("two-factor-verify"), {"otp_token": code_for(device)})

    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert int(client.session[SESSION_KEY]) == cast.alice.pk
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_code_step_returns_to_the_page_first_asked_for(two_factor_required, client, cast, password):
    device = enrol_device(cast.alice)

    client.post(reverse("login"), {"username": "alice", "password": password, "next": "/api/docs/"})
    response = client.post(reverse("two-factor-verify"), {"otp_token": code_for(device)})

    assert response.url == "/api/docs/"


def test_a_wrong_code_keeps_the_visitor_out(two_factor_required, client, cast, password):
    device = enrol_device(cast.alice)
    sign_in(client, "alice", password)

    response = client.post(reverse("two-factor-verify"), {"otp_token": wrong_code_for(device)})

    assert response.status_code == 200
    assert "验证码不正确" in html(response)
    assert not signed_in(client)


def test_a_code_is_accepted_only_once(two_factor_required, client, cast, password):
    device = enrol_device(cast.alice)
    code = code_for(device)
    sign_in(client, "alice", password)
    client.post(reverse("two-factor-verify"), {"otp_token": code})
    client.post(reverse("logout"))

    sign_in(client, "alice", password)
    response = client.post(reverse("two-factor-verify"), {"otp_token": code})

    assert response.status_code == 200
    assert not signed_in(client)


def test_a_pending_sign_in_expires(two_factor_required, settings, client, cast, password):
    device = enrol_device(cast.alice)
    sign_in(client, "alice", password)
    session = client.session
    session[two_factor.PENDING_SESSION_KEY]["at"] -= settings.REGISTRY_PENDING_LOGIN_SECONDS + 1
    session.save()

    response = client.post(reverse("two-factor-verify"), {"otp_token": code_for(device)})

    assert response.status_code == 302 and response.url == reverse("login")
    assert not signed_in(client)


def test_the_code_page_without_a_password_first_sends_to_login(two_factor_required, client, cast):
    device = enrol_device(cast.alice)

    response = client.post(reverse("two-factor-verify"), {"otp_token": code_for(device)})

    assert response.url == reverse("login")
    assert not signed_in(client)


def test_the_password_step_changes_the_session_key(two_factor_required, client, cast, password):
    enrol_device(cast.alice)
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key

    sign_in(client, "alice", password)

    assert client.session.session_key != before


def test_an_account_that_enrolled_of_its_own_accord_is_asked_for_its_code_even_when_not_required(
    client, cast, password
):
    enrol_device(cast.alice)

    response = sign_in(client, "alice", password)

    assert response.url == reverse("two-factor-verify")
    assert not signed_in(client)


def test_without_two_factor_required_a_password_signs_in_an_account_without_a_device(client, cast, password):
    response = sign_in(client, "alice", password)

    assert response.url == reverse("dashboard")
    assert signed_in(client)


# --- Enrolment ------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_as_inline_svg_and_the_key_without_any_script(
    two_factor_required, client, cast, password
):
    sign_in(client, "bob", password)

    response = client.get(reverse("two-factor-enrol"))

    page = html(response)
    device = Authenticator.objects.get(user=cast.bob)
    assert response.status_code == 200
    assert not device.confirmed
    assert '<svg width="' in page and 'class="qr-code"' in page
    assert two_factor.secret_for_display(device) in page
    assert not inline_scripts(page) and " style=" not in page and "<style" not in page
    assert "http://" not in page and "https://" not in page


def test_reloading_the_enrolment_page_keeps_the_same_key(two_factor_required, client, cast, password):
    sign_in(client, "bob", password)

    client.get(reverse("two-factor-enrol"))
    client.get(reverse("two-factor-enrol"))

    assert Authenticator.objects.filter(user=cast.bob).count() == 1


def test_enrolment_confirms_the_device_only_with_a_valid_code(two_factor_required, settings, client, cast, password):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp would refuse any code for a second after a wrong one
    sign_in(client, "bob", password)
    client.get(reverse("two-factor-enrol"))
    device = Authenticator.objects.get(user=cast.bob)

    refused = client.post(reverse("two-factor-enrol"), {"otp_token": wrong_code_for(device)})

    device.refresh_from_db()
    assert refused.status_code == 200 and not device.confirmed
    assert not signed_in(client)

    accepted = client.post(reverse("two-factor-enrol"), {"otp_token": code_for(device)})

    device.refresh_from_db()
    assert device.confirmed
    assert accepted.url == reverse("dashboard")
    assert int(client.session[SESSION_KEY]) == cast.bob.pk
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("dashboard")).status_code == 200


def test_enrolment_is_audited(two_factor_required, client, cast, password):
    sign_in(client, "bob", password)
    client.get(reverse("two-factor-enrol"))
    device = Authenticator.objects.get(user=cast.bob)

    client.post(reverse("two-factor-enrol"), {"otp_token": code_for(device)})

    event = AuditEvent.objects.get(action="second_factor_enrolled")
    assert event.actor_username == "bob" and event.outcome == "success"


def test_enrolment_is_closed_to_an_anonymous_visitor(two_factor_required, client, db):
    response = client.get(reverse("two-factor-enrol"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Authenticator.objects.exists()


def test_an_account_with_a_device_cannot_enrol_another_through_a_pending_sign_in(
    two_factor_required, client, cast, password
):
    enrol_device(cast.alice)
    sign_in(client, "alice", password)

    response = client.get(reverse("two-factor-enrol"))

    assert response.url == reverse("two-factor-verify")
    assert Authenticator.objects.filter(user=cast.alice).count() == 1


# --- Every view needs a verified session ----------------------------------------------------


def test_a_signed_in_but_unverified_session_is_signed_out_before_any_view(two_factor_required, client, cast):
    client.force_login(cast.alice)  # as a session from before the requirement would be

    response = client.get(reverse("dashboard"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not signed_in(client)


def test_an_unverified_session_gets_nothing_from_the_api(two_factor_required, client, cast):
    client.force_login(cast.alice)

    response = client.get(reverse("sample-list"))

    assert response.status_code in (401, 403)
    assert not signed_in(client)


def test_a_verified_session_reaches_its_pages(two_factor_required, client, cast):
    verified_session(client, cast.alice, enrol_device(cast.alice))

    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("sample-list")).status_code == 200


def test_a_session_whose_device_was_deleted_is_signed_out(two_factor_required, client, cast):
    device = enrol_device(cast.alice)
    verified_session(client, cast.alice, device)
    device.delete()

    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert not signed_in(client)


# --- The API token --------------------------------------------------------------------------


def obtain(body):
    return APIClient().post(reverse("api-token"), body, format="json")


def test_with_two_factor_required_the_token_endpoint_gives_no_token_without_a_code(two_factor_required, cast, password):
    enrol_device(cast.alice)

    response = obtain({"username": "alice", "password": password})

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "otp" in response.json()["fields"]
    assert not ApiToken.objects.exists()


def test_with_two_factor_required_a_wrong_code_gets_no_token(two_factor_required, cast, password):
    device = enrol_device(cast.alice)

    response = obtain({"username": "alice", "password": password, "otp": wrong_code_for(device)})

    assert response.status_code == 400
    assert "otp" in response.json()["fields"]
    assert not ApiToken.objects.exists()


def test_with_two_factor_required_password_and_code_get_a_working_token(two_factor_required, cast, password):
    device = enrol_device(cast.alice)

    response = obtain({"username": "alice", "password": password, "otp": code_for(device)})

    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get(reverse("sample-list")).status_code == 200


def test_an_account_without_a_device_gets_no_token_while_two_factor_is_required(two_factor_required, cast, password):
    response = obtain({"username": "bob", "password": password, "otp": "123456"})

    assert response.status_code == 400
    assert "otp" in response.json()["fields"]
    assert not ApiToken.objects.exists()


def test_a_wrong_password_with_a_right_code_gets_no_token(two_factor_required, cast):
    device = enrol_device(cast.alice)

    response = obtain({"username": "alice", "password": "not her password", "otp": code_for(device)})

    assert response.status_code == 400
    assert "non_field_errors" in response.json()["fields"]
    assert not ApiToken.objects.exists()


# --- The secret at rest ---------------------------------------------------------------------


def stored_key(device) -> str:
    """What the database holds in the device's ``key`` column."""
    with connection.cursor() as cursor:
        table, column = connection.ops.quote_name(Authenticator._meta.db_table), connection.ops.quote_name("key")
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [device.pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_an_enrolled_secret_is_stored_sealed_by_the_keyring_never_in_clear(
    two_factor_required, settings, client, cast, password
):
    sign_in(client, "bob", password)
    client.get(reverse("two-factor-enrol"))
    device = Authenticator.objects.get(user=cast.bob)
    client.post(reverse("two-factor-enrol"), {"otp_token": code_for(device)})

    device.refresh_from_db()
    assert device.confirmed
    assert crypto.key_id_of(stored_key(device)) == first_key_id(settings.REGISTRY_KEYRING)
    assert_not_stored(device.key, two_factor.secret_for_display(device).replace(" ", ""))
    assert not PlainTOTPDevice.objects.exists()  # django-otp's table of secrets in clear stays empty


def the_device_migration():
    (path,) = (Path(__file__).resolve().parents[2] / "registry" / "migrations").glob("*_signindelay_totpdevice.py")
    return importlib.import_module(f"registry.migrations.{path.stem}")


def test_the_migration_seals_existing_devices_which_keep_working(cast):
    plain = PlainTOTPDevice.objects.create(user=cast.alice, name="authenticator", confirmed=True, last_t=7, drift=1)
    PlainTOTPDevice.objects.create(user=cast.bob, name="authenticator", confirmed=False)

    the_device_migration().seal_devices(apps, None)

    assert not PlainTOTPDevice.objects.exists()
    device = Authenticator.objects.get(user=cast.alice)
    assert (device.key, device.confirmed, device.last_t, device.drift) == (plain.key, True, 7, 1)
    assert device.created_at == plain.created_at
    assert stored_key(device).startswith(f"{crypto.PREFIX}$")
    assert plain.key not in stored_key(device)
    assert two_factor.verify_code(cast.alice, code_for(device)) == device
    assert not Authenticator.objects.get(user=cast.bob).confirmed


def test_reversing_the_migration_gives_the_devices_back(cast):
    device = enrol_device(cast.alice)

    the_device_migration().open_devices(apps, None)

    assert not Authenticator.objects.exists()
    assert PlainTOTPDevice.objects.get(user=cast.alice).key == device.key


def test_rotate_keys_reseals_the_secrets(settings, cast):
    device = enrol_device(cast.alice)
    assert "registry.authenticator" in {table.label for table in rotation.encrypted_tables()}

    settings.REGISTRY_KEYRING = with_new_first_key(settings.REGISTRY_KEYRING)
    call_command("rotate_keys", stdout=StringIO(), stderr=StringIO())

    assert crypto.key_id_of(stored_key(device)) == first_key_id(settings.REGISTRY_KEYRING)
    settings.REGISTRY_KEYRING = only_first_key(settings.REGISTRY_KEYRING)  # the old key retired
    assert Authenticator.objects.get(pk=device.pk).key == device.key
    assert two_factor.verify_code(cast.alice, code_for(device)) is not None
