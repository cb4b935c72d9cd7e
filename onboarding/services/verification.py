"""Verification (ONB-26, ONB-27): `verify_session`, the one place a session finds its player.

It touches only the database, as one transaction (a savepoint inside a caller's), and is called
from the DM wrap-up and later answers (ONB-25, ONB-23), `/verify` (ONB-24), the checker
(ONB-32) and `/onboard-retry`. Links go through identity's link services and ranks through its
rank rule, so those rules stay written once. On success the access step (ONB-29) runs at once
and provisioning is queued on commit (ONB-28).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from identity.models import (
    Confidence,
    DiscordUser,
    GuildRank,
    LinkSource,
    Player,
    PlayerCharacter,
    RankSource,
    WowCharacter,
)
from identity.services.links import confirm_link, link_character
from identity.services.ranks import recompute_player_ranks
from onboarding.models import EscalationReason, OnboardingEvent, OnboardingSession, State
from onboarding.models import VerificationResult as Outcome
from onboarding.services.answers import ParsedName, parse_name
from onboarding.services.provisioning import grant_access, queue_provisioning
from onboarding.services.roster_match import AMBIGUOUS, RESOLVED, resolve_exact, roster_for
from onboarding.services.states import (
    discard_events_since,
    events_mark,
    record_event,
    transition,
)
from patt.models import SiteConfig
from patt.refusals import Refused

__all__ = [
    "CONFLICT_REPLY",
    "ESCALATE_AT_ONCE",
    "OFFICER_LEVEL",
    "OFFICER_RANK_REPLY",
    "VerificationResult",
    "verify_session",
]

logger = logging.getLogger("onboarding")

UNVERIFIED_LINK = Q(link_source=LinkSource.ROSTER_FORM, confirmed=False)
OFFICER_LEVEL = 4  # ONB-26 step 3, BOT-21: rank level 4 and up is an officer rank
DETAIL_MAX = 500

# ONB-27: the member never learns who owns a character.
CONFLICT_REPLY = (
    "That character is linked to another account - I've asked the officers to take a look."
)
OFFICER_RANK_REPLY = "Officer characters are confirmed by an officer - I've let them know."

# ONB-34: these escalate at once, not at the deadline.
ESCALATE_AT_ONCE = frozenset(
    {
        Outcome.OWNED_BY_OTHER_DISCORD,
        Outcome.OWNED_BY_OTHER_PLAYER,
        Outcome.OFFICER_RANK_CLAIM,
    }
)


@dataclass(frozen=True)
class VerificationResult:
    """The outcome of one `verify_session` call (ONB-26).

    `result` is a value of `onboarding.models.VerificationResult` (verified, no_name, no_match,
    ambiguous, owned_by_other_discord, owned_by_other_player, officer_rank_claim, error);
    `detail` is what was recorded on the session; `options` are the `Name-Realm` choices of an
    ambiguous name (ONB-21); `character` the main found (also for conflicts, never shown to the
    member, ONB-27); `player` the player on success.
    """

    result: str
    detail: str = ""
    character: WowCharacter | None = None
    player: Player | None = None
    options: tuple[str, ...] = field(default=())

    @property
    def verified(self) -> bool:
        return self.result == Outcome.VERIFIED

    @property
    def conflict(self) -> bool:
        """An escalating outcome the member gets ONB-27's reply for."""
        return self.result in ESCALATE_AT_ONCE

    @property
    def member_reply(self) -> str:
        """ONB-27's text for a conflict or officer-rank claim; blank otherwise."""
        if self.result == Outcome.OFFICER_RANK_CLAIM:
            return OFFICER_RANK_REPLY
        if self.conflict:
            return CONFLICT_REPLY
        return ""


def verify_session(session: OnboardingSession, *, now: datetime) -> VerificationResult:
    """ONB-26: match a `pending_verification` session to a roster character and a player.

    Each call adds 1 to `verification_attempts` (not for `no_name`) and records the result and
    its detail. Success moves the session to `verified` with its player and links, runs the
    access step (ONB-29) and queues provisioning on commit. A conflict or officer-rank claim
    links nothing and escalates at once (ONB-34). An exception rolls the attempt back and is
    recorded as `error`. Refuses (`Refused`, conflict) a session not in
    `pending_verification`, changing nothing. The caller holds the session row locked (BOT-9).
    """
    if session.state != State.PENDING_VERIFICATION:
        raise Refused(
            f"Onboarding session #{session.pk} is {session.state}, not pending verification.",
            code=Refused.CONFLICT,
        )
    mark = events_mark()
    try:
        with transaction.atomic():
            outcome = _verify(session, now=now)
            _record(session, outcome, now=now)
            if outcome.verified:
                grant_access(session, now=now)
                queue_provisioning(session, now=now)
    except Exception as exc:
        # The savepoint rolled back every change of this attempt (its timeline rows held back
        # by a caller's `batched_events` too); re-read what is stored.
        discard_events_since(mark)
        logger.exception(
            "Verification of onboarding session %s failed",
            session.pk,
            extra={"event": "verification", "session_id": session.pk, "outcome": "error"},
        )
        session.refresh_from_db()
        outcome = VerificationResult(Outcome.ERROR, f"{type(exc).__name__}: {exc}"[:DETAIL_MAX])
        _record(session, outcome, now=now)
    return outcome


def _record(session: OnboardingSession, outcome: VerificationResult, *, now: datetime) -> None:
    """Count the attempt (not `no_name`), store the result, escalate a conflict at once."""
    if outcome.result != Outcome.NO_NAME:
        session.verification_attempts += 1
    session.last_verification_at = now
    session.last_verification_result = outcome.result
    session.last_verification_detail = outcome.detail[:DETAIL_MAX]
    fields = [
        "verification_attempts",
        "last_verification_at",
        "last_verification_result",
        "last_verification_detail",
        "updated_at",
    ]
    if outcome.result in ESCALATE_AT_ONCE and session.escalated_at is None:
        # ONB-34: set once per round; the checker posts it.
        session.escalated_at = now
        session.escalation_reason = EscalationReason(outcome.result)
        fields += ["escalated_at", "escalation_reason"]
        record_event(
            session,
            kind=OnboardingEvent.Kind.ESCALATION,
            detail=f"{outcome.result}: {outcome.detail}",
            now=now,
        )
    session.save(update_fields=fields)
    record_event(
        session,
        kind=OnboardingEvent.Kind.VERIFICATION,
        detail=f"{outcome.result}: {outcome.detail}" if outcome.detail else outcome.result,
        now=now,
    )


def _name_realm(character: WowCharacter) -> str:
    return f"{character.name}-{character.realm_name or character.realm_slug}"


def _verify(session: OnboardingSession, *, now: datetime) -> VerificationResult:
    config = SiteConfig.get()
    discord_user = DiscordUser.objects.get(pk=session.discord_user_id)
    own_player = Player.objects.filter(discord_user=discord_user).first()
    # The roster characters this session can name (main and alts), in one query.
    alts = [parsed for raw in session.reported_alt_names or [] if (parsed := parse_name(str(raw)))]
    reported = (
        [ParsedName(session.reported_main_name, session.reported_main_realm)]
        if session.reported_main_name
        else []
    )
    roster = roster_for(
        [*reported, *alts],
        ids=[session.main_character_id] if session.main_character_id is not None else [],
    )

    # Step 1: the main.
    main: WowCharacter | None = None
    miss = VerificationResult(Outcome.NO_NAME, "no name reported")
    if session.main_character_id is not None:
        main = next((c for c in roster if c.pk == session.main_character_id), None)
    if main is None and session.reported_main_name:
        parsed = ParsedName(session.reported_main_name, session.reported_main_realm)
        resolution = resolve_exact(parsed, home_realm=config.guild_realm_slug, roster=roster)
        if resolution.outcome == RESOLVED:
            main = resolution.character
        elif resolution.outcome == AMBIGUOUS:
            options = tuple(_name_realm(c) for c in resolution.candidates)
            miss = VerificationResult(
                Outcome.AMBIGUOUS,
                f"several called {session.reported_main_name}: {', '.join(options)}",
                options=options,
            )
        else:
            realm = f" ({session.reported_main_realm})" if session.reported_main_realm else ""
            miss = VerificationResult(
                Outcome.NO_MATCH, f"{session.reported_main_name}{realm} is not on the roster"
            )
    # Step 2: no main, but the member's player already has a trusted roster character.
    if main is None and own_player is not None:
        main = _trusted_character(own_player)
    if main is None:
        return miss

    # Step 3: the officer-rank guard.
    link = PlayerCharacter.objects.filter(character=main).select_related("player").first()
    owner = link.player if link is not None else None
    rank_level = main.guild_rank.level if main.guild_rank is not None else 0
    mine = own_player is not None and owner is not None and owner.pk == own_player.pk
    if rank_level >= OFFICER_LEVEL and not mine:
        return VerificationResult(
            Outcome.OFFICER_RANK_CLAIM,
            f"{_name_realm(main)} has the officer rank {main.guild_rank}",
            character=main,
        )

    # Step 4: the player.
    if own_player is not None:
        if owner is not None and owner.pk != own_player.pk:
            return VerificationResult(
                Outcome.OWNED_BY_OTHER_PLAYER,
                f"{_name_realm(main)} is {owner}'s, but this account is {own_player}'s",
                character=main,
            )
        player = own_player
    elif owner is None:
        # Step 6's "main (and its active spec) only if empty" is written with the new row.
        player = Player.objects.create(
            display_name=discord_user.display_name or discord_user.username,
            discord_user=discord_user,
            rank_source=RankSource.AUTO,
            main_character=main,
            main_spec_id=main.active_spec_id,
        )
    elif owner.discord_user_id is None:
        owner.discord_user = discord_user
        owner.save(update_fields=["discord_user", "updated_at"])
        player = owner
    else:
        other = DiscordUser.objects.get(pk=owner.discord_user_id)
        return VerificationResult(
            Outcome.OWNED_BY_OTHER_DISCORD,
            f"{_name_realm(main)} belongs to {owner}, linked to <@{other.discord_id}>",
            character=main,
        )

    # Step 5: the links (the rank is recomputed once, in step 6).
    if link is None:
        link_character(
            player=player,
            character=main,
            source=LinkSource.ONBOARDING,
            confidence=Confidence.HIGH,
            confirmed=True,
            recompute_ranks=False,
        )
    elif not link.confirmed and link.link_source != LinkSource.MANUAL:
        confirm_link(link=link, confirmed_by=None)
    notes = _link_alts(session, player=player, main=main, roster=roster, home=config)

    # Step 6: the player's fields and rank.
    fill_player(player, main=main)

    # Step 7: verified.
    detail = f"{_name_realm(main)} -> {player}"
    if notes:
        detail += "; alts: " + "; ".join(notes)
    transition(
        session,
        to=State.VERIFIED,
        now=now,
        trigger="verification succeeded",
        player=player,
        verified_at=now,
        main_character=main,
    )
    return VerificationResult(Outcome.VERIFIED, detail, character=main, player=player)


def _trusted_character(player: Player) -> WowCharacter | None:
    """ONB-26 step 2: a roster character linked to `player` `confirmed` or `high` (by the
    identity matcher or an officer); the player's main first."""
    links = (
        PlayerCharacter.objects.filter(player=player, character__in_guild=True)
        # A member's own unconfirmed roster-form claim is not trusted (IDN-15's rule too).
        .filter(Q(confirmed=True) | (Q(confidence=Confidence.HIGH) & ~UNVERIFIED_LINK))
        .select_related("character__guild_rank", "character__playable_class")
        .order_by("-character__guild_rank__level", "character__name_key")
    )
    characters = [link.character for link in links]
    for character in characters:
        if character.pk == player.main_character_id:
            return character
    return characters[0] if characters else None


def _link_alts(
    session: OnboardingSession,
    *,
    player: Player,
    main: WowCharacter,
    roster: list[WowCharacter],
    home: SiteConfig,
) -> list[str]:
    """ONB-26 step 5: each reported alt that is an unowned roster character below officer rank
    is linked `onboarding`, `medium`, unconfirmed. Others are skipped and noted; no character
    ever moves between players."""
    notes: list[str] = []
    for raw in session.reported_alt_names or []:
        parsed = parse_name(str(raw))
        if parsed is None:
            notes.append(f"{raw}: not a name")
            continue
        resolution = resolve_exact(parsed, home_realm=home.guild_realm_slug, roster=roster)
        alt = resolution.character
        if alt is None:
            notes.append(f"{parsed.name}: {resolution.outcome.replace('_', ' ')}")
            continue
        if alt.pk == main.pk:
            continue
        owner_id = (
            PlayerCharacter.objects.filter(character=alt)
            .values_list("player_id", flat=True)
            .first()
        )
        if owner_id is not None:
            if owner_id != player.pk:
                notes.append(f"{parsed.name}: linked to another player")
            continue
        if alt.guild_rank is not None and alt.guild_rank.level >= OFFICER_LEVEL:
            notes.append(f"{parsed.name}: officer rank")
            continue
        link_character(
            player=player,
            character=alt,
            source=LinkSource.ONBOARDING,
            confidence=Confidence.MEDIUM,
            confirmed=False,
            recompute_ranks=False,
        )
        notes.append(f"{parsed.name}: linked")
    return notes


def fill_player(player: Player, *, main: WowCharacter) -> None:
    """ONB-26 step 6: main (and its active spec) only if empty; the identity rank rule (once,
    after every link of this verification), then Initiate (the lowest rank) for a player still
    without one."""
    if player.main_character_id is None:
        player.main_character = main
        fields = ["main_character", "updated_at"]
        if player.main_spec_id is None and main.active_spec_id is not None:
            player.main_spec_id = main.active_spec_id
            fields.append("main_spec")
        player.save(update_fields=fields)
    changes = recompute_player_ranks(player_ids=[player.pk])
    if changes or player.guild_rank_id is None:
        player.refresh_from_db(fields=["guild_rank"])
    if player.guild_rank_id is None:
        lowest = GuildRank.objects.order_by("level").first()
        if lowest is not None:
            player.guild_rank = lowest
            player.save(update_fields=["guild_rank", "updated_at"])
