"""Mito's Corner: quotes, titles and the quote of the day (ROS-53 … ROS-55, ROS-70).

Every write of a Quote or QuoteTitle made by a person (the page, the admin) goes through
`add_entry` / `edit_entry` / `delete_entry`, so the trimming, length and duplicate rules are
written once; `import_sheets` uses `clean_text` and `existing_keys` for the same rules.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.utils import timezone

from patt.memo import memo
from patt.models import Quote, QuoteTitle, SiteConfig
from patt.refusals import Refused
from patt.validators import UNSTORABLE_TEXT_MESSAGE, is_storable_text, max_length_of
from roster.services.characters import SubmittedId

QUOTE, TITLE = "quote", "title"
MODELS: dict[str, type[Quote] | type[QuoteTitle]] = {QUOTE: Quote, TITLE: QuoteTitle}
# The model columns' limits (issue 11 item 6: read from the models, not copied).
MAX_LENGTH = {kind: max_length_of(model, "text") for kind, model in MODELS.items()}

# ROS-55 messages.
EMPTY = "Type something first!"
TOO_LONG = {
    QUOTE: f"Quotes can be at most {MAX_LENGTH[QUOTE]} characters.",
    TITLE: f"Titles can be at most {MAX_LENGTH[TITLE]} characters.",
}
DUPLICATE = {
    QUOTE: "That quote is already in the list.",
    TITLE: "That title is already in the list.",
}
NOT_FOUND = {QUOTE: "That quote no longer exists.", TITLE: "That title no longer exists."}
ADDED = {QUOTE: "Quote added.", TITLE: "Title added."}
SAVED = "Saved."
DELETED = "Deleted."
DELETE_CONFIRM = {
    QUOTE: "Delete this quote? This cannot be undone.",
    TITLE: "Delete this title? This cannot be undone.",
}
NO_QUOTES = "No quotes yet."  # ROS-53

TITLE_SEED_SUFFIX = ":title"  # ROS-54


def text_key(text: str) -> str:
    """Duplicates are compared trimmed and case-insensitively (ROS-55, ROS-70)."""
    return text.strip().casefold()


def clean_text(*, kind: str, text: str | None) -> str:
    """ROS-55: trimmed; empty, too long and unstorable (issue 11 item 7) are refused."""
    value = (text or "").strip()
    if not is_storable_text(value):
        raise Refused(UNSTORABLE_TEXT_MESSAGE, code=Refused.UNSTORABLE)
    if not value:
        raise Refused(EMPTY, code=Refused.INVALID)
    if len(value) > MAX_LENGTH[kind]:
        raise Refused(TOO_LONG[kind], code=Refused.INVALID)
    return value


def existing_keys(kind: str, *, exclude_pk: int | None = None) -> set[str]:
    """The case-folded texts already stored (one query).

    Compared in Python rather than with SQL LOWER(), which on SQLite folds ASCII only; the
    unique constraint on Lower(Trim(text)) still guards concurrent writes.
    """
    rows = MODELS[kind].objects.all()
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return {text_key(text) for text in rows.values_list("text", flat=True)}


def _save(obj: Quote | QuoteTitle) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        kind = QUOTE if isinstance(obj, Quote) else TITLE
        raise Refused(DUPLICATE[kind], code=Refused.CONFLICT) from None


def add_entry(
    *, kind: str, text: str | None, user: User | AnonymousUser | None = None
) -> Quote | QuoteTitle:
    """ROS-55: add a quote or title; trimmed, not empty, not too long, not a duplicate."""
    value = clean_text(kind=kind, text=text)
    if text_key(value) in existing_keys(kind):
        raise Refused(DUPLICATE[kind], code=Refused.CONFLICT)
    user = user if user is not None and user.is_authenticated else None
    obj = MODELS[kind](text=value, created_by=user)
    _save(obj)
    return obj


def edit_entry(*, kind: str, pk: SubmittedId, text: str | None) -> Quote | QuoteTitle:
    """ROS-55: change the text of a quote or title (same rules as adding)."""
    obj = _load(kind, pk)
    value = clean_text(kind=kind, text=text)
    if text_key(value) in existing_keys(kind, exclude_pk=obj.pk):
        raise Refused(DUPLICATE[kind], code=Refused.CONFLICT)
    if obj.text != value:
        obj.text = value
        _save(obj)
    return obj


def delete_entry(*, kind: str, pk: SubmittedId) -> None:
    """ROS-55: delete a quote or title."""
    _load(kind, pk).delete()


def _load(kind: str, pk: SubmittedId) -> Quote | QuoteTitle:
    try:
        return MODELS[kind].objects.get(pk=int(pk))
    except (TypeError, ValueError, MODELS[kind].DoesNotExist):
        raise Refused(NOT_FOUND[kind], code=Refused.NOT_FOUND) from None


# --- quote of the day (ROS-53, ROS-54) ------------------------------------------------------


@dataclass(frozen=True)
class QuotePair:
    """One quote and one title: "“<quote>” — <person>, <title>" (ROS-53)."""

    quote: str | None  # None when there are no quotes
    title: str
    person: str

    @property
    def line(self) -> str:
        if self.quote is None:
            return NO_QUOTES
        return f"“{self.quote}” — {self.person}, {self.title}"


def daily_index(*, seed: str, count: int) -> int:
    """ROS-54: the index picked by a PRNG seeded with `seed` (stable across processes:
    `random.Random` seeds a str deterministically, unlike `hash()`)."""
    return random.Random(seed).randrange(count)


def _texts(kind: str) -> list[str]:
    return list(MODELS[kind].objects.order_by("pk").values_list("text", flat=True))


def all_entries() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Every quote and every title as (pk, text), ordered by id — in one UNION ALL query."""
    quotes = (
        Quote.objects.order_by()
        .annotate(kind=Value(QUOTE, output_field=CharField()))
        .values_list("kind", "pk", "text")
    )
    titles = (
        QuoteTitle.objects.order_by()
        .annotate(kind=Value(TITLE, output_field=CharField()))
        .values_list("kind", "pk", "text")
    )
    rows = sorted(quotes.union(titles, all=True), key=lambda row: (row[0], row[1]))
    return (
        [(pk, text) for kind, pk, text in rows if kind == QUOTE],
        [(pk, text) for kind, pk, text in rows if kind == TITLE],
    )


def _pair(quote: str | None, title: str | None) -> QuotePair:
    config = SiteConfig.get()
    return QuotePair(
        quote=quote,
        title=title or config.quotes_default_title,
        person=config.quotes_person_name,
    )


def quote_of_the_day(
    day: datetime.date | None = None,
    *,
    quotes: list[str] | None = None,
    titles: list[str] | None = None,
) -> QuotePair:
    """ROS-54: the pair of the UTC date `day` (today by default).

    Quotes ordered by id, index from a PRNG seeded with the ISO date; titles likewise with the
    seed "<date>:title". With no titles the configured default title is used (ROS-53). Two
    queries (one when the lists are given).
    """
    day = day or timezone.now().astimezone(datetime.UTC).date()
    quotes = _texts(QUOTE) if quotes is None else quotes
    titles = _texts(TITLE) if titles is None else titles
    seed = day.isoformat()
    quote = quotes[daily_index(seed=seed, count=len(quotes))] if quotes else None
    title = (
        titles[daily_index(seed=seed + TITLE_SEED_SUFFIX, count=len(titles))] if titles else None
    )
    return _pair(quote, title)


def shuffled_pair(*, quotes: list[str] | None = None, titles: list[str] | None = None) -> QuotePair:
    """ROS-54 "Shuffle again": a fresh random pair (not tied to the date)."""
    quotes = _texts(QUOTE) if quotes is None else quotes
    titles = _texts(TITLE) if titles is None else titles
    rng = random.SystemRandom()
    return _pair(rng.choice(quotes) if quotes else None, rng.choice(titles) if titles else None)


@memo(cleared_by=("patt.Quote", "patt.QuoteTitle"))
def landing_entries() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """`all_entries` for the landing page: kept per process for 30 s and dropped when this
    process writes a quote or title (`patt.memo`). Mito's Corner itself reads them live."""
    return all_entries()


def landing_quote_of_the_day() -> QuotePair | None:
    """ACC-47 #7: the landing page shows the same pick as Mito's Corner (ROS-54); hidden
    (None) while there are no quotes. The pick is made per call (it changes with the date)
    from the pool `landing_entries` keeps."""
    quotes, titles = landing_entries()
    pair = quote_of_the_day(
        quotes=[text for _, text in quotes], titles=[text for _, text in titles]
    )
    return pair if pair.quote is not None else None
