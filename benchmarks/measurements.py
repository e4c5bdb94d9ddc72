"""The registry's measurements against DESIGN §8, run by ``benchmarks/run.py`` on each database.

Reads first (the case list, the case file, search), then writes (registration, a record with
history and audit against a bare insert), then the whole-database walks (``rotate_keys``,
``verify_audit``). API measurements go through Django's whole stack in-process — middleware,
token authentication, scope, serialization, the audit event every read writes — but not a
network socket or a WSGI server. Everything is measured as the civil affairs officer of Fuzhou
(who sees every Fuzhou case and reads every section) or, for writes, Fuzhou's caseworker.

Writes stay in the benchmark database: a few hundred more cases and records among 100,000.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks.measure import Bench, Result, env_int, measurement, timed, timing

# --- reads -------------------------------------------------------------------------------------


def _sample_case_ids(bench: Bench, count: int) -> list:
    from victims.models import Case

    ids = list(Case.objects.visible_to(bench.civil_affairs).values_list("uuid", flat=True))
    return random.Random(1).sample(ids, min(count, len(ids)))


def _queries(client, url: str) -> int:
    """The queries of one GET, not counting the token's last-used stamp (written at most once a
    minute per token, so it lands on whichever request crosses the minute)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return sum(1 for query in captured.captured_queries if not query["sql"].startswith('UPDATE "registry_apitoken"'))


@measurement(10)
def case_list(bench: Bench) -> list[Result]:
    """``GET /api/v1/cases/?page_size=50`` (the first page), and its query count at 10 and 50."""
    client = bench.api_client(bench.civil_affairs)
    url = reverse("case-list")
    seconds = timed(lambda: client.get(url, {"page_size": 50}), bench.repeat)
    counts = [_queries(client, f"{url}?page_size={size}") for size in (10, 50)]
    return [
        timing("case_list_api", "case list, page of 50, over the API", seconds, target="median ≤ 40 ms"),
        Result(
            key="case_list_queries",
            label="case list: queries at page size 10 / 50",
            target="the same",
            value=f"{counts[0]} / {counts[1]}",
        ),
    ]


@measurement(20)
def case_file(bench: Bench) -> list[Result]:
    """``GET /api/v1/cases/{id}/`` of random cases: every section the officer reads."""
    client = bench.api_client(bench.civil_affairs)
    ids = _sample_case_ids(bench, bench.repeat)
    urls = [reverse("case-detail", kwargs={"id": case_id}) for case_id in ids]
    for url in urls[:3]:
        client.get(url)
    seconds = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200
    counts = sorted({_queries(client, url) for url in urls[:20]})
    return [
        timing("case_file_api", "full case file (every section), over the API", seconds, target="median ≤ 30 ms"),
        Result(
            key="case_file_queries",
            label="case file: queries (min – max over 20 cases)",
            target="independent of the records",
            value=f"{counts[0]} – {counts[-1]}",
        ),
    ]


@measurement(30)
def search(bench: Bench) -> list[Result]:
    """Exact search by ID number: through the blind index against decrypting every ID number
    in scope and comparing (the only way without an index), same answer."""
    from victims import selectors
    from victims.models import Case, Victim

    user = bench.civil_affairs
    numbers = [
        number
        for number in Case.objects.visible_to(user)
        .filter(victim__id_number__isnull=False)
        .order_by("?")
        .values_list("victim__id_number", flat=True)[: bench.repeat]
    ]

    def by_index(number):
        return [case.pk for case in selectors.cases_for(user, id_number=number)]

    def by_scan(number):
        matching = [
            pk
            for pk, stored in Victim.objects.visible_to(user).values_list("pk", "id_number").iterator(chunk_size=5000)
            if stored == number
        ]
        return [case.pk for case in selectors.cases_for(user).filter(victim__in=matching)]

    cycle = iter(numbers * 2)
    index_seconds = timed(lambda: by_index(next(cycle)), len(numbers))
    scans = env_int("BENCH_SCAN_REPEAT", 3)
    scan_numbers = numbers[:scans]
    for number in scan_numbers:  # same answers, or the comparison means nothing
        assert by_index(number) == by_scan(number)
    scan_seconds = timed(lambda: by_scan(scan_numbers[0]), scans, warmup=0)
    client = bench.api_client(user)
    url = reverse("case-list")
    api_cycle = iter(numbers * 2)
    api_seconds = timed(lambda: client.get(url, {"id_number": next(api_cycle)}), len(numbers))
    index = timing("search_index", "search by ID number, blind index", index_seconds, target="≤ 5 ms")
    scan = timing("search_scan", "search by ID number, decrypt and scan", scan_seconds)
    return [
        index,
        timing("search_api", "search by ID number over the API (`?id_number=`)", api_seconds),
        scan,
        Result(
            key="search_ratio",
            label="ratio: decrypt-and-scan / blind index",
            target="≥ 500×",
            value=f"{scan.median / index.median:,.0f}×",
        ),
    ]


@measurement(40)
def case_list_plaintext(bench: Bench) -> list[Result]:
    """The case list's query and rows (count, first 50 cases with their person) on the
    encrypted models against the very same on plaintext twins (``benchmarks.baseline``),
    alternated so both see the same machine."""
    from benchmarks.baseline.models import PlainCase
    from victims import selectors
    from victims.operations import victim_age

    user = bench.civil_affairs

    def page(cases):
        total = cases.count()
        rows = [
            (case.uuid, case.number, case.stage, case.victim.full_name, case.victim.sex, victim_age(case.victim))
            for case in cases[:50]
        ]
        return total, rows

    def encrypted():
        return page(selectors.cases_for(user))

    def plain():
        return page(PlainCase.objects.visible_to(user).select_related("victim", "jurisdiction", "lead_organization"))

    assert encrypted() == plain(), "the baseline differs from the registry"
    encrypted_seconds, plain_seconds = [], []
    for _ in range(bench.repeat):
        encrypted_seconds += timed(encrypted, 1, warmup=0)
        plain_seconds += timed(plain, 1, warmup=0)
    with_encryption = timing("list_encrypted", "case list query + 50 rows, encrypted", encrypted_seconds)
    baseline = timing("list_plain", "case list query + 50 rows, plaintext baseline", plain_seconds)
    return [
        with_encryption,
        baseline,
        Result(
            key="list_ratio",
            label="ratio: encrypted / plaintext case list",
            value=f"{with_encryption.median / baseline.median:.2f}×",
        ),
    ]


# --- writes ------------------------------------------------------------------------------------


@measurement(50)
def registration(bench: Bench) -> list[Result]:
    """``case_register`` with a rescue (victim, case, rescue: history rows, audit events, the
    duplicate check through the blind indexes), one transaction each, as Fuzhou's caseworker."""
    from registry.errors import Conflict
    from registry.models import Jurisdiction
    from victims import operations, validation
    from victims.models import Case
    from victims.seed import CITIES, plan_person

    user = bench.caseworker
    count = env_int("BENCH_REGISTRATIONS", 200)
    today = validation.today()
    fuzhou = next(city for city in CITIES if city.suffix == "fz")
    places = {j.code: j for j in Jurisdiction.objects.filter(code__in=[d.code for d in fuzhou.districts])}
    first = Case.objects.count()  # fresh people on every run of a kept database
    plans = [plan_person(bench.seed + 1, first + index, today=today) for index in range(count)]
    seconds, refused = [], 0
    started_all = time.perf_counter()
    for index, plan in enumerate(plans):
        district = fuzhou.districts[index % len(fuzhou.districts)]
        started = time.perf_counter()
        try:
            operations.case_register(
                actor=user,
                victim=plan.victim,
                jurisdiction=places[district.code],
                opened_on=plan.opened_on,
                rescue=plan.rescue,
            )
        except Conflict:  # drawn twice by chance: refused as a duplicate, not counted
            refused += 1
            continue
        seconds.append(time.perf_counter() - started)
    elapsed = time.perf_counter() - started_all
    return [
        timing("registration_latency", "registration (case + victim + rescue), each", seconds),
        Result(
            key="registration_rate",
            label="registration throughput, one after another",
            target="≥ 150 per second",
            value=f"{len(seconds) / elapsed:,.0f} per second",
            note=f"{len(seconds)} registrations" + (f", {refused} refused as duplicates" if refused else ""),
        ),
    ]


@measurement(60)
def write_with_history(bench: Bench) -> list[Result]:
    """Adding a health assessment through ``record_add`` (policy, scope lock, validation, history
    row, audit event, one transaction) against a bare ``save()`` of the same encrypted columns
    into an untracked twin table (``benchmarks.baseline.UntrackedAssessment``), alternated."""
    from benchmarks.baseline.models import UntrackedAssessment
    from victims import operations, validation
    from victims.models import Case

    user = bench.caseworker
    count = env_int("BENCH_WRITES", 200)
    ids = list(Case.objects.visible_to(user).values_list("pk", flat=True))
    cases = list(Case.objects.filter(pk__in=random.Random(2).sample(ids, min(count, len(ids)))))
    data = {
        "assessed_on": validation.today(),
        "assessor": "福州市救助管理站医务室",
        "physical": "身体状况良好（基准测试数据）",
        "psychological": "情绪基本稳定（基准测试数据）",
        "needs": "定期体检",
    }
    tracked, bare = [], []
    for case in cases:
        started = time.perf_counter()
        operations.record_add(actor=user, case=case, model="healthassessment", data=data)
        tracked.append(time.perf_counter() - started)
        started = time.perf_counter()
        UntrackedAssessment(case=case, **data).save()
        bare.append(time.perf_counter() - started)
    with_history = timing("write_tracked", "write with history and audit (`record_add`)", tracked)
    plain = timing("write_bare", "bare insert of the same encrypted row", bare)
    return [
        with_history,
        plain,
        Result(
            key="write_ratio",
            label="ratio: write with history and audit / bare insert",
            value=f"{with_history.median / plain.median:.1f}×",
        ),
    ]


# --- the whole database ------------------------------------------------------------------------


@measurement(80)
def rotate_keys(bench: Bench) -> list[Result]:
    """The routine of a key rotation: a new key in front of the keyring, ``rotate_keys`` over
    every table and history table (preflight counts and probes included in the time), then the
    old key retired — the database is left under the new key."""
    if not env_int("BENCH_ROTATE", 1):
        return []
    from django.conf import settings

    from registry import rotation
    from registry.keyring import active_keyring, new_key_entry, write_secret_file

    def use_keyring(document: str) -> None:
        # The settings read the keyring file once (REGISTRY_KEYRING_FILE fills REGISTRY_KEYRING):
        # a new process would read the changed file; this one is told.
        write_secret_file(path, document)
        settings.REGISTRY_KEYRING = document
        active_keyring.cache_clear()

    path = Path(settings.REGISTRY_KEYRING_FILE)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["keys"].insert(0, new_key_entry(settings.REGISTRY_FIELD_CIPHER))
    use_keyring(json.dumps(data, indent=2))
    started = time.perf_counter()
    inventory = rotation.take_inventory()
    rotation.probe_keys(inventory)
    report = rotation.rotate(inventory=inventory)
    elapsed = time.perf_counter() - started
    left = rotation.take_inventory()
    assert report.rows and not left.rows_to_rewrite and not left.stale_values, "the rotation left values behind"
    data["keys"] = data["keys"][:1]  # nothing is left under the old key: retire it
    use_keyring(json.dumps(data, indent=2))
    files = sum(report.files.values())
    return [
        Result(
            key="rotate_keys",
            label="`rotate_keys`, rows re-encrypted per second",
            target="≥ 2,000 rows per second",
            value=f"{report.rows / elapsed:,.0f} rows per second",
            note=f"{report.rows:,} rows ({report.values:,} values, {report.tables} tables) in {elapsed:.0f} s",
        ),
        *(
            [
                Result(
                    key="rotate_keys_files",
                    label="`rotate_keys` for files (attachments, dossiers), MB re-encrypted per second",
                    target="",
                    value=f"{report.file_megabytes_per_second:,.0f} MB/s",
                    note=f"{files:,} files, {report.file_bytes / 1e6:,.0f} MB in {report.file_seconds:.1f} s, "
                    "each read, re-sealed, read back and checked",
                )
            ]
            if files
            else []
        ),
    ]


def _append_rate(actors: list, per_writer: int) -> float:
    """Audit events per second appended by one thread per actor at once, each on its own
    database connection, ``per_writer`` events each (``record_event``, one transaction each)."""
    import threading

    from django.db import connections

    from registry.audit import AuditAction, record_event

    start = threading.Barrier(len(actors) + 1)

    def write(actor) -> None:
        try:
            start.wait()
            for _ in range(per_writer):
                record_event(action=AuditAction.CASE_LISTED, actor=actor)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=write, args=(actor,)) for actor in actors]
    for writer in writers:
        writer.start()
    start.wait()
    started = time.perf_counter()
    for writer in writers:
        writer.join()
    return len(actors) * per_writer / (time.perf_counter() - started)


@measurement(85)
def audit_append(bench: Bench) -> list[Result]:
    """One audited request's append to the audit log (``record_event``, its own transaction), one
    after another; then two writers at once on the same partition of the chain (two caseworkers
    of Fuzhou's shelter) against two on different partitions (Fuzhou's and Xiamen's shelters)."""
    from registry.audit import AuditAction, record_event
    from registry.models import User

    seconds = timed(lambda: record_event(action=AuditAction.CASE_LISTED, actor=bench.caseworker), bench.repeat * 4)
    colleague = User.objects.filter(organization=bench.caseworker.organization).exclude(pk=bench.caseworker.pk)
    xiamen = User.objects.select_related("organization").get(username="caseworker_xm")
    same = [bench.caseworker, colleague.first() or bench.caseworker]
    per_writer = bench.repeat * 4
    rates = {"same": _append_rate(same, per_writer), "apart": _append_rate([bench.caseworker, xiamen], per_writer)}
    return [
        timing("audit_append", "audit event appended (lock the chain's head, insert)", seconds, target="—"),
        Result(
            key="audit_two_writers",
            label="audit events per second, two writers at once: same chain / different chains",
            target="different chains do not wait on each other",
            value=f"{rates['same']:,.0f} / {rates['apart']:,.0f}",
            note="SQLite has one writer at a time whatever the chain" if connection.vendor == "sqlite" else "",
        ),
    ]


@measurement(90)
def verify_audit(bench: Bench) -> list[Result]:
    """``verify_audit``'s walk of the whole chain (every event the generator and the
    measurements wrote), three times."""
    from registry.audit import verify_chain

    rates, checked = [], 0
    for _ in range(3):
        started = time.perf_counter()
        report = verify_chain()
        elapsed = time.perf_counter() - started
        assert report.ok, report
        checked = report.checked
        rates.append(checked / elapsed)
    rates.sort()
    return [
        Result(
            key="verify_audit",
            label="`verify_audit`, events per second (median of 3)",
            target="≥ 100,000 events per second",
            value=f"{rates[1]:,.0f} events per second",
            note=f"{checked:,} events",
        )
    ]
