"""Site pages and site-level endpoints: landing page, health, theme stylesheet, robots.txt."""

import hashlib
import logging
import re

from django.db import Error as DatabaseError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

import patt
from patt import registry
from patt.landing import hero_image_src
from patt.models import SiteConfig

logger = logging.getLogger(__name__)

# Values that go into CSS unquoted: anything else is dropped rather than escaped (ACC-8).
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CSS_IDENT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

ROBOTS_TXT = "User-agent: *\nDisallow: /admin/\nDisallow: /accounts/\nDisallow: /api/\n"


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    """GET / (ACC-47): hero, active votes, recent results, about, recruiting, raid schedule,
    officers, quote of the day — in that order, every one working without JS (ACC-48).

    Every section but the hero comes from an app through the registry (`LandingSection`):
    identity's `officers`, campaigns' `active_votes` and `recent_results` (CMP-35), roster's
    `recruiting_needs` (ROS-28) and `quote_of_the_day` (ROS-54). The template places them
    (templates/patt/landing.html); an empty section shows its empty state or stays hidden. No
    placeholder data is made up.

    A fixed number of queries whatever the guild size (ACC-48): SiteConfig (cached per
    process), each section's constant queries, and the viewer's Player when signed in (one
    query per request, shared with the navigation).
    """
    config = SiteConfig.get()
    context = {"hero_image_src": hero_image_src(config)}
    for section in registry.landing_sections():
        context[section.name] = section.provide(request)
    return render(request, "patt/landing.html", context)


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """GET/HEAD /api/health (ACC-52): 200 when `SELECT 1` works, else 503.

    No auth and no session access, so no cookie is ever written. The database error text goes
    to the log only; the body says which state the database is in and nothing more.
    """
    data = {"db": "connected", "version": patt.__version__}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("Health check: database unavailable: %s", exc)
        data["db"] = "disconnected"
        body = {"ok": False, "error": "Database unavailable", "data": data}
        response = JsonResponse(body, status=503)
    else:
        response = JsonResponse({"ok": True, "data": data})
    response["Cache-Control"] = "no-store"
    return response


def theme_css_body(config: SiteConfig, rules: list[tuple[str, str, str]]) -> str:
    """The theme stylesheet: `--accent`, then one `.<prefix><slug>` colour rule per contributed
    (prefix, slug, colour), e.g. `.class-mage` (ACC-8, ACC-59). The colours come from the
    apps' `ThemeColours` (identity: the playable classes), so the CSS follows the database."""
    accent = config.accent_colour if _HEX_COLOUR.match(config.accent_colour or "") else ""
    lines = [f":root{{--accent:{accent}}}"] if accent else []
    for prefix, slug, colour in rules:
        if _CSS_IDENT.match(slug or "") and _HEX_COLOUR.match(colour or ""):
            lines.append(f".{prefix}{slug}{{color:{colour}}}")
    return "\n".join(lines) + "\n"


def theme_rules() -> list[tuple[str, str, str]]:
    """Every contributed (prefix, slug, colour), in registry order."""
    return [
        (theme.css_prefix, slug, colour)
        for theme in registry.theme_colours()
        for slug, colour in theme.colours()
    ]


@require_safe
def theme_css(request: HttpRequest) -> HttpResponse:
    """GET /theme.css (ACC-8): configuration injected into CSS the CSP-safe way.

    The ETag hashes SiteConfig.updated_at together with the body (accent and contributed
    colours), so a change to either yields a new tag; a matching If-None-Match gets a 304.
    """
    config = SiteConfig.get()
    body = theme_css_body(config, theme_rules())
    stamp = config.updated_at.isoformat() if config.updated_at else ""
    etag = '"' + hashlib.sha256(f"{stamp}\n{body}".encode()).hexdigest()[:32] + '"'
    response = HttpResponse(body, content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=300"
    # Given a response, Django answers it or a 304, never None.
    return get_conditional_response(request, etag=etag, response=response) or response


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """GET /robots.txt: keep crawlers out of the admin, accounts and API (URL map, ACC-62)."""
    return HttpResponse(ROBOTS_TXT, content_type="text/plain; charset=utf-8")
