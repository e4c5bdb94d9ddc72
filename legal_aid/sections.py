"""The legal aid section of the case file, declared once (``registry.casefile``): the case's
matters the reader sees (a legal aid centre its own), each with its activities.

Registered by ``LegalAidConfig.ready``. The content is built by ``selectors.case_matters``
(the matters' scoped manager narrows them to the reader's centre; activities come prefetched);
the kinds below say how its records are shown and whose history a reader sees.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from legal_aid import selectors
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry.casefile import CaseSection, Panel, RecordKind
from registry.choices import Role
from registry.policy import Section

ACTIVITY = RecordKind(
    LegalAidActivity,
    selectors.ACTIVITY_FIELDS,
    key="activities",
    narrow=selectors.own_centre_activities,
    history_fields=("kind", "occurred_on", "hours", "notes", "next_step", "next_step_due"),
)
MATTER = RecordKind(
    LegalAidMatter,
    selectors.MATTER_FIELDS,
    narrow=selectors.own_centre_matters,
    # The links to centre and referral never change.
    history_fields=tuple(name for name in selectors.MATTER_FIELDS if name not in ("centre", "referral")),
    children=(ACTIVITY,),
    labels={"next_deadline": _("Next deadline")},
)

SECTIONS = (
    CaseSection(
        Section.LEGAL_AID,
        records=(MATTER,),
        build=lambda case, user: selectors.case_matters(user, case),
        tab="legal_aid.views.case_tab",
        panels=(Panel("legal_aid/dashboard.html", "legal_aid.views.dashboard_worklist", frozenset({Role.LEGAL_AID})),),
    ),
)
