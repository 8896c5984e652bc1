"""API authentication with the portal's own tokens: `Authorization: Token <key>`, as DRF's TokenAuthentication
reads it, looked up by the hash of the key (portal.people.models.ApiToken)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.authentication import TokenAuthentication

from .. import selectors, services


class TokenRefused(exceptions.APIException):
    """A token that does not let anybody in: 401 with `WWW-Authenticate: Token`, whatever authentication
    class comes first (DRF answers 403 instead of 401 when the first one names no scheme)."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = _("Invalid token.")
    default_code = "token_invalid"
    auth_header = "Token"


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`. Unknown, revoked and stale tokens (made before a password change or a
    sign-out everywhere), and those of deactivated people, answer 401 `token_invalid`; expired ones
    401 `token_expired`."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        token = selectors.api_token_for_key(key)
        if token is None or not selectors.api_token_works(token):
            if token is not None and token.is_expired and token.user.is_active:
                raise TokenRefused(_("This token has expired: ask for a new one."), code="token_expired")
            raise TokenRefused()
        services.api_token_touch(token=token)
        return (token.user, token)
