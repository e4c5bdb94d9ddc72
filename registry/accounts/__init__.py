"""Accounts: who may sign in, how, and what the system administrator does to accounts (DESIGN §4).

One module per seam; import from the module that holds the name (this package re-exports
nothing):

- :mod:`registry.accounts.credentials` — second factor required or not, the session index and
  its session keys, API tokens (issue, look-up), and :func:`~.credentials.revoke_credentials`,
  which ends every session and token of an account.
- :mod:`registry.accounts.lockout` — django-axes' callables (``AXES_LOCKOUT_CALLABLE``,
  ``AXES_USERNAME_CALLABLE``), the audited lockout, and failures ``authenticate`` does not see.
- :mod:`registry.accounts.step_up` — re-entering the password before a dangerous action.
- :mod:`registry.accounts.rules` — what every administrator operation obeys: who manages
  accounts, where an account of each role may be placed, how a broken rule is reported.
- :mod:`registry.accounts.users` — ``user_create``, ``user_update``, ``user_enable``,
  ``user_disable``, ``user_reset_second_factor``.
- :mod:`registry.accounts.organizations` — ``organization_create``, ``organization_update``,
  ``organization_deactivate``, ``organization_activate``.

Each operation exists once, keyword-only, named ``<entity>_<verb>``, and writes its audit event
(``registry.audit``) in its own transaction. ``registry.audit`` knows nothing of this package.
"""
