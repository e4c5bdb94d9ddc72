"""Choices shared across the registry: roles, departments, organization kinds, levels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Shelter caseworker")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs officer")
    EDUCATION = "education", _("Education officer")
    LEGAL_AID = "legal_aid", _("Legal aid worker")
    LABOR = "labor", _("Labour officer")
    AUDITOR = "auditor", _("Auditor")
    SYSADMIN = "sysadmin", _("System administrator")


class Department(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    EDUCATION = "education", _("Education")
    JUSTICE = "justice", _("Justice")
    LABOR = "labor", _("Human resources and social security")
    PUBLIC_SECURITY = "public_security", _("Public security")
    WOMENS_FEDERATION = "womens_federation", _("Women's federation")
    DISABLED_FEDERATION = "disabled_federation", _("Disabled persons' federation")


class OrganizationKind(models.TextChoices):
    SHELTER = "shelter", _("Relief and assistance station")
    WELFARE_HOME = "welfare_home", _("Welfare home")
    CHILDREN_WELFARE = "children_welfare", _("Children's welfare institution")
    SCHOOL = "school", _("School")
    LEGAL_AID_CENTRE = "legal_aid_centre", _("Legal aid centre")
    TRAINING_PROVIDER = "training_provider", _("Vocational training provider")
    POLICE_UNIT = "police_unit", _("Police unit")
    BUREAU = "bureau", _("Government bureau")


# Kinds that house people and therefore have a bed capacity.
RESIDENTIAL_KINDS = (OrganizationKind.SHELTER, OrganizationKind.WELFARE_HOME, OrganizationKind.CHILDREN_WELFARE)


class JurisdictionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County or district")


class EmailNotice(models.TextChoices):
    """Whether and when an account is told by e-mail of new items in its inbox (``inbox``). The
    message names no person and no case: only how many items wait, and a link to sign in."""

    NONE = "none", _("No e-mail")
    DAILY = "daily", _("A daily digest")
    IMMEDIATE = "immediate", _("At once")
