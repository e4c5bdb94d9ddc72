"""Attachment fixtures: a throwaway attachments storage per test, cases built by the operations,
and multipart files as a test client posts them (uploads for the operations:
``attachments.uploads.ephemeral_upload``)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attachments.choices import Kind
from registry.policy import Section
from tests.attachments_helpers import attach
from tests.legal_aid.conftest import lawyers, refer_legal_aid, referred  # noqa: F401 (fixtures used by these tests)
from tests.victims.conftest import consent, register  # noqa: F401 (fixtures used by these tests)


@pytest.fixture(autouse=True)
def attachments_storage(settings, tmp_path):
    """Every test keeps its attachments in its own folder (``STORAGES["attachments"]``)."""
    location = tmp_path / "attachments"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


def stored_files(location) -> list:
    return sorted(path for path in location.rglob("*") if path.is_file()) if location.exists() else []


def multipart_file(content: bytes, name: str = "document.bin", content_type: str = "application/octet-stream"):
    """``content`` as a test client posts it."""
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def two_centres(referred, refer_legal_aid, lawyers, cast):  # noqa: F811 (the imported fixtures)
    """The case referred to Erin's centre and to Lena's, each having filed a legal aid document."""
    refer_legal_aid(referred, lawyers.gulou_centre, lawyers.lena)
    filed = {}
    for user in (cast.erin, lawyers.lena):
        referred.refresh_from_db()
        filed[user.username] = attach(
            referred, actor=user, section=Section.LEGAL_AID, kind=Kind.OTHER, title=f"{user.username} 的委托书"
        )
    return filed
