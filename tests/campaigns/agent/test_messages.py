"""The agent's words and embed (CMP-53 … CMP-57), without Discord or a database."""

import random
import string
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from campaigns.agent.messages import (
    CLOSED_NO_BALLOTS,
    CLOSED_TIE,
    LAUNCH_EXAMPLE,
    POOLS,
    RESULTS_EXAMPLE,
    SECRET_POOLS,
    SECRET_SUFFIX,
    SafeContext,
    build_context,
    build_embed,
    build_message,
    closed_pool_key,
    fill,
    format_closes_at,
    join_names,
    pool_key,
    top_lines,
)
from campaigns.models import AgentEvent
from campaigns.services.scoring import compute_standings

CMP55_PLACEHOLDERS = {
    "title",
    "description",
    "vote_url",
    "results_url",
    "closes_at",
    "picks",
    "max_points",
    "voted",
    "eligible",
    "remaining",
    "percent",
    "leader",
    "leader_points",
    "old_leader",
    "old_points",
    "new_leader",
    "new_points",
    "top3",
    "winners",
    "guild_name",
}


def entry(pk: int, name: str, **extra):
    fields = {"pk": pk, "name": name, "sort_order": pk, "display_image": ""}
    fields.update(extra)
    return SimpleNamespace(**fields)


def campaign(**extra):
    fields = {
        "pk": 42,
        "title": "Salt All The Things Profile Pic Contest",
        "description": "Vote for your favourite portrait.",
        "picks_per_voter": 3,
        "end_at": datetime(2026, 3, 1, 21, 0, tzinfo=UTC),
        "close_reason": "",
    }
    fields.update(extra)
    return SimpleNamespace(**fields)


def standings_from(ballots, names="ABCDE", picks=3):
    """CMP-27-style ballots (tuples of names) → Standing rows via the scoring service."""
    entries = {name: entry(index + 1, name) for index, name in enumerate(names)}
    counts: dict = {}
    for ballot in ballots:
        for rank, name in enumerate(ballot, 1):
            key = (entries[name].pk, rank)
            counts[key] = counts.get(key, 0) + 1
    return compute_standings(entries.values(), picks_per_voter=picks, counts=counts), entries


STATS = SimpleNamespace(total_voted=3, total_eligible=5, percent_voted=60.0, all_voted=False)


# --- placeholders (CMP-55) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 3, 1, 21, 0, tzinfo=UTC), "Mar 01 at 09:00 PM UTC"),
        (datetime(2026, 12, 24, 0, 5, tzinfo=UTC), "Dec 24 at 12:05 AM UTC"),
        (datetime(2026, 7, 4, 12, 30, tzinfo=UTC), "Jul 04 at 12:30 PM UTC"),
    ],
)
def test_cmp55_closes_at_format(moment, text):
    assert format_closes_at(moment) == text


@pytest.mark.parametrize(
    ("names", "text"),
    [([], ""), (["A"], "A"), (["A", "B"], "A & B"), (["A", "B", "C"], "A, B & C")],
)
def test_cmp55_winners_joined(names, text):
    assert join_names(names) == text


def test_cmp55_top3_lines_share_ranks_like_cmp24():
    """CMP-27 example 3: A and B share 1st, C and D share 3rd, E has no points."""
    table, _ = standings_from([("A", "B", "C"), ("B", "A", "D")])
    assert top_lines(table) == "🥇 A — 5 pts\n🥇 B — 5 pts\n🥉 C — 1 pt\n🥉 D — 1 pt"


def test_cmp54_fewer_scored_entries_give_fewer_top_lines():
    table, _ = standings_from([("A", "B", "C")], picks=3)
    assert top_lines(table).count("\n") == 2
    table, _ = standings_from([("A",)], picks=1)
    assert top_lines(table) == "🥇 A — 1 pt"
    table, _ = standings_from([], picks=3)
    assert top_lines(table) == ""


def test_cmp55_every_placeholder_is_supplied(settings):
    settings.SITE_URL = "https://patt.example"
    table, entries = standings_from([("A", "B", "C"), ("B", "A", "C"), ("A", "C", "B")])
    context = build_context(
        campaign(),
        stats=STATS,
        standings=table,
        old_leader=entries["B"],
        new_leader=entries["A"],
        guild_name="Pull All The Things",
    )
    assert set(context) >= CMP55_PLACEHOLDERS  # present, not only defaulted
    assert context["vote_url"] == context["results_url"] == "https://patt.example/vote/42"
    assert context["closes_at"] == "Mar 01 at 09:00 PM UTC"
    assert (context["picks"], context["max_points"]) == (3, 3)
    assert (context["voted"], context["eligible"], context["remaining"]) == (3, 5, 2)
    assert context["percent"] == "60"
    assert (context["leader"], context["leader_points"]) == ("A", 8)
    assert (context["old_leader"], context["old_points"]) == ("B", 6)
    assert (context["new_leader"], context["new_points"]) == ("A", 8)
    assert context["winners"] == "A"
    assert context["top3"] == "🥇 A — 8 pts\n🥈 B — 6 pts\n🥉 C — 4 pts"


def test_cmp55_co_leaders_and_co_winners_are_joined():
    table, _ = standings_from([("A", "B", "C"), ("B", "C", "A"), ("C", "A", "B")])
    context = build_context(campaign(), stats=STATS, standings=table)
    assert context["leader"] == "A, B & C"
    assert context["winners"] == "A, B & C"
    assert context["leader_points"] == 6


def test_cmp56_launch_without_description_names_the_points():
    context = build_context(campaign(description="  "), standings=[])
    assert context["description"] == "Pick your top 3 — 1st place is worth 3 points."


# --- templates (CMP-54, CMP-56, CMP-57) -----------------------------------------------------


def test_cmp56_every_pool_has_at_least_two_variants():
    expected = set(AgentEvent.values) - {AgentEvent.CAMPAIGN_CLOSED}
    expected |= {closed_pool_key(r) for r in ("time", "all_voted", "manual")}
    expected |= {CLOSED_TIE, CLOSED_NO_BALLOTS}
    expected |= {f"{event}{SECRET_SUFFIX}" for event in SECRET_POOLS}
    assert expected == set(POOLS)
    for key, pool in POOLS.items():
        assert len(pool) >= 2, key


def test_cmp56_templates_use_only_cmp55_placeholders():
    formatter = string.Formatter()
    for key, pool in POOLS.items():
        for template in pool:
            used = {name for _, name, _, _ in formatter.parse(template) if name}
            assert used <= CMP55_PLACEHOLDERS, (key, used - CMP55_PLACEHOLDERS)


STANDINGS_PLACEHOLDERS = {
    "leader",
    "leader_points",
    "top3",
    "old_leader",
    "new_leader",
    "old_points",
    "new_points",
    "winners",
}


def test_cmp22_secret_pools_never_mention_standings():
    """Issue 11 item 5: a live secret campaign's posts name no leader and no top three."""
    formatter = string.Formatter()
    for event, pool in SECRET_POOLS.items():
        for template in pool:
            used = {name for _, name, _, _ in formatter.parse(template) if name}
            assert not used & STANDINGS_PLACEHOLDERS, (event, used)


@pytest.mark.parametrize("event", sorted(SECRET_POOLS))
def test_cmp22_pool_key_of_a_live_secret_campaign_is_the_secret_pool(event):
    secret_live = SimpleNamespace(secret_ballot=True, status="live", close_reason="")
    public_live = SimpleNamespace(secret_ballot=False, status="live", close_reason="")
    assert pool_key(event, secret_live) == f"{event}{SECRET_SUFFIX}"
    assert pool_key(event, public_live) == event


def test_cmp22_secret_results_post_after_close_names_the_winners():
    closed_secret = SimpleNamespace(secret_ballot=True, status="closed", close_reason="time")
    table, _ = standings_from([("A", "B", "C")])
    assert pool_key(AgentEvent.CAMPAIGN_CLOSED, closed_secret, table) == closed_pool_key("time")


def test_cmp57_examples_are_in_the_pools_verbatim():
    assert LAUNCH_EXAMPLE == (
        "Voting is OPEN for **{title}**! 🎨 {description}\nPick your top {picks} here: "
        "{vote_url}\nPolls close {closes_at}. May the best portrait win!"
    )
    assert RESULTS_EXAMPLE == (
        "🏁 The polls are closed and the results are in for **{title}**! {voted} members "
        "voted.\n{top3}\nCongratulations to **{winners}**! Full results: {results_url}"
    )
    assert LAUNCH_EXAMPLE in POOLS[AgentEvent.CAMPAIGN_LAUNCH]
    assert RESULTS_EXAMPLE in POOLS[closed_pool_key("time")]


def test_cmp57_results_example_filled(settings):
    settings.SITE_URL = "https://patt.example"
    table, _ = standings_from([("A", "B", "C"), ("B", "A", "C"), ("A", "C", "B")])
    context = build_context(campaign(close_reason="time"), stats=STATS, standings=table)
    assert fill(RESULTS_EXAMPLE, context) == (
        "🏁 The polls are closed and the results are in for **Salt All The Things Profile Pic "
        "Contest**! 3 members voted.\n🥇 A — 8 pts\n🥈 B — 6 pts\n🥉 C — 4 pts\n"
        "Congratulations to **A**! Full results: https://patt.example/vote/42"
    )


def test_cmp54_the_random_source_is_seedable():
    context = build_context(campaign(), stats=STATS, standings=[])
    first = [build_message("campaign_launch", context, rng=random.Random(3)) for _ in range(3)]
    again = [build_message("campaign_launch", context, rng=random.Random(3)) for _ in range(3)]
    assert first == again
    seen = {
        build_message("campaign_launch", context, rng=random.Random(seed)) for seed in range(40)
    }
    assert len(seen) == len(POOLS[AgentEvent.CAMPAIGN_LAUNCH])


def test_cmp54_missing_keys_get_safe_defaults():
    context = SafeContext(title="T")
    text = fill("{title}: {voted} of {eligible}, {leader} leads; {top3}{description}.", context)
    assert text == "T: 0 of 0, Unknown leads; ."


@pytest.mark.parametrize("template", ["{title", "{0} {title}", "{voted:%Q}", "}{"])
def test_cmp54_a_broken_template_never_raises(template):
    context = SafeContext(title="T", vote_url="https://x/vote/1")
    assert fill(template, context) == "Update on **T**: https://x/vote/1"


def test_cmp54_unknown_event_text():
    context = SafeContext(title="T", vote_url="https://x/vote/1")
    assert build_message("dance_off", context, rng=random.Random(1)) == (
        "Update on **T**: https://x/vote/1"
    )
    assert build_message("dance_off", SafeContext()) == "Update on **Unknown**: Unknown"


def test_cmp54_braces_in_names_are_not_reinterpreted():
    context = build_context(campaign(title="{voted} {0}"), stats=STATS, standings=[])
    text = build_message("first_vote", context, rng=random.Random(1))
    assert "**{voted} {0}**" in text


@pytest.mark.parametrize("event", [e for e in AgentEvent.values if e != "campaign_closed"])
def test_cmp56_live_messages_fill_completely(event):
    table, entries = standings_from([("A", "B", "C"), ("B", "A", "C"), ("A", "C", "B")])
    context = build_context(
        campaign(),
        stats=STATS,
        standings=table,
        old_leader=entries["B"],
        new_leader=entries["A"],
        guild_name="PATT",
    )
    for template in POOLS[event]:
        text = fill(template, context)
        assert "Unknown" not in text and "{" not in text, text


def test_cmp50_results_pool_by_reason_ties_and_no_ballots():
    one, _ = standings_from([("A", "B", "C")])
    tie, _ = standings_from([("A", "B", "C"), ("B", "A", "D")])
    none, _ = standings_from([])
    closed = AgentEvent.CAMPAIGN_CLOSED
    assert pool_key(closed, campaign(close_reason="time"), one) == "campaign_closed:time"
    assert pool_key(closed, campaign(close_reason="all_voted"), one) == "campaign_closed:all_voted"
    assert pool_key(closed, campaign(close_reason="manual"), one) == "campaign_closed:manual"
    assert pool_key(closed, campaign(close_reason="manual"), tie) == CLOSED_TIE
    assert pool_key(closed, campaign(close_reason="time"), none) == CLOSED_NO_BALLOTS
    assert pool_key("milestone_50", campaign(), one) == "milestone_50"
    for template in POOLS[CLOSED_TIE]:
        assert "tie at the top" in template and "{winners}" in template
    for template in POOLS[CLOSED_NO_BALLOTS]:
        assert "no ballots" in template.lower() and "{winners}" not in template


# --- the embed (CMP-53) ---------------------------------------------------------------------

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SITE = SimpleNamespace(accent_colour="#d4a84b", bot_name="PATT-Bot")


def test_cmp53_embed_fields(settings):
    settings.SITE_URL = "https://patt.example"
    embed = build_embed("milestone_50", campaign(), "Halfway!", now=NOW, site_config=SITE)
    assert embed == {
        "title": "📣 Salt All The Things Profile Pic Contest",
        "description": "Halfway!",
        "url": "https://patt.example/vote/42",
        "color": 0xD4A84B,
        "footer": {"text": "PATT-Bot • patt.example"},
        "timestamp": "2026-03-01T12:00:00+00:00",
    }


@pytest.mark.parametrize(
    ("event", "icon"),
    [("campaign_closed", "🏆"), ("all_voted", "🏆"), ("campaign_launch", "📣"), ("x", "📣")],
)
def test_cmp53_title_icon(event, icon):
    embed = build_embed(event, campaign(title="T"), "m", now=NOW, site_config=SITE)
    assert embed["title"] == f"{icon} T"


def test_cmp53_title_and_description_are_cut_with_an_ellipsis():
    embed = build_embed(
        "first_vote", campaign(title="x" * 300), "y" * 5000, now=NOW, site_config=SITE
    )
    assert len(embed["title"]) == 256 and embed["title"].endswith("…")
    assert len(embed["description"]) == 4096 and embed["description"].endswith("…")


@pytest.mark.parametrize(
    ("accent", "colour"),
    [("#112233", 0x112233), ("#FFFFFF", 0xFFFFFF), ("", 0xD4A84B), ("#zzzzzz", 0xD4A84B)],
)
def test_cmp53_colour_is_the_accent_as_an_integer(accent, colour):
    site = SimpleNamespace(accent_colour=accent, bot_name="Bot")
    assert build_embed("x", campaign(), "m", now=NOW, site_config=site)["color"] == colour


@pytest.mark.parametrize(
    ("image", "thumbnail"),
    [
        ("https://img.example/a.png", "https://img.example/a.png"),
        ("http://img.example/a.png", None),
        ("/media/campaigns/entries/a.png", "https://patt.example/media/campaigns/entries/a.png"),
        ("", None),
    ],
)
def test_cmp53_thumbnail_is_an_absolute_https_image_only(settings, image, thumbnail):
    settings.SITE_URL = "https://patt.example"
    leader = entry(1, "A", display_image=image)
    embed = build_embed(
        "milestone_50", campaign(), "m", now=NOW, site_config=SITE, thumbnail_entry=leader
    )
    assert embed.get("thumbnail") == ({"url": thumbnail} if thumbnail else None)


def test_cmp53_relative_image_on_an_http_site_gives_no_thumbnail(settings):
    settings.SITE_URL = "http://localhost:8000"
    leader = entry(1, "A", display_image="/media/a.png")
    embed = build_embed("x", campaign(), "m", now=NOW, site_config=SITE, thumbnail_entry=leader)
    assert "thumbnail" not in embed


def test_cmp55_leader_before_any_vote_reads_naturally():
    context = build_context(campaign(), stats=STATS, standings=standings_from([])[0])
    assert (context["leader"], context["leader_points"]) == ("nobody yet", 0)
