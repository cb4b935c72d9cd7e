"""Helpers of the `/roster` tests: a signed-in member with a Player, and form posts."""

from django.test import Client

from tests.factories import PlayerFactory, UserFactory, rank, spec


def member(username="member", display_name="Trog", rank_name="Member"):
    """A user with an active Player of `rank_name`; returns (user, player)."""
    user = UserFactory(username=username)
    player = PlayerFactory(display_name=display_name, user=user, guild_rank=rank(rank_name))
    return user, player


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_post(name, class_name, spec_name=None, *, realm="", main=False) -> dict:
    """The add-character form as posted (ROS-14)."""
    from tests.factories import playable_class

    data = {
        "action": "add_character",
        "add-name": name,
        "add-realm": realm,
        "add-playable_class": str(playable_class(class_name).pk) if class_name else "",
        "add-spec": str(spec(class_name, spec_name).pk) if spec_name else "",
    }
    if main:
        data["add-is_main"] = "on"
    return data


def availability_post(days=(), *, auto=False, reminders=False, notes="") -> dict:
    """The availability form as posted (ROS-16); `days` are weekday numbers."""
    data = {
        "action": "save_availability",
        "avail-notes": notes,
        "avail-days": [str(d) for d in days],
    }
    if auto:
        data["avail-auto_signup"] = "on"
    if reminders:
        data["avail-wants_reminders"] = "on"
    return data
