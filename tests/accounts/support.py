"""Helpers shared by the account tests."""

import html as html_lib
import re

from django.contrib.messages import get_messages

from identity.models import InviteCode, Player
from identity.services.invites import create_invite
from tests.factories import DiscordUserFactory, PlayerFactory, rank

PASSWORD = "Salty-Podcast-42"


def discord_user_json(discord_id: str, username: str, global_name: str | None = None) -> dict:
    """Discord's `GET /users/@me` for the `identify` scope."""
    return {
        "id": discord_id,
        "username": username,
        "global_name": global_name,
        "discriminator": "0",
        "avatar": None,
    }


def invited_player(
    username: str = "trogdor", display_name: str = "Trog", rank_name: str = "Member", **player
) -> tuple[Player, InviteCode]:
    """A Player linked to a Discord user `username`, with a fresh invite code."""
    discord_user = DiscordUserFactory(username=username, display_name=display_name)
    target = PlayerFactory(
        display_name=display_name, discord_user=discord_user, guild_rank=rank(rank_name), **player
    )
    return target, create_invite(target)


def signup_data(code: str, username: str = "trogdor", password: str = PASSWORD, **extra) -> dict:
    return {
        "code": code,
        "username": username,
        "password1": password,
        "password2": password,
        **extra,
    }


def text_of(response) -> str:
    """The visible text of an HTML response, tags dropped and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def form_errors(response) -> list[str]:
    """The messages of the box above the form (ACC-25: one message)."""
    html = response.content.decode()
    box = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S)
    return re.findall(r"<p>([^<]*)</p>", box.group(1)) if box else []


def field_errors(response, field: str) -> list[str]:
    html = response.content.decode()
    block = re.search(
        rf'<div class="form-field[^"]*">\s*<label for="id_{field}">.*?</div>', html, re.S
    )
    return re.findall(r'<p class="field-error">([^<]*)</p>', block.group(0)) if block else []


def input_value(response, name: str) -> str | None:
    """The `value` attribute of the input called `name` (None when it has none)."""
    html = response.content.decode()
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no input {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def flashes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def inline_code(response) -> list[str]:
    """Inline scripts, style blocks, style attributes and on* handlers (ACC-54 forbids all)."""
    html = response.content.decode()
    found = [
        f"inline <script>: {m[:40]}" for m in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    ]
    found += re.findall(r"<style\b", html)
    found += re.findall(r"<[^>]+\sstyle=", html)
    found += re.findall(r"<\w+[^>]*\son\w+=", html)
    return found


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session
