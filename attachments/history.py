"""The attachments' changes in the case's history and timeline (``registry.casefile.register_history``).

Guarantees: a reader sees the uploads and withdrawals of exactly the attachments it sees
(``Attachment.objects.visible_to``: the sections its role reads, photos of the person only with
``view_person_photo``, a legal aid centre's own documents only), each change under the
attachment's section; metadata only — section, kind, media type, size, page count, when it was
withdrawn — never the title, the file name or the reason for a withdrawal, and never content.
"""

from __future__ import annotations

from typing import Any

from attachments.models import Attachment
from registry import policy

FIELDS = ("section", "kind", "media_type", "size", "page_count", "withdrawn_at")


def history_sources(user, case) -> list[tuple[dict[str, Any], Any]]:
    """``({field: section}, history rows)`` for each section of the attachments of ``case`` that
    ``user`` sees (one query for the sections, one per section for the rows)."""
    visible = Attachment.objects.visible_to(user).filter(case=case).order_by()
    keys = sorted(set(visible.values_list("section", flat=True)))
    return [
        (
            dict.fromkeys(FIELDS, policy.section_named(key)),
            Attachment.history.filter(case_id=case.pk, id__in=visible.filter(section=key).values("id")),
        )
        for key in keys
    ]
