"""Fixtures the inbox's tests share with the services' (cases, referrals, shelters, return plans)."""

from tests.services.conftest import admit, make_case, plan, refer, shelter  # noqa: F401 (fixtures)
