"""The results panel (CMP-40) with CMP-27's worked examples."""

import re

import pytest

from campaigns.views import bar_percent, places_text, points_text
from tests.campaigns.factories import live_campaign, member
from tests.campaigns.pages.support import close, vote

pytestmark = pytest.mark.django_db


MEDAL = re.compile(
    r'<span class="medal medal-(\d)" data-medal="\d">.*?<span class="visually-hidden">[^<]*</span>'
    r'(<span aria-hidden="true">=</span>)?</span>',
    re.S,
)


def _medal_token(match) -> str:
    """An SVG medal (issue 16) as a token: "medal1", "medal3=" when tied."""
    return f" medal{match[1]}{'=' if match[2] else ''} "


def rows(body: str) -> list[str]:
    """Each result row's text, medals as tokens, tags stripped and whitespace collapsed."""
    found = re.findall(r'<li class="result-row[^"]*">(.*?)</li>', body, re.S)
    return [
        " ".join(re.sub(r"<[^>]+>", " ", MEDAL.sub(_medal_token, row)).split()) for row in found
    ]


def closed_with(ballots, **kwargs):
    campaign = live_campaign(early_close_if_all_voted=False, **kwargs)
    for names in ballots:
        vote(campaign, member("Veteran"), *names)
    return close(campaign)


def test_cmp40_final_results_markers_places_points_and_winner_badge(client):
    campaign = closed_with([("A", "B", "C"), ("B", "A", "C"), ("A", "C", "B")])
    body = client.get(f"/vote/{campaign.pk}").content.decode()
    assert "Final results" in body
    assert rows(body) == [
        "medal1 A WINNER 2 first • 1 second • 0 third 8 pts",
        "medal2 B 1 first • 1 second • 1 third 6 pts",
        "medal3 C 0 first • 1 second • 2 third 4 pts",
        "— D 0 first • 0 second • 0 third 0 pts",
        "— E 0 first • 0 second • 0 third 0 pts",
    ]
    assert body.count('class="result-row is-winner"') == 1
    assert "Co-winners" not in body
    assert "3 of 3 eligible members voted (100.0%)" in body
    assert '<progress class="participation-bar" max="100" value="100.0">' in body


def test_cmp40_cmp27_co_winners_shared_markers(client):
    campaign = closed_with([("A", "B", "C"), ("B", "A", "D")])
    body = client.get(f"/vote/{campaign.pk}").content.decode()
    assert "Co-winners: A &amp; B" in body
    markers = [row.split(" ")[0] for row in rows(body)]
    assert markers == ["medal1=", "medal1=", "medal3=", "medal3=", "—"]
    assert body.count("WINNER</span>") == 2


def test_cmp40_hash_markers_below_third(client):
    campaign = closed_with([("A", "B", "C"), ("D", "E", "C")], entries=6)
    body = client.get(f"/vote/{campaign.pk}").content.decode()
    markers = [row.split(" ")[0] for row in rows(body)]
    # A 3 [1,0,0] = D 3 [1,0,0]; B 2 [0,1,0] = E 2 [0,1,0]; C 2 [0,0,2]; F 0
    assert markers == ["medal1=", "medal1=", "medal3=", "medal3=", "#5", "—"]


def test_cmp40_winner_badge_only_once_closed(client):
    campaign = live_campaign()
    voter = member("Veteran")
    member("Veteran")
    vote(campaign, voter, "A", "B", "C")
    client.force_login(voter.user)
    body = client.get(f"/vote/{campaign.pk}").content.decode()
    assert "Live standings" in body
    assert "WINNER" not in body
    assert rows(body)[0].startswith("medal1 A")


def test_cmp40_score_bars_scale_to_the_top_with_a_2_percent_floor(client):
    assert bar_percent(0, 80) == 0
    assert bar_percent(1, 80) == 2
    assert bar_percent(40, 80) == 50
    assert bar_percent(80, 80) == 100
    campaign = closed_with([("A", "B", "C")] * 3 + [("B", "A", "C")])
    body = client.get(f"/vote/{campaign.pk}").content.decode()
    widths = re.findall(r'class="score-fill bar-w-(\d+)"', body)
    # A 11, B 9, C 4 → 100, 82, 36; D and E empty
    assert widths == ["100", "82", "36", "0", "0"]


def test_cmp40_places_only_for_existing_positions():
    class S:
        def __init__(self, counts):
            self.place_counts = counts

    assert places_text(S([4]), 1) == "4 first"
    assert places_text(S([4, 1]), 2) == "4 first • 1 second"
    assert places_text(S([1, 2, 3, 4, 5]), 5) == "1 first • 2 second • 3 third"
    assert points_text(8) == "8 pts"


def test_cmp40_one_pick_campaign_rows(client):
    campaign = closed_with([("A",), ("A",), ("B",)], picks_per_voter=1)
    body = client.get(f"/vote/{campaign.pk}").content.decode()
    assert rows(body)[0] == "medal1 A WINNER 2 first 2 pts"
    assert "Points: 1st = 1 … last = 1." in body


def test_cmp40_no_votes_messages(client):
    campaign = closed_with([])
    body = client.get(f"/vote/{campaign.pk}").content.decode()
    assert "No votes were cast." in body
    assert "WINNER" not in body
    assert "0 of 0 eligible members voted (0.0%)" in body


def test_cmp40_live_panel_without_votes_says_none_cast_yet():
    """A voter always sees at least their own ballot, so the live empty state is checked on
    the panel template itself."""
    from django.template.loader import render_to_string

    html = render_to_string("campaigns/_results.html", {"finished": False, "any_votes": False})
    assert "Live standings" in html
    assert "No votes have been cast yet." in html


def test_cmp40_reduced_motion_turns_the_animations_off():
    from pathlib import Path

    from django.conf import settings

    css = (Path(settings.BASE_DIR) / "campaigns/static/campaigns/campaigns.css").read_text()
    block = css.split("@media (prefers-reduced-motion: reduce)", 1)[1]
    assert re.search(r"\.result-row,\s*\.score-fill\s*\{\s*animation:\s*none", block)
    assert "@keyframes score-grow" in css and "@keyframes result-fade-in" in css


def test_issue16_cmp40_medals_are_svg_with_words_not_emoji(client):
    """Issue 16: no emoji (boxes without an emoji font); each medal is an SVG coloured by its
    rank's class, said as "1st place" (", tied" when shared) to screen readers."""
    campaign = closed_with([("A", "B", "C"), ("B", "A", "D")])
    body = client.get(f"/vote/{campaign.pk}").content.decode()
    panel = re.search(r'<section class="results-panel".*?</section>', body, re.S)[0]

    for emoji in ("🥇", "🥈", "🥉"):
        assert emoji not in panel
    assert re.findall(r'data-medal="(\d)"', panel) == ["1", "1", "3", "3"]
    assert panel.count('<svg class="medal-svg" viewBox="0 0 32 40" aria-hidden="true"') == 4
    assert re.findall(r'<span class="visually-hidden">([^<]*)</span>', panel) == [
        "1st place, tied",
        "1st place, tied",
        "3rd place, tied",
        "3rd place, tied",
    ]
