"""``POST /api/v1/auth/token/``: exchange a username and password (and, while two-factor sign-in
is required, the current TOTP code as ``otp``) for an API token.

Answers ``{"token": …, "expires_at": …}``. The password is checked through
``django.contrib.auth.authenticate`` with the request, so the rules of
``registry.accounts.lockout`` apply exactly as at the web sign-in: a wrong password counts, and
every attempt during a lockout of the account from this address, or during the account's
delay, is refused (429, code ``locked_out``, ``Retry-After``), the right password included. A
wrong code counts as a failed sign-in too; a token issued clears the account's delay. Errors:
400 ``validation_error`` — ``otp`` named when the code is missing or wrong,
``non_field_errors`` for wrong credentials.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import two_factor
from registry.accounts import credentials, lockout
from registry.api.viewsets import WithoutOptions


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False, write_only=True)
    otp = serializers.CharField(max_length=16, required=False, allow_blank=True, write_only=True)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


def _otp_error(message: str) -> ValidationError:
    return ValidationError({"otp": [message]})


class ObtainTokenView(WithoutOptions, APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=TokenRequestSerializer, responses=TokenSerializer, auth=[])
    def post(self, request):
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        username, password = given.validated_data["username"], given.validated_data["password"]
        code = given.validated_data.get("otp", "").strip()
        missing_code = _("Give the current code of your authenticator app as otp.")
        if settings.REGISTRY_REQUIRE_2FA and not code:
            raise _otp_error(missing_code)

        http_request = request._request  # axes marks a lockout on the HttpRequest itself
        user = authenticate(http_request, username=username, password=password)
        if user is None:
            if lockout.is_locked_out(http_request):
                raise lockout.LockedOut(lockout.lockout_message(http_request))
            raise ValidationError(_("Unable to sign in with these credentials."))

        if credentials.second_factor_required(user):
            if two_factor.confirmed_device(user) is None:
                raise _otp_error(_("Set up your authenticator app by signing in on the web first."))
            if not code:
                raise _otp_error(missing_code)
            if two_factor.verify_code(user, code) is None:
                lockout.count_failed_sign_in(http_request, username)
                if lockout.is_locked_out(http_request):
                    raise lockout.LockedOut(lockout.lockout_message(http_request))
                raise _otp_error(_("The code is not correct."))

        token, raw = credentials.api_token_issue(user=user, request=request)
        lockout.sign_in_succeeded(http_request, user)
        return Response(TokenSerializer({"token": raw, "expires_at": token.expires_at}).data)
