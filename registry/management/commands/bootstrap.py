"""``manage.py bootstrap --sysadmin NAME``: make an empty production database usable.

Loads the province's GB/T 2260 divisions (``registry.jurisdictions.load_province``) and, when
the registry has no system administrator yet, creates the first one — who then creates every
other account and organization in the web UI (/manage/). The password is read from standard
input (``--password-stdin``) or asked twice on the terminal; it is never an argument (it would
sit in the shell history and the process list) and never printed. The account is created with
the audit event ``user_created``; with second factors on, it enrols one at its first sign-in.
Idempotent: a second run loads nothing new and creates no second administrator.
"""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from registry.audit import record_event
from registry.choices import Role
from registry.jurisdictions import load_province
from registry.models import AuditAction, Jurisdiction, User


class Command(BaseCommand):
    help = "Load the province's divisions and create the first system administrator."

    def add_arguments(self, parser):
        parser.add_argument("--province", default="35", help="two-digit GB/T 2260 province code (default 35, Fujian)")
        parser.add_argument("--sysadmin", required=True, help="username of the first system administrator")
        parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    def handle(self, *, province: str, sysadmin: str, password_stdin: bool, **options):
        written = load_province(province)
        self.stdout.write(f"divisions of province {province}: {written} written")
        if User.objects.filter(role=Role.SYSADMIN).exists():
            self.stdout.write("a system administrator exists already; none created")
            return
        user = User(
            username=User.normalize_username(sysadmin),
            role=Role.SYSADMIN,
            jurisdiction=Jurisdiction.objects.get(code=province),
            is_active=True,
        )
        password = self._password(password_stdin)
        try:
            password_validation.validate_password(password, user=user)
            user.set_password(password)
            user.full_clean()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        with transaction.atomic():
            user.save(force_insert=True)
            record_event(
                action=AuditAction.USER_CREATED,
                detail={"user": str(user.uuid), "username": user.username, "role": user.role, "jurisdiction": province},
            )
        self.stdout.write(f"created the system administrator {user.username}")

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return first
