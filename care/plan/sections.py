"""Placeholder: declared by its helper."""

from registry.casefile import CaseSection
from registry.policy import Section

SECTION = CaseSection(Section.CARE_PLAN)
