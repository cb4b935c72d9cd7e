"""The DM conversation (ONB-12 … ONB-19, ONB-23, ONB-25): `handle_dm`.

State lives only in the session row, so a restart loses nothing (ONB-12). Each DM is one
transaction holding the session row locked (BOT-9). The service returns the replies for the
bot to send; it never calls Discord.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.timesince import timesince

from identity.matching.normalise import normalise
from identity.models import DiscordUser, Player, WowCharacter
from onboarding.models import OnboardingEvent, OnboardingSession, State
from onboarding.services import replies
from onboarding.services.answers import (
    ParsedName,
    is_help,
    is_no,
    is_none_answer,
    is_start_over,
    is_yes,
    normalise_answer,
    parse_alts,
    parse_name,
    realm_key,
)
from onboarding.services.joins import get_or_create_session, send_opening
from onboarding.services.roster_match import (
    AMBIGUOUS,
    REALM_MISMATCH,
    RESOLVED,
    resolve_exact,
    roster_for,
    suggest,
)
from onboarding.services.states import batched_events, record_event, reset, transition
from onboarding.services.timing import HOURLY, answer_window, deadline_after
from onboarding.services.verification import verify_session
from patt.discord.events import OutMessage
from patt.models import SiteConfig

__all__ = ["MAX_TEXT", "DmTurn", "current_question", "finish_dm", "handle_dm", "receive_dm"]

MAX_TEXT = 500  # ONB-12
MAX_LOGGED_TEXT = 200  # ONB-2: incoming text on the timeline
NONE_OF_THESE = frozenset({"none", "none of these", "neither"})
_NUMBER = re.compile(r"#?\s*(\d{1,2})")

Replies = list[OutMessage]


class _VerifyNext(OutMessage):
    """Not a message: the mark a step leaves at the end of its replies when verification is to
    run at once after them (ONB-25 step 3, ONB-23, ONB-18). `receive_dm` takes it off."""


_VERIFY_NEXT = _VerifyNext()


@dataclass(frozen=True)
class DmTurn:
    """What one DM did (ONB-12): the `replies` to send at once and, when the answer ended the
    questions and verification runs at once, the session `finish_dm` verifies after they are
    sent (`verify_session_id`; None when nothing follows)."""

    replies: Replies = field(default_factory=list)
    verify_session_id: int | None = None


def handle_dm(
    *, author_id: str, message_id: str | int, text: str, now: datetime | None = None
) -> Replies:
    """ONB-12, ONB-13: a DM from `author_id`; returns every reply to send, in order.

    `receive_dm`, then (when the answer asks for it) `finish_dm`, as two transactions: the
    bot sends the first one's replies before it runs the second (onboarding/bot_listeners.py).
    """
    now = now or timezone.now()
    turn = receive_dm(author_id=author_id, message_id=message_id, text=text, now=now)
    if turn.verify_session_id is None:
        return turn.replies
    return [*turn.replies, *finish_dm(session_id=turn.verify_session_id, now=now)]


def finish_dm(*, session_id: int, now: datetime | None = None) -> Replies:
    """ONB-25 steps 3-4 (and ONB-23, ONB-18's verification at once): verify the session a DM
    just moved to `pending_verification` and return the closing line with the outcome.

    Its own transaction, after `receive_dm` committed steps 1-2 and the bot sent their replies
    (the member hears "Got it - thanks!" without waiting for verification). If the process
    stops in between, the session waits in `pending_verification` and the checker verifies it
    (ONB-32 step 1). A session the checker verified meanwhile gets "Matched!"; one that moved
    on otherwise (provisioned, reset, dismissed) gets nothing.
    """
    now = now or timezone.now()
    with transaction.atomic(), batched_events():
        session = (
            OnboardingSession.objects.select_for_update(of=("self",)).filter(pk=session_id).first()
        )
        if session is None:
            return []
        if session.state == State.PENDING_VERIFICATION:
            out = [replies.text(_verify_now(session, now=now))]
        elif session.state == State.VERIFIED:
            out = [replies.text(replies.CLOSE_MATCHED)]
        else:
            return []
        _record_out(session, out, now=now)
    return out


def _record_out(session: OnboardingSession, out: Replies, *, now: datetime) -> None:
    for message in out:
        record_event(
            session, kind=OnboardingEvent.Kind.DM_OUT, detail=replies.summary(message), now=now
        )


def receive_dm(
    *, author_id: str, message_id: str | int, text: str, now: datetime | None = None
) -> DmTurn:
    """ONB-12, ONB-13: a DM from `author_id`, as one transaction; returns the replies to send
    and whether `finish_dm` verifies next.

    A `message_id` not above the session's `last_message_id` is a duplicate delivery and gets
    nothing. The text is cut to 500 characters.
    """
    now = now or timezone.now()
    config = SiteConfig.get()
    text = text[:MAX_TEXT]
    discord_user = DiscordUser.objects.filter(discord_id=str(author_id)).first()
    if not config.onboarding_enabled:
        return DmTurn(_at_most_hourly(discord_user, replies.text(replies.PAUSED), now=now))
    if discord_user is None or not discord_user.is_present:
        return DmTurn([replies.not_present(config)])
    with transaction.atomic(), batched_events():
        # The session row alone: its player is read only by the few replies that name it.
        session = (
            OnboardingSession.objects.select_for_update(of=("self",))
            .filter(discord_user=discord_user)
            .first()
        )
        if session is None:
            player = Player.objects.filter(discord_user=discord_user).first()
            if player is not None:
                return DmTurn(
                    _sessionless_at_most_hourly(
                        discord_user, replies.all_set(player.display_name), now=now
                    )
                )
            session, _ = get_or_create_session(discord_user, now=now, trigger="first DM")
        if session.last_message_id is not None and int(message_id) <= session.last_message_id:
            return DmTurn()
        session.last_message_id = int(message_id)
        session.last_reply_at = now
        session.save(update_fields=["last_message_id", "last_reply_at", "updated_at"])
        record_event(
            session, kind=OnboardingEvent.Kind.DM_IN, detail=text[:MAX_LOGGED_TEXT], now=now
        )
        out = _route(session, config=config, text=text, now=now)
        verify_next = any(isinstance(message, _VerifyNext) for message in out)
        out = [message for message in out if not isinstance(message, _VerifyNext)]
        _record_out(session, out, now=now)
    return DmTurn(out, session.pk if verify_next else None)


def _at_most_hourly(
    discord_user: DiscordUser | None, message: OutMessage, *, now: datetime
) -> Replies:
    """ONB-13: the pause text at most hourly (remembered on the session, when there is one)."""
    if discord_user is None:
        return [message]
    with transaction.atomic():
        session = (
            OnboardingSession.objects.select_for_update().filter(discord_user=discord_user).first()
        )
        if session is None:
            return _sessionless_at_most_hourly(discord_user, message, now=now)
        if session.help_replied_at and now - session.help_replied_at < HOURLY:
            return []
        session.help_replied_at = now
        session.save(update_fields=["help_replied_at", "updated_at"])
    return [message]


def _sessionless_at_most_hourly(
    discord_user: DiscordUser, message: OutMessage, *, now: datetime
) -> Replies:
    """ONB-13's "at most hourly" for a member with no session row to remember it on (a player
    who never onboarded, or anyone while onboarding is paused): the last reply's time is kept
    in the cache for an hour. Compared with `now`, so an injected clock works too."""
    key = f"onboarding:last-hourly-reply:{discord_user.discord_id}"
    last = cache.get(key)
    if last is not None and now - datetime.fromtimestamp(last, tz=UTC) < HOURLY:
        return []
    cache.set(key, now.timestamp(), timeout=int(HOURLY.total_seconds()))
    return [message]


def _route(session: OnboardingSession, *, config: SiteConfig, text: str, now: datetime) -> Replies:
    """ONB-13's routing table."""
    state = session.state
    if state in (State.PROVISIONED, State.MANUALLY_RESOLVED):
        if session.help_replied_at and now - session.help_replied_at < HOURLY:
            return []
        session.help_replied_at = now
        session.save(update_fields=["help_replied_at", "updated_at"])
        player = session.player
        return [replies.all_set(player.display_name if player else str(session.discord_user))]
    if state == State.DISMISSED:
        return [replies.text(replies.DISMISSED)]
    if state in (State.AWAITING_DM, State.DECLINED):
        # The text is not read as an answer: the member gets the opening question.
        return [send_opening(session, config=config, now=now, trigger="member DMed: opening")]
    if state == State.VERIFIED:
        return [replies.text(replies.VERIFIED)]
    if not text.strip():
        return [replies.text(replies.ONLY_TEXT)]
    if state == State.PENDING_VERIFICATION:
        return _pending(session, config=config, text=text, now=now)
    return _conversation_step(session, config=config, text=text, now=now)


def _conversation_step(
    session: OnboardingSession, *, config: SiteConfig, text: str, now: datetime
) -> Replies:
    """ONB-14: late replies, help, start over, then the state's own question (ONB-16 … 18, 25)."""
    if is_start_over(text):
        reset(session, now=now, trigger="member asked to start over")
        return [send_opening(session, config=config, now=now, trigger="start over: opening")]
    late = session.prompted_at is not None and now - session.prompted_at > answer_window()
    if is_help(text):
        intro = replies.HELP_INTRO.format(bot=config.bot_name, guild=config.guild_name)
        session.prompted_at = now
        session.save(update_fields=["prompted_at", "updated_at"])
        out = [replies.text(intro), _question(session, config)]
    elif session.state == State.ASKED_IN_GUILD:
        out = _asked_in_guild(session, config=config, text=text, now=now)
    elif session.state == State.ASKED_MAIN:
        out = _asked_main(session, config=config, text=text, now=now)
    elif session.state == State.CONFIRM_MAIN:
        out = _confirm_main(session, config=config, text=text, now=now)
    else:
        out = _asked_alts(session, config=config, text=text, now=now)
    return replies.prefixed(out, prefix=replies.WELCOME_BACK) if late else out


# --- moving on ------------------------------------------------------------------------------


def _move(
    session: OnboardingSession, to: str, *, now: datetime, trigger: str, **fields: Any
) -> None:
    """A new question (ONB-14): `prompted_at = now`, `unclear_count = 0`, in the new state or
    (asked again) the same one."""
    fields = {"prompted_at": now, "unclear_count": 0, **fields}
    if to == session.state:
        for name, value in fields.items():
            setattr(session, name, value)
        session.save()
        return
    transition(session, to=to, now=now, trigger=trigger, **fields)


def current_question(session: OnboardingSession, *, config: SiteConfig) -> OutMessage:
    """The question a conversation state waits on, as asked: the checker's nudge (ONB-35)."""
    return _question(session, config)


def _question(session: OnboardingSession, config: SiteConfig) -> OutMessage:
    """The current question, as asked (help, nudges)."""
    if session.state == State.ASKED_IN_GUILD:
        return replies.opening(config)
    if session.state == State.ASKED_MAIN:
        return replies.text(replies.ASK_MAIN)
    if session.state == State.CONFIRM_MAIN:
        return replies.candidates(_candidates(session))
    return replies.text(replies.ASK_ALTS)


def _candidates(session: OnboardingSession) -> list[WowCharacter]:
    ids = [int(pk) for pk in session.main_candidates]
    rows = WowCharacter.objects.select_related("playable_class", "guild_rank").in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def _not_in_guild(session: OnboardingSession, *, config: SiteConfig, now: datetime) -> Replies:
    """ONB-19: not in the guild yet -> `pending_verification` with the deadline."""
    _move(
        session,
        State.PENDING_VERIFICATION,
        now=now,
        trigger="not in the guild yet",
        is_in_guild=False,
        dm_completed_at=session.dm_completed_at or now,
        deadline_at=session.deadline_at or now + deadline_after(),
    )
    return [replies.not_in_guild(config)]


def _ask_main(session: OnboardingSession, *, now: datetime, trigger: str) -> Replies:
    _move(session, State.ASKED_MAIN, now=now, trigger=trigger, is_in_guild=True)
    return [replies.text(replies.ASK_MAIN)]


def _next_step(session: OnboardingSession, *, now: datetime, trigger: str) -> Replies:
    """ONB-18: `asked_alts` while `dm_completed_at` is empty, otherwise verification."""
    if session.dm_completed_at is None:
        _move(session, State.ASKED_ALTS, now=now, trigger=trigger)
        return [replies.text(replies.ASK_ALTS)]
    # The deadline never moves (ONB-23); the name is verified at once (ONB-26), by
    # `finish_dm` once these replies are out.
    _move(session, State.PENDING_VERIFICATION, now=now, trigger=trigger)
    return [_VERIFY_NEXT]


def _verify_now(session: OnboardingSession, *, now: datetime) -> str:
    """ONB-23, ONB-25 steps 3-4: verify at once; the closing line gives the outcome, and a
    conflict or officer-rank claim gets ONB-27's text (never who owns the character)."""
    result = verify_session(session, now=now)
    if result.verified:
        return replies.CLOSE_MATCHED
    return result.member_reply or replies.CLOSE_PENDING


def _main_answer(
    session: OnboardingSession, *, config: SiteConfig, parsed: ParsedName, now: datetime
) -> Replies:
    """ONB-17: a valid main name: store it, resolve it (ONB-21), else suggest (ONB-22)."""
    session.reported_main_name = parsed.name
    session.reported_main_realm = parsed.realm
    session.main_character = None
    # The name's characters, or the whole roster when it has none (for the suggestions).
    roster = roster_for([parsed])
    resolution = resolve_exact(parsed, home_realm=config.guild_realm_slug, roster=roster)
    if resolution.outcome == RESOLVED and resolution.character is not None:
        session.main_character = resolution.character
        session.main_candidates = []
        return [
            replies.found(resolution.character),
            *_next_step(session, now=now, trigger="main found"),
        ]
    if resolution.outcome in (AMBIGUOUS, REALM_MISMATCH):
        mismatch = resolution.outcome == REALM_MISMATCH
        return _confirm(
            session,
            list(resolution.candidates),
            now=now,
            typed_realm=parsed.realm_hint if mismatch else "",
            trigger="main needs a pick (realm mismatch)" if mismatch else "main is ambiguous",
        )
    suggestions = suggest(parsed, declined_key=session.declined_suggestions_for, roster=roster)
    if suggestions:
        return _confirm(
            session, [c for c, _ in suggestions], now=now, trigger="main not found: suggestions"
        )
    session.main_candidates = []
    return [
        replies.not_on_roster(parsed.name),
        *_next_step(session, now=now, trigger="main not on the roster"),
    ]


def _confirm(
    session: OnboardingSession,
    options: list[WowCharacter],
    *,
    now: datetime,
    trigger: str,
    typed_realm: str = "",
) -> Replies:
    _move(
        session,
        State.CONFIRM_MAIN,
        now=now,
        trigger=trigger,
        main_candidates=[c.pk for c in options],
    )
    return [replies.candidates(options, typed_realm=typed_realm, realm_mismatch=bool(typed_realm))]


# --- the questions ----------------------------------------------------------------------------


def _asked_in_guild(
    session: OnboardingSession, *, config: SiteConfig, text: str, now: datetime
) -> Replies:
    """ONB-16."""
    if is_yes(text):
        return _ask_main(session, now=now, trigger="yes, in the guild")
    if is_no(text):
        return _not_in_guild(session, config=config, now=now)
    parsed = parse_name(text)
    if parsed is not None:
        resolution = resolve_exact(parsed, home_realm=config.guild_realm_slug)
        if resolution.candidates:
            session.is_in_guild = True
            return _main_answer(session, config=config, parsed=parsed, now=now)
    if session.unclear_count == 0:
        session.unclear_count = 1
        session.save(update_fields=["unclear_count", "updated_at"])
        return [replies.text(replies.UNCLEAR_YES_NO)]
    return [
        replies.text(replies.TAKE_AS_YES),
        *_ask_main(session, now=now, trigger="unclear twice"),
    ]


def _asked_main(
    session: OnboardingSession, *, config: SiteConfig, text: str, now: datetime
) -> Replies:
    """ONB-17."""
    if is_no(text):
        return _not_in_guild(session, config=config, now=now)
    parsed = parse_name(text)
    if parsed is None or is_yes(text):
        session.prompted_at = now
        session.save(update_fields=["prompted_at", "updated_at"])
        return [replies.text(replies.INVALID_NAME), replies.text(replies.ASK_MAIN)]
    return _main_answer(session, config=config, parsed=parsed, now=now)


def _confirm_main(
    session: OnboardingSession, *, config: SiteConfig, text: str, now: datetime
) -> Replies:
    """ONB-18."""
    options = _candidates(session)
    normalised = normalise_answer(text)
    parsed = parse_name(text)
    pick = None
    number = _NUMBER.fullmatch(normalised) or _NUMBER.fullmatch(text.strip())
    if number and 1 <= int(number.group(1)) <= len(options):
        pick = options[int(number.group(1)) - 1]
    elif is_yes(text):
        if len(options) == 1:
            pick = options[0]
    elif is_no(text) or normalised in NONE_OF_THESE:
        _move(
            session,
            State.ASKED_MAIN,
            now=now,
            trigger="none of these",
            declined_suggestions_for=normalise(session.reported_main_name),
            main_candidates=[],
        )
        return [replies.text(replies.ASK_MAIN_AGAIN)]
    elif parsed is not None:
        named = [
            c
            for c in options
            if c.name.casefold() == parsed.name.casefold()
            and (
                not parsed.realm
                or parsed.realm in {realm_key(c.realm_slug), realm_key(c.realm_name)}
            )
        ]
        if len(named) == 1:
            pick = named[0]
        elif not named:
            return _main_answer(session, config=config, parsed=parsed, now=now)
    if pick is not None:
        session.main_character = pick
        session.main_candidates = []
        return [replies.found(pick), *_next_step(session, now=now, trigger="main picked")]
    if session.unclear_count == 0:
        session.unclear_count = 1
        session.save(update_fields=["unclear_count", "updated_at"])
        return [replies.candidates(options)]
    # Unclear twice: keep the typed name as not found and go on.
    session.main_candidates = []
    return [
        replies.not_on_roster(session.reported_main_name),
        *_next_step(session, now=now, trigger="unclear twice"),
    ]


def _asked_alts(
    session: OnboardingSession, *, config: SiteConfig, text: str, now: datetime
) -> Replies:
    """ONB-25: the alts, then the wrap-up and `pending_verification` with the deadline."""
    main = session.main_character
    main_key = normalise(main.name if main else session.reported_main_name)
    found: list[WowCharacter] = []
    missing: list[str] = []
    ignored: list[str] = []
    kept: list[str] = []
    if not is_none_answer(text):
        alts = parse_alts(text, main_key=main_key)
        ignored = list(alts.ignored)
        roster = roster_for(alts.names)
        for alt in alts.names:
            kept.append(f"{alt.name}-{alt.realm}" if alt.realm else alt.name)
            resolution = resolve_exact(alt, home_realm=config.guild_realm_slug, roster=roster)
            if resolution.outcome == RESOLVED and resolution.character is not None:
                found.append(resolution.character)
            elif resolution.outcome == AMBIGUOUS:
                ignored.append(f"{alt.name} (several on the roster)")
            else:
                missing.append(alt.name)
    _move(
        session,
        State.PENDING_VERIFICATION,
        now=now,
        trigger="alts answered",
        reported_alt_names=kept,
        dm_completed_at=now,
        deadline_at=now + deadline_after(),
    )
    summary = replies.wrap_up(
        config, main=main, alts_found=found, alts_missing=missing, ignored=ignored
    )
    # Steps 1-2 commit with this DM; steps 3-4 are `finish_dm`'s, after the summary is sent.
    return [summary, _VERIFY_NEXT]


def _pending(
    session: OnboardingSession, *, config: SiteConfig, text: str, now: datetime
) -> Replies:
    """ONB-23: a new valid name replaces the reported main; anything else gets where it stands.
    The deadline never moves."""
    parsed = parse_name(text)
    keyword = is_yes(text) or is_no(text) or is_help(text) or is_start_over(text)
    if parsed is not None and not keyword:
        session.is_in_guild = True
        return _main_answer(session, config=config, parsed=parsed, now=now)
    if not session.reported_main_name:
        return [replies.text(replies.NO_NAME_YET)]
    last = (
        f"{timesince(session.last_verification_at, now)} ago"
        if session.last_verification_at
        else "never"
    )
    return [
        replies.still_looking(
            session.reported_main_name, attempts=session.verification_attempts, last=last
        )
    ]
