"""Security headers and the Content Security Policy (ACC-53, ACC-54, ACC-55).

The CSP forbids inline script and style, so the rendered pages are scanned for anything the
browser would block: inline `<script>` without `src`, `<style>`, `style=""` and `on*=`.
"""

import re
import runpy
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from patt.models import SiteConfig
from tests.factories import PlayerFactory, UserFactory, WowCharacterFactory, rank

pytestmark = pytest.mark.django_db

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: https://drive.google.com https://*.googleusercontent.com",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self' https://discord.com",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


class InlineCodeFinder(HTMLParser):
    """Collects every construct a `script-src 'self'; style-src 'self'` policy would block."""

    def __init__(self):
        super().__init__()
        self.violations: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        # json_script data blocks are inert: the CSP does not apply to non-script types.
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.violations.append(f"inline <script> {names}")
        if tag == "style":
            self.violations.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.violations.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.violations.append(f'<{tag} {name}="{value}">')

    handle_startendtag = handle_starttag


def inline_code(response) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(response.content.decode())
    return finder.violations


def parse_csp(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value.strip()
    return directives


# --- ACC-53 headers -------------------------------------------------------------------------


@pytest.mark.urls("tests.site.test_errors")
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/", 200),
        ("/api/health", 200),
        ("/theme.css", 200),
        ("/nope", 404),
        ("/api/nope", 404),
        ("/test/boom", 500),
        ("/api/test/boom", 500),
    ],
)
def test_acc53_security_headers_on_html_and_json(url, status):
    client = Client()
    client.raise_request_exception = False

    response = client.get(url)

    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.parametrize(
    "path", ["css/site.css", "js/site.js", "img/favicon.svg", "admin/js/core.js"]
)
def test_acc53_security_headers_on_static_files(path):
    """Issue 11 item 21: WhiteNoise answers static files before the rest of the middleware;
    the header middleware sits in front of it, so static files carry the page headers too
    (an SVG is a document: its CSP and nosniff matter)."""
    assert settings.WHITENOISE_USE_FINDERS  # served from the finders, as in development

    response = Client().get(f"{settings.STATIC_URL}{path}")
    response.close()

    assert response.status_code == 200
    assert response.__class__.__module__.startswith("whitenoise")
    assert_security_headers(response)


def assert_security_headers(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Permissions-Policy"] == (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    )
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP


def test_acc54_csp_has_no_unsafe_inline_or_eval(client):
    for url in ("/", "/api/health", "/admin/login/"):
        header = client.get(url)["Content-Security-Policy"]

        assert "unsafe-inline" not in header
        assert "unsafe-eval" not in header
        assert "'self'" in parse_csp(header)["script-src"]


def test_acc54_csp_extra_img_src_is_appended(monkeypatch):
    """CSP_EXTRA_IMG_SRC (space separated) extends img-src and nothing else."""
    monkeypatch.setenv("CSP_EXTRA_IMG_SRC", "https://i.imgur.com https://cdn.example.org")

    fresh = runpy.run_path(str(Path(settings.BASE_DIR) / "patt" / "settings.py"))

    directives = fresh["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["img-src"] == [
        "'self'",
        "data:",
        "https://drive.google.com",
        "https://*.googleusercontent.com",
        "https://i.imgur.com",
        "https://cdn.example.org",
    ]
    assert directives["script-src"] == ["'self'"]


# --- ACC-54 no inline code in what we render ------------------------------------------------


@pytest.mark.urls("tests.site.test_errors")
def test_acc54_no_inline_script_or_style(client, settings, tmp_path):
    """Every site page in every state: anonymous, signed in with messages, hero art, errors."""
    settings.MEDIA_ROOT = tmp_path
    config = SiteConfig.get()
    config.hero_image_url = "https://lh3.googleusercontent.com/hero.png"
    config.raid_schedule_text = "Tuesday and Thursday"
    config.save()
    character = WowCharacterFactory(name="Mainy")
    PlayerFactory(display_name="Chief", guild_rank=rank("Guild Leader"), main_character=character)
    pages = {"landing, anonymous": client.get("/")}

    user = UserFactory(username="member", is_staff=True)
    PlayerFactory(display_name="Member", user=user, guild_rank=rank("Officer"))
    signed_in = Client()
    signed_in.raise_request_exception = False
    signed_in.force_login(user)
    pages["landing, signed in"] = signed_in.get("/")
    pages["csrf failure"] = Client(enforce_csrf_checks=True).post("/", {"x": "1"})

    for url in ("/test/bad", "/test/denied", "/test/missing", "/nope", "/test/boom"):
        pages[url] = signed_in.get(url)

    for label, response in pages.items():
        assert response["Content-Type"].startswith("text/html"), label
        assert inline_code(response) == [], label


@pytest.mark.urls("tests.site.test_pages")
def test_acc54_flash_messages_render_without_inline_code():
    client = Client()

    response = client.get("/test/flash", follow=True)

    assert "flash-error" in response.content.decode()
    assert inline_code(response) == []


def test_acc54_templates_on_disk_have_no_inline_code():
    """Catches templates no test renders yet: the whole templates/ tree we own."""
    root = Path(settings.BASE_DIR) / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        if template.relative_to(root).parts[0] == "admin":
            continue  # Django admin overrides are checked by rendering, below
        source = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", source):
            offenders.append(f"{template}: inline <script>")
        if re.search(r"<style\b", source) or re.search(r"\sstyle\s*=", source):
            offenders.append(f"{template}: inline style")
        if re.search(r"<[^>]+\son[a-z]+\s*=", source):
            offenders.append(f"{template}: on* handler")
    assert offenders == []


def test_acc55_fonts_and_scripts_are_served_from_the_site(client):
    html = client.get("/").content.decode()

    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http://", "https://", "//")), url


# --- ACC-54: the Django admin under the same policy ------------------------------------------


def _admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        for view in ("changelist", "add"):
            try:
                urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}"))
            except NoReverseMatch:
                continue
    return urls


def test_acc54_admin_pages_render_without_inline_script(client):
    """The admin needs no CSP relaxation: it loads its JS from static files only.

    (Django's changelist adds a one-line `<style>` only for a model with every action
    disabled; that costs a column width, not function, and is reported rather than allowed.)
    """
    # ACC-21: the admin has no password form of its own; sign-in is the site's login page.
    anonymous_login = client.get("/admin/login/", follow=True)
    assert anonymous_login.redirect_chain[0] == ("/accounts/login/?next=/admin/", 302)
    assert anonymous_login.status_code == 200
    assert inline_code(anonymous_login) == []
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)

    checked = 0
    for url in _admin_urls():
        response = client.get(url, follow=True)
        if response.status_code != 200:
            continue  # e.g. SiteConfig has no add view (ACC-5)
        scripts = [v for v in inline_code(response) if v.startswith("inline <script>")]
        handlers = [v for v in inline_code(response) if re.match(r"<\w+ on", v)]
        assert scripts == [], url
        assert handlers == [], url
        checked += 1
    assert checked >= 3
