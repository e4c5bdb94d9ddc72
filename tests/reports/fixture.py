"""The small fixture the by-hand tests count: nine journeys in 2025–2027, each written out so
that every indicator's value can be worked out on paper (the comments do it).

Fuzhou (3501): Gulou 350102 and Taijiang 350103; Xiamen (3502): Siming 350203.
"""

from __future__ import annotations

import datetime

from legal_aid.choices import MatterStatus, Outcome
from services.choices import Pathway, ReturnPlanStatus
from victims.choices import Service, Sex, Stage

D = datetime.date
TODAY = D(2026, 12, 31)  # the day the fixture is read on: decides which visits are overdue


def journeys(build) -> dict:
    more = build.more
    # c1: girl of 6–13, Gulou; rescued 01-08, admitted 01-12 (4 days), at school from 01-20 (within
    # 30 days); reunified with her family 05-10 (122 days after rescue) after a DNA match; one
    # visit on time, one late.
    c1 = build.case(opened=D(2026, 1, 10), rescued=D(2026, 1, 8), age_band="6_13", forms=("labour", "begging"))
    build.admit(c1, D(2026, 1, 12))
    build.enrol(c1, D(2026, 1, 20))
    build.dna(c1, submitted=D(2026, 2, 1), matched=D(2026, 3, 1))
    build.plan(c1, handover=D(2026, 5, 10))
    build.visit(c1, D(2026, 6, 10), visited=D(2026, 6, 8))
    build.visit(c1, D(2026, 8, 10), visited=D(2026, 8, 20))
    build.referral(c1, Service.SCHOOLING, sent=D(2026, 1, 15), answered=D(2026, 1, 18))
    # c2: boy of 14–15, Taijiang; admitted 3 days after rescue, left after 18 days (not 30);
    # reunified 07-01 (124 days) without any DNA sample; his visit waived.
    c2 = build.case(where=more.taijiang, opened=D(2026, 3, 1), rescued=D(2026, 2, 27), sex=Sex.MALE, age_band="14_15")
    build.admit(c2, D(2026, 3, 2), discharged=D(2026, 3, 20))
    build.plan(c2, handover=D(2026, 7, 1))
    build.visit(c2, D(2026, 9, 1), waived=D(2026, 8, 30))
    # c3: Vietnamese woman, Gulou; admitted 2 days after rescue, repatriated 06-15 (75 days); her
    # visit due 12-20 is overdue on 12-31.
    c3 = build.case(opened=D(2026, 4, 5), rescued=D(2026, 4, 1), nationality="VN", forms=("forced_marriage",))
    build.admit(c3, D(2026, 4, 3))
    build.plan(c3, pathway=Pathway.REPATRIATION, handover=D(2026, 6, 15))
    build.visit(c3, D(2026, 12, 20))
    # c4: girl of 16–17, Gulou, not returning home: training from 06-01; legal aid applied 05-10,
    # accepted 05-20, concluded 09-01 by judgment (10,000 awarded, 4,000 received).
    c4 = build.case(opened=D(2026, 5, 1), age_band="16_17", forms=("labour",))
    build.train(c4, D(2026, 6, 1))
    build.referral(c4, Service.TRAINING, sent=D(2026, 5, 15), answered=D(2026, 5, 25))
    build.matter(
        c4,
        applied=D(2026, 5, 10),
        status=MatterStatus.CONCLUDED,
        decided=D(2026, 5, 20),
        concluded=D(2026, 9, 1),
        outcome=Outcome.JUDGMENT,
        awarded="10000",
        received="4000",
    )
    # c5: woman opened in 2025, Gulou; employed 2026-02-01; resettled locally (plan approved, made
    # 03-01); legal aid applied 2025, accepted 2026-01-05; closed 10-01.
    c5 = build.case(
        opened=D(2025, 11, 1),
        rescued=D(2025, 10, 30),
        forms=("sexual", "labour"),
        stage=Stage.CLOSED,
        closed=D(2026, 10, 1),
    )
    build.employ(c5, D(2026, 2, 1))
    build.plan(c5, pathway=Pathway.LOCAL_RESETTLEMENT, created=D(2026, 3, 1), status=ReturnPlanStatus.APPROVED)
    build.matter(c5, applied=D(2025, 12, 1), status=MatterStatus.IN_PROGRESS, decided=D(2026, 1, 5))
    # c6: girl of 6–13, Taijiang; admitted the day of her rescue (0 days), 30 days in the
    # shelter on 07-01, never enrolled; her schooling referral unanswered.
    c6 = build.case(where=more.taijiang, opened=D(2026, 6, 1), age_band="6_13", forms=("begging",))
    build.admit(c6, D(2026, 6, 1))
    build.referral(c6, Service.SCHOOLING, sent=D(2026, 6, 5))
    # c7: a woman in Xiamen (Siming): outside Fuzhou.
    c7 = build.case(where=more.siming, opened=D(2026, 2, 1))
    # c8: transferred to another province: registered, never open at a period's end.
    c8 = build.case(opened=D(2026, 7, 1), forms=("other",), stage=Stage.TRANSFERRED)
    # c9: opened in 2027.
    c9 = build.case(opened=D(2027, 1, 5))
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6, "c7": c7, "c8": c8, "c9": c9}


# (indicator, period, by, expected total, expected cells {codes: value} — cells not named are 0
# or None), for Fuzhou unless the jurisdiction is given.
FUZHOU = "3501"
EXPECTED = [
    ("cases_registered", "2026", (), 6, {}),
    ("cases_registered", "2026", ("jurisdiction",), 6, {("350102",): 4, ("350103",): 2}),
    ("cases_registered", "2026", ("sex",), 6, {("female",): 5, ("male",): 1}),
    (
        "cases_registered",
        "2026",
        ("age_band",),
        6,
        {("6-13",): 2, ("14-15",): 1, ("16-17",): 1, ("18+",): 2},
    ),
    ("cases_registered", "2026", ("nationality",), 6, {("chinese",): 5, ("foreign",): 1}),
    ("cases_registered", "2026", ("country",), 6, {("CN",): 5, ("VN",): 1}),
    (
        "cases_registered",
        "2026",
        ("exploitation",),
        6,
        {("labour",): 2, ("begging",): 2, ("sexual",): 1, ("forced_marriage",): 1, ("other",): 1},
    ),
    ("cases_registered", "2026-Q1", (), 2, {}),
    ("cases_registered", "2026-03", (), 1, {}),
    ("cases_registered", "2021-2030", (), 8, {}),
    ("shelter_admissions", "2026", (), 4, {}),
    ("days_rescue_to_admission", "2026", (), 2.5, {}),
    ("days_rescue_to_admission", "2026", ("jurisdiction",), 2.5, {("350102",): 3.0, ("350103",): 1.5}),
    ("school_age_sheltered_30_days", "2026", (), 2, {}),
    ("school_enrolled_within_30_days", "2026", (), 0.5, {}),
    ("school_enrolled_within_30_days", "2026", ("jurisdiction",), 0.5, {("350102",): 1.0, ("350103",): 0.0}),
    ("training_or_job_16_plus", "2026", (), 2, {}),
    ("legal_aid_opened", "2026", (), 1, {}),
    ("legal_aid_accepted", "2026", (), 2, {}),
    ("legal_aid_concluded", "2026", ("outcome",), 1, {("judgment",): 1}),
    ("compensation_awarded", "2026", (), "10000.00", {}),
    ("compensation_received", "2026", (), "4000.00", {}),
    ("returns_home", "2026", ("pathway",), 3, {("family_reunification",): 2, ("repatriation",): 1}),
    ("returns_inter_provincial", "2026", (), 0, {}),
    ("repatriations", "2026", (), 1, {}),
    (
        "follow_up_visits",
        "2026",
        ("visit_status",),
        4,
        {("on_time",): 1, ("late",): 1, ("waived",): 1, ("overdue",): 1},
    ),
    ("children_reunified", "2026", (), 2, {}),
    ("children_reunified_dna_matched", "2026", (), 0.5, {}),
    ("days_rescue_to_return", "2026", (), 122, {}),
    ("open_cases", "2026", ("stage",), 5, {("returned",): 3, ("registered",): 1, ("sheltered",): 1}),
    ("open_cases", "2026-Q1", ("stage",), 3, {("sheltered",): 2, ("return_planned",): 1}),
    ("cases_closed", "2026", (), 1, {}),
    ("referrals_answered", "2026", (), 0.75, {}),
    (
        "referrals_answered",
        "2026",
        ("receiving_department",),
        0.75,
        {("education",): 0.5, ("labour",): 1.0, ("legal_aid",): 1.0},
    ),
    ("days_to_answer_referral", "2026", (), 3, {}),
    (
        "days_to_answer_referral",
        "2026",
        ("receiving_department",),
        3,
        {("education",): 3, ("labour",): 10, ("legal_aid",): 0},
    ),
]
