"""Template context shared by every page: site configuration, navigation (ACC-44, ACC-45).

Navigation (ACC-45) asks the registry (patt/registry.py): each app contributes its `NavItem`s,
naming a URL and who sees it. An item whose URL name does not resolve is left out (a URL map
without that app's pages, as in some tests).

The "Vote" item is not in the registry: it points at one live campaign and carries a dot, so
the campaigns app provides it as the context value `nav_vote` (its own context processor),
an object or dict with `url` (`/vote/<id>`) and `needs_vote` (True draws the dot: the viewer
can vote and has not). Absent or None, the item is not shown.

The viewer's Player (`viewer`) is identity's context value (identity/context_processors.py).
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from patt import redirects, registry
from patt.models import SiteConfig

logger = logging.getLogger(__name__)

# Sign-out target of the user menu, a CSRF-protected POST (ACC-34); sign-in is settings.LOGIN_URL.
SIGN_OUT_URL = "/accounts/logout/"
# ACC-45: the user menu's "Account" entry (password change; allauth sends users without a
# usable password on to "set password").
ACCOUNT_URL = "/accounts/password/change/"


@dataclass(frozen=True)
class NavLink:
    """A navigation item as the template draws it."""

    label: str
    url: str
    current: bool


def _is_current(url: str, path: str) -> bool:
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


def navigation(request) -> list[NavLink]:
    """ACC-45: the registry's items this viewer sees whose pages exist, in order; `request` may
    be None (error pages rendered without a request context: an anonymous visitor)."""
    path = getattr(request, "path", "")
    items = []
    for entry in registry.nav_items():
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue  # this URL map has no such page
        if entry.shown_to(request):
            items.append(NavLink(entry.label, url, _is_current(url, path)))
    return items


def sign_in_url(request) -> str:
    """ACC-45: `/accounts/login/?next=<current page>`; from the account pages themselves the
    way back is the home page (a login page is no place to return to)."""
    path = request.get_full_path() if request is not None else "/"
    if not path.startswith("/") or path.startswith("/accounts/"):
        path = "/"
    return redirects.sign_in_url(path)


def site_config_or_defaults() -> SiteConfig:
    """SiteConfig, or an unsaved instance with the defaults when the database is down.

    ACC-50: the 500 page must render even when the database is unreachable.
    """
    try:
        return SiteConfig.get()
    except DatabaseError as exc:
        logger.warning("SiteConfig unavailable (%s), rendering with the defaults", exc)
        return SiteConfig()


def profile_url() -> str:
    """The user menu's "Profile" entry (issue 11 item 16): roster's `/profile`, or "" (no
    entry) while that URL does not resolve, as for the navigation items."""
    try:
        return reverse("profile")
    except NoReverseMatch:
        return ""


def _common() -> dict:
    return {
        "login_url": settings.LOGIN_URL,
        "logout_url": SIGN_OUT_URL,
        "account_url": ACCOUNT_URL,
        "profile_url": profile_url(),
        # ACC-13 / ACC-47: the Discord button exists only when the OAuth app is configured.
        "discord_sign_in_enabled": bool(getattr(settings, "DISCORD_CLIENT_ID", "")),
    }


def fallback_context() -> dict:
    """The layout's context when no request context can be built (error pages, ACC-50)."""
    return {
        **_common(),
        "guild": site_config_or_defaults(),
        "viewer": None,  # an anonymous visitor, as identity's `viewer` value would say
        "nav_items": navigation(None),
        "sign_in_url": sign_in_url(None),
    }


def site(request) -> dict:
    """The guild's configuration as `guild` and the navigation as `nav_items`.

    Not `site`: allauth's and Django's auth views put their own `site` in the context.

    `nav_items` is lazy: a page that does not render it (the admin) pays nothing for it; its
    officer rule shares the request's cached Player with identity's `viewer` (one query per
    request, ACC-48).
    """
    return {
        **_common(),
        "guild": site_config_or_defaults(),
        "nav_items": SimpleLazyObject(lambda: navigation(request)),
        "sign_in_url": sign_in_url(request),
    }
