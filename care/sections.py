"""The care plan and case notes sections of the case file, declared once (``registry.casefile``)
by their packages: ``care.plan.sections`` and ``care.notes.sections``. Registered by
``CareConfig.ready``."""

from care.notes.sections import SECTION as NOTES
from care.plan.sections import SECTION as CARE_PLAN

SECTIONS = (CARE_PLAN, NOTES)
