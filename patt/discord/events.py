"""What the bot hands to services and what services hand back (BOT-8).

Services never see discord.py objects: the bot copies each event into one of these frozen
dataclasses, calls the contributed sync handler (patt.registry `BotListener`) with it, sends the
`OutMessage`s the handler returns, and reports how the sends went as a `Delivery`.

Event names, the `event` of a `BotListener`:

- `MEMBER_JOIN` (`MemberInfo`): identity's upsert, then onboarding's join step (ONB-8);
- `MEMBER_REMOVE` (`MemberInfo`; only `id` is sure to be filled: the member may not be cached);
- `MEMBER_UPDATE` (`MemberInfo`): names and roles (IDN-28);
- `DM` (`DmIn`): a direct message to the bot (ONB-12).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MEMBER_JOIN = "member_join"
MEMBER_REMOVE = "member_remove"
MEMBER_UPDATE = "member_update"
DM = "dm"
EVENTS = (MEMBER_JOIN, MEMBER_REMOVE, MEMBER_UPDATE, DM)

DM_LOG_CHARS = 100  # BOT-11: DM text only at DEBUG, cut to this length


@dataclass(frozen=True)
class MemberInfo:
    """A server member as plain values (BOT-8). Ids are strings, as everywhere in the site."""

    id: str
    username: str
    global_name: str | None = None
    nick: str | None = None
    display_name: str = ""
    bot: bool = False
    joined_at: datetime | None = None
    role_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DmIn:
    """A direct message to the bot (BOT-8, ONB-12)."""

    author_id: str
    message_id: str
    text: str


@dataclass(frozen=True)
class OutMessage:
    """A message for the bot to send to the event's user (BOT-8): the same shape the REST
    client takes (`content`, `embeds` as Discord JSON dicts, `allowed_mentions`)."""

    content: str = ""
    embeds: tuple[Mapping[str, Any], ...] = ()
    allowed_mentions: Mapping[str, Any] | None = field(default=None)


SENT = "sent"
DMS_CLOSED = "dms_closed"  # Discord 50007: the member does not accept DMs from the server
FAILED = "failed"


@dataclass(frozen=True)
class Delivery:
    """How sending a handler's messages went (BOT-8 step 5): `outcome` is `SENT`,
    `DMS_CLOSED` or `FAILED`; `sent` counts the messages that went out before a failure."""

    outcome: str
    sent: int = 0
    error: str = ""
    message_ids: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome == SENT


@dataclass(frozen=True)
class FollowUp:
    """A handler's result in two steps (BOT-8): send `messages` at once, then run `then()` as a
    second unit in the same user turn (nothing else of that user runs in between) and send what
    it returns. The service decides what goes in each step (ONB-25: the summary first, the
    verification's closing line after); the bot only keeps the order."""

    messages: tuple[OutMessage, ...] = ()
    then: Callable[[], object] | None = None


def handler_messages(result: object) -> Sequence[OutMessage]:
    """A handler may return nothing, one `OutMessage`, a sequence of them or a `FollowUp`
    (its first step's messages)."""
    if result is None:
        return ()
    if isinstance(result, FollowUp):
        return tuple(result.messages)
    if isinstance(result, OutMessage):
        return (result,)
    if isinstance(result, Sequence) and all(isinstance(item, OutMessage) for item in result):
        return tuple(result)
    return ()  # e.g. identity's services return the row they wrote: nothing to send
