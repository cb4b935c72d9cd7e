"""Safe `next` redirects (ACC-43).

Every `next` the site follows — sign-in, sign-up, Discord sign-in, sign-out, the admin login
redirect, "sign in to vote" links — goes through `safe_next`. A `next` is used only when it is a
relative path starting with exactly one `/` that also passes Django's
`url_has_allowed_host_and_scheme` for the request's own host; anything else falls back.
"""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_next(request: HttpRequest, candidate: str | None) -> bool:
    """True when `candidate` may be redirected to (ACC-43).

    `//host` and `/\\host` are protocol-relative URLs in browsers, so a path must start with
    exactly one slash followed by anything but another slash or a backslash.
    """
    if not candidate or not isinstance(candidate, str):
        return False
    if not candidate.startswith("/") or candidate[1:2] in ("/", "\\"):
        return False
    return url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next(request: HttpRequest, candidate: str | None, default: str = "/") -> str:
    """`candidate` when it is a safe `next` (ACC-43), else `default`."""
    return candidate if is_safe_next(request, candidate) else default
