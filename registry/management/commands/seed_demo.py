"""``manage.py seed_demo [--password P]``: a demonstration registry for Fujian Province.

Creates (DESIGN §5, "The contract other tools rely on"):

- the GB/T 2260 divisions of Fujian (``registry.jurisdictions.load_province``);
- in Fuzhou (3501) and Xiamen (3502) the units a victim meets: relief station, children's
  welfare institution, women's home, civil affairs, education, a school, legal aid, human
  resources and social security, a training centre, public security; and the provincial joint
  conference office;
- one account per role: ``<role>_fz`` and ``<role>_xm`` for the five case roles, and the
  provincial ``auditor`` and ``sysadmin``. Every person named here is synthetic;
- ``--victims N`` (default 200, 0 for none) synthetic victims with their cases, drawn from
  ``--seed`` (``victims.seed``), registered and followed by those accounts through the
  operations, so history and the audit log hold what a real registry would. A progress bar
  shows on a terminal (stderr), never when the output is captured.

Guarantees:

- Idempotent: rows are found by their natural key (code, jurisdiction + name, username) and
  only written when they differ from the seed, so a second run writes nothing and duplicates
  nothing. Existing accounts keep their passwords unless ``--password`` is given, which resets
  every demo account to it.
- Without ``--password`` one strong random password is generated for the accounts created in
  this run and shown once, in the table of logins at the end; it is stored only as a hash.
- Victims are idempotent too: each synthetic person is known by a deterministic document
  number (or name and birth date), looked up through the blind index and skipped when present,
  so a second run adds nobody and a larger ``--victims`` adds only the people a smaller one lacked.
- All or nothing per step: the reference data in one transaction, then each synthetic person in
  one of their own (an interrupted run leaves whole people; the next run completes it).
- Prints counts only, never a victim's name or number; the one exception is on stderr: the
  number of each case a later step skipped (below), never a name.
- The later steps (legal aid, services, care plans, notes, documents, transfers) complete only
  the cases this command registered (``Case.synthetic``), never one registered by hand in the
  demo; a case an operation refuses is skipped (its work rolled back), counted in the summary
  line and named by its number and the error's code on stderr, and the run goes on — so
  ``make run`` starts on a demo people have used.
- Refuses to run in production mode: it creates accounts whose password is printed.

Seed steps that write tracked models (like ``victims.seed``) go through the operations of their
app, which name the acting demo user in history and the audit log, inside
``registry.history.recorded_change(actor=None, reason="seed_demo")`` for any write that might
not; add them as further ``_seed_*`` steps in :meth:`Command.handle`.
"""

from __future__ import annotations

import enum
import secrets
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from registry.choices import Department, OrganizationKind, Role
from registry.jurisdictions import load_province
from registry.models import Jurisdiction, Organization, User

DEFAULT_VICTIMS = 200
DEFAULT_SEED = 1

PROVINCE = "35"
JOINT_OFFICE = f"{PROVINCE}:office"  # seed key of the provincial joint conference office


@dataclass(frozen=True)
class OrganizationSeed:
    key: str  # "<city code>:<what>", how users name their organization below
    name: str
    department: Department
    kind: OrganizationKind
    jurisdiction: str
    capacity: int | None = None


@dataclass(frozen=True)
class CitySeed:
    code: str
    name: str
    suffix: str  # of the usernames: caseworker_fz
    school: str
    school_county: str
    shelter_beds: int
    children_beds: int
    women_beds: int

    def organizations(self) -> list[OrganizationSeed]:
        c, name = self.code, self.name

        def key(local: str) -> str:
            return f"{c}:{local}"

        return [
            OrganizationSeed(
                key("shelter"),
                f"{name}救助管理站",
                Department.CIVIL_AFFAIRS,
                OrganizationKind.SHELTER,
                c,
                self.shelter_beds,
            ),
            OrganizationSeed(
                key("children_welfare"),
                f"{name}儿童福利院",
                Department.CIVIL_AFFAIRS,
                OrganizationKind.CHILDREN_WELFARE,
                c,
                self.children_beds,
            ),
            OrganizationSeed(
                key("womens_home"),
                f"{name}妇女之家",
                Department.WOMENS_FEDERATION,
                OrganizationKind.WELFARE_HOME,
                c,
                self.women_beds,
            ),
            OrganizationSeed(
                key("civil_affairs"), f"{name}民政局", Department.CIVIL_AFFAIRS, OrganizationKind.BUREAU, c
            ),
            OrganizationSeed(key("education"), f"{name}教育局", Department.EDUCATION, OrganizationKind.BUREAU, c),
            OrganizationSeed(
                key("school"), self.school, Department.EDUCATION, OrganizationKind.SCHOOL, self.school_county
            ),
            OrganizationSeed(
                key("legal_aid"), f"{name}法律援助中心", Department.JUSTICE, OrganizationKind.LEGAL_AID_CENTRE, c
            ),
            OrganizationSeed(key("labor"), f"{name}人力资源和社会保障局", Department.LABOR, OrganizationKind.BUREAU, c),
            OrganizationSeed(
                key("training"), f"{name}职业技能培训中心", Department.LABOR, OrganizationKind.TRAINING_PROVIDER, c
            ),
            OrganizationSeed(
                key("police"), f"{name}公安局", Department.PUBLIC_SECURITY, OrganizationKind.POLICE_UNIT, c
            ),
        ]


CITIES = (
    CitySeed("3501", "福州市", "fz", "福州市鼓楼区第一中心小学", "350102", 60, 80, 20),
    CitySeed("3502", "厦门市", "xm", "厦门市思明区第二实验小学", "350203", 40, 60, 16),
)
PROVINCIAL_ORGANIZATIONS = (
    OrganizationSeed(
        JOINT_OFFICE,
        "福建省反对拐卖人口工作联席会议办公室",
        Department.PUBLIC_SECURITY,
        OrganizationKind.BUREAU,
        PROVINCE,
    ),
)

# The organization each case role works in, by seed key.
ROLE_ORGANIZATION = {
    Role.CASEWORKER: "shelter",
    Role.CIVIL_AFFAIRS: "civil_affairs",
    Role.EDUCATION: "education",
    Role.LEGAL_AID: "legal_aid",
    Role.LABOR: "labor",
}
# Synthetic staff names (family name, given name); none is a real person.
STAFF_NAMES = {
    "caseworker_fz": ("林", "晓燕"),
    "civil_affairs_fz": ("陈", "建华"),
    "education_fz": ("黄", "丽萍"),
    "legal_aid_fz": ("郑", "文斌"),
    "labor_fz": ("王", "海涛"),
    "caseworker_xm": ("张", "雅琴"),
    "civil_affairs_xm": ("吴", "志强"),
    "education_xm": ("李", "美玲"),
    "legal_aid_xm": ("蔡", "明辉"),
    "labor_xm": ("许", "国栋"),
    "auditor": ("刘", "慧敏"),
    "sysadmin": ("周", "立新"),
}


@dataclass(frozen=True)
class UserSeed:
    username: str
    role: Role
    organization: str  # an OrganizationSeed key
    jurisdiction: str


def user_seeds() -> list[UserSeed]:
    """Every demo account, in the order of the contract."""
    seeds = [
        UserSeed(f"{role.value}_{city.suffix}", role, f"{city.code}:{key}", city.code)
        for city in CITIES
        for role, key in ROLE_ORGANIZATION.items()
    ]
    seeds.append(UserSeed("auditor", Role.AUDITOR, JOINT_OFFICE, PROVINCE))
    seeds.append(UserSeed("sysadmin", Role.SYSADMIN, JOINT_OFFICE, PROVINCE))
    return seeds


class Outcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def ensure(model: type[models.Model], lookup: dict, values: dict) -> tuple[models.Model, Outcome]:
    """The row matching ``lookup`` with ``values``: created, updated or left alone.

    Saves only when something differs, so a re-run leaves rows (and, for tracked models, their
    history) untouched. Validates before saving.
    """
    row = model.objects.filter(**lookup).first()
    if row is None:
        row = model(**lookup, **values)
        row.full_clean()
        row.save()
        return row, Outcome.CREATED
    changed = [field for field, value in values.items() if getattr(row, field) != value]
    if not changed:
        return row, Outcome.UNCHANGED
    for field in changed:
        setattr(row, field, values[field])
    row.full_clean()
    row.save(update_fields=changed)
    return row, Outcome.UPDATED


@dataclass(frozen=True)
class Login:
    """A demo account as seeded; ``has_password`` when this run knows its password."""

    user: User
    outcome: Outcome
    has_password: bool


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


class Command(BaseCommand):
    help = (
        "Seed a demonstration registry: Fujian's divisions, organizations in Fuzhou and Xiamen, and "
        "one account per role. Idempotent. Never for production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Set every demo account's password to this (resets existing accounts). "
            "Without it, accounts created now get one generated password, shown once.",
        )
        parser.add_argument(
            "--victims",
            type=int,
            default=DEFAULT_VICTIMS,
            help=f"How many synthetic victims to seed (default {DEFAULT_VICTIMS}; 0 for none). "
            "People already present are skipped.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Seed of the random generator the synthetic victims are drawn from (default {DEFAULT_SEED}).",
        )

    def handle(
        self,
        *args,
        password: str | None = None,
        victims: int = DEFAULT_VICTIMS,
        seed: int = DEFAULT_SEED,
        **options,
    ):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo creates accounts with a printed password and refuses to run in production "
                "mode; set REGISTRY_MODE=demo (or dev) for a demonstration database."
            )
        if victims < 0:
            raise CommandError("--victims: give 0 or more.")
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(18)
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError("--password: " + " ".join(error.messages)) from error

        with transaction.atomic():
            written = load_province(PROVINCE)
            organizations, org_outcomes = self._seed_organizations()
            logins = self._seed_users(organizations, password, reset=not generated)
        victim_summary = self._seed_victims(victims, seed) if victims else None

        self._report(written, org_outcomes, logins, password, generated)
        if victim_summary:
            self.stdout.write(victim_summary)

    def _seed_victims(self, count: int, seed: int) -> str:
        """``count`` synthetic victims of ``seed``, each in its own transaction; a line of counts."""
        # The demo command composes the apps; registry modules proper never import one.
        from tqdm import tqdm

        from attachments.seed import seed_attachments
        from care.notes.seed import seed_notes
        from care.plan.seed import seed_care_plans
        from inbox.reminders import send_reminders
        from legal_aid.seed import seed_legal_aid
        from services.seed import seed_services
        from transfers.seed import seed_transfers
        from victims.models import Case
        from victims.seed import seed_victims

        # tqdm's file: disabled unless stderr is a terminal (so quiet in tests, CI and pipes).
        with tqdm(total=count, desc="Victims", unit="victim", file=_ProgressStream(self.stderr), disable=None) as bar:
            result = seed_victims(count=count, seed=seed, progress=bar.update)
        legal_aid = seed_legal_aid(seed=seed)  # matters of the accepted legal aid referrals
        services = seed_services(seed=seed)  # shelters, schooling, training, return plans, follow-up visits
        plans = seed_care_plans(seed=seed)  # needs assessments, goals linked to those services, reviews
        notes = seed_notes(seed=seed)  # service logs, case conferences, cases left without contact
        documents = seed_attachments(seed=seed)  # consent forms and photos, through the upload operation
        transfers = seed_transfers()  # requests between Fuzhou's and Xiamen's stations, pending and accepted
        reminders = send_reminders()  # today's reminders in the inboxes (once a day, as the daily run)
        skipped = self._report_skipped(
            {"legal aid": legal_aid, "services": services, "care plans": plans, "notes": notes,
             "documents": documents, "transfers": transfers}
        )  # fmt: skip
        stages = Case.objects.values("stage").annotate(n=models.Count("id")).order_by("stage")
        by_stage = ", ".join(f"{row['n']} {row['stage']}" for row in stages)
        return (
            f"Victims (seed {seed}): {result.created} created, {result.present} already present; "
            f"cases by stage: {by_stage or 'none'}; legal aid matters: {legal_aid.opened} opened, "
            f"{legal_aid.present} referrals already had one; services: {services.admitted} admitted to shelters, "
            f"{sum(services.plans.values())} return plans; care plans: {plans.written} written; notes: "
            f"{notes.notes} written ({notes.conferences} case conferences); documents: {documents.documents} "
            f"filed in {documents.cases} cases; transfers: {transfers.pending} awaiting an answer, "
            f"{transfers.accepted} accepted; reminders: {sum(reminders.written.values())} written; "
            f"cases skipped: {skipped}"
        )

    def _report_skipped(self, steps: dict) -> str:
        """Name on stderr, by number and error code only, each case a step skipped; how many each
        step skipped, for the summary line ("none" when no step skipped any)."""
        for step, result in steps.items():
            if result.skipped:
                self.stderr.write(
                    f"{step}: {len(result.skipped)} case(s) skipped, an operation refused their work: "
                    + ", ".join(str(case) for case in result.skipped)
                )
        counts = [f"{len(result.skipped)} in {step}" for step, result in steps.items() if result.skipped]
        return ", ".join(counts) or "none"

    def _seed_organizations(self) -> tuple[dict[str, Organization], list[Outcome]]:
        seeds = [*PROVINCIAL_ORGANIZATIONS, *(seed for city in CITIES for seed in city.organizations())]
        places = {j.code: j for j in Jurisdiction.objects.filter(code__in={s.jurisdiction for s in seeds})}
        organizations, outcomes = {}, []
        for seed in seeds:
            organization, outcome = ensure(
                Organization,
                {"jurisdiction": places[seed.jurisdiction], "name": seed.name},
                {
                    "department": seed.department,
                    "kind": seed.kind,
                    "capacity": seed.capacity,
                    "is_active": True,
                },
            )
            organizations[seed.key] = organization
            outcomes.append(outcome)
        return organizations, outcomes

    def _seed_users(self, organizations: dict[str, Organization], password: str, *, reset: bool) -> list[Login]:
        """Each demo account; new ones get ``password``, existing ones too when ``reset``."""
        seeds = user_seeds()
        places = {j.code: j for j in Jurisdiction.objects.filter(code__in={seed.jurisdiction for seed in seeds})}
        logins = []
        for seed in seeds:
            last_name, first_name = STAFF_NAMES[seed.username]
            values = {
                "role": seed.role,
                "organization": organizations[seed.organization],
                "jurisdiction": places[seed.jurisdiction],
                "first_name": first_name,
                "last_name": last_name,
                "is_active": True,
            }
            user = User.objects.filter(username=seed.username).first()
            if user is None:
                user = User(username=seed.username, **values)
                user.set_password(password)
                user.full_clean()
                user.save()
                logins.append(Login(user, Outcome.CREATED, has_password=True))
                continue
            user, outcome = ensure(User, {"username": seed.username}, values)
            # check_password first, so an unchanged password is not rehashed (and re-saved) each run.
            if reset and not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
                outcome = Outcome.UPDATED
            logins.append(Login(user, outcome, has_password=reset))
        return logins

    def _report(self, written: int, org_outcomes: list[Outcome], logins: list[Login], password: str, generated: bool):
        def tally(outcomes: list[Outcome]) -> str:
            return ", ".join(f"{sum(o is kind for o in outcomes)} {kind.value}" for kind in Outcome)

        divisions = Jurisdiction.objects.filter(code__startswith=PROVINCE).count()
        self.stdout.write(f"Jurisdictions of {PROVINCE}: {divisions} in all, {written} written")
        self.stdout.write(f"Organizations: {tally(org_outcomes)}")
        self.stdout.write(f"Users: {tally([login.outcome for login in logins])}")
        if generated and any(login.has_password for login in logins):
            self.stdout.write(self.style.WARNING("Generated password, shown only this once: ") + password)

        header = ("username", "role", "organization", "password")
        rows = [
            (
                login.user.username,
                login.user.role,
                login.user.organization.name if login.user.organization else "",
                password if login.has_password else "(unchanged)",
            )
            for login in logins
        ]
        widths = [max(_display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(_line(header, widths)))
        for row in rows:
            self.stdout.write(_line(row, widths))


class _ProgressStream:
    """The file tqdm draws on: a command's stderr, written as is. Django's ``OutputWrapper``
    would end every write with a newline and colour it as an error; a progress bar redraws one
    line with carriage returns."""

    def __init__(self, wrapper):
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self._wrapper.flush()

    def isatty(self) -> bool:
        return self._wrapper.isatty()


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(_pad(cell, width) for cell, width in zip(cells, widths, strict=True)).rstrip()
