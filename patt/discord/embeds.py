"""Discord's message size limits (BOT-15).

The REST client checks every outgoing message with `check_message` and refuses one that is over
a limit with `ValueError`, so a too-long message never costs a 400 from Discord. Builders of
long lists cut them themselves ("…and K more", IDN-40) using the constants below.
"""

from collections.abc import Mapping, Sequence

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR_NAME = 256
MAX_EMBED_TOTAL = 6000  # the text of every embed of one message together


def check_message(content: str | None, embeds: Sequence[Mapping] | None) -> None:
    """Raise `ValueError` naming the first limit `content` / `embeds` break (BOT-15).

    A message needs content or at least one embed, as Discord refuses an empty one.
    """
    embeds = list(embeds or ())
    if not content and not embeds:
        raise ValueError("A Discord message needs content or an embed.")
    _at_most("content", content or "", MAX_CONTENT)
    if len(embeds) > MAX_EMBEDS:
        raise ValueError(f"A Discord message has at most {MAX_EMBEDS} embeds, not {len(embeds)}.")
    total = 0
    for index, embed in enumerate(embeds):
        total += _check_embed(index, embed)
    if total > MAX_EMBED_TOTAL:
        raise ValueError(
            f"The embeds of a Discord message hold at most {MAX_EMBED_TOTAL} characters, "
            f"not {total}."
        )


def _check_embed(index: int, embed: Mapping) -> int:
    """Check one embed's parts; return how many characters count towards the total."""
    where = f"embeds[{index}]"
    title = embed.get("title") or ""
    description = embed.get("description") or ""
    footer = (embed.get("footer") or {}).get("text") or ""
    author = (embed.get("author") or {}).get("name") or ""
    fields = embed.get("fields") or []
    _at_most(f"{where}.title", title, MAX_TITLE)
    _at_most(f"{where}.description", description, MAX_DESCRIPTION)
    _at_most(f"{where}.footer.text", footer, MAX_FOOTER)
    _at_most(f"{where}.author.name", author, MAX_AUTHOR_NAME)
    if len(fields) > MAX_FIELDS:
        raise ValueError(f"{where} has at most {MAX_FIELDS} fields, not {len(fields)}.")
    counted = len(title) + len(description) + len(footer) + len(author)
    for number, field in enumerate(fields):
        name, value = field.get("name") or "", field.get("value") or ""
        _at_most(f"{where}.fields[{number}].name", name, MAX_FIELD_NAME)
        _at_most(f"{where}.fields[{number}].value", value, MAX_FIELD_VALUE)
        counted += len(name) + len(value)
    return counted


def _at_most(what: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise ValueError(f"{what} is {len(text)} characters; Discord allows at most {limit}.")
