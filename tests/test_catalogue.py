"""The Chinese catalogue is complete and reads as Chinese: no msgid without its msgstr, no fuzzy
entry, no ASCII colon after Chinese text; and a Chinese dossier of a seeded case has no English
word in its text as poppler's ``pdftotext`` reads it (one rendering for the module)."""

from __future__ import annotations

import dataclasses
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.registry.test_ui import _po_entries, unescape_po

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
# An ASCII colon right after Chinese text, or ending a Chinese string.
_ASCII_COLON = re.compile(rf"{_CJK}\s*:|:\s*$")
# Letters that may stand in a Chinese dossier: the names of formats and digests, the JSON file's
# extension and DNA (DNA采血, as the provincial plan writes it). Case and archive numbers carry
# two letters (FJ, D001), below the length looked for.
ALLOWED_WORDS = frozenset({"PDF", "JSON", "SHA", "json", "DNA"})
_WORD = re.compile(r"[A-Za-z]{3,}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgstr: str
    fuzzy: bool


def read_po(path: Path) -> list[Entry]:
    """The catalogue's messages (the header left out), read as the UI's catalogue test reads
    them (``tests.registry.test_ui._po_entries``), their text unescaped."""
    return [
        Entry(unescape_po(msgid), unescape_po(msgstr), fuzzy)
        for msgid, msgstr, fuzzy, _plural in _po_entries(path.read_text(encoding="utf-8"))
        if msgid
    ]


def _without_placeholders(text: str) -> str:
    text = re.sub(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}", "", text)
    text = re.sub(r"https?://\S+", "", text)
    return re.sub(r"\d{1,2}:\d{2}", "", text)


def untranslated(entries: list[Entry]) -> list[str]:
    return [entry.msgid for entry in entries if not entry.fuzzy and not entry.msgstr]


def fuzzy(entries: list[Entry]) -> list[str]:
    return [entry.msgid for entry in entries if entry.fuzzy]


def ascii_colons(entries: list[Entry]) -> list[str]:
    return [
        entry.msgstr
        for entry in entries
        if re.search(_CJK, entry.msgstr) and _ASCII_COLON.search(_without_placeholders(entry.msgstr))
    ]


def english_words(text: str) -> list[str]:
    return sorted({word for word in _WORD.findall(text) if word not in ALLOWED_WORDS})


@pytest.fixture(scope="module")
def entries():
    return read_po(CATALOGUE)


def test_every_msgid_has_its_chinese_msgstr(entries):
    assert untranslated(entries) == []


def test_no_entry_is_fuzzy(entries):
    assert fuzzy(entries) == []


def test_no_chinese_msgstr_has_an_ascii_colon(entries):
    assert ascii_colons(entries) == []


def test_the_checks_see_what_they_are_for(tmp_path):
    """The reader and the checks catch each fault (a catalogue of known faults)."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Guess"\nmsgstr "猜"\n\n'
        'msgid "Name:"\nmsgstr "姓名:"\n\n'
        'msgid "At %(time)s"\nmsgstr "时间：%(time)s，10:30"\n\n'
        'msgid "One"\nmsgid_plural "Many"\nmsgstr[0] ""\n\n'
        '#~ msgid "Old"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    entries = read_po(po)
    assert untranslated(entries) == ["Empty", "One"]
    assert fuzzy(entries) == ["Guess"]
    assert ascii_colons(entries) == ["姓名:"]
    assert english_words("FZ2024000123 第一页 PDF rescue added 个案") == ["added", "rescue"]


@pytest.mark.django_db
def test_a_chinese_dossier_of_a_seeded_case_has_no_english_word(settings, tmp_path):
    """The demo's people (``seed_demo``: registration, services, legal aid, care plans, notes,
    documents, transfers through the operations) and the Fuzhou case with the most history,
    rendered once in Chinese for Fuzhou's civil affairs officer, who reads every section: no
    English word, and no id where a person, an organization or a record should be named."""
    from exports.dossier.render import render_dossier
    from exports.operations import archive_number
    from registry import casefile
    from registry.models import User
    from tests.exports.helpers import facts_for, pdf_text
    from victims import selectors

    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    call_command("seed_demo", victims=12, stdout=io.StringIO(), stderr=io.StringIO())
    officer = User.objects.get(username="civil_affairs_fz")
    case = max(selectors.cases_for(officer), key=lambda case: len(casefile.case_history(officer, case)))
    facts = dataclasses.replace(facts_for(officer, case), archive_number=archive_number(case, 1))

    text = pdf_text(render_dossier(facts).pdf)

    assert case.number in text
    assert english_words(text) == []
    assert not _UUID.search("".join(text.split()))  # lawyers, staff, linked records: by name
