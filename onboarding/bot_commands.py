"""onboarding's slash commands (§10) as discord.py `app_commands`: thin adapters (BOT-8, BOT-10).

Each command coroutine defers the interaction (ephemeral) before any database work, copies the
caller and the target into `MemberInfo`s, calls one sync service of
`onboarding.services.commands` off the event loop (`run_unit`: a `bot_unit` in the sync thread,
BOT-9), and answers with an ephemeral follow-up: the service's text, a refusal's message, or
"Something went wrong (error <id>)" with the error logged under that id (BOT-7). The rules all
live in the services; `build()` is what onboarding/contributions.py registers (`BotCommands`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from onboarding.services import commands as services
from patt.discord.bot import member_info, new_error_id, run_unit
from patt.discord.events import FAILED, Delivery
from patt.refusals import Refused

log = logging.getLogger("onboarding")

MAX_CHOICES = services.MAX_CHOICES


async def answer(
    interaction: discord.Interaction, command: str, service: Callable[..., Any], /, **kwargs: Any
) -> Any:
    """BOT-10: defer (ephemeral) first, run `service(**kwargs)` as a bot unit, then follow up.
    Returns what the service returned (None when it refused or failed)."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    started = time.monotonic()
    result: Any = None
    outcome, error_id = "ok", None
    try:
        result = await run_unit(service, **kwargs)
        reply = result if isinstance(result, str) else ""
    except Refused as refusal:
        outcome, reply = "refused", refusal.message
    except Exception:
        outcome, error_id = "error", new_error_id()
        reply = f"Something went wrong (error {error_id})"
        log.exception(
            "/%s failed (error %s)",
            command,
            error_id,
            extra={"command": command, "error_id": error_id, "outcome": "error"},
        )
    if reply:
        await interaction.followup.send(reply, ephemeral=True)
    log.info(
        "/%s from %s: %s",
        command,
        interaction.user.id,
        outcome,
        extra={
            "event": "interaction",
            "command": command,
            "discord_user_id": str(interaction.user.id),
            "outcome": outcome,
            "duration_ms": round((time.monotonic() - started) * 1000),
            "error_id": error_id,
        },
    )
    return result


# --- the commands ----------------------------------------------------------------------------


async def verify(interaction: discord.Interaction, character: str) -> None:
    """ONB-50: `/verify character` (any member)."""
    await answer(
        interaction,
        "verify",
        services.verify_member,
        member=member_info(interaction.user),
        character=character,
    )


async def onboard_status(
    interaction: discord.Interaction, member: discord.Member | None = None
) -> None:
    """ONB-51: `/onboard-status [member]`."""
    await answer(
        interaction,
        "onboard-status",
        services.onboarding_status,
        caller=member_info(interaction.user),
        target=member_info(member) if member is not None else None,
    )


async def onboard_dismiss(
    interaction: discord.Interaction, member: discord.Member, reason: str | None = None
) -> None:
    """ONB-51: `/onboard-dismiss member [reason]`."""
    await answer(
        interaction,
        "onboard-dismiss",
        services.dismiss_onboarding,
        caller=member_info(interaction.user),
        target=member_info(member),
        reason=reason or "",
    )


async def onboard_start(interaction: discord.Interaction, member: discord.Member) -> None:
    """ONB-51: `/onboard-start member`. The bot itself sends the opening DM (BOT-13), then
    reports how it went and tells the officer."""
    outcome = await answer(
        interaction,
        "onboard-start",
        services.start_onboarding,
        caller=member_info(interaction.user),
        target=member_info(member),
    )
    if outcome is None:
        return
    if outcome.opening is None:
        await interaction.followup.send(outcome.reply, ephemeral=True)
        return
    delivery: Delivery
    try:
        delivery = await interaction.client.send_messages(member, [outcome.opening])
    except Exception as exc:  # the DM is the checker's to retry; the officer still gets a reply
        delivery = Delivery(FAILED, 0, str(exc))
    await answer_followup(
        interaction,
        "onboard-start",
        services.report_start_dm,
        target_id=str(member.id),
        outcome=delivery.outcome,
    )


async def answer_followup(
    interaction: discord.Interaction, command: str, service: Callable[..., str], /, **kwargs: Any
) -> None:
    """A second service call of an already deferred interaction (BOT-8 step 5)."""
    try:
        reply = await run_unit(service, **kwargs)
    except Exception:
        error_id = new_error_id()
        log.exception(
            "/%s failed (error %s)",
            command,
            error_id,
            extra={"command": command, "error_id": error_id, "outcome": "error"},
        )
        reply = f"Something went wrong (error {error_id})"
    await interaction.followup.send(reply, ephemeral=True)


async def onboard_resolve(
    interaction: discord.Interaction, member: discord.Member, character: str | None = None
) -> None:
    """ONB-51: `/onboard-resolve member [character]`."""
    await answer(
        interaction,
        "onboard-resolve",
        services.resolve_onboarding,
        caller=member_info(interaction.user),
        target=member_info(member),
        character=character or "",
    )


async def onboard_retry(interaction: discord.Interaction, member: discord.Member) -> None:
    """ONB-51: `/onboard-retry member`."""
    await answer(
        interaction,
        "onboard-retry",
        services.retry_onboarding,
        caller=member_info(interaction.user),
        target=member_info(member),
    )


async def resend_invite(interaction: discord.Interaction, member: discord.Member) -> None:
    """ONB-51: `/resend-invite member`."""
    await answer(
        interaction,
        "resend-invite",
        services.resend_invite,
        caller=member_info(interaction.user),
        target=member_info(member),
    )


async def whois(
    interaction: discord.Interaction,
    member: discord.Member | None = None,
    character: str | None = None,
) -> None:
    """ONB-51: `/whois [member] [character]`."""
    await answer(
        interaction,
        "whois",
        services.whois,
        caller=member_info(interaction.user),
        target=member_info(member) if member is not None else None,
        character=character or "",
    )


# --- autocomplete (BOT-10, BOT-20) -----------------------------------------------------------


async def character_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Up to 25 roster characters starting with the typed text, from one query; [] on error."""
    try:
        names = await run_unit(services.character_choices, typed=current)
    except Exception:
        log.exception(
            "Autocomplete failed",
            extra={"event": "autocomplete", "error_id": new_error_id(), "outcome": "error"},
        )
        return []
    return [app_commands.Choice(name=name, value=name) for name in names[:MAX_CHOICES]]


# --- the tree --------------------------------------------------------------------------------


def build() -> list[app_commands.Command[Any, ..., Any]]:
    """The commands the bot adds to its tree for the server (BOT-12, BOT-20): visible to
    everyone; the officer check (BOT-21) decides inside each service."""
    verify_command = app_commands.Command(
        name="verify",
        description="Link your Discord account to your main character.",
        callback=verify,
    )
    verify_command.autocomplete("character")(character_autocomplete)
    resolve_command = app_commands.Command(
        name="onboard-resolve",
        description="Officers: verify a member by hand, with their main character.",
        callback=onboard_resolve,
    )
    resolve_command.autocomplete("character")(character_autocomplete)
    whois_command = app_commands.Command(
        name="whois",
        description="Officers: who a member or a character is.",
        callback=whois,
    )
    whois_command.autocomplete("character")(character_autocomplete)
    return [
        verify_command,
        resolve_command,
        whois_command,
        app_commands.Command(
            name="resend-invite",
            description="Officers: the website invite again, by DM.",
            callback=resend_invite,
        ),
        app_commands.Command(
            name="onboard-retry",
            description="Officers: verify again now, or queue provisioning again.",
            callback=onboard_retry,
        ),
        app_commands.Command(
            name="onboard-status",
            description="Officers: open onboarding sessions, or one member's session.",
            callback=onboard_status,
        ),
        app_commands.Command(
            name="onboard-dismiss",
            description="Officers: close a member's onboarding without provisioning.",
            callback=onboard_dismiss,
        ),
        app_commands.Command(
            name="onboard-start",
            description="Officers: restart a member's onboarding and send the opening DM.",
            callback=onboard_start,
        ),
    ]
