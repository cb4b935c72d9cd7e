"""Per-request account rules (ACC-21, ACC-36, ACC-37).

Both classes sit after authentication and messages in MIDDLEWARE, account access first:

- `AccountAccessMiddleware`: on every authenticated request, one joined query that also loads
  the request's Viewer (`viewer_and_access_of`); a user whose Player is inactive is signed out
  with the inactive message, and the officer rule runs (writing) only when `is_staff` or the
  Officers membership differs.
- `AdminAccessMiddleware`: a signed-in user without staff access gets the themed 403 for any
  `/admin/…` page — never the admin's redirect to its login, which would loop through the
  site's sign-in page (signed-in visitors are sent on to `next`).
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError

from identity.services.accounts import sync_officer_access
from identity.services.signin import INACTIVE_MESSAGE
from identity.services.viewer import viewer_and_access_of

logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/admin/"
# Requests that never look at the session: health probes (ACC-52: no session access), static
# assets and the public theme stylesheet, which stay cacheable.
EXEMPT_PATHS = ("/api/health", "/theme.css", "/robots.txt", "/favicon.ico")


def _exempt(path: str) -> bool:
    if path in EXEMPT_PATHS:
        return True
    return any(
        prefix and path.startswith(prefix)
        for prefix in (settings.STATIC_URL, settings.MEDIA_URL)
        if prefix.startswith("/")
    )


class AccountAccessMiddleware:
    """ACC-36 / ACC-37 on every authenticated request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _exempt(request.path_info):
            self.apply_account_rules(request)
        return self.get_response(request)

    def apply_account_rules(self, request) -> None:
        try:
            user = request.user
            access = viewer_and_access_of(request)
        except DatabaseError:
            # The database is down: the view fails on its own and renders the 500 page
            # (ACC-50); this check must not replace that error with its own.
            logger.warning("Account checks skipped: database unavailable", exc_info=True)
            return
        if access is None:
            return
        if access.player_inactive:
            logger.info("Signing out user %s: their player is inactive", user.pk)
            logout(request)
            messages.error(request, INACTIVE_MESSAGE)
            return
        if access.officer_access_differs:
            sync_officer_access(user)
            user.is_staff = access.officer


class AdminAccessMiddleware:
    """ACC-21: `/admin/…` for a signed-in user without staff access is a themed 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(ADMIN_PREFIX):
            user = request.user
            if user.is_authenticated and not (user.is_active and user.is_staff):
                raise PermissionDenied
        return self.get_response(request)
