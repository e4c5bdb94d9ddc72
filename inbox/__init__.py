"""The work inbox (issue 17): items written for a user inside the transaction of the operation
that causes them (``inbox.notify``), reminders written by ``manage.py send_reminders``, a
counter in every page's header, an inbox page and API, and optional e-mail that names no person
and no case."""
