"""The small world the reports pages and files are tested on, registered through the real
operation (synthetic people only), and readers of what the pages print.

Cases opened today (so in this year's reports): six in Gulou (350102) and one in Taijiang
(350103), both Fuzhou; seven in Siming (350203), Xiamen. So the province by city shows 7 and 7,
nothing suppressed; Fuzhou by county shows Taijiang's 1 suppressed and Gulou's 6 suppressed with
it (the complement: otherwise 7 − 6 would give Taijiang's 1 away), and the total 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from tests.factories import JurisdictionFactory
from tests.victims.conftest import RESCUE, person
from victims import operations

YEAR = str(timezone.localdate().year)


@dataclass(frozen=True)
class World:
    taijiang: object
    siming: object
    personal: tuple[str, ...]  # every name, ID number and case number of the fixture


@pytest.fixture
def world(places, cast) -> World:
    taijiang = JurisdictionFactory(code="350103", name="台江区", parent=places.fuzhou)
    siming = JurisdictionFactory(code="350203", name="思明区", parent=places.xiamen)
    personal = []
    plan = [(cast.alice, places.gulou)] * 6 + [(cast.alice, taijiang)] + [(cast.carol, siming)] * 7
    for seed, (actor, where) in enumerate(plan, start=7100):
        victim = person(seed)
        case = operations.case_register(actor=actor, victim=victim, jurisdiction=where, rescue=dict(RESCUE))
        personal += [victim["full_name"], victim["id_number"], case.number]
    return World(taijiang=taijiang, siming=siming, personal=tuple(personal))


class _TableReader(HTMLParser):
    """The text of each row of the table with the given id: a list of lists of cell texts."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.depth, self.rows, self.cell = table_id, 0, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and (dict(attrs).get("id") == self.table_id or self.depth):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, table_id: str) -> list[list[str]]:
    reader = _TableReader(table_id)
    reader.feed(html)
    return reader.rows


def assert_nothing_personal(text: str, world: World) -> None:
    leaked = [value for value in world.personal if value in text]
    assert not leaked, f"{len(leaked)} personal values leaked"
