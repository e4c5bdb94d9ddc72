"""Speed of ``manage.py verify_audit`` (DESIGN §8: at least 100,000 events per second).

Fills a throwaway database with a valid chain of synthetic audit events, then times the
verification walk. SQLite by default (a temporary file); for PostgreSQL pass an empty database:

    .venv/bin/python benchmarks/audit_verify.py --events 200000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/audit_bench .venv/bin/python benchmarks/audit_verify.py
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python benchmarks/audit_verify.py --reuse  # again

The events are written straight into the table (chained exactly as ``record_event`` chains them)
because writing 200,000 through the API would measure the writer, not the verifier.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def configure(database_url: str | None) -> None:
    from registry.keyring import new_keyring_document

    os.environ["REGISTRY_ENV_FILE"] = os.devnull
    os.environ.setdefault("REGISTRY_MODE", "dev")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789-0123456789")
    os.environ.setdefault("REGISTRY_KEYRING", new_keyring_document())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        path = Path(tempfile.mkdtemp(prefix="audit-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"

    import django

    django.setup()


def fill(count: int, batch: int = 5_000) -> None:
    """``count`` events of 40 organizations, each chained in its organization's partition as
    ``record_event`` chains them, with the partitions' heads."""
    from registry.audit.chain import CHAINED_FIELDS, chain_hash, genesis_of, partition_of
    from registry.models import AuditChainHead, AuditEvent

    if AuditEvent.objects.exists():
        raise SystemExit("the benchmark database already holds audit events; give it an empty one")
    actions = ["case_viewed", "case_listed", "case_searched", "login", "record_updated"]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    heads: dict[str, AuditChainHead] = {}
    pending = []
    for number in range(count):
        values = {
            "uuid": uuid.uuid4(),
            "occurred_at": start + timedelta(milliseconds=number),
            "actor_uuid": uuid.uuid4(),
            "actor_username": f"user{number % 500}",
            "role": "caseworker",
            "organization_ref": number % 40,
            "organization_name": "福州市救助管理站",
            "action": actions[number % len(actions)],
            "case_uuid": uuid.uuid4(),
            "sections": ["person", "identity", "health"],
            "request_id": uuid.uuid4().hex,
            "ip_address": "10.0.0.7",
            "outcome": "success",
            "detail": {"count": number % 50, "page": 1},
        }
        values["partition"] = partition_of(values)
        head = heads.setdefault(values["partition"], AuditChainHead(partition=values["partition"]))
        prev = head.hash or genesis_of(head.partition)
        head.hash = chain_hash(prev, values)
        fields = {name: values[name] for name in (*CHAINED_FIELDS, "partition")}
        pending.append(AuditEvent(**fields, prev_hash=prev, hash=head.hash))
        if len(pending) == batch or number == count - 1:
            AuditEvent._base_manager.bulk_create(pending)  # the plain manager: a benchmark shortcut
            for event in pending:
                heads[event.partition].last_event_id = event.pk
            pending.clear()
    AuditChainHead.objects.bulk_create(heads.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="verify the chain already in the database")
    arguments = parser.parse_args()
    configure(os.environ.get("DATABASE_URL"))

    from django.core.management import call_command
    from django.db import connection

    from registry.audit import verify_chain
    from registry.models import AuditEvent

    call_command("migrate", verbosity=0)
    if arguments.reuse and AuditEvent.objects.exists():
        arguments.events = AuditEvent.objects.count()
    else:
        started = time.perf_counter()
        fill(arguments.events)
        sys.stdout.write(f"filled {arguments.events} events in {time.perf_counter() - started:.1f} s\n")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_auditevent")
    rows = []
    for _ in range(arguments.repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        report = verify_chain()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        assert report.ok and report.checked == arguments.events, report
        rows.append((elapsed, report.checked / elapsed, cpu))
    # Memory, apart (tracemalloc slows Python down several times): the peak is bounded by one
    # batch of rows, however many events the log holds.
    tracemalloc.start()
    verify_chain()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    sys.stdout.write(f"load average (1 min) after the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    sys.stdout.write("\n| database | events | seconds | events per second | CPU seconds of this process |\n")
    sys.stdout.write("|---|---|---|---|---|\n")
    for elapsed, rate, cpu in rows:
        sys.stdout.write(f"| {connection.vendor} | {arguments.events:,} | {elapsed:.2f} | {rate:,.0f} | {cpu:.2f} |\n")
    sys.stdout.write(f"\npeak Python memory of a walk: {peak / 2**20:.1f} MiB (batches of 10,000 rows)\n")


if __name__ == "__main__":
    main()
