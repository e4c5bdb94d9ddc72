"""Countries and regions of ISO 3166-1, by their alpha-2 code, named in the reader's language.

The stored value is always the two-letter code (``CN``, ``VN``); only what a person reads
changes. Names come from pycountry's ISO 3166-1 table and, for Chinese, from the Chinese
catalogue of the iso-codes project that pycountry ships (no second copy of the list here). A
handful of Chinese names are set by the registry where that catalogue differs from the usage of
the provincial plan (Taiwan, Hong Kong and Macao as regions of China; a misspelt Cambodia).

Guarantees: :func:`country_choices` lists every code once, China first, then the others sorted
for the reader (by pinyin in Chinese, alphabetically in English); :func:`is_country` is the one
test of a code, used by forms and operations alike.
"""

from __future__ import annotations

import functools
import gettext

import pycountry
from django.utils.translation import get_language
from pypinyin import lazy_pinyin

FIRST = "CN"
# Chinese names of the registry where the iso-codes catalogue says otherwise.
_ZH_NAMES = {"CN": "中国", "TW": "中国台湾", "HK": "中国香港", "MO": "中国澳门", "KH": "柬埔寨"}


def _chinese(language: str | None) -> bool:
    return (language or "").lower().startswith("zh")


@functools.cache
def _zh_catalogue() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)


def _english(country) -> str:
    return getattr(country, "common_name", None) or country.name


def is_country(code: str | None) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 code (upper case, as stored)."""
    return bool(code) and len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def country_name(code: str, language: str | None = None) -> str:
    """The name of ``code`` in ``language`` (the active one by default); the code itself when
    it is no country."""
    country = pycountry.countries.get(alpha_2=code or "") if code and len(code) == 2 else None
    if country is None:
        return code or ""
    if _chinese(language or get_language()):
        return _ZH_NAMES.get(country.alpha_2) or _zh_catalogue().gettext(_english(country))
    return _english(country)


@functools.cache
def _choices(chinese: bool) -> tuple[tuple[str, str], ...]:
    language = "zh-hans" if chinese else "en"
    rows = [(country.alpha_2, country_name(country.alpha_2, language)) for country in pycountry.countries]
    key = (lambda row: lazy_pinyin(row[1])) if chinese else (lambda row: row[1].casefold())
    first = [row for row in rows if row[0] == FIRST]
    return tuple(first + sorted((row for row in rows if row[0] != FIRST), key=key))


def country_choices() -> list[tuple[str, str]]:
    """``(code, name)`` of every country in the active language, China first."""
    return list(_choices(_chinese(get_language())))
