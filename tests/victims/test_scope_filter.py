"""``visible_to`` (registry/scope.py) selects exactly the rows the plain reading of DESIGN §3
selects, for every role and every scoped model, never twice, and joins no table into the query
it filters (so ``select_for_update`` locks the model's own rows only).

The reference below is the first, obviously-correct form of the filter — joins over the scope
paths, wrapped in ``pk IN (…)`` so the joins cannot duplicate rows — kept here as the
specification the faster form must agree with."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from registry.choices import Role
from registry.history import recorded_change
from registry.models import Jurisdiction, User
from registry.policy import Scope, role_of, scope_of
from registry.scope import ScopedQuerySet, code_within, sees_new_case
from tests.factories import JurisdictionFactory, UserFactory
from tests.victims.conftest import RESCUE
from victims import operations
from victims.choices import Service
from victims.models import Case

pytestmark = pytest.mark.django_db


def reference_condition(user, paths) -> Q | None:
    """DESIGN §3's scopes, read literally over the scope paths."""
    if role_of(user) is None:
        return None
    scope = scope_of(user)
    if scope is Scope.ORGANIZATION and user.organization_id:
        return Q(**{paths.organization: user.organization_id}) | Q(**{paths.assignees: user.pk})
    if scope is Scope.JURISDICTION:
        return Q(**{f"{paths.jurisdiction_code}__startswith": user.jurisdiction.code})
    if scope is Scope.REFERRAL and user.organization_id:
        return Q(
            **{
                f"{paths.referrals}__to_organization": user.organization_id,
                f"{paths.referrals}__visible_to_receiver": True,
            }
        )
    return None


def reference_rows(model, user) -> set[int]:
    condition = reference_condition(user, model._default_manager.get_queryset().scope_paths)
    if condition is None:
        return set()
    return set(model._base_manager.filter(condition).values_list("pk", flat=True))


def scoped_models() -> list[type]:
    return [
        model
        for model in apps.get_models()
        if isinstance(model._default_manager.get_queryset(), ScopedQuerySet) and not model._meta.abstract
    ]


def scope_only(model, user):
    """The scope filter alone (a model's own ``visible_to`` may narrow it further, e.g. a legal
    aid centre's matters)."""
    return ScopedQuerySet.visible_to(model._default_manager.all(), user)


@pytest.fixture
def registry_rows(places, cast, register, consent):
    """Cases in Fuzhou (county and city level) and Xiamen; one assigned across organizations;
    referrals visible and not, two visible ones from one case to one organization; a person with
    cases in both cities."""
    gulou_case = register(seed=1)
    city_case = register(seed=2, jurisdiction=places.fuzhou)
    register(actor=cast.carol, seed=3, jurisdiction=places.xiamen)
    lent = register(actor=cast.carol, seed=4, jurisdiction=places.xiamen)
    # An assignment across organizations: no operation makes one any more (``case_assign`` takes
    # the lead organization's caseworkers only), but scope still honours one kept from before.
    lent.assigned_caseworkers.add(cast.alice)

    for service in (Service.SCHOOLING, Service.LEGAL_AID, Service.TRAINING):
        consent(gulou_case, service)
    operations.referral_create(
        actor=cast.alice, case=gulou_case, service=Service.SCHOOLING, to_organization=places.fz_education
    )
    first = operations.referral_create(
        actor=cast.alice, case=gulou_case, service=Service.LEGAL_AID, to_organization=places.fz_legal_aid
    )
    first = operations.referral_respond(actor=cast.erin, referral=first, decision="accept")
    operations.referral_respond(actor=cast.erin, referral=first, decision="complete")
    operations.referral_create(  # a second visible referral to the same centre: one case, still once
        actor=cast.alice, case=gulou_case, service=Service.LEGAL_AID, to_organization=places.fz_legal_aid
    )
    declined = operations.referral_create(
        actor=cast.alice, case=gulou_case, service=Service.TRAINING, to_organization=places.fz_labor
    )
    operations.referral_respond(actor=cast.frank, referral=declined, decision="decline")
    consent(city_case, Service.TRAINING)
    operations.referral_create(
        actor=cast.alice, case=city_case, service=Service.TRAINING, to_organization=places.fz_labor
    )
    operations.record_add(actor=cast.alice, case=city_case, model="rescue", data=dict(RESCUE))

    with recorded_change(actor=None, reason="test: the same person's second case, in Xiamen"):
        Case.objects.create(
            victim=gulou_case.victim,
            jurisdiction=places.xiamen,
            lead_organization=places.xm_shelter,
            number="FJ-3502-TEST-00001",
            opened_on=gulou_case.opened_on,
            created_by=cast.carol,
        )
    return gulou_case


def readers(cast, places):
    inactive = UserFactory(
        username="inactive_alice", role=Role.CASEWORKER, organization=places.fz_shelter, jurisdiction=places.fuzhou
    )
    inactive.is_active = False
    # A role the policy does not know (the database refuses to store one: never saved).
    no_role = User(username="no_role", role="stranger", organization=places.fz_shelter, jurisdiction=places.fuzhou)
    provincial = UserFactory(
        username="provincial", role=Role.CIVIL_AFFAIRS, organization=places.office, jurisdiction=places.province
    )
    return [*vars(cast).values(), inactive, no_role, provincial, AnonymousUser()]


def test_every_scoped_model_shows_each_reader_exactly_the_reference_rows_once(registry_rows, cast, places):
    models = scoped_models()
    assert {"Case", "Victim", "Rescue", "Referral", "Consent"} <= {model.__name__ for model in models}
    seen_something = set()
    for user in readers(cast, places):
        for model in models:
            rows = list(scope_only(model, user).values_list("pk", flat=True))
            assert len(rows) == len(set(rows)), f"{model.__name__} rows repeated for {user}"
            assert set(rows) == reference_rows(model, user), f"{model.__name__} as {user}"
            assert scope_only(model, user).count() == len(rows)
            if rows:
                seen_something.add((getattr(user, "username", ""), model.__name__))
    # The data exercises every scope: each of these sees something, the others nothing.
    for username in ("alice", "carol", "dave", "xavier", "bob", "erin", "frank", "provincial"):
        assert (username, "Case") in seen_something
        assert (username, "Victim") in seen_something
    for username in ("grace", "heidi", "inactive_alice", "no_role", ""):
        assert not any(name == username for name, _model in seen_something)


def test_the_cases_each_reader_sees(registry_rows, cast, places):
    """The reference itself, pinned to the fixture's facts (so both cannot drift together)."""

    def numbers(user):
        return sorted(Case.objects.visible_to(user).values_list("jurisdiction__code", flat=True))

    assert numbers(cast.alice) == ["3501", "350102", "3502"]  # two of hers, one assigned to her
    assert numbers(cast.carol) == ["3502", "3502", "3502"]  # two of hers, the person's second case
    assert numbers(cast.dave) == ["3501", "350102"]
    assert numbers(cast.xavier) == ["3502", "3502", "3502"]
    assert numbers(cast.bob) == ["350102"]
    assert numbers(cast.erin) == ["350102"]  # two visible referrals, one case
    assert numbers(cast.frank) == ["3501"]  # the declined referral shows nothing
    assert numbers(cast.grace) == numbers(cast.heidi) == []


@pytest.mark.parametrize("where", ["gulou", "fuzhou", "xiamen", "province"])
def test_whether_a_reader_will_see_a_case_they_open_is_what_visible_to_says_once_it_exists(
    register, cast, places, where
):
    """``sees_new_case`` answers before a case exists, without a query, what ``visible_to``
    answers after: for every reader, a case led by their organization, in the division, assigned
    to them, with no referral yet (what a registration opens)."""
    person = register(seed=1).victim
    jurisdiction = getattr(places, where)
    answers = set()
    for index, user in enumerate(readers(cast, places)):
        foreseen = sees_new_case(user, jurisdiction_code=jurisdiction.code)
        if user.pk is None:  # anonymous, or a role the database would refuse: nothing to open
            assert not foreseen and not Case.objects.visible_to(user).exists()
            continue
        with recorded_change(actor=None, reason="test: a case opened by the reader"):
            case = Case.objects.create(
                victim=person,
                jurisdiction=jurisdiction,
                lead_organization=user.organization,
                number=f"FJ-TEST-{where}-{index:05d}",
                opened_on=datetime.date(2026, 1, 5),
                created_by=user,
            )
            case.assigned_caseworkers.add(user)
        assert foreseen == Case.objects.visible_to(user).filter(pk=case.pk).exists(), user.username
        answers.add(foreseen)
    assert answers == {True, False}  # some readers see their new case, some do not


def test_the_scope_filter_joins_nothing_into_the_query_it_filters(registry_rows, cast, places):
    """No join in the outer query: no duplicate row can arise, and ``select_for_update`` locks
    only the model's own rows (not a jurisdiction, an organization or a case shared with
    concurrent writers)."""
    for user in (cast.alice, cast.dave, cast.bob):
        for model in scoped_models():
            sql = str(scope_only(model, user).values("pk").query)
            outer = sql.split(" WHERE ", 1)[0]
            assert " JOIN " not in outer, f"{model.__name__} as {user}: {outer}"


@pytest.mark.parametrize("prefix", ["35", "3501", "350102", "3509", "3599", "359999", "99", "9909", "3"])
def test_a_code_range_selects_the_same_divisions_as_a_prefix(places, prefix):
    for code in ("3509", "350901", "350999", "3510", "351001", "3599", "359999", "36", "9901", "990901", "999999"):
        JurisdictionFactory(code=code, name=f"test {code}")
    within = set(Jurisdiction.objects.filter(code_within("code", prefix)).values_list("code", flat=True))
    assert within == set(Jurisdiction.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    assert within  # every prefix above names at least one division
