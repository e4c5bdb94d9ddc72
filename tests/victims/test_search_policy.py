"""Search as an oracle (issue 13, item 5): an exact search by a field is allowed only to roles
that read the section holding it, and every search is rate-limited per account."""

import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from registry import checks
from registry.keyring import new_keyring_document
from registry.models import AuditAction, AuditEvent, AuditOutcome
from victims import operations
from victims.choices import Service

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_800_000_000.0  # a fixed clock, well inside one window


@pytest.fixture
def clock(monkeypatch):
    """The rate limit's clock, frozen at :data:`NOW`; ``clock.now`` moves it."""
    frozen = SimpleNamespace(now=NOW)
    monkeypatch.setattr("registry.ratelimit.time", SimpleNamespace(time=lambda: frozen.now))
    return frozen


@pytest.fixture
def referred(register, consent, cast, places):
    """A case of Alice's referred to Bob's education bureau and to Frank's labour bureau."""
    case = register(seed=31)
    for service, organization in ((Service.SCHOOLING, places.fz_education), (Service.TRAINING, places.fz_labor)):
        consent(case, service)
        operations.referral_create(actor=cast.alice, case=case, service=service, to_organization=organization)
    return case


def denials():
    return list(AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED))


# --- who may search by what ---------------------------------------------------------------------


@pytest.mark.parametrize("member", ["bob", "frank"])
def test_a_role_that_may_not_read_identity_cannot_confirm_a_guessed_id_number(api_client_for, referred, cast, member):
    client = api_client_for(getattr(cast, member))
    right, wrong = referred.victim.id_number, "110105194912310038"

    answers = [client.get(reverse("case-list"), {"id_number": guess}) for guess in (right, wrong)]

    assert [answer.status_code for answer in answers] == [403, 403]
    assert answers[0].json() == answers[1].json()  # a right guess and a wrong one look alike
    assert answers[0].json()["code"] == "permission_denied"
    assert [(event.detail["status"], event.outcome) for event in denials()] == [(403, AuditOutcome.DENIED)] * 2


@pytest.mark.parametrize("member", ["bob", "frank"])
def test_a_role_that_reads_the_person_section_may_search_by_name(api_client_for, referred, cast, member):
    response = api_client_for(getattr(cast, member)).get(reverse("case-list"), {"name": referred.victim.full_name})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(referred.uuid)]


@pytest.mark.parametrize("member", ["alice", "dave", "erin"])
def test_roles_that_read_identity_may_search_by_id_number(api_client_for, register, consent, cast, places, member):
    case = register(seed=32)
    consent(case, Service.LEGAL_AID)
    operations.referral_create(
        actor=cast.alice, case=case, service=Service.LEGAL_AID, to_organization=places.fz_legal_aid
    )

    response = api_client_for(getattr(cast, member)).get(reverse("case-list"), {"id_number": case.victim.id_number})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(case.uuid)]


def test_the_search_page_refuses_an_id_number_search_by_education_and_audits_it(client, referred, cast):
    client.force_login(cast.bob)

    response = client.post(reverse("victims:list"), {"id_number": referred.victim.id_number})

    assert response.status_code == 403
    assert referred.number not in response.content.decode()
    assert [event.detail["status"] for event in denials()] == [403]
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_SEARCHED).exists()


def test_the_search_page_offers_education_no_id_number_field(client, referred, cast):
    client.force_login(cast.bob)
    body = client.get(reverse("victims:list")).content.decode()

    assert 'name="name"' in body
    assert 'id="id_id_number"' not in body


# --- the rate limit -----------------------------------------------------------------------------


@override_settings(REGISTRY_SEARCH_RATE=3, REGISTRY_SEARCH_RATE_SECONDS=60)
def test_searches_past_the_limit_answer_429_and_the_first_refusal_is_audited(api_client_for, register, cast, clock):
    case = register(seed=33)
    alice = api_client_for(cast.alice)
    search = {"id_number": case.victim.id_number}

    answers = [alice.get(reverse("case-list"), search) for _ in range(5)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
    assert answers[3].json()["code"] == "search_rate_limited"
    assert [(event.actor_id, event.detail["status"], event.detail["code"]) for event in denials()] == [
        (cast.alice.pk, 429, "search_rate_limited")
    ]
    assert AuditEvent.objects.filter(action=AuditAction.CASE_SEARCHED).count() == 3


@override_settings(REGISTRY_SEARCH_RATE=2, REGISTRY_SEARCH_RATE_SECONDS=60)
def test_the_limit_is_per_account_per_window_and_listing_is_not_counted(api_client_for, register, cast, clock):
    case = register(seed=34)
    alice, dave = api_client_for(cast.alice), api_client_for(cast.dave)
    search = {"name": case.victim.full_name}

    for _ in range(2):
        assert alice.get(reverse("case-list"), search).status_code == 200
    assert alice.get(reverse("case-list"), search).status_code == 429
    assert alice.get(reverse("case-list")).status_code == 200  # a plain list is not a search
    assert dave.get(reverse("case-list"), search).status_code == 200  # another account counts apart
    clock.now += 60
    assert alice.get(reverse("case-list"), search).status_code == 200  # the next window


@override_settings(REGISTRY_SEARCH_RATE=1, REGISTRY_SEARCH_RATE_SECONDS=60)
def test_refused_searches_count_too(api_client_for, referred, cast, clock):
    bob = api_client_for(cast.bob)

    answers = [bob.get(reverse("case-list"), {"id_number": "110105194912310038"}).status_code for _ in range(3)]

    assert answers == [403, 429, 429]


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "search-policy"}},
    REGISTRY_SEARCH_RATE=1,
    REGISTRY_SEARCH_RATE_SECONDS=60,
)
def test_the_counter_holds_the_account_and_never_the_term(api_client_for, register, cast, clock):
    case = register(seed=35)
    term = case.victim.id_number

    api_client_for(cast.alice).get(reverse("case-list"), {"id_number": term})

    keys = [key for key in cache._cache if "ratelimit" in key]
    assert len(keys) == 1 and str(cast.alice.uuid) in keys[0]
    assert term not in keys[0] and term[-6:] not in keys[0]


@override_settings(REGISTRY_SEARCH_RATE=2, REGISTRY_SEARCH_RATE_SECONDS=60)
def test_the_search_page_is_limited_too_and_says_so(client, register, cast, clock):
    case = register(seed=36)
    client.force_login(cast.alice)

    answers = [client.post(reverse("victims:list"), {"name": case.victim.full_name}) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert case.number not in answers[2].content.decode()
    assert "60" in answers[2].content.decode()  # the message names the window
    assert [event.detail["code"] for event in denials()] == ["search_rate_limited"]


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.skipif(not _redis_reachable(REDIS_URL), reason="no Redis at 127.0.0.1:6379")
def test_with_a_redis_cache_the_count_is_shared_by_every_worker_process(api_client_for, register, cast, clock):
    """Several gunicorn workers count in the one Redis: what one counted, another sees."""
    import redis

    prefix = f"registry-test-{uuid.uuid4().hex}"
    redis_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": prefix,
    }
    case = register(seed=37)
    server = redis.Redis.from_url(REDIS_URL)
    try:
        with override_settings(
            CACHES={"default": redis_cache}, REGISTRY_SEARCH_RATE=2, REGISTRY_SEARCH_RATE_SECONDS=60
        ):
            alice = api_client_for(cast.alice)
            answers = [alice.get(reverse("case-list"), {"name": case.victim.full_name}).status_code for _ in range(3)]
        keys = server.keys(f"{prefix}*")
        assert answers == [200, 200, 429]
        assert len(keys) == 1 and str(cast.alice.uuid).encode() in keys[0]
        assert int(server.get(keys[0])) == 3  # in Redis, not in this process's memory
    finally:
        for key in server.keys(f"{prefix}*"):
            server.delete(key)


# --- configuration --------------------------------------------------------------------------------


def cache_settings(extra_env: dict) -> str:
    """The cache backend and limit the settings choose in a clean process with ``extra_env``."""
    env = {
        "PATH": "/usr/bin:/bin",
        "REGISTRY_ENV_FILE": "/dev/null",
        "REGISTRY_MODE": "dev",
        "SECRET_KEY": "x" * 50,
        "REGISTRY_KEYRING": new_keyring_document(),
        "DJANGO_SETTINGS_MODULE": "registry.settings",
        **extra_env,
    }
    code = (
        "from registry import settings as s; "
        "print(s.CACHES['default']['BACKEND'].rsplit('.', 1)[1], s.CACHES['default'].get('LOCATION', ''), "
        "s.REGISTRY_SEARCH_RATE, s.REGISTRY_SEARCH_RATE_SECONDS)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    return done.stdout.strip() or done.stderr.strip().splitlines()[-1]


def test_the_cache_is_the_configured_redis_or_the_brokers_or_local_memory():
    assert cache_settings({}) == "LocMemCache  30 60"
    assert cache_settings({"REGISTRY_CACHE_URL": "redis://cache:6379/1"}) == "RedisCache redis://cache:6379/1 30 60"
    assert cache_settings({"CELERY_BROKER_URL": "redis://broker:6379/0"}) == "RedisCache redis://broker:6379/0 30 60"
    assert cache_settings({"REGISTRY_SEARCH_RATE": "10", "REGISTRY_SEARCH_RATE_SECONDS": "5"}) == "LocMemCache  10 5"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("REGISTRY_CACHE_URL", "memcached://secret@host"), ("REGISTRY_SEARCH_RATE", "0"), ("REGISTRY_SEARCH_RATE", "x")],
)
def test_bad_rate_limit_settings_stop_start_up_naming_the_variable(variable, value):
    answer = cache_settings({variable: value})

    assert "ImproperlyConfigured" in answer and variable in answer
    assert "secret" not in answer  # a cache URL may carry a password: never echoed


def test_deployment_check_warns_when_production_workers_would_count_apart():
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    shared = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    with override_settings(REGISTRY_MODE="production", CACHES=local):
        assert [warning.id for warning in checks.shared_cache(None)] == ["registry.W101"]
    with override_settings(REGISTRY_MODE="production", CACHES=shared):
        assert checks.shared_cache(None) == []
    with override_settings(REGISTRY_MODE="demo", CACHES=local):
        assert checks.shared_cache(None) == []
