"""Mito's Corner demo quotes and titles for `manage.py seed_demo` (ROS-53 … ROS-55).

Added only when missing (case-insensitive, as the page's duplicate rule), so a second run
adds nothing and officers' own quotes are never touched.
"""

from dataclasses import dataclass

from django.db import transaction

from patt.models import Quote, QuoteTitle
from roster.services import quotes as quote_rules

DEMO_QUOTES = (
    "I'm not saying it was the tank's fault, but it was the tank's fault.",
    "Stand in the good stuff, not the bad stuff.",
    "Heals are a privilege, not a right.",
    "If you die, I didn't see it.",
    "Who pulled? Be honest.",
    "Please tell me someone has a battle rez.",
    "My mana bar is not a suggestion.",
    "That wipe was a learning experience. Mostly for you.",
    "I'm putting it in the podcast.",
    "Dispel? I hardly know her.",
    "Loot is temporary, salt is forever.",
    "Real life first. Then heals.",
)
DEMO_TITLES = (
    "Healer Extraordinaire",
    "Keeper of the Salt",
    "Mana Whisperer",
    "Queen of Battle Rez",
    "Patron Saint of Wipes",
    "Dispeller of Nonsense",
)


@dataclass
class QuoteSeedResult:
    quotes: int
    titles: int

    @property
    def line(self) -> str:
        return f"Mito's Corner: {self.quotes} quotes and {self.titles} titles added this run."


def seed_demo_quotes() -> QuoteSeedResult:
    """Add the demo quotes and titles that are not there yet (two reads, two bulk writes)."""
    added = {}
    with transaction.atomic():
        for kind, model, texts in (
            (quote_rules.QUOTE, Quote, DEMO_QUOTES),
            (quote_rules.TITLE, QuoteTitle, DEMO_TITLES),
        ):
            known = quote_rules.existing_keys(kind)
            new = [text for text in texts if quote_rules.text_key(text) not in known]
            model.objects.bulk_create(model(text=text) for text in new)
            added[kind] = len(new)
    return QuoteSeedResult(quotes=added[quote_rules.QUOTE], titles=added[quote_rules.TITLE])
