"""Issue 16 on the campaign pages: entry thumbnails for everyone on the vote cards, each ballot
card read aloud once, the styled confirmation <dialog>, "Your vote is in!" numbered once
(CMP-36, CMP-38, CMP-39, ACC-47)."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from campaigns.landing import CARD_THUMBNAILS
from campaigns.models import CampaignEntry
from patt.memo import clear_memos
from tests.campaigns.factories import live_campaign, member
from tests.campaigns.pages.support import vote

pytestmark = pytest.mark.django_db


def _cards(body: str) -> list[str]:
    return re.findall(
        r'<li class="card vote-card">.*?</li>\s*(?=<li class="card vote-card">|</ul>)', body, re.S
    )


@pytest.mark.parametrize("url", ["/", "/campaigns"])
def test_issue16_acc47_vote_cards_show_the_first_entries_pictures_to_visitors(client, url):
    big = live_campaign(title="Art contest", entries=7)
    CampaignEntry.objects.filter(campaign=big, name="A").update(
        image_url="https://example.com/a.png"
    )
    live_campaign(title="Small contest", entries=2)
    body = client.get(url).content.decode()

    cards = {re.search(r'<a href="/vote/\d+">([^<]+)</a>', card)[1]: card for card in _cards(body)}
    art = cards["Art contest"]
    thumbs = re.findall(
        r'<li class="vote-card-thumb">.*?<span class="visually-hidden">([^<]+)</span>', art, re.S
    )
    assert thumbs == ["A", "B", "C", "D"][:CARD_THUMBNAILS]
    assert '<img src="https://example.com/a.png" alt=""' in art
    assert '<li class="vote-card-more" aria-label="and 3 more">+3</li>' in art
    small_card = cards["Small contest"]
    assert re.findall(r'<span class="visually-hidden">([^<]+)</span>', small_card) == ["A", "B"]
    assert "vote-card-more" not in small_card


def test_issue16_vote_card_thumbnails_cost_one_query_whatever_the_entries(
    client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    live_campaign(entries=2)
    client.get("/campaigns")
    clear_memos()  # both measurements read the kept results afresh (patt.memo)
    with CaptureQueriesContext(connection) as few:
        client.get("/campaigns")
    live_campaign(entries=20)
    live_campaign(entries=9)
    clear_memos()
    with CaptureQueriesContext(connection) as many:
        body = client.get("/campaigns").content.decode()

    assert len(many.captured_queries) == len(few.captured_queries)
    assert body.count('<li class="vote-card-thumb">') == 2 + CARD_THUMBNAILS * 2


def test_issue16_cmp38_each_ballot_card_is_named_once_by_its_entry_name(client):
    campaign = live_campaign(entries=3)
    CampaignEntry.objects.filter(campaign=campaign, name="B").update(description="Blue art")
    client.force_login(member("Veteran").user)
    body = client.get(f"/vote/{campaign.pk}").content.decode()

    buttons = re.findall(r'<button type="button" class="entry-card"[^>]*>.*?</button>', body, re.S)
    assert len(buttons) == 3
    for button in buttons:
        pk = re.search(r'data-entry-id="(\d+)"', button)[1]
        name = re.search(r'data-entry-name="([^"]+)"', button)[1]
        assert f'aria-labelledby="entry-{pk}-name"' in button
        assert f'aria-describedby="entry-{pk}-badge entry-{pk}-more"' in button
        assert f'<span class="entry-name" id="entry-{pk}-name">{name}</span>' in button
        # the picture's placeholder initial (CSS generated text) is not read as a second name
        assert re.search(
            r'<span class="entry-media" data-initial="[^"]*" aria-hidden="true">', button
        )
    b_pk = CampaignEntry.objects.get(campaign=campaign, name="B").pk
    assert re.search(
        rf'id="entry-{b_pk}-more">\s*<span class="entry-description">Blue art</span>', body
    )


def test_issue16_cmp38_confirmation_is_a_native_dialog(client):
    campaign = live_campaign(entries=3)
    client.force_login(member("Veteran").user)
    body = client.get(f"/vote/{campaign.pk}").content.decode()

    dialog = re.search(r"<dialog class=\"confirm-dialog\".*?</dialog>", body, re.S)[0]
    assert 'aria-labelledby="confirm-title"' in dialog
    assert '<form method="dialog"' in dialog
    assert "Submit these picks? Votes can&#x27;t be changed." in dialog
    assert 'value="cancel"' in dialog and ">Go back</button>" in dialog
    assert 'value="confirm"' in dialog and ">Submit vote</button>" in dialog


def test_issue16_your_vote_is_in_numbers_the_picks_once(client):
    campaign = live_campaign()
    voter = member("Veteran")
    member("Veteran")
    vote(campaign, voter, "B", "A", "C")
    client.force_login(voter.user)
    body = client.get(f"/vote/{campaign.pk}").content.decode()

    picks = re.search(r'<ol class="my-picks" role="list">(.*?)</ol>', body, re.S)[1]
    items = [
        " ".join(re.sub(r"<[^>]+>", " ", li).split()) for li in re.findall(r"<li>(.*?)</li>", picks)
    ]
    assert items == ["1st B", "2nd A", "3rd C"]
    css = Path(finders.find("campaigns/campaigns.css")).read_text(encoding="utf-8")
    rule = re.search(r"\.my-picks \{(.*?)\}", css, re.S)[1]
    assert "list-style: none" in rule  # the list's own numbers are off: "1st" says it
