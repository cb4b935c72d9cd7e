"""Embed text helpers shared by the audit report and the sync posts (IDN-39, IDN-40).

Discord's hard limits live in `patt.discord.embeds`; the report keeps a margin below them
(4000-character descriptions, 5900 characters of text per message, IDN-40).
"""

import re
from collections.abc import Mapping, Sequence

from patt.discord.embeds import MAX_EMBEDS, MAX_TITLE

ELLIPSIS = "…"
# The characters Discord reads as markdown (or mention / link syntax) inside a line.
_MARKDOWN = re.compile(r"([\\*_~`|><\[\]])")


def escape_markdown(text: str) -> str:
    """`text` shown literally on Discord: `_Zug*_` stays `_Zug*_` instead of italics (IDN-39)."""
    return _MARKDOWN.sub(r"\\\1", text)


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in `…` when cut (IDN-40)."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + ELLIPSIS


def clip_title(text: str) -> str:
    """An embed title within Discord's 256 characters (IDN-40)."""
    return clip(text, MAX_TITLE)


def colour_value(hex_colour: str) -> int:
    """Discord's integer colour of `#RRGGBB`."""
    return int(hex_colour.lstrip("#"), 16)


def embed_text_length(embed: Mapping) -> int:
    """The characters of `embed` that count towards a message's total, as Discord counts."""
    length = len(embed.get("title") or "") + len(embed.get("description") or "")
    length += len((embed.get("footer") or {}).get("text") or "")
    length += len((embed.get("author") or {}).get("name") or "")
    for field in embed.get("fields") or ():
        length += len(field.get("name") or "") + len(field.get("value") or "")
    return length


def pack_messages(
    embeds: Sequence[Mapping], *, max_text: int, max_embeds: int = MAX_EMBEDS
) -> list[list[int]]:
    """Split `embeds` (in order) into messages, as lists of indexes (IDN-40).

    A message holds at most `max_embeds` embeds, and a new one starts before its text would
    pass `max_text`. An embed is never split.
    """
    messages: list[list[int]] = []
    current: list[int] = []
    total = 0
    for index, embed in enumerate(embeds):
        size = embed_text_length(embed)
        if current and (len(current) >= max_embeds or total + size > max_text):
            messages.append(current)
            current, total = [], 0
        current.append(index)
        total += size
    if current:
        messages.append(current)
    return messages
