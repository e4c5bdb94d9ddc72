"""The caseworkers of the load benchmark (``benchmarks/load.py`` runs this file with Locust,
headless, in a process of its own: gevent never touches a Django process).

Each simulated user is one caseworker — the demo's ``caseworker_fz`` or ``caseworker_xm``, taken
in turn from ``--cities`` — authenticated by an API token, acting in a closed loop without think
time, and only on cases in its own scope: it lists them first, then draws from :data:`MIX`.

- ``case list``: ``GET /api/v1/cases/?page=N``, pages spread over the user's whole list;
- ``case file``: ``GET /api/v1/cases/{id}/`` of one of its cases;
- ``search``: ``POST /api/v1/cases/search/`` with ``{"q": ID number}``, the search box, for an ID
  number read from one of its case files (posted, so it never enters a URL; kept in memory only);
- ``history``: ``GET /api/v1/cases/{id}/history/``;
- ``registration``: ``POST /api/v1/cases/`` with a rescue: a synthetic person whose resident ID
  number is unique by construction (:func:`resident_id`), so a 409 is a failure, not chance.

Once every user has set itself up, ``--warm-up`` seconds pass, the statistics are reset and
Locust quits ``--measure`` seconds later, so its CSV covers the measured window alone. Answers
201 to registrations are counted over the whole run, warm-up included, and written to
``--outcome`` as JSON when Locust quits (with the measured seconds), to compare with the cases in
the database.
"""

from __future__ import annotations

import datetime
import itertools
import json
import random
from pathlib import Path

import gevent
from locust import FastHttpUser, constant, events
from stdnum.cn import ric

from benchmarks.load import MIX
from victims import synthetic

PAGE_SIZE = 50  # the API's default page (registry.api.pagination)
SETUP_CASE_FILES = 3  # case files a user reads at start to learn ID numbers to search for
# Registered people come from a county no generated person comes from (victims.synthetic.ORIGIN_PLACES),
# born from this day on, one day per SERIALS_PER_DAY registrations.
REGISTRATION_REGION = "110101"
FIRST_BIRTH_DATE = datetime.date(1990, 1, 1)
SERIALS_PER_DAY = 499  # sequence numbers 002..998, even: a woman's

_users = itertools.count()
_serials = itertools.count()
_ready = {"users": 0}  # users done with on_start
created = {"answers_201": 0, "registrations": 0}


@events.init_command_line_parser.add_listener
def _arguments(parser) -> None:
    parser.add_argument("--tokens", help="JSON file: city suffix -> API token of its caseworker")
    parser.add_argument("--cities", default="fz,xm", help="city suffixes the users act for, in turn")
    parser.add_argument("--warm-up", type=float, default=0.0, help="seconds after set-up before the measurement")
    parser.add_argument("--measure", type=float, default=60.0, help="seconds measured, then Locust quits")
    parser.add_argument("--serial-base", type=int, default=0, help="first serial of the registered ID numbers")
    parser.add_argument("--outcome", help="JSON file written at the end: the 201 answers to registrations")


@events.test_start.add_listener
def _start_measuring(environment, **kwargs) -> None:
    gevent.spawn(_measure, environment)


def _measure(environment) -> None:
    """Once every user has set itself up, let the warm-up pass, reset the statistics, and quit
    after the measured time."""
    options = environment.parsed_options
    while _ready["users"] < options.num_users:
        gevent.sleep(0.1)
    gevent.sleep(options.warm_up)
    environment.runner.stats.reset_all()
    gevent.sleep(options.measure)
    environment.runner.quit()


@events.quitting.add_listener
def _write_outcome(environment, **kwargs) -> None:
    if environment.parsed_options.outcome:
        total = environment.stats.total  # start_time: when the statistics were last reset
        measured = max(0.0, (total.last_request_timestamp or total.start_time) - total.start_time)
        outcome = {**created, "measured_seconds": measured, "ready_users": _ready["users"]}
        Path(environment.parsed_options.outcome).write_text(json.dumps(outcome))


def resident_id(serial: int) -> str:
    """A valid resident ID number, distinct for each ``serial`` below 499 × 10,000 days."""
    born = FIRST_BIRTH_DATE + datetime.timedelta(days=serial // SERIALS_PER_DAY)
    sequence = 2 * (serial % SERIALS_PER_DAY) + 2
    number = f"{REGISTRATION_REGION}{born:%Y%m%d}{sequence:03d}"
    return number + ric.calc_check_digit(number + "0")  # the function reads 17 digits and a placeholder


def registrant_name(serial: int) -> str:
    """A synthetic name, distinct among the registrations born on one day (those of one day's
    serials): the duplicate check also matches a name with a birth date, so two equal names
    born the same day would be answered 409 by right."""
    number = serial % SERIALS_PER_DAY
    surname, number = synthetic.SURNAMES[number % len(synthetic.SURNAMES)], number // len(synthetic.SURNAMES)
    first, second = divmod(number, len(synthetic.GIVEN))
    return surname + synthetic.GIVEN[first % len(synthetic.GIVEN)] + synthetic.GIVEN[second]


def registration_body(serial: int) -> dict:
    """A synthetic woman rescued two days ago, as ``POST /api/v1/cases/`` takes her."""
    rescued_on = datetime.date.today() - datetime.timedelta(days=2)  # noqa: DTZ011 - a day, any zone
    return {
        "victim": {
            "full_name": registrant_name(serial),
            "sex": "female",
            "document_type": "resident_id",
            "id_number": resident_id(serial),
            "nationality": "CN",
        },
        "rescue": {
            "rescued_on": rescued_on.isoformat(),
            "place": "某市某区某厂房（虚构）",
            "police_unit": "某市公安局某分局（虚构）",
            "exploitation": "labour",
        },
    }


def case_list(user: Caseworker) -> None:
    page = user.rng.randint(1, max(1, -(-user.count // PAGE_SIZE)))
    user.client.get(f"/api/v1/cases/?page={page}", name="case list")


def case_file(user: Caseworker) -> None:
    user.client.get(f"/api/v1/cases/{user.rng.choice(user.cases)}/", name="case file")


def search(user: Caseworker) -> None:
    user.client.post("/api/v1/cases/search/", json={"q": user.rng.choice(user.id_numbers)}, name="search")


def history(user: Caseworker) -> None:
    user.client.get(f"/api/v1/cases/{user.rng.choice(user.cases)}/history/", name="history")


def registration(user: Caseworker) -> None:
    serial = user.environment.parsed_options.serial_base + next(_serials)
    body = registration_body(serial)
    created["registrations"] += 1
    with user.client.post("/api/v1/cases/", json=body, name="registration", catch_response=True) as answer:
        if answer.status_code == 201:
            created["answers_201"] += 1
            user.cases.append(answer.json()["id"])
            user.id_numbers.append(body["victim"]["id_number"])
        else:  # the error's code and the fields it names: no value sent is echoed by the API
            error = answer.json() if answer.headers.get("Content-Type") == "application/json" else {}
            answer.failure(f"{answer.status_code} {error.get('code', '')} {sorted(error.get('fields') or ())}")


class Caseworker(FastHttpUser):
    """One caseworker of a city, in a closed loop over :data:`MIX`."""

    wait_time = constant(0)
    tasks = {case_list: MIX["case list"], case_file: MIX["case file"], search: MIX["search"],
             history: MIX["history"], registration: MIX["registration"]}  # fmt: skip

    def on_start(self) -> None:
        options = self.environment.parsed_options
        index = next(_users)
        cities = [city for city in options.cities.split(",") if city]
        token = json.loads(Path(options.tokens).read_text())[cities[index % len(cities)]]
        self.client.auth_header = f"Token {token}"  # sent with every request by FastHttpSession
        self.rng = random.Random(index)  # noqa: S311 - which case to read, not a secret
        listing = self.client.get("/api/v1/cases/?page_size=200", name="setup: case list").json()
        self.count = listing["count"]
        self.cases = [case["id"] for case in listing["results"]]
        self.id_numbers = []
        for case in self.rng.sample(self.cases, min(SETUP_CASE_FILES, len(self.cases))):
            identity = self.client.get(f"/api/v1/cases/{case}/", name="setup: case file").json().get("identity") or {}
            if identity.get("id_number"):
                self.id_numbers.append(identity["id_number"])
        if not self.cases or not self.id_numbers:
            raise RuntimeError("the caseworker sees no case with an ID number: the database was not prepared")
        _ready["users"] += 1
