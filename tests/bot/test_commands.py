"""§10 adapters: the slash-command coroutines called directly with stand-in interactions
(BOT-32). They defer (ephemeral) before any work, hand plain `MemberInfo`s to the patched
service, and answer with an ephemeral follow-up; an error becomes "Something went wrong (error
<id>)" and autocomplete returns at most 25 choices, or [] on error (BOT-7, BOT-10, BOT-20)."""

import asyncio
from types import SimpleNamespace
from unittest.mock import AsyncMock

import pytest

from onboarding import bot_commands
from onboarding.services import commands as services
from onboarding.services.commands import StartOutcome
from patt import registry
from patt.discord.events import DMS_CLOSED, SENT, Delivery, MemberInfo, OutMessage
from patt.refusals import Refused
from tests.bot.support import GUILD_ID, stand_in_member

pytestmark = pytest.mark.django_db


def stand_in_interaction(*, user=None, client=None):
    """BOT-32: `user`, `guild_id`, `response.defer`, `followup.send`; the user's roles."""
    calls: list[str] = []
    response = SimpleNamespace(defer=AsyncMock(side_effect=lambda **kw: calls.append("defer")))
    followup = SimpleNamespace(send=AsyncMock(side_effect=lambda *a, **kw: calls.append("send")))
    return SimpleNamespace(
        user=user or stand_in_member(id=2002, name="boss", role_ids=(5001,)),
        guild_id=GUILD_ID,
        response=response,
        followup=followup,
        client=client,
        calls=calls,
    )


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def patch_service(monkeypatch):
    """Replace one service; record the order of the defer and the service call."""

    def patch(name, result=None, *, raises=None, interaction=None):
        seen = []

        def service(**kwargs):
            if interaction is not None:
                interaction.calls.append("service")
            seen.append(kwargs)
            if raises is not None:
                raise raises
            return result

        monkeypatch.setattr(services, name, service)
        return seen

    return patch


def test_bot_10_verify_defers_ephemeral_before_the_service_and_follows_up(patch_service):
    interaction = stand_in_interaction(user=stand_in_member(id=1001, name="trogdor"))
    seen = patch_service("verify_member", "Verified!", interaction=interaction)
    run(bot_commands.verify(interaction, character="Trogmoon"))
    assert interaction.calls == ["defer", "service", "send"]
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    interaction.followup.send.assert_awaited_once_with("Verified!", ephemeral=True)
    [kwargs] = seen
    assert kwargs["character"] == "Trogmoon"
    member = kwargs["member"]
    assert isinstance(member, MemberInfo)
    assert (member.id, member.username, member.role_ids) == ("1001", "trogdor", ("9002",))


def test_bot_20_officer_commands_pass_the_caller_and_target(patch_service):
    interaction = stand_in_interaction()
    seen = patch_service("dismiss_onboarding", "Dismissed onboarding for <@1001> (session #3).")
    target = stand_in_member(id=1001)
    run(bot_commands.onboard_dismiss(interaction, member=target, reason="alt"))
    [kwargs] = seen
    assert kwargs["caller"].id == "2002" and kwargs["caller"].role_ids == ("5001",)
    assert kwargs["target"].id == "1001" and kwargs["reason"] == "alt"
    interaction.followup.send.assert_awaited_once_with(
        "Dismissed onboarding for <@1001> (session #3).", ephemeral=True
    )


def test_bot_21_a_refusal_is_the_ephemeral_reply(patch_service):
    interaction = stand_in_interaction()
    patch_service("onboarding_status", raises=Refused(services.OFFICERS_ONLY))
    run(bot_commands.onboard_status(interaction))
    interaction.followup.send.assert_awaited_once_with(
        "This command is for officers only.", ephemeral=True
    )


def test_bot_7_an_error_gets_an_error_id(patch_service, caplog):
    interaction = stand_in_interaction()
    patch_service("onboarding_status", raises=RuntimeError("boom"))
    with caplog.at_level("ERROR", logger="onboarding"):
        run(bot_commands.onboard_status(interaction))
    [(args, kwargs)] = interaction.followup.send.await_args_list
    assert args[0].startswith("Something went wrong (error ") and kwargs == {"ephemeral": True}
    error_id = args[0].removeprefix("Something went wrong (error ").removesuffix(")")
    assert any(getattr(r, "error_id", None) == error_id for r in caplog.records)


def test_onb_51_start_sends_the_opening_dm_then_reports_it(patch_service):
    opening = OutMessage(content="Welcome!")
    client = SimpleNamespace(send_messages=AsyncMock(return_value=Delivery(DMS_CLOSED, 0, "")))
    interaction = stand_in_interaction(client=client)
    patch_service("start_onboarding", StartOutcome(opening=opening))
    reported = patch_service("report_start_dm", "DMs closed - landing notice queued")
    target = stand_in_member(id=1001)
    run(bot_commands.onboard_start(interaction, member=target))
    client.send_messages.assert_awaited_once_with(target, [opening])
    assert reported == [{"target_id": "1001", "outcome": DMS_CLOSED}]
    interaction.followup.send.assert_awaited_once_with(
        "DMs closed - landing notice queued", ephemeral=True
    )


def test_onb_51_start_with_dms_off_replies_without_a_dm(patch_service):
    client = SimpleNamespace(send_messages=AsyncMock(return_value=Delivery(SENT, 1, "")))
    interaction = stand_in_interaction(client=client)
    patch_service("start_onboarding", StartOutcome(reply="DMs are off - the session waits."))
    run(bot_commands.onboard_start(interaction, member=stand_in_member(id=1001)))
    client.send_messages.assert_not_awaited()
    interaction.followup.send.assert_awaited_once_with(
        "DMs are off - the session waits.", ephemeral=True
    )


def test_bot_10_autocomplete_returns_at_most_25_choices(patch_service):
    patch_service("character_choices", [f"Name{i}-Realm" for i in range(30)])
    choices = run(bot_commands.character_autocomplete(stand_in_interaction(), "Na"))
    assert len(choices) == 25 and choices[0].name == choices[0].value == "Name0-Realm"


def test_bot_10_autocomplete_returns_nothing_on_error(patch_service):
    patch_service("character_choices", raises=RuntimeError("db down"))
    assert run(bot_commands.character_autocomplete(stand_in_interaction(), "Na")) == []


def test_bot_12_onboarding_contributes_its_commands():
    [contribution] = [c for c in registry.bot_commands() if c.name == "onboarding.commands"]
    names = {command.name for command in contribution.build()}
    assert {
        "verify",
        "onboard-status",
        "onboard-dismiss",
        "onboard-start",
        "onboard-resolve",
        "onboard-retry",
        "resend-invite",
        "whois",
    } <= names


def test_onb_51_whois_passes_either_option(patch_service):
    interaction = stand_in_interaction()
    seen = patch_service("whois", "Player **Trog**")
    run(bot_commands.whois(interaction, character="Trogmoon"))
    assert seen[0]["target"] is None and seen[0]["character"] == "Trogmoon"
    interaction.followup.send.assert_awaited_once_with("Player **Trog**", ephemeral=True)


def test_onb_51_resolve_passes_the_character(patch_service):
    interaction = stand_in_interaction()
    seen = patch_service("resolve_onboarding", "Resolved <@1001>")
    run(bot_commands.onboard_resolve(interaction, member=stand_in_member(id=1001)))
    assert seen[0]["character"] == "" and seen[0]["target"].id == "1001"
    interaction.followup.send.assert_awaited_once_with("Resolved <@1001>", ephemeral=True)
