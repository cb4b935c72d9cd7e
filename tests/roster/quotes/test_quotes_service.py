"""Mito's Corner rules (ROS-53 … ROS-55) at the service level."""

import datetime
import random

import pytest

from patt.models import Quote, QuoteTitle, SiteConfig
from patt.refusals import Refused
from roster.services import quotes as service

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 19)


def make(n_quotes=7, n_titles=4):
    quotes = [Quote.objects.create(text=f"Quote number {n}") for n in range(n_quotes)]
    titles = [QuoteTitle.objects.create(text=f"Title {n}") for n in range(n_titles)]
    return quotes, titles


def test_ros54_pick_uses_prng_seeded_with_iso_date_over_quotes_by_id():
    quotes, titles = make()

    pair = service.quote_of_the_day(DAY)

    expected_quote = quotes[random.Random("2026-03-19").randrange(len(quotes))].text
    expected_title = titles[random.Random("2026-03-19:title").randrange(len(titles))].text
    assert (pair.quote, pair.title) == (expected_quote, expected_title)


def test_ros54_pick_is_stable_for_a_date_and_changes_across_dates():
    make(n_quotes=30, n_titles=10)

    picks = {service.quote_of_the_day(DAY + datetime.timedelta(days=n)).quote for n in range(20)}

    assert service.quote_of_the_day(DAY) == service.quote_of_the_day(DAY)
    assert len(picks) > 1


def test_ros54_today_is_the_utc_date(monkeypatch):
    make()
    late_evening_new_york = datetime.datetime(2026, 3, 20, 2, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(service.timezone, "now", lambda: late_evening_new_york)

    assert service.quote_of_the_day() == service.quote_of_the_day(datetime.date(2026, 3, 20))


def test_ros53_line_format_and_empty_lists():
    config = SiteConfig.get()
    Quote.objects.create(text="Heals are a privilege")

    pair = service.quote_of_the_day(DAY)

    assert pair.line == "“Heals are a privilege” — Mito, Healer Extraordinaire"
    assert config.quotes_default_title == "Healer Extraordinaire"
    Quote.objects.all().delete()
    empty = service.quote_of_the_day(DAY)
    assert (empty.quote, empty.title, empty.line) == (
        None,
        "Healer Extraordinaire",
        "No quotes yet.",
    )


def test_ros54_landing_pick_matches_and_hides_when_empty():
    assert service.landing_quote_of_the_day() is None
    make()

    assert service.landing_quote_of_the_day() == service.quote_of_the_day()


def test_ros54_shuffle_gives_a_pair_from_the_lists():
    quotes, titles = make()

    pair = service.shuffled_pair()

    assert pair.quote in {q.text for q in quotes} and pair.title in {t.text for t in titles}


def test_ros55_add_trims_and_records_the_officer():
    quote = service.add_entry(kind=service.QUOTE, text="  Who pulled?  ")

    assert quote.text == "Who pulled?"


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (service.QUOTE, "   ", "Type something first!"),
        (service.TITLE, "", "Type something first!"),
        (service.QUOTE, "x" * 501, "Quotes can be at most 500 characters."),
        (service.TITLE, "x" * 101, "Titles can be at most 100 characters."),
    ],
)
def test_ros55_validation_messages(kind, text, message):
    with pytest.raises(Refused) as info:
        service.add_entry(kind=kind, text=text)

    assert info.value.message == message
    assert not Quote.objects.exists() and not QuoteTitle.objects.exists()


def test_ros55_limits_are_inclusive():
    service.add_entry(kind=service.QUOTE, text="x" * 500)
    service.add_entry(kind=service.TITLE, text="y" * 100)


def test_ros55_duplicates_are_case_insensitive_also_beyond_ascii():
    service.add_entry(kind=service.QUOTE, text="Zatañña wipes again")
    service.add_entry(kind=service.TITLE, text="Mana Whisperer")

    with pytest.raises(Refused, match=r"That quote is already in the list\."):
        service.add_entry(kind=service.QUOTE, text="  ZATAÑÑA WIPES AGAIN ")
    with pytest.raises(Refused, match=r"That title is already in the list\."):
        service.add_entry(kind=service.TITLE, text="mana whisperer")


def test_ros55_edit_rules_and_own_text_case_change():
    first = service.add_entry(kind=service.QUOTE, text="First")
    service.add_entry(kind=service.QUOTE, text="Second")

    assert service.edit_entry(kind=service.QUOTE, pk=first.pk, text=" FIRST ").text == "FIRST"
    with pytest.raises(Refused, match=r"That quote is already in the list\."):
        service.edit_entry(kind=service.QUOTE, pk=first.pk, text="second")
    with pytest.raises(Refused, match="Type something first!"):
        service.edit_entry(kind=service.QUOTE, pk=first.pk, text="")
    first.refresh_from_db()
    assert first.text == "FIRST"


def test_ros55_delete():
    quote = service.add_entry(kind=service.QUOTE, text="Gone soon")

    service.delete_entry(kind=service.QUOTE, pk=quote.pk)

    assert not Quote.objects.exists()
    with pytest.raises(Refused):
        service.delete_entry(kind=service.QUOTE, pk=quote.pk)
