"""Accounts: who may sign in, how, and what the system administrator does to accounts (DESIGN §4).

One module per seam; import from the module that holds the name (this package re-exports
nothing):

- :mod:`registry.accounts.credentials` — second factor required or not, the session index and
  its session keys, API tokens (issue, look-up), and :func:`~.credentials.revoke_credentials`,
  which ends every session and token of an account.
- :mod:`registry.accounts.lockout` — the lockout of an account from one address and the
  account's progressive delay (axes' handler, the password backend, django-axes' callables),
  failures ``authenticate`` does not see, and ``account_unlock``.
- :mod:`registry.accounts.step_up` — re-entering the password before a dangerous action.
- :mod:`registry.accounts.passwords` — ``user_password_change``: a signed-in user changes their
  own password (a forgotten one goes through ``users.user_credentials_reset`` instead).
- :mod:`registry.accounts.rules` — what every administrator operation obeys: who manages
  accounts, where an account of each role may be placed, how a broken rule is reported.
- :mod:`registry.accounts.users` — ``user_create``, ``user_update``, ``user_enable``,
  ``user_disable``, ``user_enrolment_link_renew``,
  ``user_credentials_reset`` (a forgotten password or a lost second factor: a new enrolment link).
- :mod:`registry.accounts.activation` — an account made, enabled again or moved waits,
  inactive, for its holder's enrolment through a one-time link (``user_enrol``) and, for a role
  that reads cases, a second person's approval (``user_approve``): the administrator never
  holds a working credential of it.
- :mod:`registry.accounts.access` — :func:`~.access.revoke_access`: a move or a disabling ends
  sessions and tokens and drops the grants (case assignments) the new placement does not reach,
  through releasers the apps register.
- :mod:`registry.accounts.organizations` — ``organization_create``, ``organization_update``,
  ``organization_deactivate``, ``organization_activate``.

Each operation exists once, keyword-only, named ``<entity>_<verb>``, and writes its audit event
(``registry.audit``) in its own transaction. ``registry.audit`` knows nothing of this package.
"""
