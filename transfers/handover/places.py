"""Where a case may be handed over to: the provincial-level divisions of China (GB/T 2260) and
the countries of ISO 3166-1, with their names in the page's language.

The provinces come from python-stdnum's GB/T 2260 table (``stdnum/cn/loc.dat``, the one
``registry.jurisdictions`` loads the province's own divisions from): its 34 two-digit entries,
the 31 of the mainland, Taiwan, Hong Kong and Macao. The countries are pycountry's, named by
``registry.presentation.country``; China itself is no destination of a repatriation.
"""

from __future__ import annotations

from functools import cache

import pycountry
from stdnum import numdb

from registry import presentation
from registry.jurisdictions import parse_names

CHINA = "CN"
# The table keeps the traditional characters these two use themselves; the pages write simplified.
SIMPLIFIED = {"81": "香港特别行政区", "82": "澳门特别行政区"}


@cache
def provinces() -> dict[str, str]:
    """``{"11": "北京市", …}``: the 34 provincial-level divisions by code, in code order."""
    found = {}
    for length, low, _high, props, _children in numdb.get("cn/loc").prefixes:
        if length == 2 and "province" in props:
            found[low] = SIMPLIFIED.get(low) or parse_names(props["province"])[0]
    return dict(sorted(found.items()))


def province_choices(*, excluding: str = "") -> list[tuple[str, str]]:
    """``(code, "code name")`` of every province but ``excluding`` (the case's own)."""
    return [(code, f"{code} {name}") for code, name in provinces().items() if code != excluding]


def province_label(code: str) -> str:
    name = provinces().get(code)
    return f"{code} {name}" if name else code or "—"


def country_choices() -> list[tuple[str, str]]:
    """``(alpha-2, "VN 越南")`` of every ISO 3166 country but China, sorted by code."""
    codes = sorted(country.alpha_2 for country in pycountry.countries if country.alpha_2 != CHINA)
    return [(code, presentation.country(code)) for code in codes]
