"""The test-only ``scaffold`` section of the case file: one declaration, read by the API, the
pages, history, dossiers and the policy matrix like any app's section."""

from registry.casefile import CaseSection, RecordKind
from tests.scaffold.models import SCAFFOLD_SECTION, SampleRecord

SAMPLE_RECORD = RecordKind(SampleRecord, ("observed_on", "remark"), dates=(("observed_on", "Observed"),))

SECTIONS = (CaseSection(SCAFFOLD_SECTION, records=(SAMPLE_RECORD,)),)
