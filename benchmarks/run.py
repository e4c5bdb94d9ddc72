"""``make bench``: the targets of DESIGN §8, measured on SQLite and on PostgreSQL, in one table.

For each database it generates a synthetic registry of ``BENCH_CASES`` cases (default 100,000;
``benchmarks/generate.py``), fills the plaintext baseline from it, and runs every registered
measurement (``benchmarks/measurements.py``, and the modules of :data:`PLUGINS` that exist),
each database in a process of its own. Then it prints one markdown table — median and 95th
percentile of each timing, the rates, and the ratios measured side by side in the same run — with
the date, the machine and the size of each dataset, and saves it under ``var/bench/``.

- SQLite: a file of its own, ``var/bench/bench.sqlite3`` (made anew each run; ``BENCH_REUSE=1``
  keeps one that holds the same number of generated cases, to iterate on measurements).
- PostgreSQL: a throwaway database on ``BENCH_POSTGRES_URL`` (default
  ``postgres://postgres@127.0.0.1:5432``), created and dropped by the run, when the server
  answers; otherwise its columns say it was not reachable.

Each database gets its own keyring file under ``var/bench/`` (the rotation measurement puts a
new key in front and retires the old one, as an operator would). Other knobs: ``BENCH_REPEAT``
(timed requests per measurement, 50), ``BENCH_REGISTRATIONS`` (200), ``BENCH_WRITES`` (200),
``BENCH_SCAN_REPEAT`` (3 decrypt-and-scan searches), ``BENCH_ROTATE=0`` (skip the rotation),
``BENCH_DATABASES=sqlite`` or ``postgresql`` (only one), ``BENCH_ONLY=case_list,search`` (only
the measurements of those names, to iterate on one), ``BENCH_DIR`` (another directory than
``var/bench/`` for the databases and results, e.g. to run beside someone else's run).

Then the load benchmark (``benchmarks/load.py``: gunicorn driven by Locust at 1, 8 and 32 users,
its own small databases; ``BENCH_LOAD_*`` knobs there) adds its tables. ``BENCH_ONLY=load`` runs
it alone; a ``BENCH_ONLY`` that does not name ``load`` leaves it out.

Nothing personal is printed: the data are synthetic, and results are timings and counts.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("BENCH_DIR") or ROOT / "var" / "bench").resolve()
sys.path.insert(0, str(ROOT))

from benchmarks.generate import DEFAULT_SEED, cases_wanted  # noqa: E402
from benchmarks.postgres import server, throwaway_database  # noqa: E402

# Modules that register more measurements when imported (``benchmarks.measure.measurement``),
# run when they exist: the dossier measurement arrives with the exports app, the reports' with
# the reports app, the documents' with the attachments app.
PLUGINS = ("benchmarks.dossier_render", "benchmarks.reports", "benchmarks.attachments", "benchmarks.scoped_search")
DATABASES = ("sqlite", "postgresql")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


# --- the worker: one database, in its own process ---------------------------------------------


def bench_only() -> set[str]:
    """The names ``BENCH_ONLY`` lists (measurements, or ``load``); empty: everything."""
    return {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}


def _log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}\n")
    sys.stderr.flush()


def build_baseline() -> None:
    """Fill the plaintext twins (``benchmarks.baseline``) from the registry: same ids, same
    values, decrypted once here."""
    from django.db import transaction

    from benchmarks.baseline.models import PlainCase, PlainVictim
    from benchmarks.bulk import reset_sequences, table_of
    from victims.models import Case, Victim

    links = Case.assigned_caseworkers.through
    plain_links = PlainCase.assigned_caseworkers.through
    copies = [
        (Victim, PlainVictim, {f.attname: f.attname for f in PlainVictim._meta.concrete_fields}),
        (Case, PlainCase, {f.attname: f.attname for f in PlainCase._meta.concrete_fields}),
        (links, plain_links, {"id": "id", "plaincase_id": "case_id", "user_id": "user_id"}),
    ]
    for source, target, columns in copies:
        table, last = table_of(target), 0
        while True:
            with transaction.atomic():
                rows = list(source._base_manager.filter(pk__gt=last).order_by("pk").values(*columns.values())[:5000])
                if not rows:
                    break
                table.insert([{name: row[origin] for name, origin in columns.items()} for row in rows])
            last = rows[-1]["id"]
    reset_sequences([PlainVictim, PlainCase, plain_links])


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def database_facts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
            size = sum(
                path.stat().st_size
                for path in Path(connection.settings_dict["NAME"]).parent.glob(
                    Path(connection.settings_dict["NAME"]).name + "*"
                )
            )
    return {"vendor": connection.vendor, "version": version, "size_bytes": size}


def run_worker(result_path: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from tqdm import tqdm

    from benchmarks import measurements  # noqa: F401 - registers the registry's measurements
    from benchmarks.generate import generate, seed_reference_data
    from benchmarks.measure import MEASUREMENTS, Bench, Result
    from victims.models import Case

    count = cases_wanted()
    call_command("migrate", verbosity=0)
    sidecar = Path(os.environ["BENCH_GENERATION_FILE"])  # what was generated, kept with the database
    if Case.objects.exists():
        generation = json.loads(sidecar.read_text()) if sidecar.exists() else {}
        _log(f"reusing the database: {Case.objects.count():,} cases")
    else:
        _log(f"generating {count:,} cases")
        seed_reference_data()
        with tqdm(total=count, unit="person", disable=None, file=sys.stderr) as bar:
            report = generate(count, seed=DEFAULT_SEED, progress=bar.update)
        generation = {
            "cases_wanted": count,
            "cases": report.cases,
            "rows": report.rows,
            "history": report.history,
            "events": report.events,
            "seconds": report.seconds,
            "rows_per_second": report.rows_per_second,
        }
        _log(
            f"generated {report.cases:,} cases: {report.total:,} rows in {report.seconds:.0f} s "
            f"({report.rows_per_second:,.0f} rows per second); building the plaintext baseline"
        )
        started = time.perf_counter()
        build_baseline()
        analyze()
        generation["baseline_seconds"] = time.perf_counter() - started
        sidecar.write_text(json.dumps(generation))
    for plugin in PLUGINS:
        try:
            importlib.import_module(plugin)
        except ModuleNotFoundError as missing:
            if missing.name != plugin:
                raise
    bench = Bench(seed=DEFAULT_SEED)
    results = []
    only = bench_only()
    for item in MEASUREMENTS:
        if only and item.name not in only:
            continue
        _log(f"measuring {item.name}")
        try:
            results += [result.as_dict() for result in item.function(bench)]
        except Exception as error:  # one broken measurement must not hide the others
            traceback.print_exc()
            results.append(Result(key=item.name, label=item.name, note=f"failed: {error!r}"[:200]).as_dict())
    outcome = {**database_facts(), "generation": generation, "results": results}
    result_path.write_text(json.dumps(outcome, indent=2))


# --- the runner: every database, one table ----------------------------------------------------


def _run(database: str, url: str, keyring: Path, generation: Path, result: Path) -> dict | None:
    # The documents of the attachment measurement (benchmarks/attachments.py): a folder of the
    # run's own, removed after it; 100 MB accepted.
    documents = BENCH_DIR / f"attachments-{database}"
    shutil.rmtree(documents, ignore_errors=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": url,
        "REGISTRY_KEYRING_FILE": str(keyring),
        "BENCH_GENERATION_FILE": str(generation),
        "PYTHONPATH": str(ROOT),
        "ATTACHMENTS_ROOT": str(documents),
        "ATTACHMENTS_MAX_BYTES": str(200 * 1024 * 1024),
    }
    env.pop("REGISTRY_KEYRING", None)
    try:
        completed = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(result)], env=env, check=False
        )
    finally:
        shutil.rmtree(documents, ignore_errors=True)
    if completed.returncode != 0 or not result.exists():
        _log(f"{NAMES[database]}: the worker failed (exit {completed.returncode})")
        return None
    return json.loads(result.read_text())


def run_sqlite(stamp: str) -> dict | None:
    database = BENCH_DIR / "bench.sqlite3"
    keyring = BENCH_DIR / "bench.sqlite3.keyring.json"
    generation = BENCH_DIR / "bench.sqlite3.generation.json"
    reuse = (
        os.environ.get("BENCH_REUSE") == "1"
        and generation.exists()
        and json.loads(generation.read_text()).get("cases_wanted") == cases_wanted()
    )
    if not reuse:
        for path in BENCH_DIR.glob("bench.sqlite3*"):  # the database, its WAL, keyring and notes
            path.unlink()
    return _run("sqlite", f"sqlite:///{database}", keyring, generation, BENCH_DIR / f"sqlite-{stamp}.json")


def run_postgresql(stamp: str) -> dict | None | str:
    name = f"registry_bench_{os.getpid()}"
    keyring = BENCH_DIR / f"{name}.keyring.json"
    generation = BENCH_DIR / f"{name}.generation.json"
    with throwaway_database(name) as url:
        if url is None:
            return f"not reachable at {server()}, not measured"
        try:
            return _run("postgresql", url, keyring, generation, BENCH_DIR / f"postgresql-{stamp}.json")
        finally:
            keyring.unlink(missing_ok=True)
            generation.unlink(missing_ok=True)


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 2**20:.1f} GiB RAM"
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{model}, {os.cpu_count()} CPUs{memory}; {system}; Python {platform.python_version()}"


def _cell(result: dict | None, column: str) -> str:
    if result is None:
        return "—"
    if column == "median":
        if result.get("value") is not None:
            return result["value"]
        if result.get("median") is None:
            return result.get("note") or "—"
        return _ms(result["median"])
    return _ms(result["p95"]) if result.get("p95") is not None else ""


def _ms(value: float) -> str:
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def render(outcomes: dict[str, dict | str | None], started: datetime.datetime, elapsed: float) -> str:
    lines = [
        f"Benchmarks of {started:%Y-%m-%d %H:%M} ({elapsed / 60:.0f} min in all) on {machine()}.",
        f"Load average after the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())}.",
        "",
    ]
    order, labels, targets = [], {}, {}
    for database in DATABASES:
        outcome = outcomes.get(database)
        if isinstance(outcome, dict):
            generation = outcome["generation"]
            lines.append(
                f"- {NAMES[database]} {outcome['version']}: {generation.get('cases', 0):,} generated cases — "
                f"{generation.get('rows', 0):,} rows, {generation.get('history', 0):,} history rows, "
                f"{generation.get('events', 0):,} audit events, written in {generation.get('seconds', 0):.0f} s "
                f"({generation.get('rows_per_second', 0):,.0f} rows per second); database "
                f"{outcome['size_bytes'] / 2**20:,.0f} MiB."
            )
            for result in outcome["results"]:
                if result["key"] not in labels:
                    order.append(result["key"])
                    labels[result["key"]] = result["label"]
                    targets[result["key"]] = result["target"]
        else:
            lines.append(f"- {NAMES[database]}: {outcome or 'not run'}.")
    header = ["measurement", "target (DESIGN §8)"]
    for database in DATABASES:
        header += [f"{NAMES[database]} median", "p95"]
    lines += ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    notes = []
    for key in order:
        row = [labels[key], targets[key] or ""]
        for database in DATABASES:
            outcome = outcomes.get(database)
            found = None
            if isinstance(outcome, dict):
                found = next((r for r in outcome["results"] if r["key"] == key), None)
                if found and found.get("note") and (found.get("value") is not None or found.get("median") is not None):
                    notes.append(f"{labels[key]} ({NAMES[database]}): {found['note']}")
            row += [_cell(found, "median"), _cell(found, "p95")]
        lines.append("| " + " | ".join(row) + " |")
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if arguments.worker:
        run_worker(arguments.worker)
        return
    started, clock = datetime.datetime.now().astimezone(), time.perf_counter()
    stamp = started.strftime("%Y%m%d-%H%M%S")
    wanted = [name for name in os.environ.get("BENCH_DATABASES", ",".join(DATABASES)).split(",") if name]
    only = bench_only()
    tables = []
    if not only or only - {"load"}:
        outcomes: dict[str, dict | str | None] = {}
        _log(f"{cases_wanted():,} cases per database (BENCH_CASES); databases: {', '.join(wanted)}")
        if "sqlite" in wanted:
            outcomes["sqlite"] = run_sqlite(stamp) or "the run failed (see its log above)"
        if "postgresql" in wanted:
            outcomes["postgresql"] = run_postgresql(stamp) or "the run failed (see its log above)"
        tables.append(render(outcomes, started, time.perf_counter() - clock))
    if not only or "load" in only:  # the load benchmark, its own phase (benchmarks/load.py)
        from benchmarks import load

        tables.append(load.run(wanted, BENCH_DIR, machine()))
    table = "\n".join(tables)
    (BENCH_DIR / f"results-{stamp}.md").write_text(table)
    sys.stdout.write("\n" + table)
    sys.stdout.write(f"\n(saved to {BENCH_DIR / f'results-{stamp}.md'})\n")


if __name__ == "__main__":
    main()
