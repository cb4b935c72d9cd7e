"""The onboarding state machine (ONB-3, ONB-4, ONB-5): the one place a session changes state.

`transition` checks the move against ONB-4's table before it touches anything, so a refused
move changes nothing, neither the row nor the object in hand. Every state change, and every
reset, writes one `OnboardingEvent` (ONB-2). Callers hold the session row locked
(`select_for_update`) inside their transaction (BOT-9).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction

from onboarding.models import (
    CONVERSATION_STATES,
    OnboardingEvent,
    OnboardingSession,
    State,
)
from patt.refusals import Refused

__all__ = [
    "ALLOWED",
    "batched_events",
    "discard_events_since",
    "events_mark",
    "record_event",
    "reset",
    "transition",
]

_BEFORE_VERIFIED = (
    State.AWAITING_DM,
    State.DECLINED,
    *sorted(CONVERSATION_STATES),
)

# ONB-4, from -> the states it may move to. Reading the table row by row:
# - "open, before verified -> pending_verification" (/verify, ONB-24) covers every open state
#   before `verified`; "any open -> verified + resolved_by" (/onboard-resolve) and
#   "any open -> dismissed" cover every open state.
# - asked_in_guild -> awaiting_dm: ONB-8 step 3 moves the state before the opening DM is sent,
#   so when the send then fails the session goes back to `awaiting_dm` for the checker (and, DMs
#   closed, on to `declined`, ONB-40).
# - "any -> awaiting_dm (new round)" is `reset`, not a transition.
ALLOWED: dict[str, frozenset[str]] = {
    State.AWAITING_DM: frozenset({State.ASKED_IN_GUILD, State.DECLINED}),
    State.DECLINED: frozenset({State.ASKED_IN_GUILD}),
    State.ASKED_IN_GUILD: frozenset(
        {
            State.AWAITING_DM,
            State.ASKED_MAIN,
            State.ASKED_ALTS,
            State.CONFIRM_MAIN,
            State.PENDING_VERIFICATION,
        }
    ),
    State.ASKED_MAIN: frozenset({State.ASKED_ALTS, State.PENDING_VERIFICATION, State.CONFIRM_MAIN}),
    State.CONFIRM_MAIN: frozenset({State.ASKED_MAIN, State.ASKED_ALTS, State.PENDING_VERIFICATION}),
    State.ASKED_ALTS: frozenset({State.PENDING_VERIFICATION}),
    State.PENDING_VERIFICATION: frozenset({State.VERIFIED, State.CONFIRM_MAIN, State.DISMISSED}),
    State.VERIFIED: frozenset({State.PROVISIONED, State.MANUALLY_RESOLVED, State.DISMISSED}),
    State.PROVISIONED: frozenset(),
    State.MANUALLY_RESOLVED: frozenset(),
    State.DISMISSED: frozenset(),
}
for _state in _BEFORE_VERIFIED:
    ALLOWED[_state] = ALLOWED[_state] | {
        State.PENDING_VERIFICATION,
        State.VERIFIED,
        State.DISMISSED,
    }


def _refuse(session: OnboardingSession, to: str, why: str) -> Refused:
    return Refused(
        f"Onboarding session #{session.pk} cannot go from {session.state} to {to}: {why}.",
        code=Refused.CONFLICT,
    )


def _check(session: OnboardingSession, to: str, fields: Mapping[str, Any]) -> None:
    if to not in State.values:
        raise _refuse(session, to, "no such state")
    if to not in ALLOWED[session.state]:
        raise _refuse(session, to, "not a transition of ONB-4")
    # ONB-4: "verified -> provisioned; manually_resolved if resolved_by is set".
    resolved_by = fields.get("resolved_by", session.resolved_by)
    if to == State.PROVISIONED and resolved_by is not None:
        raise _refuse(session, to, "an officer resolved it (manually_resolved)")
    if to == State.MANUALLY_RESOLVED and resolved_by is None:
        raise _refuse(session, to, "no officer resolved it")
    unknown = [name for name in fields if name in ("state", "round", "id", "discord_user")]
    if unknown:
        raise _refuse(session, to, f"{', '.join(unknown)} are not set by a transition")


_batch = threading.local()  # the rows `batched_events` holds back, per thread


def record_event(session: OnboardingSession, *, kind: str, detail: str, now: datetime) -> None:
    """ONB-2: one line of the timeline; the detail is cut to what the column holds. Inside
    `batched_events` the row is written with the others when the block ends."""
    event = OnboardingEvent(
        session=session, at=now, kind=kind, detail=detail[: OnboardingEvent.DETAIL_MAX]
    )
    rows = getattr(_batch, "rows", None)
    if rows is None:
        event.save()
    else:
        rows.append(event)


@contextmanager
def batched_events() -> Iterator[None]:
    """The timeline rows recorded inside are inserted in one query, in the order recorded, when
    the block ends without an exception (nothing is written otherwise). Use it inside the
    transaction it belongs to (`with transaction.atomic(), batched_events():`), so the rows
    commit or roll back with the changes they describe. A nested block joins the outer one.
    Code that catches an exception from a rolled-back savepoint inside drops that savepoint's
    rows with `events_mark` / `discard_events_since`."""
    if getattr(_batch, "rows", None) is not None:
        yield
        return
    _batch.rows = []
    try:
        yield
        rows: list[OnboardingEvent] = _batch.rows
    finally:
        _batch.rows = None
    if rows:
        OnboardingEvent.objects.bulk_create(rows)


def events_mark() -> int:
    """How many rows `batched_events` holds back now (0 outside a block)."""
    rows = getattr(_batch, "rows", None)
    return len(rows) if rows is not None else 0


def discard_events_since(mark: int) -> None:
    """Drop the rows recorded after `events_mark()` returned `mark`: their savepoint rolled
    back, so what they describe never happened."""
    rows = getattr(_batch, "rows", None)
    if rows is not None:
        del rows[mark:]


def _attname(name: str) -> str:
    """A field's attribute: `<name>_id` for a foreign key, else the name itself."""
    try:
        field = OnboardingSession._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "attname", name))  # a reverse relation has none


def transition(
    session: OnboardingSession,
    *,
    to: str,
    now: datetime,
    trigger: str,
    **fields: Any,
) -> OnboardingSession:
    """ONB-4: move `session` to `to`, setting `fields` with it, and record the change.

    Refuses (`Refused`, code conflict) a move that is not in ONB-4's table, before changing
    anything. The row is written at once; a database constraint that the new values break
    rolls the whole move back.
    """
    _check(session, to, fields)
    # Foreign keys are kept (and put back) by their id: reading the related object would cost
    # a query for nothing.
    before = {_attname(name): getattr(session, _attname(name)) for name in ("state", *fields)}
    try:
        with transaction.atomic():
            old = session.state
            session.state = to
            for name, value in fields.items():
                setattr(session, name, value)
            session.save()
            record_event(
                session,
                kind=OnboardingEvent.Kind.STATE,
                detail=f"{old} -> {to}: {trigger}",
                now=now,
            )
    except Exception:
        for name, value in before.items():
            setattr(session, name, value)
        raise
    return session


def reset(session: OnboardingSession, *, now: datetime, trigger: str) -> OnboardingSession:
    """ONB-5: a new round. Keep `id`, `discord_user`, `created_at`; `round` + 1; `awaiting_dm`
    with `started_at = now`; every other field back to its default, so the round can nudge and
    escalate again. Links, players and invites are untouched (only the session's pointers to
    them are cleared). Allowed from any state.
    """
    old = session.state
    with transaction.atomic():
        for field in session._meta.concrete_fields:
            if field.name in OnboardingSession.KEPT_BY_RESET or field.primary_key:
                continue
            setattr(session, field.attname, field.get_default())
        session.round += 1
        session.state = State.AWAITING_DM
        session.started_at = now
        session.save()
        record_event(
            session,
            kind=OnboardingEvent.Kind.RESET,
            detail=f"{old} -> awaiting_dm (round {session.round}): {trigger}",
            now=now,
        )
    return session
