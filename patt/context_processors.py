"""Template context shared by every page (ACC-44, ACC-45)."""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.utils.functional import SimpleLazyObject

from identity.models import Player
from patt.models import SiteConfig

logger = logging.getLogger(__name__)

# Sign-out target of the user menu, a CSRF-protected POST (ACC-34); sign-in is settings.LOGIN_URL.
SIGN_OUT_URL = "/accounts/logout/"


def site_config_or_defaults() -> SiteConfig:
    """SiteConfig, or an unsaved instance with the defaults when the database is down.

    ACC-50: the 500 page must render even when the database is unreachable.
    """
    try:
        return SiteConfig.get()
    except DatabaseError as exc:
        logger.warning("SiteConfig unavailable (%s), rendering with the defaults", exc)
        return SiteConfig()


def fallback_context() -> dict:
    """The layout's context when no request context can be built (error pages, ACC-50)."""
    return {
        "site": site_config_or_defaults(),
        "login_url": settings.LOGIN_URL,
        "logout_url": SIGN_OUT_URL,
        "viewer": None,
    }


def _viewer_player(request) -> Player | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return Player.objects.select_related("guild_rank").filter(user_id=user.pk).first()


def site(request) -> dict:
    """The guild's configuration as `site`, the signed-in user's Player as `viewer`.

    `viewer` is lazy: pages that never show the user menu pay no query for it. It is None for
    anonymous visitors and for users without a Player (ACC-45: username, no rank badge).
    """
    return {
        "site": site_config_or_defaults(),
        "login_url": settings.LOGIN_URL,
        "logout_url": SIGN_OUT_URL,
        "viewer": SimpleLazyObject(lambda: _viewer_player(request)),
    }
