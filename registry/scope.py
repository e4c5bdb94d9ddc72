"""Record scope: the one queryset method through which every read of victim data passes.

``Model.objects.visible_to(user)`` returns only the rows the user's role may see
(``registry.policy.ROLE_SCOPE``); an anonymous, inactive or unknown user gets ``.none()``.
A model plugs in by naming, in :class:`ScopePaths`, where its case's organization, assignees,
jurisdiction code and referrals are. Out of scope and absent are the same to every caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from registry.history import TrackedQuerySet
from registry.policy import Scope, role_of, scope_of


@dataclass(frozen=True)
class ScopePaths:
    """Lookup paths from a model to the facts scope depends on.

    ``referrals`` names the reverse relation to referrals, whose model must have
    ``to_organization`` and a boolean ``visible_to_receiver`` (true while the referral grants
    the receiving organization access — the referral model derives it from its status).
    """

    organization: str
    assignees: str
    jurisdiction_code: str
    referrals: str


def scope_filter(user, paths: ScopePaths) -> Q | None:
    """The filter selecting what ``user`` may see, or ``None`` when they may see nothing."""
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


class ScopedQuerySet(TrackedQuerySet):
    """Tracked queryset of a model that holds victim data; subclasses set ``scope_paths``."""

    scope_paths: ScopePaths

    def visible_to(self, user):
        condition = scope_filter(user, self.scope_paths)
        if condition is None:
            return self.none()
        # Filter through a subquery so joins over assignees and referrals never duplicate rows.
        return self.filter(pk__in=self.model._base_manager.filter(condition).values("pk"))
