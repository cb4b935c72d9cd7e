"""The texts onboarding sends (ONB-13 … ONB-25), as `OutMessage`s for the bot to send.

Every text the spec quotes is here once, word for word; the conversation only picks them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from django.conf import settings

from identity.models import WowCharacter
from patt.discord.events import OutMessage
from patt.models import SiteConfig

PAUSED = "Onboarding is paused - an officer will help you."
ONLY_TEXT = "I can only read text - please type your answer."
WELCOME_BACK = "Welcome back! Picking up where we left off."
UNCLEAR_YES_NO = "Sorry, I didn't catch that - just **yes** or **no**?"
TAKE_AS_YES = "I'll take that as a yes!"
INVALID_NAME = "That doesn't look like a character name - one word, 2-12 letters."
VERIFIED = "You're verified - your welcome message is on its way."
DISMISSED = (
    "An officer closed your onboarding; if you've joined the guild since, use `/verify <name>`."
)
ASK_MAIN = (
    "What's your main character's name? The name alone is fine; add -Realm if you play on "
    "another realm."
)
ASK_MAIN_AGAIN = "No problem - what's the exact name?"
ASK_ALTS = "Any alts in the guild? Names separated by commas, or **none**."
NO_NAME_YET = "Once you've joined in-game, send me your character name."
CLOSE_MATCHED = "Matched! Setting up your role and website access - one more message is coming."
CLOSE_PENDING = (
    "I'll check after every roster sync; if I can't find you within a day, an officer will help."
)
HELP_INTRO = (
    "I'm {bot}, and I help new members of {guild} get set up: once I know your WoW character, "
    "you get the right Discord role and access to the website. An officer can always help too. "
    "Send **start over** to begin again."
)


def accent_colour(config: SiteConfig) -> int:
    return int(config.accent_colour.lstrip("#"), 16)


def footer(config: SiteConfig) -> dict[str, str]:
    return {"text": f"{config.guild_name} · {config.guild_realm_name}"}


def text(content: str) -> OutMessage:
    return OutMessage(content=content)


def opening(config: SiteConfig) -> OutMessage:
    """ONB-16: the opening question."""
    return OutMessage(
        embeds=(
            {
                "title": f"Welcome to {config.guild_name}!",
                "description": (
                    f"Have you already joined **{config.guild_name}** on "
                    f"**{config.guild_realm_name}** in WoW? Reply **yes** or **no** - no rush."
                ),
                "color": accent_colour(config),
                "footer": footer(config),
            },
        )
    )


def not_in_guild(config: SiteConfig) -> OutMessage:
    """ONB-19: "No worries!"."""
    return OutMessage(
        embeds=(
            {
                "title": "No worries!",
                "description": (
                    f"Ask any officer for an invite to {config.guild_name} in game. Once you're "
                    "in, DM me your character name or use `/verify <name>` - I check after "
                    "every roster sync."
                ),
                "color": accent_colour(config),
                "footer": footer(config),
            },
        )
    )


def not_present(config: SiteConfig) -> OutMessage:
    return text(f"You're not in the {config.guild_name} Discord right now - rejoin to continue.")


def all_set(player_name: str) -> OutMessage:
    site = settings.SITE_URL
    return text(
        f"You're all set as **{player_name}**. Sign in with Discord: {site}/accounts/login/ - "
        f"the roster: {site}/roster"
    )


def describe(character: WowCharacter) -> str:
    """A candidate as "**Name** (Realm, Class)" (ONB-18)."""
    details = [character.realm_name or character.realm_slug]
    if character.playable_class is not None:
        details.append(character.playable_class.name)
    return f"**{character.name}** ({', '.join(details)})"


def found(character: WowCharacter) -> OutMessage:
    """ONB-17: the "Found **Trogmoon** - Sen'jin, Druid (Member)." reply."""
    where = character.realm_name or character.realm_slug
    if character.playable_class is not None:
        where += f", {character.playable_class.name}"
    if character.guild_rank is not None:
        where += f" ({character.guild_rank.name})"
    return text(f"Found **{character.name}** - {where}.")


def not_on_roster(name: str) -> OutMessage:
    return text(
        f"I can't see **{name}** on the roster yet - it syncs a few times a day and I'll keep "
        "checking."
    )


def candidates(
    options: Sequence[WowCharacter], *, typed_realm: str = "", realm_mismatch: bool = False
) -> OutMessage:
    """ONB-18: one candidate -> "Did you mean …? yes/no"; several -> numbered; a realm
    mismatch with one candidate -> "I found **X** on A, not B - is that you?"."""
    if len(options) == 1:
        only = options[0]
        if realm_mismatch and typed_realm:
            realm = only.realm_name or only.realm_slug
            return text(f"I found **{only.name}** on {realm}, not {typed_realm} - is that you?")
        return text(f"Did you mean {describe(only)}? yes/no")
    lines = [f"{number}. {describe(c)}" for number, c in enumerate(options, start=1)]
    intro = "Which one is yours?"
    if realm_mismatch and typed_realm:
        intro = f"I found these, but not on {typed_realm} - is one of them yours?"
    return text("\n".join([intro, *lines, "Reply with the number, or **no**."]))


def wrap_up(
    config: SiteConfig,
    *,
    main: WowCharacter | None,
    alts_found: Iterable[WowCharacter],
    alts_missing: Iterable[str],
    ignored: Iterable[str],
) -> OutMessage:
    """ONB-25: "Got it - thanks!" with the main and the alts."""
    main_value = (
        f"{main.name} - {main.realm_name or main.realm_slug}" if main else "(not on the roster yet)"
    )
    found_names = [f"{c.name} - {c.realm_name or c.realm_slug}" for c in alts_found]
    missing = list(alts_missing)
    alt_lines = []
    if found_names:
        alt_lines.append("Found: " + ", ".join(found_names))
    if missing:
        alt_lines.append("Not yet on the roster: " + ", ".join(missing))
    fields: list[dict[str, Any]] = [
        {"name": "Main", "value": main_value[:1024], "inline": False},
        {"name": "Alts", "value": ("\n".join(alt_lines) or "(none)")[:1024], "inline": False},
    ]
    ignored = list(ignored)
    if ignored:
        fields.append({"name": "Ignored", "value": ", ".join(ignored)[:1024], "inline": False})
    return OutMessage(
        embeds=(
            {
                "title": "Got it - thanks!",
                "color": accent_colour(config),
                "fields": fields,
                "footer": footer(config),
            },
        )
    )


def still_looking(name: str, *, attempts: int, last: str) -> OutMessage:
    """ONB-23."""
    checked = f"checked {attempts} times, last {last}" if attempts else "not checked yet"
    return text(
        f"Still looking for **{name}** ({checked}); if the name was wrong, send me the right one."
    )


def prefixed(messages: list[OutMessage], *, prefix: str) -> list[OutMessage]:
    """ONB-14: put `prefix` in front of the first reply."""
    if not messages:
        return [text(prefix)]
    first = messages[0]
    content = f"{prefix}\n{first.content}" if first.content else prefix
    return [replace(first, content=content), *messages[1:]]


def summary(message: OutMessage) -> str:
    """What the timeline shows of a message sent (ONB-2): its text or its embed's title."""
    if message.content:
        return message.content
    return " / ".join(str(embed.get("title", "")) for embed in message.embeds)
