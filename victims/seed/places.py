"""The demo's places: the two cities whose cases are seeded (Fuzhou, Xiamen), their districts
and police units, and the provinces people come from (for transfers). Real administrative codes
(GB/T 2260) and names; nothing personal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class District:
    code: str
    name: str
    police_unit: str


@dataclass(frozen=True)
class City:
    code: str
    name: str
    suffix: str  # of the demo usernames: caseworker_fz
    districts: tuple[District, ...]


CITIES = (
    City("3501", "福州市", "fz", (
        District("350102", "鼓楼区", "福州市公安局鼓楼分局"),
        District("350103", "台江区", "福州市公安局台江分局"),
        District("350104", "仓山区", "福州市公安局仓山分局"),
        District("350111", "晋安区", "福州市公安局晋安分局"),
        District("350121", "闽侯县", "闽侯县公安局"),
        District("350181", "福清市", "福清市公安局"),
    )),
    City("3502", "厦门市", "xm", (
        District("350203", "思明区", "厦门市公安局思明分局"),
        District("350205", "海沧区", "厦门市公安局海沧分局"),
        District("350206", "湖里区", "厦门市公安局湖里分局"),
        District("350211", "集美区", "厦门市公安局集美分局"),
        District("350212", "同安区", "厦门市公安局同安分局"),
    )),
)  # fmt: skip
PROVINCES = {"53": "云南省", "52": "贵州省", "51": "四川省", "45": "广西壮族自治区", "43": "湖南省",
             "42": "湖北省", "36": "江西省", "34": "安徽省", "41": "河南省"}  # fmt: skip
