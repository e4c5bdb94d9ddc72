"""factory_boy factories for the registry's people and places."""

import factory

from registry.choices import Department, JurisdictionLevel, OrganizationKind, Role
from registry.models import Jurisdiction, Organization, User

TEST_PASSWORD = "correct horse battery staple 42"  # noqa: S105 (test-only)

_LEVELS = {2: JurisdictionLevel.PROVINCE, 4: JurisdictionLevel.CITY, 6: JurisdictionLevel.COUNTY}


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction
        django_get_or_create = ("code",)

    code = "35"
    name = factory.Sequence(lambda n: f"辖区{n}")
    level = factory.LazyAttribute(lambda o: _LEVELS[len(o.code)])
    parent = factory.LazyAttribute(lambda o: JurisdictionFactory(code=o.code[:-2]) if len(o.code) > 2 else None)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"机构{n}")
    department = Department.CIVIL_AFFAIRS
    kind = OrganizationKind.SHELTER
    jurisdiction = factory.SubFactory(JurisdictionFactory, code="3501")
    capacity = factory.LazyAttribute(lambda o: 40 if o.kind == OrganizationKind.SHELTER else None)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.CASEWORKER
    organization = factory.SubFactory(OrganizationFactory)
    jurisdiction = factory.LazyAttribute(
        lambda o: o.organization.jurisdiction if o.organization else JurisdictionFactory()
    )
    password = factory.django.Password(TEST_PASSWORD)
