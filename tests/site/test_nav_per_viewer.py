"""The navigation shows exactly the pages the viewer may open (ACC-45, ACC-2; issue 12 item 2).

For each kind of viewer, every navigation item the registry knows (patt/registry.py, all apps'
`NavItem`s) is fetched as that viewer: an item is in the navigation if and only if its page
answers 200. A page that redirects to sign-in, refuses (403) or is missing is one the viewer
may not open, so its item must be hidden. So is a sign-in invitation a login-required page
shows in place of its content (ROS-12: `/roster` for anonymous visitors): it is the sign-in
gate answering, not the page.
"""

import re

import pytest
from django.urls import reverse

from identity.models import LinkSource
from identity.services.accounts import sync_officer_access
from patt.registry import nav_items
from tests.factories import (
    DiscordUserFactory,
    PlayerCharacterFactory,
    PlayerFactory,
    UserFactory,
    WowCharacterFactory,
    rank,
)

pytestmark = pytest.mark.django_db

# Sign-in gates rendered in place of a login-required page's content (ROS-12).
SIGN_IN_INVITATIONS = ("Sign in with Discord to join the raid roster",)


def _player(username: str, rank_name: str, *, in_guild: bool = True, **user_fields):
    """A user with a Player of `rank_name` and one linked character; `in_guild=False` is a
    player who left (IDN-15): the character departed and no Discord user is present."""
    user = UserFactory(username=username, **user_fields)
    player = PlayerFactory(display_name=username.title(), user=user, guild_rank=rank(rank_name))
    character = WowCharacterFactory(in_guild=in_guild)
    PlayerCharacterFactory(player=player, character=character, link_source=LinkSource.MANUAL)
    if in_guild:
        player.discord_user = DiscordUserFactory(is_present=True)
        player.save(update_fields=["discord_user"])
    sync_officer_access(user)  # ACC-35 / IDN-15: staff access as the syncs would set it
    return user


def anonymous():
    return None


def signed_in_without_player():
    return UserFactory(username="visitor")


def member():
    return _player("rocket", "Member")


def officer():
    return _player("skatefarm", "Officer")


def superuser_without_player():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def officer_who_left():
    return _player("bloodvalor", "Officer", in_guild=False)


VIEWERS = {
    "anonymous": anonymous,
    "signed-in non-member": signed_in_without_player,
    "member": member,
    "officer": officer,
    "superuser without player": superuser_without_player,
    "officer who left the guild": officer_who_left,
}


def opens(response) -> bool:
    """The viewer may open the page: a 200 with the page itself, not a sign-in invitation."""
    if response.status_code != 200:
        return False
    html = response.content.decode()
    return not any(invitation in html for invitation in SIGN_IN_INVITATIONS)


def shown_hrefs(html: str) -> set[str]:
    nav = re.search(r'<nav class="nav-desktop" aria-label="Main">(.*?)</nav>', html, re.S)[1]
    return set(re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"', nav))


@pytest.mark.parametrize("kind", list(VIEWERS))
def test_acc45_navigation_shows_exactly_the_pages_the_viewer_may_open(client, kind):
    user = VIEWERS[kind]()
    if user is not None:
        client.force_login(user)

    shown = shown_hrefs(client.get("/").content.decode())

    mismatches = []
    for item in nav_items():
        url = reverse(item.url_name)
        may_open = opens(client.get(url))
        if may_open != (url in shown):
            mismatches.append(
                f"{item.label} ({url}): {'opens' if may_open else 'refused'} but "
                f"{'shown' if url in shown else 'hidden'}"
            )
    assert not mismatches, f"{kind}: {mismatches}"


def test_acc45_every_viewer_kind_sees_a_different_but_sensible_navigation(client):
    """The per-viewer test above is not vacuous: officers see more than members, members more
    than visitors, and the Admin item follows staff access."""
    labels = {}
    for kind, make in VIEWERS.items():
        client.logout()
        user = make()
        if user is not None:
            client.force_login(user)
        shown = shown_hrefs(client.get("/").content.decode())
        labels[kind] = {item.label for item in nav_items() if reverse(item.url_name) in shown}

    assert "My characters" not in labels["anonymous"]
    assert "My characters" in labels["member"]
    assert {"Raid planner", "Admin"} <= labels["officer"]
    assert {"Raid planner", "Admin"}.isdisjoint(labels["officer who left the guild"])
    assert "Admin" in labels["superuser without player"]
