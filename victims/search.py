"""Finding a case with one term: a case number, an ID number, or part of a name or its pinyin.

:func:`find` answers one term within a queryset of cases the caller already scoped
(``victims.selectors.search_cases`` is its only caller and passes ``cases_for(user, …)``):

- **case number** (plain, not personal): the whole number, any case, or its trailing part —
  ``00042`` and ``42`` both find ``FJ-350102-2026-00042``, as do ``2026-00042`` and the number
  without its province letters. One query.
- **ID number**: exact, through the blind index, only when the caller passes the matches
  (``id_matches``: the selector does so only for roles that read the identity section). One
  query; nothing is decrypted.
- **name**: only when ``names`` is true (roles that read the person section). The names of the
  cases in scope are loaded in one query (the name column alone) and decrypted — N
  decryptions for N cases in scope — then matched in memory: a part of the name as written
  (``吴``, ``吴雨``, ``Nguyen``), or its pinyin without tones, case-insensitive, in full or by
  initials or a mix, from any syllable (``wuyu``, ``wy``, ``wuy``, ``yuxin``); every reading of
  a character with several counts (单: dan, shan, chan), and ü is typed ``v`` or ``u``.
  Decrypted names are used for the comparison only: never kept, cached, logged or returned.

Results are ranked — 0: the whole case number, ID number or name; 1: a trailing case number,
or a name matched from its start; 2: a name matched inside — and, within a rank, newest case
first. At most :data:`CAP` cases are loaded and returned; :attr:`Found.total` says how many
matched, so a caller says "more than 50: refine the search".

Cost: one query for the case numbers, one for the ID number, one for the names of the scope
(N decryptions and N in-memory matches; the pinyin of each character is cached, never a name),
one for the ≤ 50 cases shown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Q
from django.utils.translation import gettext as _
from pypinyin import Style, pinyin

from registry.errors import RuleViolation
from victims import validation

CAP = 50  # cases a search answers with at most
MAX_TERM = 64  # characters of a term

EXACT, START, INSIDE = 0, 1, 2  # ranks, best first

_CASE_NUMBER = re.compile(r"^[0-9a-z]+(?:-[0-9a-z]+)*$")  # letters and digits, in groups joined by hyphens
_PINYIN = re.compile(r"^[a-zv]+$")
_TOKENS = re.compile(r"[a-z0-9]+|[^\W\d_a-z]", re.UNICODE)  # a Latin word, or one character of a script
_TYPED_APART = re.compile(r"[\s'’·・.-]+")  # what people type between syllables or name parts


@dataclass(frozen=True)
class Found:
    """The answer to one search: at most :data:`CAP` cases, best first, and how many matched."""

    cases: list
    total: int

    @property
    def capped(self) -> bool:
        return self.total > len(self.cases)


def normalized_term(value: str | None, field: str = "q") -> str:
    """The term as it is matched: NFKC (full-width forms folded), trimmed, case-folded. 400
    naming ``field`` when empty, longer than :data:`MAX_TERM`, or holding an invisible
    character (the message never repeats the term)."""
    value = value or ""
    validation.refuse_invisible(value, field)
    term = unicodedata.normalize("NFKC", value).strip().casefold()
    if not term:
        raise RuleViolation(_("Type a case number, an ID number or a name to search for."), field=field)
    if len(term) > MAX_TERM:
        raise RuleViolation(_("A search term holds at most %(count)d characters.") % {"count": MAX_TERM}, field=field)
    return term


def find(cases, term: str, *, names: bool, id_matches=None) -> Found:
    """The cases of ``cases`` (a scoped queryset; never widened) matching ``term`` (from
    :func:`normalized_term`), ranked; names are decrypted and compared only when ``names``;
    ``id_matches`` is the queryset of ID-number matches, if the caller may search by it."""
    ranks: dict[int, int] = {}

    def rank(pk: int, value: int) -> None:
        ranks[pk] = min(value, ranks.get(pk, value))

    unordered = cases.order_by()
    if _CASE_NUMBER.match(term) and any(char.isdigit() for char in term):
        tail = term.zfill(5) if term.isdigit() else term
        numbers = unordered.filter(Q(number__iexact=term) | Q(number__iendswith=f"-{tail}"))
        for pk, number in numbers.values_list("pk", "number"):
            rank(pk, EXACT if number.casefold() == term else START)
    if id_matches is not None:
        for pk in id_matches.order_by().values_list("pk", flat=True):
            rank(pk, EXACT)
    if names:
        matcher = _name_matcher(term)
        for pk, name in unordered.values_list("pk", "victim__full_name").iterator(chunk_size=2000):
            found = matcher(name)
            if found is not None:
                rank(pk, found)
    best = sorted(ranks, key=lambda pk: (ranks[pk], -pk))[:CAP]
    position = {pk: index for index, pk in enumerate(best)}
    shown = sorted(cases.filter(pk__in=best), key=lambda case: position[case.pk])
    return Found(cases=shown, total=len(ranks))


# --- names --------------------------------------------------------------------------------------


def _name_matcher(term: str):
    """A function of a decrypted name answering its rank for ``term``, or ``None``."""
    text = _TYPED_APART.sub("", term)
    letters = text.replace("ü", "v")
    spelled = letters if _PINYIN.match(letters) else None

    def match(name: str) -> int | None:
        folded = unicodedata.normalize("NFKC", name).casefold()
        plain = _TYPED_APART.sub("", folded)
        found = None
        if text and text in plain:
            found = EXACT if text == plain else START if plain.startswith(text) else INSIDE
        if spelled and found != EXACT:
            by_sound = _pinyin_rank(_syllables(folded), spelled)
            if by_sound is not None and (found is None or by_sound < found):
                found = by_sound
        return found

    return match


@lru_cache(maxsize=16384)
def _readings(char: str) -> tuple[str, ...]:
    """The toneless pinyin readings of one character (a Latin word: itself); ü as v and as u."""
    if char.isascii():
        return (char,)
    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors=lambda _char: [[]])[0]
    readings = dict.fromkeys(reading.casefold() for reading in found if reading.isascii() and reading.isalpha())
    for reading in list(readings):
        if "v" in reading:
            readings[reading.replace("v", "u")] = None
    return tuple(readings)


@lru_cache(maxsize=16384)
def _first_letters(readings: tuple[str, ...]) -> frozenset[str]:
    return frozenset(reading[0] for reading in readings)


def _syllables(folded_name: str) -> list[tuple[str, ...]]:
    """The readings of each syllable of a name (a character, or a Latin word); punctuation and
    characters without a reading are left out."""
    return [readings for token in _TOKENS.findall(folded_name) if (readings := _readings(token))]


def _pinyin_rank(syllables: list[tuple[str, ...]], spelled: str) -> int | None:
    """How ``spelled`` (letters) matches the syllables: consecutive syllables, each by a non-empty
    start of one of its readings (so full pinyin, initials, or a mix). EXACT when it spells
    every syllable in full, START when it begins at the first, INSIDE elsewhere; ``None`` if no
    way matches."""
    best = INSIDE + 1
    count = len(syllables)
    for start in range(count):
        if spelled[0] not in _first_letters(syllables[start]):
            continue
        reached = {0: True}  # position in ``spelled`` -> whether some way there spelled every syllable in full
        for index in range(start, count):
            following: dict[int, bool] = {}
            for position, full in reached.items():
                rest = spelled[position:]
                for reading in syllables[index]:
                    for length in range(1, _common_prefix(reading, rest) + 1):
                        whole = full and length == len(reading)
                        if position + length == len(spelled):
                            best = min(best, _rank(start, whole and index == count - 1))
                        else:
                            following[position + length] = following.get(position + length, False) or whole
            reached = following
            if not reached:
                break
        if best <= INSIDE:  # a later start matches inside only, no better
            return best
    return None


def _rank(start: int, spelled_in_full: bool) -> int:
    if start:
        return INSIDE
    return EXACT if spelled_in_full else START


def _common_prefix(first: str, second: str) -> int:
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    return length
