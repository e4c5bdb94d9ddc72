"""The load benchmark of ``make bench`` (issue 19): the caseworkers' mix against the production
shape, with Locust, at 1, 8 and 32 users.

For each database of ``BENCH_DATABASES`` — PostgreSQL (a throwaway database on
``BENCH_POSTGRES_URL``, created and dropped as ``run.py`` does) and SQLite (a file under
``BENCH_DIR``, the single-office shape) — it:

1. writes a production configuration as ``make serve`` does (an env file named by
   ``REGISTRY_ENV_FILE``, a keyring of its own, ``REGISTRY_MODE=production``, ``DEBUG`` off);
2. migrates, seeds ``seed_demo``'s divisions, organizations and accounts, generates
   ``BENCH_LOAD_CASES`` cases (``benchmarks.generate``, default 1,000) and issues an API token
   to the caseworkers of Fuzhou and Xiamen (``api_token_issue``) — in a Django process of its
   own, in demo mode, as the smoke test seeds; every database is prepared at once, then each is
   measured alone:
3. starts ``python -m registry.serve`` on a free loopback port (gunicorn with
   ``deploy/gunicorn.conf.py``, its default number of workers unless ``BENCH_LOAD_WORKERS``);
4. runs ``benchmarks/locustfile.py`` headless in a process of its own for each scenario —
   ``BENCH_LOAD_USERS`` users (default 1, 8, 32) split over Fuzhou and Xiamen, then 8 users of
   Fuzhou alone (``BENCH_LOAD_SPLIT=0`` skips it): whether audited requests of two cities wait
   on each other — each for ``BENCH_LOAD_SECONDS`` (60) after ``BENCH_LOAD_WARM_UP`` (10);
   ``BENCH_LOAD_SHORT=1`` makes them 15 and 5;
5. reads Locust's CSV, counts the cases in the database before and after, runs
   ``manage.py verify_audit``, stops the server and drops what it made.

It answers one markdown table per database (:func:`render`): per scenario and request type the
requests, req/s over the measured window, p50/p95/p99 and errors, then the cases created against
the 201 answers and the audit chain's verdict. Nothing personal is printed or kept: the data are
synthetic, tokens and ID numbers stay in throwaway files and the load process's memory.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import runpy
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":  # run as a script (the Django step): the repository on the path
    sys.path.insert(0, str(ROOT))

from benchmarks.postgres import throwaway_database  # noqa: E402
from registry.env import env_bool, env_int  # noqa: E402

LOCUSTFILE = ROOT / "benchmarks" / "locustfile.py"
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}  # the order they are measured in
CITIES = ("fz", "xm")  # the demo's caseworker_fz and caseworker_xm
# The caseworkers' mix (issue 19), in percent of requests; benchmarks/locustfile.py draws from it.
MIX = {"case list": 50, "case file": 30, "search": 10, "history": 5, "registration": 5}
# The users' set-up (listing their cases) before the warm-up; past it Locust stops regardless.
SET_UP_ALLOWANCE = 120
SERIALS_PER_SCENARIO = 100_000  # registered ID numbers each scenario may draw (locustfile.resident_id)
# What the servers inherit of this process's environment: an operator's shell has nothing else,
# and a DATABASE_URL of the developer's must not win over the env file.
PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "LD_LIBRARY_PATH")


@dataclass(frozen=True)
class Scenario:
    label: str
    users: int
    cities: tuple[str, ...]


@dataclass
class Row:
    """One request type of one scenario, as Locust's ``_stats.csv`` holds it."""

    name: str
    requests: int
    failures: int
    p50: float | None
    p95: float | None
    p99: float | None


@dataclass
class ScenarioResult:
    scenario: Scenario
    seconds: float  # the measured window: from the reset of the statistics to the last answer
    rows: list[Row]  # the mix's request types, in MIX order, then "all"
    answers_201: int  # registrations answered 201, warm-up included
    failures: list[str] = field(default_factory=list)  # Locust's failure messages, counted


@dataclass
class DatabaseResult:
    name: str
    workers: int
    scenarios: list[ScenarioResult]
    cases_before: int  # the generated cases
    cases_after: int
    audit_passed: bool
    audit_said: str  # verify_audit's first line: what it checked, or the first break


@dataclass(frozen=True)
class Settings:
    cases: int
    users: tuple[int, ...]
    seconds: int
    warm_up: int
    split: bool
    workers: int

    @classmethod
    def from_env(cls) -> Settings:
        short = env_bool("BENCH_LOAD_SHORT", False)
        workers = env_int("BENCH_LOAD_WORKERS", 0, minimum=0) or runpy.run_path(str(GUNICORN_CONFIG))["workers"]
        return cls(
            cases=env_int("BENCH_LOAD_CASES", 1000, minimum=10),
            users=tuple(int(n) for n in os.environ.get("BENCH_LOAD_USERS", "1,8,32").split(",") if n.strip()),
            seconds=env_int("BENCH_LOAD_SECONDS", 15 if short else 60, minimum=1),
            warm_up=env_int("BENCH_LOAD_WARM_UP", 5 if short else 10, minimum=0),
            split=env_bool("BENCH_LOAD_SPLIT", True),
            workers=workers,
        )

    def scenarios(self) -> list[Scenario]:
        runs = [Scenario(f"{n} user{'s' if n > 1 else ''}", n, CITIES) for n in self.users]
        if self.split:
            runs.append(Scenario("8 users, Fuzhou only", 8, ("fz",)))
        return runs


def _log(message: str) -> None:
    sys.stderr.write(f"[load {time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}\n")
    sys.stderr.flush()


# --- the Django step: prepare a database (its own process, demo mode) -------------------------


def prepare(cases: int, tokens: Path) -> None:
    """Migrate, seed the demo's accounts, generate ``cases`` cases, ``ANALYZE``, and write an API
    token of each city's caseworker to ``tokens`` (mode 0600)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from benchmarks.generate import DEFAULT_SEED, generate, seed_reference_data
    from benchmarks.run import analyze
    from registry.accounts.credentials import api_token_issue
    from registry.keyring import write_secret_file
    from registry.models import User

    call_command("migrate", verbosity=0)
    seed_reference_data()
    report = generate(cases, seed=DEFAULT_SEED)
    analyze()
    issued = {city: api_token_issue(user=User.objects.get(username=f"caseworker_{city}"))[1] for city in CITIES}
    write_secret_file(tokens, json.dumps(issued))
    _log(f"generated {report.cases:,} cases ({report.total:,} rows) in {report.seconds:.0f} s")


# --- the driver ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Deployment:
    """One database's production configuration, its server, and what runs against it."""

    def __init__(self, name: str, url: str, folder: Path) -> None:
        from registry.keyring import new_keyring_document, write_secret_file

        self.name, self.url, self.folder = name, url, folder
        folder.mkdir(parents=True, exist_ok=True)
        keyring = folder / "keyring.json"
        write_secret_file(keyring, new_keyring_document())
        settings = {
            "REGISTRY_MODE": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "REGISTRY_KEYRING_FILE": str(keyring),
            "DATABASE_URL": url,
            "ALLOWED_HOSTS": "127.0.0.1",
            # Users search far faster than people: the per-account limit (registry.ratelimit)
            # would answer 429 to its own load; the limit is the subject of tests.
            "REGISTRY_SEARCH_RATE": str(10**9),
            "WEB_ACCESS_LOG": str(folder / "access.log"),
            "MEDIA_ROOT": str(folder / "media"),
        }
        env_file = folder / "serve.env"
        write_secret_file(env_file, "".join(f"{key}={value}\n" for key, value in settings.items()))
        self.env = {key: os.environ[key] for key in PASSED_ON if key in os.environ}
        self.env |= {"REGISTRY_ENV_FILE": str(env_file), "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.tokens = folder / "tokens.json"
        self.server: subprocess.Popen | None = None
        self.base = ""

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )

    def prepare(self, cases: int) -> subprocess.Popen:
        """Start :func:`prepare` on this database (demo mode, as the smoke test seeds), its log
        in the folder; :meth:`prepared` waits for it."""
        with (self.folder / "prepare.log").open("w") as log:
            return subprocess.Popen(  # noqa: S603 - our own interpreter and script
                [sys.executable, str(Path(__file__).resolve()), "--prepare", str(cases), str(self.tokens)],
                cwd=ROOT, env={**self.env, "REGISTRY_MODE": "demo"}, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def prepared(self, process: subprocess.Popen) -> None:
        process.wait()
        output = (self.folder / "prepare.log").read_text(errors="replace")
        if process.returncode != 0:
            raise RuntimeError(f"preparing the database failed (exit {process.returncode}):\n{output[-2000:]}")
        sys.stderr.write(output)

    def start(self, workers: int) -> None:
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        with (self.folder / "server.log").open("w") as log:
            self.server = subprocess.Popen(  # noqa: S603 - make serve's command line
                [sys.executable, "-m", "registry.serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                break
            try:
                urllib.request.urlopen(f"{self.base}/api/v1/cases/", timeout=5).close()  # noqa: S310 - loopback
            except urllib.error.HTTPError:  # answered (401 without a token): up
                return
            except OSError:
                time.sleep(0.3)
            else:
                return
        tail = (self.folder / "server.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the {self.name} server did not start:\n{tail}")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.server.kill()

    def count_cases(self) -> int:
        if self.name == "sqlite":
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as connection:
                return connection.execute("SELECT count(*) FROM victims_case").fetchone()[0]
        import psycopg

        with psycopg.connect(self.url) as connection:
            return connection.execute("SELECT count(*) FROM victims_case").fetchone()[0]

    def verify_audit(self) -> tuple[bool, str]:
        """``manage.py verify_audit``: whether it passed, and what it said first — the events
        and chains checked, or the first broken event (ids and times, nothing personal)."""
        done = self.manage("verify_audit")
        said = [line.strip() for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            said = [line for line in said if "broken" in line or "missing" in line or "Error" in line] or said
        return done.returncode == 0, (said[0] if said else "")[:300]

    def drive(self, scenario: Scenario, index: int, settings: Settings) -> ScenarioResult:
        """Run Locust headless for one scenario; its CSV and outcome under the folder."""
        prefix = self.folder / f"locust-{index}"
        outcome = self.folder / f"outcome-{index}.json"
        command = [
            str(Path(sys.executable).parent / "locust"), "-f", str(LOCUSTFILE), "--headless", "--only-summary",
            "--host", self.base, "--users", str(scenario.users), "--spawn-rate", str(scenario.users),
            "--warm-up", str(settings.warm_up), "--measure", str(settings.seconds),
            "--run-time", f"{settings.warm_up + settings.seconds + SET_UP_ALLOWANCE}s", "--stop-timeout", "10",
            "--csv", str(prefix), "--loglevel", "WARNING",
            "--tokens", str(self.tokens), "--cities", ",".join(scenario.cities),
            "--serial-base", str(index * SERIALS_PER_SCENARIO),
            "--outcome", str(outcome),
        ]  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True, check=False)  # noqa: S603
        stats = Path(f"{prefix}_stats.csv")
        if not stats.exists() or not outcome.exists():
            raise RuntimeError(f"Locust failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
        counted = json.loads(outcome.read_text())
        if counted["ready_users"] < scenario.users:  # the statistics were never reset: set-up would be counted
            raise RuntimeError(
                f"only {counted['ready_users']} of {scenario.users} users set themselves up:\n{done.stderr[-2000:]}"
            )
        failures_csv = Path(f"{prefix}_failures.csv")
        failures = read_failures(failures_csv.read_text()) if failures_csv.exists() else []
        rows = read_stats(stats.read_text())
        return ScenarioResult(scenario, counted["measured_seconds"], rows, counted["answers_201"], failures)


def _percentile(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


def read_stats(text: str) -> list[Row]:
    """The mix's request types (in :data:`MIX` order, those that ran) and ``all`` from the text of
    Locust's ``_stats.csv``; requests made while a user set itself up are left out."""
    rows = {}
    for line in csv.DictReader(text.splitlines()):
        name = "all" if line["Name"] == "Aggregated" else line["Name"]
        rows[name] = Row(
            name=name,
            requests=int(line["Request Count"]),
            failures=int(line["Failure Count"]),
            p50=_percentile(line["50%"]),
            p95=_percentile(line["95%"]),
            p99=_percentile(line["99%"]),
        )
    return [rows[name] for name in (*MIX, "all") if name in rows]


def read_failures(text: str) -> list[str]:
    """``"<name>: <error> ×<count>"`` for each line of Locust's ``_failures.csv``."""
    return [f"{line['Name']}: {line['Error']} ×{line['Occurrences']}" for line in csv.DictReader(text.splitlines())]


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def render(results: list[DatabaseResult | str], settings: Settings, started: datetime.datetime, machine: str) -> str:
    """The load table of each database, with the date, the machine and how it was run."""
    lines = [
        f"Load benchmark of {started:%Y-%m-%d %H:%M} on {machine}: Locust {version('locust')} "
        f"(FastHttpUser, headless, closed loop without think time, on the same machine), the caseworkers' mix "
        f"of 50 % case list pages, 30 % case files, 10 % ID searches, 5 % histories, 5 % registrations; "
        f"{settings.seconds} s per scenario after {settings.warm_up} s of warm-up.",
    ]
    for result in results:
        if isinstance(result, str):
            lines += ["", f"- {result}"]
            continue
        lines += [
            "",
            f"**{result.name}**: gunicorn, {result.workers} workers; {result.cases_before:,} generated cases.",
            "",
            "| scenario | request | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        answers = 0
        for outcome in result.scenarios:
            answers += outcome.answers_201
            for row in outcome.rows:
                label = f"**{row.name}**" if row.name == "all" else row.name
                lines.append(
                    f"| {outcome.scenario.label} | {label} | {row.requests:,} | {row.requests / outcome.seconds:,.1f} "
                    f"| {_ms(row.p50)} | {_ms(row.p95)} | {_ms(row.p99)} | {row.failures:,} |"
                )
        created = result.cases_after - result.cases_before
        lines += [
            "",
            f"- Cases created: {created:,} in the database against {answers:,} answers 201 "
            f"({'equal' if created == answers else 'DIFFERENT'}; warm-ups included).",
            f"- `verify_audit` afterwards: {'passed' if result.audit_passed else 'FAILED'}"
            + (f" — {result.audit_said}" if result.audit_said else "."),
        ]
        for outcome in result.scenarios:
            lines += [f"- Errors in {outcome.scenario.label}: {failure}" for failure in outcome.failures]
    return "\n".join(lines) + "\n"


def measure(deployment: Deployment, settings: Settings) -> DatabaseResult:
    """Every scenario against a prepared database, then its cases counted and its audit checked."""
    try:
        deployment.start(settings.workers)
        before = deployment.count_cases()
        scenarios = []
        for index, scenario in enumerate(settings.scenarios()):
            _log(f"{deployment.name}: {scenario.label} for {settings.warm_up} + {settings.seconds} s")
            scenarios.append(deployment.drive(scenario, index, settings))
    finally:
        deployment.stop()
    after = deployment.count_cases()
    passed, said = deployment.verify_audit()
    return DatabaseResult(
        name=NAMES[deployment.name],
        workers=settings.workers,
        scenarios=scenarios,
        cases_before=before,
        cases_after=after,
        audit_passed=passed,
        audit_said=said,
    )


def run(databases: list[str], bench_dir: Path, machine: str) -> str:
    """The load benchmark on each of ``databases`` (``sqlite``, ``postgresql``): its tables.

    Every database is prepared at once (one process each), then measured one after the other,
    so no measurement shares the machine with another database's work."""
    settings = Settings.from_env()
    started = datetime.datetime.now().astimezone()
    machine += f"; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} before the run"
    results: dict[str, DatabaseResult | str] = {}
    with ExitStack() as cleanup:
        deployments = []
        for database in (name for name in NAMES if name in databases):
            folder = bench_dir / f"load-{database}-{os.getpid()}"
            shutil.rmtree(folder, ignore_errors=True)
            cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
            if database == "postgresql":
                url = cleanup.enter_context(throwaway_database(f"registry_load_{os.getpid()}"))
                if url is None:
                    results[database] = "PostgreSQL: not reachable, not measured"
                    continue
            else:
                url = f"sqlite:///{folder / 'load.sqlite3'}"
            deployments.append(Deployment(database, url, folder))
        _log(f"preparing {settings.cases:,} cases in {', '.join(d.name for d in deployments)}")
        preparing = [(deployment, deployment.prepare(settings.cases)) for deployment in deployments]
        for deployment, process in preparing:
            try:
                deployment.prepared(process)
                results[deployment.name] = measure(deployment, settings)
            except Exception as error:  # one database's failure must not hide the other's
                _log(f"{deployment.name}: {error}")
                results[deployment.name] = f"{NAMES[deployment.name]}: the load run failed ({str(error)[:300]})"
    return render([results[name] for name in NAMES if name in results], settings, started, machine)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare"]:
        prepare(int(sys.argv[2]), Path(sys.argv[3]))
