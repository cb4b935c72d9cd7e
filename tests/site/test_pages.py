"""Site layout, landing page, theme stylesheet, robots.txt and the time filter.

ACC-4, ACC-7, ACC-8, ACC-44 … ACC-48, ACC-59, ACC-62.
"""

import re
from datetime import UTC, datetime, timedelta, timezone
from html import unescape
from pathlib import Path

import pytest
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import connection
from django.shortcuts import redirect, render
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import path

from identity.contributions import readable_colour
from identity.models import PlayableClass
from patt import urls as patt_urls
from patt.models import SiteConfig, clear_site_config_cache
from tests.factories import (
    PlayerCharacterFactory,
    PlayerFactory,
    UserFactory,
    WowCharacterFactory,
    playable_class,
    rank,
)

pytestmark = pytest.mark.django_db


# A test-only page that flashes one message of each level, then shows the landing page.
def _flash_everything(request):
    messages.error(request, "Error flash")
    messages.warning(request, "Warning flash")
    messages.success(request, "Success flash")
    messages.info(request, "Info flash")
    return redirect("/")


# The sections later apps fill: the landing page shows their section template when the
# view passes their context value (ACC-47 #2, #3, #5, #8).
def _landing_fed_by_later_apps(request):
    return render(
        request,
        "patt/landing.html",
        {
            "officers": [],
            "active_votes": ["one"],
            "recent_results": ["one"],
            "recruiting_needs": ["one"],
            "quote_of_the_day": "one",
        },
    )


urlpatterns = [
    *patt_urls.urlpatterns,
    path("test/flash", _flash_everything),
    path("test/landing-fed", _landing_fed_by_later_apps),
]
handler400 = patt_urls.handler400
handler403 = patt_urls.handler403
handler404 = patt_urls.handler404
handler500 = patt_urls.handler500


def text_of(response) -> str:
    """The page as visible text: tags dropped, entities decoded, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def officer(name: str, rank_name: str = "Officer", class_name: str = "Mage", **kwargs):
    """An active Player at an officer rank whose main is linked and has a class."""
    character = WowCharacterFactory(
        name=f"{name.replace(' ', '')}main", playable_class=playable_class(class_name)
    )
    player = PlayerFactory(
        display_name=name, guild_rank=rank(rank_name), main_character=character, **kwargs
    )
    PlayerCharacterFactory(player=player, character=character)
    return player


def site_css() -> str:
    return Path(finders.find("css/site.css")).read_text(encoding="utf-8")


def update_config(**fields) -> SiteConfig:
    config = SiteConfig.get()
    for field, value in fields.items():
        setattr(config, field, value)
    config.save()
    return config


# --- ACC-44 base layout ---------------------------------------------------------------------


def test_acc44_title_and_footer(client):
    update_config(
        short_name="TST",
        guild_name="Test Guild",
        tagline="Be nice",
        guild_realm_name="Area 52",
        guild_region="eu",
    )

    response = client.get("/")

    html = response.content.decode()
    assert "<title>Home · TST</title>" in html
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S).group(1)
    assert " ".join(unescape(re.sub(r"<[^>]+>", " ", footer)).split()) == (
        "Test Guild · Be nice · Area 52 (EU)"
    )


def test_acc44_default_footer_escapes_realm_apostrophe(client):
    response = client.get("/")

    assert "Pull All The Things · Real life first, zero toxicity · Sen'jin (US)" in text_of(
        response
    )
    assert "Sen&#x27;jin (US)" in response.content.decode()


def test_acc44_skip_link_header_link_and_main_target(client):
    html = client.get("/").content.decode()

    skip = html.index('<a class="skip-link" href="#main">Skip to content</a>')
    header = html.index('<header class="site-header">')
    assert skip < header, "the skip link is the first focusable element"
    assert re.search(r'<a class="brand" href="/">\s*<span class="brand-full">Pull All', html)
    assert '<main id="main"' in html


def test_acc44_links_site_css_theme_css_and_static_js(client):
    html = client.get("/").content.decode()

    assert '<link rel="stylesheet" href="/static/css/site.css">' in html
    assert re.search(r'<link rel="stylesheet" href="/theme\.css\?v=\d+">', html)
    assert '<script src="/static/js/site.js" defer></script>' in html


@pytest.mark.urls(__name__)
def test_acc44_flash_messages_in_status_colours_with_js_dismiss(client):
    response = client.get("/test/flash", follow=True)

    html = response.content.decode()
    for level, text in [
        ("error", "Error flash"),
        ("warning", "Warning flash"),
        ("success", "Success flash"),
        ("info", "Info flash"),
    ]:
        assert re.search(
            rf'<div class="flash flash-{level}" role="(alert|status)">\s*'
            rf'<p class="flash-text">{text}</p>',
            html,
        ), level
    # The dismiss button exists for the static script and stays hidden without JS.
    assert html.count("data-dismiss-flash hidden") == 4


# --- ACC-46 mobile --------------------------------------------------------------------------


def test_acc46_stylesheet_collapses_nav_below_768_and_sizes_tap_targets(client):
    css = site_css()
    block = re.search(r"@media \(min-width: 768px\) \{(.*?)\n\}", css, re.S).group(1)
    assert re.search(r"\.nav-mobile \{\s*display: none;", block)
    assert re.search(r"\.nav-desktop \{\s*display: block;", block)
    assert "--tap: 44px;" in css
    assert css.count("min-height: var(--tap);") >= 4


# --- ACC-47 landing page --------------------------------------------------------------------


def test_acc47_anonymous_hero_has_guild_name_tagline_sign_in_and_register(client, settings):
    settings.DISCORD_CLIENT_ID = ""

    html = client.get("/").content.decode()

    assert '<h1 id="hero-title">Pull All The Things</h1>' in html
    assert '<p class="tagline">Real life first, zero toxicity</p>' in html
    hero = re.search(r'<div class="hero-actions">(.*?)</div>', html, re.S)[1]
    assert '<a class="btn btn-large btn-primary" href="/accounts/login/?next=/">Sign in</a>' in hero
    assert '<p class="hero-register">Have an invite code? <a href="/register">Register</a></p>' in (
        html
    )
    assert "Sign in with Discord" not in html, "no Discord app configured, no Discord button"
    assert "Welcome back" not in html


def test_acc47_discord_button_is_a_csrf_post_with_next_when_discord_is_configured(client, settings):
    settings.DISCORD_CLIENT_ID = "123456789012345678"

    html = client.get("/").content.decode()

    hero = re.search(r'<div class="hero-actions">(.*?)</div>', html, re.S)[1]
    form = re.search(
        r'<form class="discord-sign-in" method="post" action="/accounts/discord/login/">'
        r"(.*?)</form>",
        hero,
        re.S,
    )[1]
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<input type="hidden" name="next" value="/">' in form
    assert "Sign in with Discord</button>" in form
    assert hero.index("Sign in with Discord") < hero.index(">Sign in</a>")
    assert '<a class="btn btn-large" href="/accounts/login/?next=/">Sign in</a>' in hero
    assert 'href="/register">Register</a>' in html


def test_acc47_signed_in_hero_says_welcome_back_with_display_name(client):
    user = UserFactory(username="rocket1")
    PlayerFactory(display_name="Rocket", user=user, guild_rank=rank("Member"))
    client.force_login(user)

    html = client.get("/").content.decode()

    assert '<p class="welcome">Welcome back, Rocket</p>' in html
    assert "hero-actions" not in html
    assert "Have an invite code?" not in html


def test_acc47_signed_in_user_without_player_is_welcomed_by_username(client):
    client.force_login(UserFactory(username="lonely"))

    assert '<p class="welcome">Welcome back, lonely</p>' in client.get("/").content.decode()


def test_acc47_hero_image_omitted_when_none_configured(client):
    assert "hero-art" not in client.get("/").content.decode()


def test_acc47_hero_image_url_is_lazy_and_hidden_on_error_by_script(client):
    update_config(hero_image_url="https://lh3.googleusercontent.com/hero.png")

    html = client.get("/").content.decode()

    img = re.search(r'<div class="hero-art">\s*(<img [^>]+>)', html).group(1)
    assert 'src="https://lh3.googleusercontent.com/hero.png"' in img
    assert 'loading="lazy"' in img
    assert "data-hide-on-error" in img


def test_acc47_uploaded_hero_image_wins_over_url(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    config = SiteConfig.get()
    config.hero_image_url = "https://lh3.googleusercontent.com/other.png"
    config.hero_image.save("hero.png", ContentFile(b"\x89PNG fake"), save=True)

    html = client.get("/").content.decode()

    assert re.search(r'<img src="/media/site/hero[^"]*\.png"', html)
    assert "other.png" not in html


def test_acc7_about_text_escaped_with_paragraph_breaks(client):
    update_config(about_text="We raid <b>hard</b> & laugh.\n\nSecond para\nnew line")

    html = client.get("/").content.decode()

    assert (
        '<div class="prose"><p>We raid &lt;b&gt;hard&lt;/b&gt; &amp; laugh.</p>\n\n'
        "<p>Second para<br>new line</p></div>"
    ) in html


def test_acc47_raid_schedule_only_when_text_set(client):
    assert "Raid schedule" not in client.get("/").content.decode()

    update_config(raid_schedule_text="Tue & Thu 8–11 pm Eastern")
    html = client.get("/").content.decode()

    assert '<h2 id="raid-schedule-title">Raid schedule</h2>' in html
    assert "<p>Tue &amp; Thu 8–11 pm Eastern</p>" in html


SECTION_TITLES = [
    "hero-title",
    "active-votes-title",
    "recent-results-title",
    "about-title",
    "recruiting-title",
    "raid-schedule-title",
    "officers-title",
    "quote-title",
]


def section_ids(html: str) -> list[str]:
    return [i for i in re.findall(r'<h[12] id="([a-z-]+-title)"', html) if i in SECTION_TITLES]


def test_acc47_sections_in_spec_order_without_the_apps_that_feed_the_others(client):
    update_config(raid_schedule_text="Tuesdays")
    officer("Ada")

    html = client.get("/").content.decode()

    # Recent results and the quote of the day stay hidden while nothing feeds them.
    assert section_ids(html) == [
        "hero-title",
        "active-votes-title",
        "about-title",
        "recruiting-title",
        "raid-schedule-title",
        "officers-title",
    ]


LATER_SECTION_TEMPLATES = {
    "campaigns/landing_active_votes.html": "<p>VOTE CARDS</p>",
    "campaigns/landing_recent_results.html": "<p>RESULT CARDS</p>",
    "roster/landing_recruiting_needs.html": "<p>NEEDS LIST</p>",
    "roster/landing_quote.html": "<p>THE QUOTE</p>",
}


@pytest.mark.urls(__name__)
def test_acc47_later_apps_fill_their_sections_through_the_hooks(client, settings, tmp_path):
    for name, body in LATER_SECTION_TEMPLATES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body, encoding="utf-8")
    engine = settings.TEMPLATES[0]
    # First in DIRS, so the stand-ins win over the apps' real section templates.
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    update_config(raid_schedule_text="Tuesdays")

    html = client.get("/test/landing-fed").content.decode()

    assert section_ids(html) == [i for i in SECTION_TITLES if i != "officers-title"]
    text = text_of(client.get("/test/landing-fed"))
    for body in LATER_SECTION_TEMPLATES.values():
        assert _strip(body) in text
    assert "No active votes right now." not in text
    assert "We're always happy to meet good people" not in text


def _strip(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_acc47_no_active_votes_says_so(client):
    html = client.get("/").content.decode()

    votes = re.search(r'<section class="card active-votes wide"[^>]*>(.*?)</section>', html, re.S)
    assert '<h2 id="active-votes-title">Active votes</h2>' in votes[1]
    assert '<p class="empty-state">No active votes right now.</p>' in votes[1]


def test_acc47_recruiting_without_needs_says_come_say_hi(client):
    html = client.get("/").content.decode()

    recruiting = re.search(
        r'<section class="card recruiting side"[^>]*>(.*?)</section>', html, re.S
    )
    assert (
        "<p>We're always happy to meet good people — come say hi in Discord.</p>" in (recruiting[1])
    )
    assert "Join our Discord" not in recruiting[1]


def test_acc47_recruiting_links_the_discord_invite_when_configured(client):
    update_config(discord_invite_url="https://discord.gg/patt")

    html = client.get("/").content.decode()

    assert '<a class="btn" href="https://discord.gg/patt">Join our Discord</a>' in html


def test_acc47_recent_results_and_quote_hidden_when_there_are_none(client):
    html = client.get("/").content.decode()

    assert "Recent results" not in html
    assert "Quote of the day" not in html


def test_acc47_officers_listed_by_level_then_name(client):
    officer("zed", rank_name="Officer")
    officer("Bea", rank_name="Officer")
    officer("Gil", rank_name="Guild Leader")
    officer("amy", rank_name="Officer")
    officer("Vic", rank_name="Veteran")  # level 3: not an officer
    officer("Ina", rank_name="Officer", is_active=False)  # inactive: not listed
    PlayerFactory(display_name="Nobody")  # no rank

    html = client.get("/").content.decode()

    names = re.findall(r'<p class="officer-name">([^<]+)</p>', html)
    ranks = re.findall(
        r'<p class="officer-rank"><span class="badge badge-rank">([^<]+)</span></p>', html
    )
    assert names == ["Gil", "amy", "Bea", "zed"]
    assert ranks == ["Guild Leader", "Officer", "Officer", "Officer"]


def test_acc47_officer_main_character_in_class_colour_css_class(client):
    officer("Ada", class_name="Death Knight")
    no_main = PlayerFactory(display_name="Bob", guild_rank=rank("Officer"))

    html = client.get("/").content.decode()

    assert (
        '<p class="officer-main">Main: <span class="character-name class-death-knight">'
        "Adamain</span></p>"
    ) in html
    bob_card = re.search(
        r"<li class=\"card officer\">\s*<p class=\"officer-name\">Bob</p>.*?</li>", html, re.S
    ).group(0)
    assert "officer-main" not in bob_card, f"{no_main} has no main character"
    assert "style=" not in html


def test_acc47_no_officers_section_without_officers(client):
    assert "officers-title" not in client.get("/").content.decode()


# --- ACC-48 bounded queries -----------------------------------------------------------------


def _landing_query_count(client) -> int:
    client.get("/")  # settle one-off writes of the first request (ACC-36's officer rule)
    clear_site_config_cache()  # measure the uncached worst case every time
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200
    return len(captured.captured_queries)


def _add_officers(first: int, count: int):
    classes = list(PlayableClass.objects.all())
    for n in range(first, first + count):
        player = officer(f"Officer {n:03d}", class_name=classes[n % len(classes)].name)
        assert player.main_character_id


def test_acc48_landing_queries_constant_anonymous(client, django_assert_max_num_queries):
    _add_officers(0, 3)
    with_three = _landing_query_count(client)
    _add_officers(3, 57)
    with_sixty = _landing_query_count(client)

    assert with_three == with_sixty
    assert client.get("/").content.decode().count('<li class="card officer">') == 60
    clear_site_config_cache()
    # SiteConfig, officers, live campaigns, recent results (campaigns/landing.py), the
    # recruiting needs (roster composition), the quote and title of the day.
    with django_assert_max_num_queries(6):
        client.get("/")


# Every navigation item resolves (stand-ins from test_nav), so the officer check runs too.
@pytest.mark.urls("tests.site.test_nav")
def test_acc48_landing_queries_constant_signed_in(client, django_assert_max_num_queries):
    user = UserFactory(username="viewer", is_staff=True)
    PlayerFactory(display_name="Viewer", user=user, guild_rank=rank("Officer"))
    client.force_login(user)
    _add_officers(0, 3)
    with_three = _landing_query_count(client)
    _add_officers(3, 57)
    with_sixty = _landing_query_count(client)

    assert with_three == with_sixty
    html = client.get("/").content.decode()
    assert html.count('<li class="card officer">') == 61
    assert "Raid planner" in html
    clear_site_config_cache()
    # session, user, the account rules' joined query (ACC-36), the viewer's Player (shared by
    # the view, navigation and user menu), SiteConfig, officers, live campaigns with the
    # viewer's receipts, recent results, recruiting needs, quote of the day; the member's week
    # (issue 16): the next posted raids and the member's availability (roster/landing.py), the
    # votes waiting reuse the live campaigns' cards.
    with django_assert_max_num_queries(12):
        client.get("/")


# --- ACC-8 theme stylesheet -----------------------------------------------------------------


def test_acc8_theme_css_accent_and_class_colours(client):
    update_config(accent_colour="#123abc")

    response = client.get("/theme.css")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    body = response.content.decode()
    assert body.startswith(":root{--accent:#123abc}\n")
    for klass in PlayableClass.objects.all():
        # Issue 16 item 3: tinted where Blizzard's colour falls below 4.5:1 on the cards.
        assert f".class-{klass.slug}{{color:{readable_colour(klass.colour)}}}" in body
    assert ".class-death-knight{color:#d66275}" in body  # #C41E3A, lightened
    assert ".class-warlock{color:#8788EE}" in body  # readable as it is
    assert len(re.findall(r"^\.class-", body, re.M)) == PlayableClass.objects.count() == 13


def test_acc8_theme_css_etag_and_304(client):
    first = client.get("/theme.css")
    etag = first["ETag"]

    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert first["Cache-Control"] == "public, max-age=300"
    again = client.get("/theme.css", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == "public, max-age=300"
    assert client.get("/theme.css", HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_acc8_theme_css_etag_changes_with_config_and_class_data(client):
    before = client.get("/theme.css")["ETag"]

    update_config(accent_colour="#00ff00")
    after_config = client.get("/theme.css")["ETag"]
    PlayableClass.objects.filter(slug="mage").update(colour="#112233")
    after_class = client.get("/theme.css")

    assert len({before, after_config, after_class["ETag"]}) == 3
    assert f".class-mage{{color:{readable_colour('#112233')}}}" in after_class.content.decode()
    assert client.get("/theme.css", HTTP_IF_NONE_MATCH=before).status_code == 200


def test_acc8_theme_css_drops_values_that_are_not_colours(client):
    # Both columns fit their max_length; neither is validated by the database itself.
    PlayableClass.objects.filter(slug="mage").update(colour="red}a{b")
    PlayableClass.objects.filter(slug="monk").update(slug="x}body{")

    body = client.get("/theme.css").content.decode()

    assert "class-mage" not in body
    assert "body{" not in body
    assert "a{b" not in body
    assert ".class-druid{color:#FF7C0A}" in body


def test_acc59_stylesheet_declares_the_design_tokens_exactly(client):
    css = site_css()
    tokens = {
        "--bg": "#0a0a0b",
        "--bg-2": "#141416",
        "--card": "#1a1a1d",
        "--card-2": "#1e1e22",
        "--border": "#2a2a2e",
        "--border-2": "#3a3a3e",
        "--text": "#e8e8e8",
        "--text-muted": "#888888",
        "--accent": "#d4a84b",
        "--tank": "#60a5fa",
        "--healer": "#4ade80",
        "--dps": "#f87171",
        "--success": "#4ade80",
        "--warning": "#fbbf24",
        "--danger": "#f87171",
    }
    for name, value in tokens.items():
        assert f"  {name}: {value};\n" in css, name
    assert '"Cinzel", Georgia, serif' in css
    assert '"Source Sans 3", system-ui, sans-serif' in css
    assert '"JetBrains Mono", ui-monospace, monospace' in css
    assert "prefers-reduced-motion: reduce" in css
    for font in re.findall(r'url\("\.\./(fonts/[^"]+\.woff2)"\)', css):
        assert finders.find(font), f"{font} is referenced but not shipped"


# --- ACC-62 robots.txt and paths ------------------------------------------------------------


def test_acc62_robots_txt_disallows_admin_accounts_api(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Disallow: /admin/", "Disallow: /accounts/", "Disallow: /api/"} <= set(lines)


def test_acc62_site_paths_have_no_trailing_slash(client):
    assert client.get("/theme.css/").status_code == 404
    assert client.get("/robots.txt/").status_code == 404
    assert client.get("/api/health/").status_code == 404


# --- ACC-4 time markup ----------------------------------------------------------------------


def test_acc4_utc_time_filter_markup():
    template = Template("{% load patt_tags %}{{ moment|utc_time }}")
    eastern = timezone(timedelta(hours=-5))

    aware = template.render(Context({"moment": datetime(2026, 3, 1, 16, 0, 30, tzinfo=eastern)}))
    naive = template.render(Context({"moment": datetime(2026, 12, 9, 7, 5)}))
    nothing = template.render(Context({"moment": None}))

    assert aware == '<time datetime="2026-03-01T21:00:30Z">Mar 1, 2026 21:00 UTC</time>'
    assert naive == '<time datetime="2026-12-09T07:05:00Z">Dec 9, 2026 07:05 UTC</time>'
    assert nothing == ""


def test_acc4_utc_time_filter_converts_across_midnight():
    template = Template("{% load patt_tags %}{{ moment|utc_time }}")
    moment = datetime(2026, 3, 1, 21, 0, tzinfo=UTC).astimezone(timezone(timedelta(hours=9)))

    assert "Mar 1, 2026 21:00 UTC" in template.render(Context({"moment": moment}))
