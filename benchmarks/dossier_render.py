"""Speed of an archival dossier (DESIGN §8: a typical case's PDF, median ≤ 1.5 s warm).

Builds a typical case (a person with a household, three relatives, a rescue, a health
assessment, two consents and referrals, and their history: five A4 pages)
with the operations, then times, as Fuzhou's civil affairs officer:

- the first dossier of the process (the renderer's start: fonts out of the collections, the
  font configuration, the stylesheet), once;
- the warm dossier, ``BENCH_DOSSIER_REPEAT`` times (default 20): the content from the
  selectors, the template, WeasyPrint's layout and PDF/A-3 output with HarfBuzz subsetting, the
  /AF repair and XMP with pikepdf — and each part of it apart;
- the whole ``dossier_generate`` (with encryption, storage, record, history and audit);
- the process's resident memory along the warm renders (it should stay flat).

Two ways to run it:

    .venv/bin/python benchmarks/dossier_render.py            # alone, on a throwaway SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dossier_bench .venv/bin/python benchmarks/dossier_render.py
    make bench                                                # as a plugin of benchmarks/run.py

On this kind of machine WeasyPrint lays out about 0.25–0.3 s per CJK page warm with HarfBuzz
subsetting; a renderer well above that is doing work twice, or subsetting with fontTools (which
the renderer's start-up check refuses). Nothing personal is printed: the case is synthetic and
the results are timings and counts.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.measure import Bench, Result, env_int, measurement, summary, timing  # noqa: E402

TARGET = "median ≤ 1.5 s"


def _rss_mib() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def typical_case(caseworker, seed: int):
    """A case with the records a typical file has after months of work (synthetic people; a
    ``seed`` not used before in the database, so a kept benchmark database takes another run)."""
    from registry.choices import Department
    from registry.models import Organization
    from victims import operations, synthetic, validation
    from victims.choices import ConsentGiver, DocumentType, ExploitationType, Service, Sex

    rng = random.Random(seed)
    today = validation.today()
    born = today.replace(year=today.year - 24) - datetime.timedelta(days=rng.randrange(1, 300))
    jurisdiction = caseworker.organization.jurisdiction
    case = operations.case_register(
        actor=caseworker,
        victim={
            "full_name": synthetic.chinese_name(rng),
            "sex": Sex.FEMALE,
            "document_type": DocumentType.RESIDENT_ID,
            "id_number": synthetic.resident_id(rng, region="530102", birth_date=born, female=True),
            "nationality": "CN",
            "native_place_code": "530102",
            "ethnicity": "汉族",
            "phone": synthetic.phone(rng),
            "address": "云南省昆明市五华区某街道（虚构）",
        },
        jurisdiction=jurisdiction,
        opened_on=today - datetime.timedelta(days=200),
        rescue={
            "rescued_on": today - datetime.timedelta(days=203),
            "place": "福州市某区某出租屋（虚构）",
            "police_unit": "福州市公安局某分局",
            "police_case_number": f"FZ-{seed}",
            "exploitation": ExploitationType.FORCED_MARRIAGE,
            "circumstances": "接群众举报后解救。当事人称被以介绍工作为名骗至本地，后被强迫结婚。（虚构）",
        },
    )
    add = operations.record_add
    for number in range(1):
        add(actor=caseworker, case=case, model="healthassessment", data={
            "assessed_on": today - datetime.timedelta(days=190 - 90 * number), "assessor": "福州市某医院",
            "physical": "轻度营养不良，已安排复查。（虚构）", "psychological": "情绪低落，需心理疏导。（虚构）",
            "needs": "定期心理咨询与营养补充。（虚构）"})  # fmt: skip
    for number in range(1):
        add(actor=caseworker, case=case, model="household", data={
            "address": f"云南省昆明市五华区某村{number + 1}组（虚构）", "jurisdiction_code": "530102",
            "is_purchaser": number == 1, "notes": "已由当地民政部门核实。（虚构）"})  # fmt: skip
    for relationship in ("mother", "father", "grandparent"):
        add(actor=caseworker, case=case, model="familymember", data={
            "relationship": relationship, "full_name": synthetic.chinese_name(rng), "phone": synthetic.phone(rng),
            "verified": relationship != "grandparent"})  # fmt: skip
    receivers = {Service.TRAINING: Department.LABOR, Service.LEGAL_AID: Department.JUSTICE}
    for service, department in receivers.items():
        consent = {
            "service": service,
            "given_by": ConsentGiver.PERSON,
            "given_on": today - datetime.timedelta(days=150),
        }
        add(actor=caseworker, case=case, model="consent", data=consent)
        organization = Organization.objects.filter(
            department=department, jurisdiction__code__startswith=jurisdiction.code[:4], is_active=True
        ).first()
        if organization is not None:
            operations.referral_create(
                actor=caseworker,
                case=case,
                service=service,
                to_organization=organization,
                reason="需要相应服务（虚构）",
            )
    case.refresh_from_db()
    return case


def _facts(case, user, archive_number: str):
    from django.utils import timezone

    from exports.choices import Classification, Retention
    from exports.dossier.content import TEMPLATE_VERSION, DossierFacts

    return DossierFacts(
        archive_number=archive_number,
        case=case,
        generated_by=user,
        generated_at=timezone.now(),
        organization_name=user.organization.name,
        language="zh-hans",
        classification=Classification.CONFIDENTIAL.value,
        classification_label="机密",
        retention=Retention.PERMANENT.value,
        retention_label="永久",
        template_version=TEMPLATE_VERSION,
    )


@measurement(90, "dossier_render")
def dossier_render(bench: Bench) -> list[Result]:
    """The dossier of a typical case: cold start once, warm renders, the parts, the operation."""
    from django.template.loader import render_to_string
    from django.test.utils import override_settings
    from django.utils import translation

    from exports import operations
    from exports.dossier import content as dossier_content
    from exports.dossier import pdfa
    from exports.dossier import render as dossier_render_module
    from victims import selectors

    repeat = env_int("BENCH_DOSSIER_REPEAT", 20)
    user = bench.civil_affairs
    from victims.models import Case

    seed = 7_000_000 + Case.objects.count()  # a person not registered before, on every run
    case = selectors.case_for(user, typical_case(bench.caseworker, seed).uuid)
    facts = _facts(case, user, f"{case.number}-D900")

    started = time.perf_counter()
    first = dossier_render_module.render_dossier(facts)  # builds this process's renderer
    cold = time.perf_counter() - started
    renderer = dossier_render_module.get_renderer()

    rss, seconds, cpu = [], [], []
    for _ in range(2):  # warm-up, not counted
        dossier_render_module.render_dossier(facts)
    rss.append(_rss_mib())
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        rendered = dossier_render_module.render_dossier(facts)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        rss.append(_rss_mib())
    pages = rendered.page_count
    assert pages == first.page_count

    # The parts, apart: content and template; WeasyPrint; the pikepdf finish.
    parts = {"content": [], "weasyprint": [], "finish": []}
    for _ in range(max(3, repeat // 4)):
        started = time.perf_counter()
        content = dossier_content.build(user, case, language="zh-hans")
        attachment = dossier_content.attachment_bytes(dossier_content.attachment_payload(facts, content))
        with translation.override("zh-hans"):
            html = render_to_string(
                dossier_render_module.TEMPLATE_NAME,
                dossier_render_module._template_context(facts, content, "a.json"),
            )
        middle = time.perf_counter()
        raw = renderer.render(html, language="zh-hans", attachment=attachment, attachment_name="a.json",
                                      created=facts.generated_at)  # fmt: skip
        end = time.perf_counter()
        pdfa.finish(raw.pdf, facts=dossier_render_module.xmp_facts(facts, "a.json", attachment))
        parts["content"].append(middle - started)
        parts["weasyprint"].append(end - middle)
        parts["finish"].append(time.perf_counter() - end)

    # The whole operation: render, encrypt, store, record with history and audit.
    operation = []
    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as folder:
        storages = {
            "archive": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}}
        }
        from django.conf import settings

        with override_settings(STORAGES={**settings.STORAGES, **storages}):
            for _ in range(max(3, repeat // 4)):
                started = time.perf_counter()
                operations.dossier_generate(actor=user, case=case)
                operation.append(time.perf_counter() - started)

    median, _p95 = summary(seconds)
    cpu_median, _cpu_p95 = summary(cpu)
    per_page = median / pages
    return [
        timing(
            "dossier_warm",
            f"dossier PDF of a typical case ({pages} pages), warm",
            seconds,
            target=TARGET,
            note=f"{per_page:.0f} ms per page; CPU {cpu_median:.0f} ms (median); {len(first.pdf) / 1024:.0f} KiB",
        ),
        timing("dossier_parts_content", "  of which: content and template", parts["content"]),
        timing("dossier_parts_weasyprint", "  of which: WeasyPrint layout and PDF/A-3", parts["weasyprint"]),
        timing("dossier_parts_finish", "  of which: /AF repair and XMP (pikepdf)", parts["finish"]),
        timing("dossier_generate", "dossier_generate (render, encrypt, store, record, audit)", operation),
        Result(
            key="dossier_cold",
            label="first dossier of a process (fonts, font configuration, stylesheet)",
            value=f"{cold * 1000:,.0f} ms",
        ),
        Result(
            key="dossier_memory",
            label="resident memory along the warm renders",
            target="flat",
            value=f"{rss[0]:.0f} → {rss[len(rss) // 2]:.0f} → {rss[-1]:.0f} MiB",
            note=f"after the warm-up, half-way, after {repeat} renders",
        ),
    ]


# Facts of the dossiers the worker processes render; set before the processes fork, so each
# child finds them in its copy of this module and only an index crosses the process boundary.
_BATCH: list = []


def _warm_worker() -> None:
    """A worker's start: its own renderer (fonts, font configuration), then one dossier."""
    from exports.dossier import render as dossier_render_module

    dossier_render_module.render_dossier(_BATCH[0])


def _render_index(index: int) -> int:
    from exports.dossier import render as dossier_render_module

    return dossier_render_module.render_dossier(_BATCH[index]).page_count


@measurement(95, "dossier_workers")
def dossier_workers(bench: Bench) -> list[Result]:
    """Batch rendering on 1 and on 2 worker processes, as Celery's prefork pool runs it: each
    process builds its own renderer once (not timed), then the same N dossiers are rendered
    through the pool; the speed-up is the batch's time on one process over its time on two."""
    import multiprocessing

    from django.db import connections

    from victims import selectors
    from victims.models import Case

    count = env_int("BENCH_DOSSIER_BATCH", 8)
    user = bench.civil_affairs
    seed = 7_500_000 + Case.objects.count()
    _BATCH.clear()
    for index in range(count):
        case = selectors.case_for(user, typical_case(bench.caseworker, seed + index).uuid)
        _BATCH.append(_facts(case, user, f"{case.number}-D95{index}"))
    rates = {}
    for workers in (1, 2):
        connections.close_all()  # each child opens its own connection
        with multiprocessing.get_context("fork").Pool(workers, initializer=_warm_worker) as pool:
            pool.map(_render_index, range(workers), chunksize=1)  # every process warm before the clock
            started = time.perf_counter()
            pages = sum(pool.map(_render_index, range(count), chunksize=1))
            rates[workers] = (time.perf_counter() - started, pages)
    (one, pages), (two, _pages) = rates[1], rates[2]
    return [
        Result(
            key=f"dossier_batch_{workers}",
            label=f"batch of {count} dossiers on {workers} worker process{'es' if workers > 1 else ''}",
            target="scales with workers",
            value=f"{count / elapsed:.2f} dossiers per second",
            note=f"{elapsed:.1f} s for {pages} pages",
        )
        for workers, (elapsed, pages) in rates.items()
    ] + [
        Result(
            key="dossier_batch_speedup",
            label="ratio: batch time on 1 worker / on 2 workers",
            target="≈ 2 on 2 cores",
            value=f"{one / two:.2f}×",
        )
    ]


# --- standalone -----------------------------------------------------------------------------------


def configure(database_url: str | None, archive_root: str) -> None:
    from registry.keyring import new_keyring_document

    os.environ["REGISTRY_ENV_FILE"] = os.devnull
    os.environ.setdefault("REGISTRY_MODE", "dev")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789-0123456789")
    os.environ.setdefault("REGISTRY_KEYRING", new_keyring_document())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    os.environ["EXPORTS_ARCHIVE_ROOT"] = archive_root
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(archive_root) / 'bench.sqlite3'}"

    import django

    django.setup()


def _cast() -> None:
    """The accounts and organizations the measurement needs, in an empty database."""
    from registry.choices import Department, JurisdictionLevel, OrganizationKind, Role
    from registry.models import Jurisdiction, Organization, User

    province, _ = Jurisdiction.objects.get_or_create(
        code="35", defaults={"name": "福建省", "level": JurisdictionLevel.PROVINCE}
    )
    fuzhou, _ = Jurisdiction.objects.get_or_create(
        code="3501", defaults={"name": "福州市", "level": JurisdictionLevel.CITY, "parent": province}
    )

    def organization(name, department, kind, capacity=None):
        return Organization.objects.get_or_create(
            name=name,
            jurisdiction=fuzhou,
            defaults={"department": department, "kind": kind, "capacity": capacity},
        )[0]

    shelter = organization("福州市救助管理站", Department.CIVIL_AFFAIRS, OrganizationKind.SHELTER, 40)
    bureau = organization("福州市民政局", Department.CIVIL_AFFAIRS, OrganizationKind.BUREAU)
    organization("福州市教育局", Department.EDUCATION, OrganizationKind.BUREAU)
    organization("福州市人力资源和社会保障局", Department.LABOR, OrganizationKind.BUREAU)
    organization("福州市法律援助中心", Department.JUSTICE, OrganizationKind.LEGAL_AID_CENTRE)
    for username, role, org in (
        ("caseworker_fz", Role.CASEWORKER, shelter),
        ("civil_affairs_fz", Role.CIVIL_AFFAIRS, bureau),
    ):
        User.objects.get_or_create(
            username=username, defaults={"role": role, "organization": org, "jurisdiction": fuzhou}
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="warm renders timed (default 20)")
    arguments = parser.parse_args()
    os.environ["BENCH_DOSSIER_REPEAT"] = str(arguments.repeat)
    with tempfile.TemporaryDirectory(prefix="dossier-bench-") as folder:
        configure(os.environ.get("DATABASE_URL"), folder)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        _cast()
        results = dossier_render(Bench(repeat=arguments.repeat))
        sys.stdout.write(
            f"database: {connection.vendor}; load average (1 min) after the runs: {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} CPUs\n\n"
        )
        sys.stdout.write("| measurement | target | median | p95 | value | note |\n|---|---|---|---|---|---|\n")
        for result in results:
            median = f"{result.median:,.0f} ms" if result.median is not None else ""
            p95 = f"{result.p95:,.0f} ms" if result.p95 is not None else ""
            cells = (result.label.strip(), result.target, median, p95, result.value or "", result.note)
            sys.stdout.write("| " + " | ".join(cells) + " |\n")


if __name__ == "__main__":
    main()
