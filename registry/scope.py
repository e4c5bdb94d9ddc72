"""Record scope: the one queryset method through which every read of victim data passes.

``Model.objects.visible_to(user)`` returns only the rows the user's role may see
(``registry.policy.ROLE_SCOPE``). A model plugs in by naming, in :class:`ScopePaths`, where its
case's organization, assignees, jurisdiction code and referrals are.

Guarantees (``tests/victims/test_scope_filter.py`` holds every scoped model to them, against the
plain reading of DESIGN §3):

- an anonymous, inactive or unknown user, and a role with no scope, gets ``.none()``;
- each row at most once, whatever the joins of the scope paths (no ``distinct()`` needed);
- out of scope and absent are the same to every caller (the row is simply not there).

How the filter is built (it must also stay fast at 100,000 cases — DESIGN §8):

- Scope is a property of *the case*. The condition is written over the case model's own
  columns (the lead organization's id; the jurisdiction's id among those within the user's —
  a subquery over the small table of divisions) and over correlated ``EXISTS`` subqueries for
  what is to-many (an assignment of the case to the user; an active referral of the case to
  the user's organization). It never joins a table into the query it filters, so it can
  neither duplicate a row nor make ``select_for_update()`` lock another table's rows; and no
  database has to materialize every visible id for each query (as ``pk IN (<the whole scope>)``
  did), so a page, a count or a lookup by id costs what the index gives it.
- A model that reaches its case through a foreign key (a record: ``case__``) or a reverse one
  (the person: ``cases__``) keeps a row when a case row matching that condition ``EXISTS``
  for it — a correlated probe by key, not the whole visible set materialized for each query.
- Jurisdiction containment ("the code starts with the user's") is an index range on the code
  (``code >= "3501" AND code < "3502"``), exactly the same rows for division codes, which are
  digits only (``registry.models.Jurisdiction``'s check constraint).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Exists, OuterRef, Q

from registry.errors import NotFound
from registry.history import TrackedQuerySet
from registry.policy import Scope, role_of, scope_of


@dataclass(frozen=True)
class ScopePaths:
    """Lookup paths from a model to the facts scope depends on.

    All four go through the same path to the case-like model (``""`` for the case itself,
    ``"case__"`` for a record on it, ``"cases__"`` for the person), followed by: the lead
    organization's foreign key, the assignees' many-to-many, the jurisdiction code (a column,
    or ``"<foreign key>__<code column>"``) and the reverse relation to referrals. The referral
    model must have ``to_organization`` and a boolean ``visible_to_receiver`` (true while the
    referral grants the receiving organization access — the referral model derives it from its
    status).
    """

    organization: str
    assignees: str
    jurisdiction_code: str
    referrals: str


def code_within(field: str, code: str) -> Q:
    """``field`` (a division code) starts with ``code``: as an index range when ``code`` is
    digits, which every division code is; otherwise (never for a real code) as a prefix match."""
    if not (code.isascii() and code.isdigit()):
        return Q(**{f"{field}__startswith": code})
    # The smallest string above every code starting with ``code``: "3501" -> "3502", "3509" ->
    # "351"; none above "99".
    stem = code.rstrip("9")
    if not stem:
        return Q(**{f"{field}__gte": code})
    return Q(**{f"{field}__gte": code, f"{field}__lt": stem[:-1] + str(int(stem[-1]) + 1)})


@dataclass(frozen=True)
class _Route:
    """:class:`ScopePaths` resolved on one model: the case-like model, how to reach it (``link``,
    ``None`` for the model itself) and the facts' names relative to it."""

    case_model: type
    link: str | None  # "forward": a foreign key to the case; "reverse": the case's key to us
    key: str  # the foreign key's column (forward) or the case's key to us (reverse)
    organization: str
    assignees: str
    jurisdiction_code: str
    referrals: str


@cache
def _route(model, paths: ScopePaths) -> _Route:
    prefix, _, organization = paths.organization.rpartition("__")
    prefix = f"{prefix}__" if prefix else ""
    names = {}
    for name in ("organization", "assignees", "jurisdiction_code", "referrals"):
        path = getattr(paths, name)
        if not path.startswith(prefix) or not path[len(prefix) :]:
            raise ImproperlyConfigured(f"{model.__name__}: every scope path must start with {prefix!r}")
        names[name] = path[len(prefix) :]
    if not prefix:
        return _Route(case_model=model, link=None, key="pk", **names)
    hop = prefix[:-2]
    if "__" in hop:
        raise ImproperlyConfigured(f"{model.__name__}: the case must be one relation away, not {hop!r}")
    field = model._meta.get_field(hop)
    if field.concrete and (field.many_to_one or field.one_to_one):
        return _Route(case_model=field.related_model, link="forward", key=field.attname, **names)
    if field.one_to_many:
        return _Route(case_model=field.related_model, link="reverse", key=field.field.attname, **names)
    raise ImproperlyConfigured(f"{model.__name__}: {hop!r} must be a foreign key to the case or the case's to it")


def _case_condition(user, route: _Route) -> Q | None:
    """What ``user`` may see, over the case model's own columns and subqueries (no join, so no
    duplicate row); ``None`` for nothing."""
    if role_of(user) is None:
        return None
    scope = scope_of(user)
    cases = route.case_model._base_manager
    if scope is Scope.ORGANIZATION and user.organization_id:
        assigned = cases.filter(pk=OuterRef("pk"), **{route.assignees: user.pk})
        return Q(**{route.organization: user.organization_id}) | Q(Exists(assigned))
    if scope is Scope.JURISDICTION:
        code = user.jurisdiction.code
        key, _, column = route.jurisdiction_code.rpartition("__")
        if not key:  # the code is a column of the case
            return code_within(column, code)
        places = cases.model._meta.get_field(key).related_model._base_manager
        return Q(**{f"{key}__in": places.filter(code_within(column, code)).values("pk")})
    if scope is Scope.REFERRAL and user.organization_id:
        referred = cases.filter(
            pk=OuterRef("pk"),
            **{
                f"{route.referrals}__to_organization": user.organization_id,
                f"{route.referrals}__visible_to_receiver": True,
            },
        )
        return Q(Exists(referred))
    return None


def sees_new_case(user, *, jurisdiction_code: str) -> bool:
    """Whether ``user`` will see a case they are about to open — led by their organization, in
    the division ``jurisdiction_code``, assigned to them, with no referral yet — answered from
    the facts in hand, without a query: :func:`_case_condition` read on those facts.
    ``tests/victims/test_scope_filter.py`` holds the two to the same answer for every reader."""
    if role_of(user) is None:
        return False
    scope = scope_of(user)
    if scope is Scope.ORGANIZATION:
        return bool(user.organization_id)
    if scope is Scope.JURISDICTION:
        return jurisdiction_code.startswith(user.jurisdiction.code)
    return False  # a referral's receiver: a new case has no referral yet


def scope_filter(user, paths: ScopePaths, model) -> Q | Exists | None:
    """The filter selecting the rows of ``model`` that ``user`` may see, or ``None`` when they
    may see nothing. It never duplicates a row: it joins nothing into the query it filters."""
    route = _route(model, paths)
    condition = _case_condition(user, route)
    if condition is None or route.link is None:
        return condition
    cases = route.case_model._base_manager.filter(condition)
    if route.link == "forward":
        return Exists(cases.filter(pk=OuterRef(route.key)))
    return Exists(cases.filter(**{route.key: OuterRef("pk")}))


class ScopedQuerySet(TrackedQuerySet):
    """Tracked queryset of a model that holds victim data; subclasses set ``scope_paths``."""

    scope_paths: ScopePaths

    def visible_to(self, user):
        condition = scope_filter(user, self.scope_paths, self.model)
        if condition is None:
            return self.none()
        return self.filter(condition)

    def one(self, uuid, *, missing: str):
        """The row with UUID ``uuid`` among these (already narrowed to what the reader sees);
        ``registry.errors.NotFound(missing)`` when there is none — also for a value that is no
        UUID, so a malformed id answers exactly like an unknown one."""
        try:
            found = self.filter(uuid=uuid).first()
        except ValidationError:  # not a UUID
            found = None
        if found is None:
            raise NotFound(missing)
        return found
