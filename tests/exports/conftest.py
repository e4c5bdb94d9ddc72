"""Dossier fixtures: a throwaway archive storage per test, and cases built by the operations."""

import pytest

from tests.victims.conftest import consent, register  # noqa: F401 (fixtures used by these tests)


@pytest.fixture(autouse=True)
def archive_storage(settings, tmp_path):
    """Every test keeps its dossier files in its own folder (``STORAGES["archive"]``)."""
    location = tmp_path / "archive"
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
    }
    return location


@pytest.fixture(autouse=True)
def jobs_inline(settings):
    """Dossier jobs run at once in the requesting thread (``exports.jobs``, mode ``inline``): a
    test's transaction is never committed, so no other thread or worker would see the job.
    Tests of the worker threads and of Celery set their mode themselves."""
    settings.EXPORTS_DOSSIER_WORKERS = 0
    settings.CELERY_BROKER_URL = ""


@pytest.fixture
def on_celery(settings, monkeypatch, django_capture_on_commit_callbacks):
    """Dossier jobs sent to Celery (a broker configured), the request not waiting for them:
    ``post(client, url, body)`` posts and lets the job go to the broker once its transaction
    "commits"; ``sent`` lists what went; ``deliver()`` runs each sent task here, as a worker
    would."""
    from registry.celery import app

    settings.CELERY_BROKER_URL = "redis://broker.invalid:6379/0"
    settings.EXPORTS_DOSSIER_WAIT = 0
    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, **options: sent.append((name, options)))

    def deliver():
        from exports.tasks import render_dossier_job

        while sent:
            _name, options = sent.pop(0)
            render_dossier_job(*options["args"])

    class Broker:
        def __init__(self):
            self.sent, self.deliver = sent, deliver

        def post(self, client, url, body, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(url, body, **kwargs)

    return Broker()


@pytest.fixture
def fast_render(monkeypatch):
    """Dossiers rendered by a stand-in (tests about policy, storage and batches, not the PDF)."""
    from tests.exports.helpers import fake_render

    monkeypatch.setattr("exports.operations._render", fake_render)


# Values of one section each, unique enough to be found (or not) in a dossier's text.
MARKERS = {
    "rescue": "福州市鼓楼区某出租屋",
    "health": "轻度营养不良标记",
    "dna": "DNA-REF-7731",
    "household": "云南省昆明市五华区某村标记",
    "family": "母亲标记人",
}


@pytest.fixture
def full_case(register, consent, cast, places):  # noqa: F811 (the fixtures imported above)
    """Alice's case in Gulou of an adult with a record in every section the victim file has,
    referred to (and accepted by) Bob's education bureau."""
    from victims import operations, validation
    from victims.choices import Service

    case = register(seed=41)
    today = validation.today()
    add = operations.record_add
    add(actor=cast.alice, case=case, model="healthassessment",
        data={"assessed_on": today, "assessor": "福州市第一医院", "physical": MARKERS["health"]})  # fmt: skip
    add(actor=cast.alice, case=case, model="dnasample",
        data={"collected_on": today, "collected_by": "鼓楼分局", "database_reference": MARKERS["dna"]})  # fmt: skip
    add(actor=cast.alice, case=case, model="household",
        data={"address": MARKERS["household"], "jurisdiction_code": "350102", "is_purchaser": False})  # fmt: skip
    add(actor=cast.alice, case=case, model="familymember",
        data={"relationship": "mother", "full_name": MARKERS["family"], "phone": "13600000000"})  # fmt: skip
    consent(case, Service.SCHOOLING)
    referral = operations.referral_create(
        actor=cast.alice, case=case, service=Service.SCHOOLING, to_organization=places.fz_education
    )
    operations.referral_respond(actor=cast.bob, referral=referral, decision="accept")
    case.refresh_from_db()
    return case
