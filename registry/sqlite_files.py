"""The SQLite database's files are readable and writable by their owner only (0600).

The database holds password hashes and every sealed value; its ``-wal`` file holds recent pages
of it. SQLite creates the database file with the process's umask (0644 under the usual 022)
and gives the ``-wal``, ``-shm`` and ``-journal`` files it creates later the mode of the
database file. So, at every new connection to an SQLite database on disk (Django's
``connection_created``: the first one creates the file, before any table exists), the database
file and whichever of its companions exist are set to 0600; companions created afterwards
inherit that mode from the database. This holds for the test databases too, and tightens the
files of an existing installation at its next connection. The directory is the operator's:
``python -m registry.devsetup`` creates ``var/`` 0700.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["OWNER_ONLY", "connect_signals", "restrict_database_files"]

OWNER_ONLY = stat.S_IRUSR | stat.S_IWUSR  # 0600
COMPANIONS = ("-wal", "-shm", "-journal")


def restrict_database_files(path: Path) -> None:
    """Set the database file at ``path`` and its existing companions to 0600."""
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in COMPANIONS)):
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode != OWNER_ONLY:
            os.chmod(candidate, OWNER_ONLY)


def _on_connection_created(sender, connection, **kwargs) -> None:
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if connection.creation.is_in_memory_db(name):
        return
    restrict_database_files(Path(name))


def connect_signals() -> None:
    """Restrict the files at each new SQLite connection; called once from ``RegistryConfig.ready``."""
    from django.db.backends.signals import connection_created

    connection_created.connect(_on_connection_created, dispatch_uid="registry.sqlite_files")
