"""Safe `next` redirects (ACC-43).

Every `next` the site follows — sign-in, sign-up, Discord sign-in, sign-out, the admin login
redirect, "sign in to vote" links — goes through `safe_next`. A `next` is used only when it is a
relative path starting with exactly one `/` that also passes Django's
`url_has_allowed_host_and_scheme` for the request's own host; anything else falls back.
`sign_in_url` writes the sign-in link with its `next`.
"""

from urllib.parse import quote

from django.conf import settings
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
    return candidate if candidate and is_safe_next(request, candidate) else default


def sign_in_url(next_path: str) -> str:
    """`/accounts/login/?next=<next_path>` (ACC-39, ACC-45, CMP-33): the one way the site
    writes its sign-in link. `next_path` is the site's own path (query string included), quoted
    with `/` kept, as Django's `redirect_to_login` does."""
    return f"{settings.LOGIN_URL}?next={quote(next_path, safe='/')}"
