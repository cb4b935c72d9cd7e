"""Rate limits on the account endpoints (ACC-40 … ACC-42).

The limits themselves are `ACCOUNT_RATE_LIMITS` in settings, counted by allauth in the shared
cache (ACC-9) per client IP (`ALLAUTH_TRUSTED_PROXY_COUNT`). allauth limits `login`,
`login_failed` and `signup` itself; this module adds `login` on the Discord sign-in POST and the
custom `invite_redeem` on every sign-up POST, and renders every 429 as the themed page.
"""

import logging
from functools import wraps

from allauth.account.adapter import get_adapter
from allauth.core import ratelimit
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from patt.errors import api_error, is_api_request, render_error_page

logger = logging.getLogger(__name__)

SLOW_DOWN_MESSAGE = "Slow down! Too many attempts. Try again in a few minutes."
LOGIN_FAILED_MESSAGE = "Too many failed sign-in attempts. Try again in a few minutes."

LOGIN = "login"
INVITE_REDEEM = "invite_redeem"


def client_ip(request: HttpRequest) -> str:
    """The client IP as allauth's limits see it (trusted proxies counted, ACC-40)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return request.META.get("REMOTE_ADDR", "unknown")


def too_many_attempts(request: HttpRequest, message: str = SLOW_DOWN_MESSAGE) -> HttpResponse:
    """ACC-41: HTTP 429 with the themed page; the attempt is logged at WARNING with the IP.

    Only the method, path and IP are logged — never a posted field (passwords).
    """
    logger.warning(
        "Rate limit exceeded: %s %s from %s (%s)",
        request.method,
        request.path,
        client_ip(request),
        message,
    )
    if is_api_request(request):
        return api_error(429)
    return render_error_page(request, "errors/429.html", 429, {"message": message})


def handler429(request: HttpRequest) -> HttpResponse:
    """`patt.urls.handler429`: allauth answers every limit it enforces through this."""
    return too_many_attempts(request)


def consume(request: HttpRequest, action: str) -> bool:
    """Count one attempt of `action` (a key of `ACCOUNT_RATE_LIMITS`); False when over."""
    return ratelimit.consume(request, action=action)


def rate_limited(action: str):
    """View decorator: POSTs over the `action` limit get the 429 page and are not processed."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and not consume(request, action):
                return too_many_attempts(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
