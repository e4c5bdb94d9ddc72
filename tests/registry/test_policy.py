"""registry/policy.py answers exactly what DESIGN §3 says."""

import pytest
from django.utils import translation

from registry import policy
from registry.choices import Role
from registry.errors import PermissionDenied
from registry.models import User
from registry.policy import Access, Action, Scope, Section

# DESIGN §3, copied verbatim: the test fails if the code drifts from the design (or the
# design changes without the code).
DESIGN_TABLE = """
| section | caseworker | civil_affairs | education | legal_aid | labor |
|---|---|---|---|---|---|
| person (name, sex, age, case no.) | RW | R | R | R | R |
| identity (ID document, birth date, native place…) | RW | R | – | R | – |
| contacts & family | RW | R | – | – | – |
| rescue | RW | R | – | R | – |
| health | RW | R | – | – | – |
| dna | RW | R | – | – | – |
| consents, referrals | RW | RW | R | R | R |
| shelter | RW | R | – | – | – |
| schooling | R | R | RW | – | – |
| training & employment | R | R | – | – | RW |
| legal_aid | R | R | – | RW | – |
| return_home | RW | RW | – | – | – |
| follow_ups | RW | R | – | – | – |
| care_plan (issue 16: a receiving department reads its own department's goals only) | RW | R | R | R | R |
| notes (issue 16: each note read only by the readers of the section it concerns) | RW | RW | R | R | R |
| transfers (issue 17: written only by the actions transfer_case and hand_over_case) | R | R | – | – | – |
"""
ROW_SECTIONS = {
    "person": [Section.PERSON],
    "identity": [Section.IDENTITY],
    "contacts": [Section.CONTACTS],
    "rescue": [Section.RESCUE],
    "health": [Section.HEALTH],
    "dna": [Section.DNA],
    "consents,": [Section.CONSENTS, Section.REFERRALS],
    "shelter": [Section.SHELTER],
    "schooling": [Section.SCHOOLING],
    "training": [Section.TRAINING],
    "legal_aid": [Section.LEGAL_AID],
    "return_home": [Section.RETURN_HOME],
    "follow_ups": [Section.FOLLOW_UPS],
    "care_plan": [Section.CARE_PLAN],
    "notes": [Section.NOTES],
    "transfers": [Section.TRANSFERS],
}
CELL = {"RW": Access.WRITE, "R": Access.READ, "–": Access.NONE}


def design_expectations():
    lines = [line for line in DESIGN_TABLE.strip().splitlines() if line.startswith("|")]
    roles = [Role(cell.strip()) for cell in lines[0].strip("|").split("|")[1:]]
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        for section in ROW_SECTIONS[cells[0].split()[0]]:
            for role, cell in zip(roles, cells[1:], strict=True):
                yield section, role, CELL[cell]
        # Auditors and system administrators read no section of any case.
        for section in ROW_SECTIONS[cells[0].split()[0]]:
            yield section, Role.AUDITOR, Access.NONE
            yield section, Role.SYSADMIN, Access.NONE


EXPECTED = list(design_expectations())


def test_the_design_table_covers_every_section_and_role():
    assert {(section, role) for section, role, _ in EXPECTED} == {(s, r) for s in Section for r in Role}


@pytest.mark.parametrize(("section", "role", "access"), EXPECTED, ids=lambda v: str(getattr(v, "value", v)))
def test_policy_answers_each_section_and_role_as_the_design_says(section, role, access):
    user = User(role=role, is_active=True)
    assert policy.section_access(user, section) is access
    assert policy.may_read(user, section) is (access >= Access.READ)
    assert policy.may_write(user, section) is (access is Access.WRITE)
    assert (section in policy.readable_sections(user)) is (access >= Access.READ)


DESIGN_ACTIONS = {
    Action.APPROVE_RETURN: {Role.CIVIL_AFFAIRS},
    Action.APPROVE_CHILD_REFERRAL: {Role.CIVIL_AFFAIRS},
    # Issue 16: a child's care plan and its reviews, four eyes as return plans.
    Action.APPROVE_CARE_PLAN: {Role.CIVIL_AFFAIRS},
    Action.RESOLVE_DUPLICATE: {Role.CIVIL_AFFAIRS},
    Action.CLOSE_CASE: {Role.CIVIL_AFFAIRS},
    Action.EXPORT_DOSSIER: {Role.CIVIL_AFFAIRS},
    Action.RESPOND_REFERRAL: {Role.EDUCATION, Role.LEGAL_AID, Role.LABOR},
    Action.VIEW_AUDIT: {Role.AUDITOR},
    # Auditors and civil affairs read every indicator; education, legal aid and labour their own
    # department's (registry.policy.REPORT_DEPARTMENT, tests/reports/test_api_matrix.py).
    Action.VIEW_REPORTS: {Role.AUDITOR, Role.CIVIL_AFFAIRS, Role.EDUCATION, Role.LEGAL_AID, Role.LABOR},
    Action.MANAGE_USERS: {Role.SYSADMIN},
    # Issue 15: a photo of the person, narrower than the person section.
    Action.VIEW_PERSON_PHOTO: {Role.CASEWORKER, Role.CIVIL_AFFAIRS},
    # Issue 17: assignment within scope; a transfer requested by who sees the case and answered by
    # the receiving organization's caseworkers and civil affairs over it; a hand-over by civil affairs.
    Action.ASSIGN_CASEWORKER: {Role.CASEWORKER, Role.CIVIL_AFFAIRS},
    Action.TRANSFER_CASE: {Role.CASEWORKER, Role.CIVIL_AFFAIRS},
    Action.HAND_OVER_CASE: {Role.CIVIL_AFFAIRS},
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_actions_belong_to_the_roles_the_design_names(action, role):
    user = User(role=role, is_active=True)
    assert policy.may(user, action) is (role in DESIGN_ACTIONS[action])


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.CASEWORKER, Scope.ORGANIZATION),
        (Role.CIVIL_AFFAIRS, Scope.JURISDICTION),
        (Role.EDUCATION, Scope.REFERRAL),
        (Role.LEGAL_AID, Scope.REFERRAL),
        (Role.LABOR, Scope.REFERRAL),
        (Role.AUDITOR, Scope.NONE),
        (Role.SYSADMIN, Scope.NONE),
    ],
)
def test_each_role_has_the_record_scope_of_the_design(role, scope):
    assert policy.scope_of(User(role=role, is_active=True)) is scope


def test_sysadmin_can_manage_users_but_read_no_section():
    heidi = User(role=Role.SYSADMIN, is_active=True)
    assert policy.readable_sections(heidi) == ()
    assert policy.allowed_actions(heidi) == (Action.MANAGE_USERS,)


@pytest.mark.parametrize(
    "user",
    [
        User(role=Role.CASEWORKER, is_active=False),
        User(role="", is_active=True),
        User(role="superhero", is_active=True),
    ],
    ids=["inactive", "no role", "unknown role"],
)
def test_inactive_anonymous_and_unknown_users_get_nothing(user):
    from django.contrib.auth.models import AnonymousUser

    for who in (user, AnonymousUser(), None):
        assert policy.readable_sections(who) == ()
        assert policy.allowed_actions(who) == ()
        assert policy.scope_of(who) is Scope.NONE


# --- the receiving-department rule and the guards ---------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_each_receiving_department_writes_exactly_its_referral_section(role):
    """``REFERRAL_SECTION`` names every role with the referral scope, and the one section it writes."""
    user = User(role=role, is_active=True)
    receiving = policy.receiving_section(user)
    assert (receiving is not None) is (policy.scope_of(user) is Scope.REFERRAL)
    if receiving is not None:
        assert policy.writable_sections(user) == (receiving,)


def test_the_rules_referral_statuses_are_the_referrals_own():
    from victims.choices import ReferralStatus

    assert policy.REFERRAL_ACCEPTED == ReferralStatus.ACCEPTED.value
    assert policy.REFERRAL_PENDING == ReferralStatus.PENDING.value
    assert policy.REFERRAL_COMPLETED == ReferralStatus.COMPLETED.value


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        ((), "referral_not_accepted"),
        (("awaiting_approval", "declined", "revoked"), "referral_not_accepted"),
        (("pending",), "referral_not_accepted"),
        (("completed",), "referral_completed"),
        (("completed", "pending"), "referral_not_accepted"),  # a new referral waits to be accepted
        (("completed", "accepted"), None),
        (("accepted",), None),
    ],
)
@pytest.mark.parametrize(("role", "section"), list(policy.REFERRAL_SECTION.items()))
def test_a_receiving_department_writes_its_section_only_under_an_accepted_referral(role, section, statuses, code):
    user = User(role=role, is_active=True)
    if code is None:
        policy.require_receiving_write(user, section, statuses)
        return
    with pytest.raises(PermissionDenied) as refused:
        policy.require_receiving_write(user, section, statuses)
    assert refused.value.code == code


def test_the_legal_aid_centre_is_refused_in_its_own_words():
    centre = User(role=Role.LEGAL_AID, is_active=True)
    teacher = User(role=Role.EDUCATION, is_active=True)
    with translation.override("en"):
        with pytest.raises(PermissionDenied) as completed:
            policy.require_receiving_write(centre, Section.LEGAL_AID, ["completed"])
        with pytest.raises(PermissionDenied) as pending:
            policy.require_receiving_write(teacher, Section.SCHOOLING, ["pending"])
    assert "legal aid record is read-only" in completed.value.message
    assert pending.value.message == "Accept the referral of this case before recording in this section."


def test_other_roles_are_held_to_the_section_policy_only():
    caseworker = User(role=Role.CASEWORKER, is_active=True)
    policy.require_receiving_write(caseworker, Section.SHELTER, [])  # no referral needed
    with pytest.raises(PermissionDenied) as refused:
        policy.require_receiving_write(caseworker, Section.SCHOOLING, ["accepted"])  # reads it only
    assert refused.value.code == "permission_denied"


def test_the_guards_raise_permission_denied_naming_what_was_refused():
    auditor = User(role=Role.AUDITOR, is_active=True)
    with translation.override("en"):
        with pytest.raises(PermissionDenied) as write:
            policy.require_write(auditor, Section.HEALTH)
        with pytest.raises(PermissionDenied) as action:
            policy.require_action(auditor, Action.CLOSE_CASE)
        with pytest.raises(PermissionDenied) as plain:
            policy.require(False)
    assert write.value.message == "Your role may not change the “Health” section."
    assert action.value.message == "Your role may not do this: Close a case."
    assert plain.value.message == "Your role may not do this."
    policy.require(True)
    policy.require_write(User(role=Role.CASEWORKER, is_active=True), Section.HEALTH)
