"""Blind-index normalization (issue 13, item 4): spellings a person cannot tell apart — invisible
characters, separators in document numbers, Cyrillic and Greek look-alikes — give one digest."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import crypto
from tests.registry.test_crypto import AES

NAME_COLUMN = "victims.victim.full_name"
NUMBER_COLUMN = "victims.victim.id_number"

# One character of each class the issue names, and the other default-ignorables and controls.
INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "byte-order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "variation selector 16": "\ufe0f",
    "variation selector 17": "\U000e0100",
    "variation selector 256": "\U000e01ef",
    "word joiner": "\u2060",
    "right-to-left override": "\u202e",
    "combining grapheme joiner": "\u034f",  # Mn: default-ignorable, not a format character
    "hangul filler": "\u3164",  # Lo: default-ignorable, not a format character
    "mongolian vowel separator": "\u180e",
    "tag letter": "\U000e0041",
    "bell": "\u0007",
    "delete": "\u007f",
    "lone surrogate": "\ud800",
}


def name_digest(value: str) -> str:
    return crypto.blind_index(value, column=NAME_COLUMN, keyring=AES)


def number_digest(value: str) -> str:
    return crypto.blind_index(value, column=NUMBER_COLUMN, keyring=AES, normalization="document_number")


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_every_invisible_character_is_recognised(char):
    assert crypto.is_invisible(char)
    assert crypto.first_invisible(f"李{char}小红") == char


@pytest.mark.parametrize("char", ["李", "A", "7", " ", "\u3000", "-", "é", "\ue000", "\U00031350"])
def test_visible_characters_and_white_space_are_not_invisible(char):
    # White space is folded, not refused; a private-use or not-yet-known ideograph is a character.
    assert not crypto.is_invisible(char)


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_name_with_an_invisible_character_digests_as_without(char):
    assert name_digest(f"李{char}小红") == name_digest("李小红")


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_document_number_with_an_invisible_character_digests_as_without(char):
    assert number_digest(f"E1234{char}567") == number_digest("E1234567")


@pytest.mark.parametrize(
    "typed",
    [
        "E-1234567",
        "e 1234 567",
        "E\u20101234\u2011567",  # hyphen, non-breaking hyphen
        "E\u20131234\u2014567",  # en dash, em dash
        "E\u22121234567",  # minus sign
        "E\uff0d1234567",  # full-width hyphen-minus
        "E.1234/567",
        "E\u30fb1234\u00b7567",  # katakana middle dot, middle dot
        "Ｅ１２３４５６７",  # full width
        "\u04151234567",  # Cyrillic Е
        "\u04351234567",  # Cyrillic е, lower case
        "\u03951234567",  # Greek Ε
    ],
)
def test_spellings_of_one_document_number_fold_to_its_canonical_form(typed):
    assert crypto.fold_document_number(typed) == "E1234567"
    assert number_digest(typed) == number_digest("E1234567")


def test_cyrillic_look_alikes_map_to_their_latin_letters():
    cyrillic = "АВЕКМНОРСТХ"
    assert crypto.fold_document_number(cyrillic) == "ABEKMHOPCTX"


def test_names_keep_their_hyphens_and_scripts():
    # Folding is for document numbers: a hyphen or a Cyrillic letter is part of a name.
    assert name_digest("Jean-Pierre") != name_digest("JeanPierre")
    assert name_digest("Анна") != name_digest("AHHA")


@given(st.text(max_size=30), st.sampled_from(list(INVISIBLE.values())), st.integers(min_value=0))
def test_an_invisible_character_anywhere_never_changes_a_digest(value, char, where):
    where %= len(value) + 1
    spiked = value[:where] + char + value[where:]
    assert name_digest(spiked) == name_digest(value)
    assert number_digest(spiked) == number_digest(value)


def test_an_invisible_character_cannot_keep_a_combining_mark_from_composing():
    assert name_digest("Jose\u200b\u0301") == name_digest("José")
