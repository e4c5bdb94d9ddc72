"""Attachment fixtures: a throwaway attachments storage per test, cases built by the operations,
and an upload helper for the operations (files as the project's upload handler gives them)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attachments.uploads import EphemeralFile, EphemeralUpload
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


def upload_of(content: bytes, name: str = "document.bin", content_type: str = "application/octet-stream"):
    """``content`` as the project's upload handler hands it to a view."""
    file = EphemeralFile()
    file.write(content)
    file.seek(0)
    return EphemeralUpload(file, name=name, content_type=content_type, size=len(content), charset=None, oversize=False)


def multipart_file(content: bytes, name: str = "document.bin", content_type: str = "application/octet-stream"):
    """``content`` as a test client posts it."""
    return SimpleUploadedFile(name, content, content_type=content_type)
