"""The slash commands as services (§10: BOT-20, BOT-21, ONB-50, ONB-51).

Each command is one typed service: it takes the caller and the target as plain `MemberInfo`s
(the bot copies them from the interaction, BOT-8), the options, and `now`; it returns the reply
text (every reply is ephemeral, BOT-20) or raises `Refused` with the spec's message. The bot's
adapters (onboarding/bot_commands.py) only defer, call the service off the event loop and send
the text. Officer commands check the caller first (BOT-21) and write an `officer` event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from identity.bot_listeners import member_data
from identity.matching.normalise import normalise
from identity.models import (
    DiscordUser,
    GuildRank,
    LinkSource,
    Player,
    PlayerCharacter,
    WowCharacter,
)
from identity.services.links import confirm_link, link_character
from identity.services.member_events import record_member_update
from identity.services.viewer import player_level
from onboarding.models import (
    CLOSED_STATES,
    OPEN_STATES,
    OnboardingEvent,
    OnboardingSession,
    RoleStatus,
    State,
)
from onboarding.services import flags
from onboarding.services.answers import ParsedName, parse_name, realm_key
from onboarding.services.joins import get_or_create_session, report_opening_dm, send_opening
from onboarding.services.roster_match import (
    AMBIGUOUS,
    REALM_MISMATCH,
    RESOLVED,
    resolve_exact,
    roster_characters,
    suggest,
)
from onboarding.services.states import record_event, reset, transition
from onboarding.services.timing import deadline_after
from patt.discord.events import DMS_CLOSED, SENT, MemberInfo, OutMessage
from patt.models import SiteConfig
from patt.refusals import Refused

__all__ = [
    "BOTS_DONT_ONBOARD",
    "OFFICERS_ONLY",
    "PAUSED",
    "TOO_MANY_TRIES",
    "RetryOutcome",
    "StartOutcome",
    "actor_of",
    "character_choices",
    "dismiss",
    "dismiss_onboarding",
    "find_character",
    "known_characters",
    "officer_event",
    "onboarding_status",
    "report_start_dm",
    "require_officer",
    "resend_invite",
    "resend_invite_of",
    "resolve_onboarding",
    "resolve_session_of",
    "retry_onboarding",
    "retry_session_of",
    "start_onboarding",
    "verify_member",
    "whois",
]

OFFICERS_ONLY = "This command is for officers only."
BOTS_DONT_ONBOARD = "Bots don't onboard."
PAUSED = "Onboarding is paused - an officer will help you."
TOO_MANY_TRIES = "Too many tries - wait a bit or ask an officer"
NOT_PRESENT = "{mention} is not in the server."
VERIFY_LIMIT = 5  # ONB-50: /verify at most 5 times per hour
VERIFY_WINDOW = timedelta(hours=1)
VERIFY_EVENT = "/verify"
MAX_CHOICES = 25  # BOT-10, BOT-20: Discord shows at most 25 autocomplete choices
STATUS_LIST_MAX = 20  # ONB-51: /onboard-status lists at most 20 open sessions
REPLY_MAX = 2000  # Discord's message length


def mention(discord_id: str) -> str:
    return f"<@{discord_id}>"


def _cut(text: str) -> str:
    return text if len(text) <= REPLY_MAX else text[: REPLY_MAX - 1] + "…"


# --- who is asking, about whom (BOT-20, BOT-21) ----------------------------------------------


def require_officer(caller: MemberInfo) -> Player | None:
    """BOT-21: the caller is an officer when their DiscordUser's Player has rank level ≥ 4
    (identity's level rule, `player_level`); a caller with no Player is one when one of their
    roles is the Discord role of a rank of level ≥ 4. Returns the officer's Player (None for an
    officer by role alone); anyone else is refused and nothing changes."""
    player = (
        Player.objects.select_related("guild_rank")
        .filter(discord_user__discord_id=caller.id)
        .first()
    )
    if player is not None:
        if player_level(player) >= GuildRank.OFFICER_LEVEL:
            return player
        raise Refused(OFFICERS_ONLY, code=Refused.FORBIDDEN)
    role_ids = [r for r in caller.role_ids if r]
    if (
        role_ids
        and GuildRank.objects.filter(
            level__gte=GuildRank.OFFICER_LEVEL, discord_role_id__in=role_ids
        ).exists()
    ):
        return None
    raise Refused(OFFICERS_ONLY, code=Refused.FORBIDDEN)


def target_user(target: MemberInfo) -> DiscordUser:
    """BOT-20: a bot target is refused; a target with no DiscordUser is upserted from the
    interaction (identity's upsert rule, IDN-27)."""
    if target.bot:
        raise Refused(BOTS_DONT_ONBOARD)
    user = DiscordUser.objects.filter(discord_id=target.id).first()
    if user is None:
        user = record_member_update(member=member_data(target))
    if user is None:
        raise Refused(BOTS_DONT_ONBOARD)
    return user


def _locked_session(user: DiscordUser) -> OnboardingSession | None:
    return (
        OnboardingSession.objects.select_for_update(of=("self",)).filter(discord_user=user).first()
    )


def actor_of(caller: MemberInfo) -> str:
    """Who ran a slash command, for the timeline."""
    return f"{caller.display_name or caller.username} ({caller.id})"


def officer_event(session: OnboardingSession, *, actor: str, what: str, now: datetime) -> None:
    """BOT-20, ONB-2: officer commands and admin actions write an `officer` event."""
    record_event(session, kind=OnboardingEvent.Kind.OFFICER, detail=f"{what} by {actor}", now=now)


# --- /verify (ONB-24, ONB-50) ----------------------------------------------------------------


def _sign_in_line() -> str:
    return f"Sign in with Discord: {settings.SITE_URL}/accounts/login/"


def _code_lines(session: OnboardingSession, *, now: datetime) -> list[str]:
    """ONB-29: the code appears only in DMs and ephemeral replies."""
    invite = session.invite
    if session.has_account or invite is None or invite.used_at or invite.expires_at <= now:
        return []
    return [
        f"Prefer a password? {settings.SITE_URL}/register?code={invite.code} "
        f"(code **{invite.code}**, single use)"
    ]


def _already_verified(session: OnboardingSession, *, now: datetime) -> str:
    player = session.player.display_name if session.player else "(unknown)"
    return "\n".join(
        [f"Already verified as {player}", _sign_in_line(), *_code_lines(session, now=now)]
    )


def _verified_reply(session: OnboardingSession, *, now: datetime) -> str:
    character = session.main_character
    where = ""
    if character is not None:
        details = [character.realm_name or character.realm_slug]
        if character.playable_class is not None:
            details.append(character.playable_class.name)
        where = f"**{character.name}** ({', '.join(details)})"
    return "\n".join(
        [
            f"Verified! You're linked to {where}; your role and welcome message are on the way.",
            _sign_in_line(),
            *_code_lines(session, now=now),
        ]
    )


def _not_found_reply(name: str, suggestions: list[str]) -> str:
    if suggestions:
        return f"I can't find {name}. Did you mean {', '.join(suggestions)}?"
    return (
        f"I can't find {name} - it isn't on the roster yet; I'll keep checking after each sync, "
        "and an officer will help if it takes over a day."
    )


def verify_member(*, member: MemberInfo, character: str, now: datetime | None = None) -> str:
    """ONB-24, ONB-50: `/verify character` for any member.

    Onboarding off: ONB-1's pause. At most 5 tries an hour. A closed provisioned session gets
    "already verified", a `verified` one "finishing your setup", a dismissed one a new round
    (ONB-5), none a new session. Then the typed main replaces the reported one, the session
    moves to `pending_verification` (deadline set if empty), and it is resolved and verified at
    once (`verification.verify_session`, ONB-26).
    """
    from onboarding.services.verification import verify_session  # ONB-26, written beside this

    now = now or timezone.now()
    if not SiteConfig.get().onboarding_enabled:
        raise Refused(PAUSED, code=Refused.UNAVAILABLE)
    user = target_user(member)
    parsed = parse_name(character)
    if parsed is None:
        raise Refused(f"{character!r} isn't a character name - try `/verify Name` or `Name-Realm`.")
    with transaction.atomic():
        session, _ = get_or_create_session(user, now=now, trigger="/verify")
        tries = session.events.filter(
            kind=OnboardingEvent.Kind.VERIFICATION,
            detail__startswith=VERIFY_EVENT,
            at__gt=now - VERIFY_WINDOW,
        ).count()
        if tries >= VERIFY_LIMIT:
            raise Refused(TOO_MANY_TRIES, code=Refused.RATE_LIMITED)
        record_event(
            session,
            kind=OnboardingEvent.Kind.VERIFICATION,
            detail=f"{VERIFY_EVENT} {character}",
            now=now,
        )
        if session.state in (State.PROVISIONED, State.MANUALLY_RESOLVED):
            return _already_verified(session, now=now)
        if session.state == State.VERIFIED:
            return "You're verified - finishing your setup; your welcome message is on the way."
        if session.state == State.DISMISSED:
            reset(session, now=now, trigger="/verify after a dismissal")
        roster = roster_characters()
        resolution = resolve_exact(
            parsed, home_realm=SiteConfig.get().guild_realm_slug, roster=roster
        )
        fields = {
            "is_in_guild": True,
            "reported_main_name": parsed.name,
            "reported_main_realm": parsed.realm,
            "main_character": resolution.character,
            "dm_completed_at": session.dm_completed_at or now,
            "deadline_at": session.deadline_at or now + deadline_after(),
        }
        if session.state == State.PENDING_VERIFICATION:
            for name, value in fields.items():
                setattr(session, name, value)
            session.save()
        else:
            transition(session, to=State.PENDING_VERIFICATION, now=now, trigger="/verify", **fields)
        if resolution.outcome in (AMBIGUOUS, REALM_MISMATCH):
            return _ambiguous_reply(parsed.name, resolution.candidates)
        if resolution.outcome != RESOLVED:
            names = [c.name for c, _ in suggest(parsed, roster=roster)]
            return _not_found_reply(parsed.name, names)
        outcome = verify_session(session, now=now)
        if outcome.verified:
            session.refresh_from_db()
            return _verified_reply(session, now=now)
        if outcome.member_reply:
            return outcome.member_reply
        if outcome.options:
            return _ambiguous_reply(parsed.name, outcome.options)
        return _not_found_reply(parsed.name, [])


def _ambiguous_reply(name: str, options: Sequence[WowCharacter | str]) -> str:
    """ONB-50: "Several characters are called X: X-A, X-B. Run `/verify X-A`."."""
    labels = [
        o if isinstance(o, str) else f"{o.name}-{o.realm_name or o.realm_slug}" for o in options
    ]
    return f"Several characters are called {name}: {', '.join(labels)}. Run `/verify {labels[0]}`."


# --- /onboard-dismiss (ONB-51) ---------------------------------------------------------------


def dismiss_onboarding(
    *, caller: MemberInfo, target: MemberInfo, reason: str = "", now: datetime | None = None
) -> str:
    """ONB-51 `/onboard-dismiss member [reason]`: an open session -> `dismissed` with
    `resolved_by` and the note; nothing is created and links stay."""
    now = now or timezone.now()
    officer = require_officer(caller)
    user = target_user(target)
    with transaction.atomic():
        session = _locked_session(user)
        if session is None or session.state in CLOSED_STATES:
            return f"No open onboarding session for {mention(target.id)}."
        dismiss(session, officer=officer, reason=reason, now=now, trigger="/onboard-dismiss")
        officer_event(session, actor=actor_of(caller), what="/onboard-dismiss", now=now)
    return f"Dismissed onboarding for {mention(target.id)} (session #{session.pk})."


def dismiss(
    session: OnboardingSession,
    *,
    officer: Player | None,
    reason: str,
    now: datetime,
    trigger: str,
) -> OnboardingSession:
    """ONB-4 "any open -> dismissed" (the slash command and the admin action): `resolved_by`
    and the note. Call with the row locked."""
    return transition(
        session,
        to=State.DISMISSED,
        now=now,
        trigger=trigger + (f": {reason}" if reason else ""),
        resolved_by=officer,
        resolution_note=reason,
    )


# --- /onboard-start (ONB-51) -----------------------------------------------------------------


@dataclass(frozen=True)
class StartOutcome:
    """What `/onboard-start` did: the reply, or the opening DM for the bot to send first (the
    bot itself sends it, BOT-13), after which `report_start_dm` gives the reply."""

    reply: str = ""
    opening: OutMessage | None = None


def start_onboarding(
    *, caller: MemberInfo, target: MemberInfo, now: datetime | None = None
) -> StartOutcome:
    """ONB-51 `/onboard-start member`: the member must be present; reset (ONB-5) and start as
    for a join (ONB-8): with DMs on the session moves to `asked_in_guild` and the opening DM
    is returned for the bot to send; with DMs off it waits."""
    now = now or timezone.now()
    require_officer(caller)
    config = SiteConfig.get()
    if not config.onboarding_enabled:
        raise Refused("Onboarding is paused.", code=Refused.UNAVAILABLE)
    user = target_user(target)
    if not user.is_present:
        raise Refused(NOT_PRESENT.format(mention=mention(target.id)))
    with transaction.atomic():
        session, created = get_or_create_session(user, now=now, trigger="/onboard-start")
        if not created:
            reset(session, now=now, trigger="/onboard-start")
        officer_event(session, actor=actor_of(caller), what="/onboard-start", now=now)
        if not config.bot_dms_enabled:
            return StartOutcome(reply="DMs are off - the session waits.")
        opening = send_opening(session, config=config, now=now, trigger="/onboard-start")
    return StartOutcome(opening=opening)


def report_start_dm(*, target_id: str, outcome: str, now: datetime | None = None) -> str:
    """ONB-51, ONB-40: how the `/onboard-start` opening DM went, as the officer's reply."""
    report_opening_dm(discord_user_id=target_id, outcome=outcome, now=now)
    if outcome == SENT:
        return "Welcome DM sent."
    if outcome == DMS_CLOSED:
        return "DMs closed - landing notice queued"
    return "The DM failed - the session waits in awaiting_dm for the checker."


# --- /onboard-resolve (ONB-51) ---------------------------------------------------------------


def known_characters(parsed: ParsedName) -> list[WowCharacter]:
    """Every known character (roster or not) of that name, and on the realm hint's realm when
    one is given; roster characters first. One query."""
    known = list(
        WowCharacter.objects.filter(name_key=parsed.name.casefold())
        .select_related("playable_class", "guild_rank", "link__player")
        .order_by("-in_guild", "realm_slug")
    )
    if parsed.realm:
        known = [
            c for c in known if parsed.realm in {realm_key(c.realm_slug), realm_key(c.realm_name)}
        ]
    return known


def find_character(typed: str) -> WowCharacter:
    """ONB-51: any known character (roster or not) by `Name` or `Name-Realm`; unknown or
    ambiguous is refused with the options."""
    parsed = parse_name(typed)
    if parsed is None:
        raise Refused(f"{typed!r} isn't a character name - use `Name` or `Name-Realm`.")
    known = known_characters(parsed)
    if len(known) == 1:
        return known[0]
    if not known:
        suggestions = [c.name for c, _ in suggest(parsed)]
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise Refused(f"No character named {typed} on record.{hint}", code=Refused.NOT_FOUND)
    options = ", ".join(f"{c.name}-{c.realm_name or c.realm_slug}" for c in known)
    raise Refused(f"Several characters are called {parsed.name}: {options}. Give the realm.")


def resolve_onboarding(
    *,
    caller: MemberInfo,
    target: MemberInfo,
    character: str = "",
    note: str = "",
    now: datetime | None = None,
) -> str:
    """ONB-51 `/onboard-resolve member [character]` (and the admin's Resolve…, ONB-61).

    For an open or dismissed session, or none (created); a provisioned or resolved one is
    refused. The player is the member's (P_D), else the character's owner without Discord,
    else a new one; an owner with another Discord user, or a P_D other than the owner, is
    refused. The character is linked `manual` (high, confirmed, by the officer), the session
    moves to `verified` with `resolved_by` and the note, the access step runs (ONB-29) and
    provisioning is queued on commit (ONB-28).
    """
    now = now or timezone.now()
    officer = require_officer(caller)
    user = target_user(target)
    return resolve_session_of(
        user,
        officer=officer,
        actor=actor_of(caller),
        what="/onboard-resolve",
        character=character,
        note=note,
        now=now,
    )


def resolve_session_of(
    user: DiscordUser,
    *,
    officer: Player | None,
    actor: str,
    what: str,
    character: str = "",
    note: str = "",
    now: datetime,
) -> str:
    """ONB-51, ONB-61: the resolve itself, for the slash command and the admin action (which
    check the officer their own way)."""
    from onboarding.services.provisioning import grant_access, queue_provisioning
    from onboarding.services.verification import fill_player  # ONB-26 step 6

    with transaction.atomic():
        session, _ = get_or_create_session(user, now=now, trigger="/onboard-resolve")
        if session.state in (State.PROVISIONED, State.MANUALLY_RESOLVED):
            raise Refused(f"Already {session.state} - use `/onboard-start`.", code=Refused.CONFLICT)
        chosen = find_character(character) if character else None
        player = _resolve_player(user, chosen)
        if chosen is not None:
            link = PlayerCharacter.objects.filter(character=chosen).first()
            if link is None:
                link_character(
                    player=player,
                    character=chosen,
                    source=LinkSource.MANUAL,
                    linked_by=officer,
                    recompute_ranks=False,  # fill_player recomputes it
                )
            elif not link.confirmed:
                confirm_link(link=link, confirmed_by=officer)
            fill_player(player, main=chosen)
        elif player.guild_rank_id is None:
            lowest = GuildRank.objects.order_by("level").first()
            if lowest is not None:
                player.guild_rank = lowest
                player.save(update_fields=["guild_rank", "updated_at"])
        if session.state in CLOSED_STATES:  # dismissed: a new round, then resolved
            reset(session, now=now, trigger="/onboard-resolve after a dismissal")
        if session.state != State.VERIFIED:
            transition(
                session,
                to=State.VERIFIED,
                now=now,
                trigger=f"{what} by {actor}",
                resolved_by=officer,
                resolution_note=note or session.resolution_note,
                player=player,
                main_character=chosen or session.main_character,
                verified_at=now,
            )
        else:
            session.resolved_by = officer
            session.resolution_note = note or session.resolution_note
            session.save()
        officer_event(session, actor=actor, what=what, now=now)
        grant_access(session, now=now)
        queue_provisioning(session, now=now)
        player.refresh_from_db()
        rank = player.guild_rank.name if player.guild_rank else "no rank"
        access = (
            "has a website account"
            if session.has_account
            else f"code **{session.invite.code}** ({settings.SITE_URL}/register?code="
            f"{session.invite.code})"
            if session.invite
            else "no code"
        )
        main = (
            f"{chosen.name}-{chosen.realm_name or chosen.realm_slug}" if chosen else "no character"
        )
        return (
            f"Resolved {mention(user.discord_id)}: player **{player.display_name}** ({rank}), "
            f"{main}; "
            f"{access}. Role and welcome DM are queued."
        )


def _resolve_player(user: DiscordUser, character: WowCharacter | None) -> Player:
    """ONB-51: P_D, else the character's owner without Discord, else a new player; refused
    when the owner has another Discord user or P_D is not the owner."""
    own = Player.objects.filter(discord_user=user).first()
    owner = (
        Player.objects.select_related("discord_user")
        .filter(character_links__character=character)
        .first()
        if character is not None
        else None
    )
    if owner is not None and (
        (owner.discord_user_id and owner.discord_user_id != user.pk)
        or (own is not None and own.pk != owner.pk)
    ):
        other = f" (<@{owner.discord_user.discord_id}>)" if owner.discord_user else ""
        assert character is not None
        raise Refused(
            f"{character.name} belongs to {owner.display_name}{other}; fix the link in the "
            "admin first",
            code=Refused.CONFLICT,
        )
    if own is not None:
        return own
    if owner is not None:
        owner.discord_user = user
        owner.save(update_fields=["discord_user", "updated_at"])
        return owner
    return Player.objects.create(
        display_name=user.display_name or user.username,
        discord_user=user,
        rank_source=Player.RankSource.AUTO,
    )


# --- /onboard-retry (ONB-51) -----------------------------------------------------------------


def retry_onboarding(*, caller: MemberInfo, target: MemberInfo, now: datetime | None = None) -> str:
    """ONB-51 `/onboard-retry member` (and the admin's Retry, ONB-61): a
    `pending_verification` session is verified now; a `verified` one gets provisioning queued
    again; anything else has nothing to retry."""
    require_officer(caller)
    user = target_user(target)
    return retry_session_of(
        user, actor=actor_of(caller), what="/onboard-retry", now=now or timezone.now()
    ).reply


@dataclass(frozen=True)
class RetryOutcome:
    """What a retry did: `kind` counts rows in the admin's message (ONB-61), `reply` is the
    slash command's text."""

    kind: str
    reply: str


def retry_session_of(user: DiscordUser, *, actor: str, what: str, now: datetime) -> RetryOutcome:
    """ONB-51, ONB-61: the retry itself, for the slash command and the admin action."""
    from onboarding.services.provisioning import queue_provisioning, queue_role_retry
    from onboarding.services.verification import verify_session

    who = mention(user.discord_id)
    with transaction.atomic():
        session = _locked_session(user)
        if session is None:
            return RetryOutcome("skipped (no session)", f"No onboarding session for {who}.")
        if session.state == State.PENDING_VERIFICATION:
            officer_event(session, actor=actor, what=what, now=now)
            outcome = verify_session(session, now=now)
            if outcome.verified:
                return RetryOutcome("verified", f"Verified {who}; provisioning is queued.")
            detail = f" ({outcome.detail})" if outcome.detail else ""
            return RetryOutcome(
                "still pending", f"Still {session.state}: {outcome.result}{detail}."
            )
        if session.state == State.VERIFIED:
            officer_event(session, actor=actor, what=what, now=now)
            queue_provisioning(session, now=now)
            return RetryOutcome("provisioning queued", f"Provisioning queued again for {who}.")
        if session.state == State.PROVISIONED and session.role_status == RoleStatus.FAILED:
            officer_event(session, actor=actor, what=what, now=now)
            queue_role_retry(session, now=now)
            return RetryOutcome("role step queued", f"The role step is queued again for {who}.")
        closed = "closed" if session.state in CLOSED_STATES else session.state
        return RetryOutcome(
            f"skipped ({closed})", f"Nothing to retry - the session is {session.state}."
        )


# --- /resend-invite (ONB-51) -----------------------------------------------------------------


def resend_invite(*, caller: MemberInfo, target: MemberInfo, now: datetime | None = None) -> str:
    """ONB-51 `/resend-invite member` (and the admin's "Resend welcome & invite", ONB-61).

    No player: use `/onboard-resolve`. A website account: said, no code. Otherwise the access
    step (ONB-29: the newest unused invite with ≥ 24 h left, or a new one) and the invite's DM
    queued on commit (identity's invite DM, ACC-32; DMs off: not sent); the reply has the
    code, its expiry and the DM status."""
    now = now or timezone.now()
    require_officer(caller)
    user = target_user(target)
    return resend_invite_of(user, actor=actor_of(caller), what="/resend-invite", now=now)


def resend_invite_of(user: DiscordUser, *, actor: str, what: str, now: datetime) -> str:
    from identity.models import InviteDmStatus
    from identity.services.invite_dm import queue_invite_dm
    from onboarding.services.provisioning import grant_access

    who = mention(user.discord_id)
    player = Player.objects.select_related("user").filter(discord_user=user).first()
    if player is None:
        raise Refused("No player yet - use `/onboard-resolve`.", code=Refused.NOT_FOUND)
    if player.user is not None:
        return f"Already has an account (username {player.user.get_username()})"
    with transaction.atomic():
        session = _locked_session(user)
        if session is None or session.player_id != player.pk:
            raise Refused(
                f"No onboarding session with a player for {who} - use `/onboard-resolve`.",
                code=Refused.CONFLICT,
            )
        grant_access(session, now=now)
        invite = session.invite
        if invite is None:
            raise Refused("No invite could be made.", code=Refused.CONFLICT)
        dms_on = SiteConfig.get().bot_dms_enabled
        invite.dm_status = InviteDmStatus.QUEUED if dms_on else InviteDmStatus.DMS_OFF
        invite.save(update_fields=["dm_status"])
        if dms_on:
            queue_invite_dm(invite.pk)
        officer_event(session, actor=actor, what=what, now=now)
    dm = "DM queued" if dms_on else "DMs are off - share the link yourself"
    return (
        f"Invite for {who}: code **{invite.code}**, expires {_when(invite.expires_at)}; "
        f"{settings.SITE_URL}/register?code={invite.code} ({dm})."
    )


# --- /whois (ONB-51) -------------------------------------------------------------------------

WHOIS_MAX_CHARACTERS = 15


def _player_summaries() -> QuerySet[Player]:
    return Player.objects.select_related(
        "guild_rank", "user", "main_character", "discord_user__onboarding_session"
    )


def whois(
    *,
    caller: MemberInfo,
    target: MemberInfo | None = None,
    character: str = "",
    now: datetime | None = None,
) -> str:
    """ONB-51 `/whois [member] [character]`: exactly one option. A member: their player,
    rank (source), Discord name and presence, account, main, ≤ 15 characters with their links,
    and the onboarding state. A character: its details and owner, with the owner's summary."""
    require_officer(caller)
    if (target is None) == (not character):
        raise Refused("Give exactly one of member or character.")
    if target is not None:
        if target.bot:
            raise Refused(BOTS_DONT_ONBOARD)
        user = (
            DiscordUser.objects.select_related("onboarding_session")
            .filter(discord_id=target.id)
            .first()
        )
        player = _player_summaries().filter(discord_user__discord_id=target.id).first()
        if player is None:
            presence = _presence(user)
            state = _session_state(user)
            return f"{mention(target.id)}{presence}: no player yet. Onboarding: {state}."
        return _cut(_player_summary(player))
    parsed = parse_name(character)
    known = known_characters(parsed) if parsed is not None else []
    if not known:
        hint = ""
        if parsed is not None:
            names = [c.name for c, _ in suggest(parsed)]
            hint = f" Did you mean {', '.join(names)}?" if names else ""
        return f"No character named {character} on record.{hint}"
    lines = []
    for found in known[:WHOIS_MAX_CHARACTERS]:
        link = getattr(found, "link", None)
        owner = (
            f"linked to **{link.player.display_name}** ({_link_text(link)})"
            if link is not None
            else "not linked to anyone"
        )
        lines.append(f"{_character_line(found)}; {owner}")
        if link is not None and len(known) == 1:
            lines.append(_player_summary(_player_summaries().get(pk=link.player_id)))
    return _cut("\n".join(lines))


def _presence(user: DiscordUser | None) -> str:
    if user is None:
        return ""
    where = "in the server" if user.is_present else "left the server"
    return f" ({user.display_name or user.username}, {where})"


def _session_state(user: DiscordUser | None) -> str:
    session = getattr(user, "onboarding_session", None) if user is not None else None
    return session.state if session is not None else "no session"


def _character_line(character: WowCharacter) -> str:
    realm = character.realm_name or character.realm_slug
    details = [
        character.playable_class.name if character.playable_class else "?",
        f"level {character.level}" if character.level else "level ?",
        character.guild_rank.name if character.guild_rank else "no rank",
        "in guild" if character.in_guild else "not in guild",
    ]
    return f"**{character.name}-{realm}** ({', '.join(details)})"


def _link_text(link: PlayerCharacter) -> str:
    confirmed = "confirmed" if link.confirmed else "unconfirmed"
    return f"{link.link_source}, {link.confidence}, {confirmed}"


def _player_summary(player: Player) -> str:
    rank = player.guild_rank.name if player.guild_rank else "no rank"
    user = player.discord_user
    account = f"yes ({player.user.get_username()})" if player.user else "no"
    main = player.main_character.name if player.main_character else "(none)"
    links = list(
        PlayerCharacter.objects.filter(player=player)
        .select_related("character__playable_class", "character__guild_rank")
        .order_by("-character__in_guild", "character__name")[: WHOIS_MAX_CHARACTERS + 1]
    )
    lines = [
        f"Player **{player.display_name}**: {rank} ({player.rank_source})",
        f"Discord: {mention(user.discord_id) if user else '(none)'}{_presence(user)}",
        f"Website account: {account} · main: {main}",
    ]
    for link in links[:WHOIS_MAX_CHARACTERS]:
        lines.append(f"- {_character_line(link.character)}: {_link_text(link)}")
    if len(links) > WHOIS_MAX_CHARACTERS:
        lines.append("- …and more in the admin")
    lines.append(f"Onboarding: {_session_state(user)}")
    return "\n".join(lines)


# --- /onboard-status (ONB-51) ----------------------------------------------------------------


def onboarding_status(
    *, caller: MemberInfo, target: MemberInfo | None = None, now: datetime | None = None
) -> str:
    """ONB-51 `/onboard-status [member]`. No member: counts by state, then at most 20 open
    sessions oldest first with their flags (OVERDUE / ESCALATED / QUIET / DMS CLOSED). With a
    member: the whole session."""
    now = now or timezone.now()
    require_officer(caller)
    if target is None:
        return _cut(_status_overview(now=now))
    session = (
        OnboardingSession.objects.select_related("main_character", "player", "invite")
        .filter(discord_user__discord_id=target.id)
        .first()
    )
    if session is None:
        return f"No onboarding session for {mention(target.id)}."
    return _cut(_status_of(session, now=now))


def _status_overview(*, now: datetime) -> str:
    counts = dict(OnboardingSession.objects.values_list("state").annotate(n=Count("pk")).order_by())
    open_sessions = list(
        OnboardingSession.objects.filter(state__in=sorted(OPEN_STATES))
        .select_related("discord_user", "main_character")
        .order_by("started_at", "pk")[:STATUS_LIST_MAX]
    )
    if not open_sessions:
        return "No open onboarding sessions."
    lines = [
        " · ".join(
            f"{State(state).label}: {counts[state]}" for state in State.values if counts.get(state)
        )
    ]
    for session in open_sessions:
        main = (
            session.main_character.name
            if session.main_character
            else session.reported_main_name or "(not reported)"
        )
        line = (
            f"{mention(session.discord_user.discord_id)} · {session.state} · {main} · "
            f"{session.verification_attempts} attempts"
        )
        marks = flags.flags_of(session, now=now)
        if marks:
            line += " · " + " ".join(marks)
        lines.append(line)
    return "\n".join(lines)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def _status_of(session: OnboardingSession, *, now: datetime) -> str:
    user_id = session.discord_user.discord_id
    main = session.main_character.name if session.main_character else "(none)"
    dms = (
        "closed" if session.dm_blocked_at else "sent" if session.opening_dm_sent_at else "not sent"
    )
    code = "has a website account" if session.has_account else "-"
    if not session.has_account and session.invite is not None:
        code = f"{session.invite.code} (expires {_when(session.invite.expires_at)})"
    marks = flags.flags_of(session, now=now)
    lines = [
        f"Session #{session.pk} for {mention(user_id)}: **{session.state}** (round {session.round})"
        + (f" · {' '.join(marks)}" if marks else ""),
        f"Reported main: {session.reported_main_name or '(not reported)'} · matched: {main}",
        f"In guild: {session.is_in_guild} · alts: {', '.join(session.reported_alt_names) or '-'}",
        f"Verification: {session.verification_attempts} attempts, last "
        f"{session.last_verification_result or '-'} {session.last_verification_detail}".rstrip(),
        f"Player: {session.player.display_name if session.player else '-'} · code: {code}",
        f"DMs: {dms} · role: {session.role_status or '-'} · "
        f"welcome DM: {session.welcome_dm_status or '-'}",
        f"Deadline: {_when(session.deadline_at)} · escalated: {_when(session.escalated_at)}",
        f"Last error: {session.provision_error or '-'}",
        f"{settings.SITE_URL}/admin/onboarding/onboardingsession/{session.pk}/change/",
    ]
    return "\n".join(lines)


# --- autocomplete (BOT-10, BOT-20) -----------------------------------------------------------


def character_choices(*, typed: str, limit: int | None = MAX_CHOICES) -> list[str]:
    """BOT-20: up to 25 roster characters whose name key starts with the typed text, as
    `Name-Realm`. One query (the roster's names), the prefix compared by name key."""
    key = normalise(typed.split("-", 1)[0].strip())
    rows = (
        WowCharacter.objects.filter(in_guild=True)
        .order_by("name_key", "realm_slug")
        .values_list("name", "realm_name", "realm_slug")
    )
    choices = []
    for name, realm_name, realm_slug in rows:
        if normalise(name).startswith(key):
            choices.append(f"{name}-{realm_name or realm_slug}")
            if len(choices) == limit:
                break
    return choices
