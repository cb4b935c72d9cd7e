"""Navigation and user menu (ACC-45), the mobile menu (ACC-46), sign-out (ACC-34).

The pages behind most navigation items come with later issues; the tests marked
`@pytest.mark.urls(__name__)` add stand-ins under the URL names the registry expects, so the
rules for who sees what are checked now.
"""

import re
from html import unescape

import pytest
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.template import engines
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import path

from patt import urls as patt_urls
from patt.context_processors import sign_in_url
from patt.registry import nav_items
from tests.factories import PlayerFactory, UserFactory, rank

pytestmark = pytest.mark.django_db

_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Stand-in{% endblock %}'
    "{% block content %}<p>stand-in</p>{% endblock %}"
)


def _stand_in(request):
    """A page in the site layout, standing in for one a later issue builds."""
    return HttpResponse(_PAGE.render({}, request))


def _landing_with_live_vote(request):
    """The landing page as the campaigns app will serve it: `nav_vote` set by its context
    processor (simulated here by passing the value)."""
    needs_vote = request.GET.get("voted") != "1"
    return render(
        request, "patt/landing.html", {"nav_vote": {"url": "/vote/7", "needs_vote": needs_vote}}
    )


urlpatterns = [
    *patt_urls.urlpatterns,
    path("campaigns", _stand_in, name="campaigns"),
    path("roster-view", _stand_in, name="roster-view"),
    path("roster", _stand_in, name="roster"),
    path("mitos-corner", _stand_in, name="mitos-corner"),
    path("raid-admin", _stand_in, name="raid-admin"),
    path("test/live-vote", _landing_with_live_vote),
]
handler400 = patt_urls.handler400
handler403 = patt_urls.handler403
handler404 = patt_urls.handler404
handler500 = patt_urls.handler500

PUBLIC = ["Home", "Campaigns", "Roster", "Mito's Corner"]
MEMBER = ["Home", "Campaigns", "Roster", "My characters", "Mito's Corner"]
OFFICER = [*MEMBER, "Raid planner"]


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def desktop_nav(html: str) -> str:
    return re.search(r'<nav class="nav-desktop" aria-label="Main">(.*?)</nav>', html, re.S)[1]


def mobile_menu(html: str) -> str:
    return re.search(r'<details class="nav-mobile">(.*?)</details>', html, re.S)[1]


def nav_links(html: str) -> list[tuple[str, str]]:
    """(label, href) of the desktop navigation's links, in order."""
    return [
        (_text(label), href)
        for href, label in re.findall(
            r'<a class="nav-link[^"]*" href="([^"]+)"[^>]*>(.*?)</a>', desktop_nav(html), re.S
        )
    ]


def labels(html: str) -> list[str]:
    return [label for label, _ in nav_links(html)]


def member(rank_name="Member", **user_fields):
    user = UserFactory(**user_fields)
    PlayerFactory(display_name=f"{user.username.title()}", user=user, guild_rank=rank(rank_name))
    return user


# --- ACC-45: who sees which item ------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_acc45_anonymous_sees_public_pages_and_sign_in_with_next(client):
    html = client.get("/roster-view").content.decode()

    assert nav_links(html) == [
        ("Home", "/"),
        ("Campaigns", "/campaigns"),
        ("Roster", "/roster-view"),
        ("Mito's Corner", "/mitos-corner"),
    ]
    assert '<a class="btn btn-primary sign-in" href="/accounts/login/?next=/roster-view">' in html
    assert "Sign out" not in html
    assert "user-menu" not in html


@pytest.mark.urls(__name__)
def test_acc45_member_sees_my_characters_but_not_raid_planner_or_admin(client):
    client.force_login(member("Veteran"))  # level 3: the highest rank below officer

    html = client.get("/").content.decode()

    assert labels(html) == MEMBER
    assert ("My characters", "/roster") in nav_links(html)
    assert ">Sign in</a>" not in html


@pytest.mark.urls(__name__)
def test_acc45_signed_in_user_without_player_gets_member_items_username_no_badge(client):
    client.force_login(UserFactory(username="lonely"))

    html = client.get("/").content.decode()

    assert labels(html) == MEMBER
    assert '<span class="user-name">lonely</span>' in html
    assert "badge-rank" not in html


@pytest.mark.urls(__name__)
def test_acc45_officer_sees_raid_planner_and_staff_sees_admin(client):
    client.force_login(member("Officer", is_staff=True))

    html = client.get("/").content.decode()

    assert labels(html) == [*OFFICER, "Admin"]
    assert nav_links(html)[-2:] == [("Raid planner", "/raid-admin"), ("Admin", "/admin/")]


@pytest.mark.urls(__name__)
def test_acc45_guild_leader_is_an_officer_for_navigation(client):
    client.force_login(member("Guild Leader", is_staff=True))

    assert "Raid planner" in labels(client.get("/").content.decode())


@pytest.mark.urls(__name__)
def test_acc45_superuser_without_player_sees_the_raid_planner_the_page_lets_them_into(client):
    """Issue 12: the navigation and the raid planner ask the same officer rule (ROS-30)."""
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    html = client.get("/").content.decode()

    assert labels(html) == [*OFFICER, "Admin"]


@pytest.mark.urls("tests.site.nav_minimal_urls")
def test_acc45_items_whose_pages_do_not_resolve_are_left_out(client):
    assert labels(client.get("/").content.decode()) == ["Home"]

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert labels(client.get("/").content.decode()) == ["Home", "Admin"]


def test_acc45_registry_has_exactly_the_spec_rows_in_order():
    assert [(e.label, e.url_name, e.audience) for e in nav_items()] == [
        ("Home", "landing", "anyone"),
        ("Campaigns", "campaigns", "anyone"),
        ("Roster", "roster-view", "anyone"),
        ("My characters", "roster", "member"),
        ("Mito's Corner", "mitos-corner", "anyone"),
        ("Raid planner", "raid-admin", "officer"),
        ("Admin", "admin:index", "staff"),
    ]


@pytest.mark.urls(__name__)
def test_acc45_current_page_is_marked(client):
    html = client.get("/mitos-corner").content.decode()

    assert '<a class="nav-link" href="/mitos-corner" aria-current="page">' in desktop_nav(html)
    assert desktop_nav(html).count("aria-current") == 1


# --- ACC-45: the Vote item ------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_acc45_vote_item_follows_home_when_a_live_campaign_exists(client):
    html = client.get("/test/live-vote").content.decode()

    assert nav_links(html)[:3] == [
        ("Home", "/"),
        ("Vote (you have not voted yet)", "/vote/7"),
        ("Campaigns", "/campaigns"),
    ]
    assert '<span class="nav-dot" aria-hidden="true"></span>' in desktop_nav(html)


@pytest.mark.urls(__name__)
def test_acc45_vote_item_has_no_dot_once_voted(client):
    html = client.get("/test/live-vote?voted=1").content.decode()

    assert ("Vote", "/vote/7") in nav_links(html)
    assert "nav-dot" not in html


@pytest.mark.urls(__name__)
def test_acc45_no_vote_item_without_a_live_campaign(client):
    html = client.get("/").content.decode()

    assert "Vote" not in labels(html)
    assert "/vote/" not in html


# --- ACC-45: the user menu ------------------------------------------------------------------


def test_acc45_user_menu_has_name_rank_badge_account_and_sign_out_post(client):
    user = UserFactory(username="trogdor")
    PlayerFactory(display_name="Trog", user=user, guild_rank=rank("Veteran"))
    client.force_login(user)

    html = client.get("/").content.decode()

    desktop = re.search(r'<div class="user-desktop">(.*?)</details>', html, re.S)[1]
    for menu in (desktop, mobile_menu(html)):
        assert _text(re.search(r'<p class="user-identity">(.*?)</p>', menu, re.S)[1]) == (
            "Trog Veteran"
        )
        assert '<span class="badge badge-rank">Veteran</span>' in menu
        assert '<a class="nav-link" href="/accounts/password/change/">Account</a>' in menu
        form = re.search(
            r'<form class="sign-out" method="post" action="([^"]+)">(.*?)</form>', menu, re.S
        )
        assert form[1] == "/accounts/logout/"
        assert 'name="csrfmiddlewaretoken"' in form[2]
        assert re.search(r'<button type="submit" [^>]*>Sign out</button>', form[2])
    assert '<span class="user-summary-name">Trog</span>' in desktop
    assert ">Sign in</a>" not in html


def test_acc45_inactive_player_keeps_their_name_but_shows_no_rank_badge():
    # Rendered without middleware: a signed-in user whose Player just became inactive.
    user = UserFactory(username="gone")
    PlayerFactory(display_name="Gone", user=user, guild_rank=rank("Officer"), is_active=False)
    request = RequestFactory().get("/")
    request.user = user

    html = _PAGE.render({}, request)

    assert '<span class="user-name">Gone</span>' in html
    assert "badge-rank" not in html


@pytest.mark.urls(__name__)
def test_acc45_navigation_and_user_menu_share_one_player_query(client):
    client.force_login(member("Officer", is_staff=True))

    with CaptureQueriesContext(connection) as captured:
        html = client.get("/roster").content.decode()

    player_queries = [
        q["sql"] for q in captured.captured_queries if 'FROM "identity_player"' in q["sql"]
    ]
    assert "Raid planner" in labels(html)
    assert len(player_queries) == 1, player_queries


def test_acc45_sign_in_link_returns_to_the_page_but_not_to_account_pages():
    factory = RequestFactory()

    assert sign_in_url(factory.get("/roster-view", {"view": "composition"})) == (
        "/accounts/login/?next=/roster-view%3Fview%3Dcomposition"
    )
    assert sign_in_url(factory.get("/accounts/signup/")) == "/accounts/login/?next=/"
    assert sign_in_url(None) == "/accounts/login/?next=/"


def test_acc34_sign_out_posts_and_returns_home(client):
    client.force_login(UserFactory(username="leaver"))

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session


# --- ACC-46: mobile menu --------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_acc46_mobile_menu_is_details_summary_with_the_same_links(client):
    client.force_login(member("Officer", is_staff=True))

    html = client.get("/").content.decode()

    mobile = mobile_menu(html)
    assert "<summary>Menu</summary>" in mobile
    mobile_nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', mobile, re.S)[1]
    hrefs = re.findall(r'href="([^"]+)"', mobile_nav)
    assert hrefs == re.findall(r'href="([^"]+)"', desktop_nav(html))
    assert len(hrefs) == 7
    assert "user-menu-flat" in mobile, "the user menu is inside the mobile menu too"


def test_acc46_anonymous_mobile_menu_has_the_sign_in_button(client):
    mobile = mobile_menu(client.get("/").content.decode())

    assert '<a class="btn btn-primary sign-in" href="/accounts/login/?next=/">Sign in</a>' in mobile
