"""The load benchmark's own pieces (``benchmarks/load.py``, ``benchmarks/locustfile.py``),
without a server or a Locust run: its settings, the reading of Locust's CSV, the table, and the
locustfile's mix and ID numbers (in a process of its own, where Locust's gevent patches stay)."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

from stdnum.cn import ric

from benchmarks.load import MIX, DatabaseResult, Row, Scenario, ScenarioResult, Settings, read_failures, read_stats
from benchmarks.load import render as render_load

ROOT = Path(__file__).resolve().parents[2]

PERCENTILES = "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
STATS_CSV = f"""Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,\
Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,{PERCENTILES}
GET,case file,300,0,46,50,20,400,9000,5.0,0.0,46,50,55,60,80,120,200,310,400,400,400
GET,case list,500,2,41,45,20,300,8000,8.3,0.0,41,45,50,55,70,110,150,220,300,300,300
GET,history,50,0,69,70,30,200,4000,0.8,0.0,69,70,75,80,90,140,190,200,200,200,200
POST,registration,50,1,82,85,40,300,9000,0.8,0.0,82,85,90,95,120,180,250,300,300,300,300
GET,search,100,0,26,30,10,90,2000,1.7,0.0,26,28,30,32,40,60,80,90,90,90,90
GET,setup: case list,0,0,0,0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A
,Aggregated,1000,3,44,49,10,400,7000,16.6,0.0,44,47,52,58,75,130,180,260,400,400,400
"""
FAILURES_CSV = """Method,Name,Error,Occurrences
POST,registration,"CatchResponseError('409 duplicate_victim [\\'victim.id_number\\']')",1
GET,case list,HTTPError('500 Server Error'),2
"""


def test_mix_is_the_issue_s_caseworkers_mix_in_percent():
    assert sum(MIX.values()) == 100
    assert MIX == {"case list": 50, "case file": 30, "search": 10, "history": 5, "registration": 5}


def test_read_stats_keeps_the_mix_in_order_then_the_total_and_leaves_set_up_out():
    rows = read_stats(STATS_CSV)
    assert [row.name for row in rows] == [*MIX, "all"]
    assert rows[0] == Row("case list", requests=500, failures=2, p50=41, p95=110, p99=220)
    assert rows[-1] == Row("all", requests=1000, failures=3, p50=44, p95=130, p99=260)


def test_read_stats_answers_no_percentile_for_a_type_without_requests():
    text = STATS_CSV.replace(
        "GET,search,100,0,26,30,10,90,2000,1.7,0.0,26,28,30,32,40,60,80,90,90,90,90",
        "GET,search,0,0,0,0,0,0,0,0.0,0.0," + ",".join(["N/A"] * 11),
    )
    search = next(row for row in read_stats(text) if row.name == "search")
    assert (search.requests, search.p50, search.p95, search.p99) == (0, None, None, None)


def test_read_failures_names_the_type_the_error_and_how_often():
    assert read_failures(FAILURES_CSV) == [
        "registration: CatchResponseError('409 duplicate_victim [\\'victim.id_number\\']') ×1",
        "case list: HTTPError('500 Server Error') ×2",
    ]


def _result(*, created: int, answers: int, audit: bool) -> DatabaseResult:
    scenario = ScenarioResult(
        Scenario("8 users", 8, ("fz", "xm")), seconds=50.0, rows=read_stats(STATS_CSV), answers_201=answers
    )
    return DatabaseResult(
        name="PostgreSQL", workers=3, scenarios=[scenario], cases_before=1000,
        cases_after=1000 + created, audit_passed=audit,
        audit_said="checked 54321 events in 2 chains and 1 checkpoints in 0.5 s",
    )  # fmt: skip


def test_the_table_gives_rates_over_the_measured_window_and_checks_created_cases_and_the_audit():
    settings = Settings(cases=1000, users=(8,), seconds=50, warm_up=10, split=False, workers=3)
    started = datetime.datetime(2026, 12, 4, 20, 0, tzinfo=datetime.UTC)
    table = render_load([_result(created=60, answers=60, audit=True)], settings, started, "a 2-CPU machine")
    assert "2026-12-04 20:00 on a 2-CPU machine" in table
    assert "gunicorn, 3 workers; 1,000 generated cases" in table
    assert "| 8 users | case list | 500 | 10.0 | 41 | 110 | 220 | 2 |" in table
    assert "| 8 users | **all** | 1,000 | 20.0 | 44 | 130 | 260 | 3 |" in table
    assert "60 in the database against 60 answers 201 (equal" in table
    assert "`verify_audit` afterwards: passed — checked 54321 events in 2 chains" in table

    broken = render_load([_result(created=61, answers=60, audit=False), "SQLite: x"], settings, started, "m")
    assert "61 in the database against 60 answers 201 (DIFFERENT" in broken
    assert "`verify_audit` afterwards: FAILED" in broken
    assert "- SQLite: x" in broken


def test_settings_short_mode_knobs_and_the_two_cities_scenario(monkeypatch):
    for name in ("BENCH_LOAD_SECONDS", "BENCH_LOAD_WARM_UP", "BENCH_LOAD_USERS", "BENCH_LOAD_SPLIT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BENCH_LOAD_SHORT", "1")
    monkeypatch.setenv("BENCH_LOAD_WORKERS", "2")
    settings = Settings.from_env()
    assert (settings.seconds, settings.warm_up, settings.workers, settings.users) == (15, 5, 2, (1, 8, 32))
    assert [(s.users, s.cities) for s in settings.scenarios()] == [
        (1, ("fz", "xm")), (8, ("fz", "xm")), (32, ("fz", "xm")), (8, ("fz",))
    ]  # fmt: skip
    monkeypatch.setenv("BENCH_LOAD_SPLIT", "0")
    assert [s.users for s in Settings.from_env().scenarios()] == [1, 8, 32]


LOCUSTFILE_PROBE = """
import json
from benchmarks import locustfile as f
counts = {}
for task in f.Caseworker.tasks:
    counts[task.__name__.replace("_", " ")] = counts.get(task.__name__.replace("_", " "), 0) + 1
serials = [*range(1500), 99_999, 100_000, 599_999]  # several days, three scenarios' bases
bodies = [f.registration_body(s)["victim"] for s in serials]
print(json.dumps({"tasks": counts, "ids": [f.resident_id(s) for s in serials],
                  "people": [[b["full_name"], b["id_number"][6:14]] for b in bodies]}))
"""


def test_locustfile_imports_draws_the_mix_and_registers_valid_distinct_id_numbers():
    done = subprocess.run(  # noqa: S603 - our interpreter: Locust's gevent patches stay in that process
        [sys.executable, "-c", LOCUSTFILE_PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["tasks"] == MIX  # Locust repeats each task as often as its weight
    ids = probe["ids"]
    assert all(ric.is_valid(number) for number in ids), ids
    assert len(set(ids)) == len(ids)
    assert all(int(number[16]) % 2 == 0 for number in ids)  # women, as the bodies say
    # nor a name with a birth date twice, which the duplicate check would answer 409
    assert len({tuple(person) for person in probe["people"]}) == len(ids)
