"""A signed-in user changes their own password (issue 18, item 7).

:func:`user_password_change` is the one way a password is changed by its holder while signed in;
a forgotten password goes through a new enrolment link instead
(``registry.accounts.users.user_credentials_reset``), so no one ever types a password for
someone else.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from registry.accounts.activation import password_error
from registry.accounts.credentials import revoke_credentials
from registry.accounts.lockout import LockedOut, is_locked_out, lockout_message
from registry.accounts.rules import account_identity
from registry.accounts.step_up import verify_password
from registry.audit import AuditAction, record_event
from registry.models import User

__all__ = ["user_password_change"]


def user_password_change(*, request: HttpRequest, current_password: str, password: str) -> User:
    """Change the password of ``request.user``; return the fresh account row.

    Guarantees:

    - The current password is checked first, through ``authenticate``: a wrong one counts
      towards the lockout exactly like a failed sign-in (``registry.accounts.lockout``), and
      during a lockout or the account's delay nothing is checked — :class:`LockedOut` (429),
      else a ``ValidationError`` on ``current_password``.
    - The new password passes every ``AUTH_PASSWORD_VALIDATORS`` check and differs from the
      current one (errors on ``password``).
    - One transaction, the account's row locked and its password still the one just checked
      (two changes at once: the second is refused, never silently lost): the new password stored (as a hash), every
      other web session and every API token of the account ended (``revoke_credentials``,
      keeping this request's session), and the ``password_changed`` event written with the
      numbers ended. The caller keeps this session signed in (``update_session_auth_hash``).
    """
    user = request.user
    if not verify_password(request, current_password):
        if is_locked_out(request):
            raise LockedOut(lockout_message(request))
        raise ValidationError({"current_password": [_("The current password is not correct.")]})
    if password == current_password:
        raise ValidationError({"password": [_("Choose a password different from the current one.")]})
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({"password": [password_error(item) for item in error.error_list]}) from None
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.check_password(current_password):  # changed by another session since the check
            raise ValidationError({"current_password": [_("Your password was changed meanwhile. Sign in again.")]})
        locked.set_password(password)
        locked.save(update_fields=["password"])
        revoked = revoke_credentials(locked, keep_session=request.session.session_key)
        record_event(
            action=AuditAction.PASSWORD_CHANGED,
            actor=locked,
            request=request,
            detail={**account_identity(locked), "sessions_ended": revoked.sessions, "tokens_revoked": revoked.tokens},
        )
    return locked
