"""``POST /cases/search/``: the one search box of the case list, for the API.

The body is ``{"q": "…"}`` — a case number or its last digits, an ID number, or part of a name
or its pinyin (``victims.search``; ``selectors.search_cases``) — posted so the term never enters
a URL or an access log. The answer is the case list's page (``count``, ``count_exact``, ``next``,
``previous``, ``results`` of ``CaseSummarySerializer``, paged as the list is), best match first, at most
``victims.search.CAP`` cases in all: ``count`` is how many are answered and ``more`` says that
others matched too (refine the term). Counted against the account's search rate limit (429
``search_rate_limited``) before anything is read; audited as ``case_searched`` with the term
only as a keyed HMAC and the id of every case returned. 400 naming ``q`` for an empty, over-long or spiked term.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers

from registry.api.inputs import validated
from registry.api.parsers import JSONParser
from registry.api.schema import ERRORS, error
from registry.api.serializers import StrictSerializer
from registry.api.viewsets import ScopedViewSet
from registry.audit import AuditAction, log_read, search_terms_detail, sections_shown
from registry.ratelimit import count_search
from victims import search, selectors
from victims.api.serializers import CaseSummarySerializer
from victims.models import Case


class CaseSearchSerializer(StrictSerializer):
    q = serializers.CharField(
        max_length=search.MAX_TERM,
        help_text=_("A case number or its last digits, an ID number, or part of a name or its pinyin (wuyu, wy)."),
    )


@extend_schema(tags=["cases"])
class CaseSearchViewSet(ScopedViewSet):
    """Search the cases within your reach with one term."""

    model = Case
    serializer_class = CaseSummarySerializer
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Search cases by case number, ID number, or part of a name or its pinyin",
        request=CaseSearchSerializer,
        responses={
            200: inline_serializer(
                "CaseSearchPage",
                {
                    "count": serializers.IntegerField(),
                    "count_exact": serializers.BooleanField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "more": serializers.BooleanField(help_text=_("More cases matched than are returned.")),
                    "results": CaseSummarySerializer(many=True),
                },
            ),
            400: ERRORS[400],
            429: error("search_rate_limited: too many searches in the window; wait and search again."),
        },
    )
    def create(self, request, *args, **kwargs):
        term = validated(CaseSearchSerializer, request.data)["q"]
        count_search(request)  # 429 past the limit, before anything is read
        found = selectors.search_cases(request.user, term)
        page = self.paginate_queryset(found.cases)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["more"] = found.capped
        log_read(
            request,
            action=AuditAction.CASE_SEARCHED,
            sections=sections_shown(request.user, self.get_serializer_class()),
            detail={
                "count": found.total,
                "terms": search_terms_detail({"q": term}),
                "cases": [str(case.uuid) for case in page],
            },
        )
        return response
