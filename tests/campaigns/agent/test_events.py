"""The agent's decisions (CMP-45 … CMP-49) as pure functions: no Discord, no database."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from campaigns.agent.events import ALLOWED, PRIORITY, allowed, decide, superseded

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
A, B = SimpleNamespace(pk=1, name="A"), SimpleNamespace(pk=2, name="B")


def stats(voted=0, eligible=10, all_voted=False):
    percent = round(voted * 100 / eligible, 1) if eligible else 0.0
    return SimpleNamespace(
        total_voted=voted, total_eligible=eligible, percent_voted=percent, all_voted=all_voted
    )


def live(chattiness="hype", left=timedelta(days=5), duration=168):
    return SimpleNamespace(
        status="live", agent_chattiness=chattiness, end_at=NOW + left, duration_hours=duration
    )


def closed(chattiness="quiet"):
    return SimpleNamespace(
        status="closed", agent_chattiness=chattiness, end_at=NOW, duration_hours=168
    )


LAUNCHED = {"campaign_launch"}

# CMP-46, the spec's table row by row: (quiet, normal, hype).
CMP46 = {
    "campaign_launch": (True, True, True),
    "first_vote": (False, True, True),
    "milestone_25": (False, False, True),
    "milestone_50": (False, True, True),
    "milestone_75": (False, False, True),
    "final_stretch": (False, True, True),
    "last_call": (False, True, True),
    "all_voted": (False, True, True),
    "lead_change": (False, False, True),
    "campaign_closed": (True, True, True),
}


@pytest.mark.parametrize("event", CMP46)
def test_cmp46_chattiness_table(event):
    got = tuple(allowed(event, level) for level in ("quiet", "normal", "hype"))
    assert got == CMP46[event]
    assert set(ALLOWED) == {"quiet", "normal", "hype"}


def test_cmp47_priority_order():
    assert PRIORITY == (
        "campaign_launch",
        "campaign_closed",
        "all_voted",
        "lead_change",
        "last_call",
        "final_stretch",
        "milestone_75",
        "milestone_50",
        "milestone_25",
        "first_vote",
    )


def test_cmp45_detection_while_live():
    decision = decide(
        live(left=timedelta(minutes=30)),
        now=NOW,
        posted=set(),
        stats=stats(10, 10, all_voted=True),
        sole_leader=B,
        remembered=A,
    )
    assert set(decision.detected) == {
        "campaign_launch",
        "first_vote",
        "milestone_25",
        "milestone_50",
        "milestone_75",
        "all_voted",
        "final_stretch",
        "last_call",
        "lead_change",
    }


def test_cmp47_unposted_launch_is_the_only_candidate():
    decision = decide(
        live(), now=NOW, posted=set(), stats=stats(10, 10, True), sole_leader=B, remembered=A
    )
    assert decision.candidates == ["campaign_launch"]
    assert decision.event == "campaign_launch"


def test_cmp47_highest_priority_candidate_wins():
    decision = decide(
        live(left=timedelta(minutes=30)),
        now=NOW,
        posted=LAUNCHED,
        stats=stats(8, 10),
        sole_leader=B,
        remembered=A,
    )
    assert decision.event == "lead_change"
    decision = decide(
        live(left=timedelta(minutes=30)),
        now=NOW,
        posted=LAUNCHED,
        stats=stats(10, 10, True),
        sole_leader=B,
        remembered=A,
    )
    assert decision.event == "all_voted"


@pytest.mark.parametrize(
    ("posted", "dropped"),
    [
        ({"milestone_50"}, {"first_vote", "milestone_25"}),
        ({"all_voted"}, {"first_vote", "milestone_25", "milestone_50", "milestone_75"}),
        ({"last_call"}, {"final_stretch"}),
        ({"first_vote"}, set()),
    ],
)
def test_cmp48_lower_ladder_steps_are_superseded(posted, dropped):
    lower = {"first_vote", "milestone_25", "milestone_50", "milestone_75", "final_stretch"}
    assert {event for event in lower if superseded(event, posted)} == dropped
    assert not superseded("lead_change", posted)


def test_cmp48_superseded_events_are_not_candidates():
    decision = decide(
        live(left=timedelta(hours=20)),
        now=NOW,
        posted=LAUNCHED | {"milestone_75", "last_call"},
        stats=stats(8, 10),
        sole_leader=A,
        remembered=A,
    )
    assert decision.candidates == []
    assert decision.event is None


def test_cmp45_time_events_need_a_longer_campaign():
    one_day = decide(
        live(left=timedelta(minutes=30), duration=24),
        now=NOW,
        posted=LAUNCHED,
        stats=stats(0),
    )
    assert "final_stretch" not in one_day.detected and "last_call" in one_day.detected
    one_hour = decide(
        live(left=timedelta(minutes=30), duration=1), now=NOW, posted=LAUNCHED, stats=stats(0)
    )
    assert one_hour.detected == []


def test_cmp45_ended_live_campaign_posts_nothing_until_closed():
    decision = decide(live(left=timedelta(0)), now=NOW, posted=set(), stats=stats(3))
    assert decision.event is None


def test_cmp45_cmp48_closed_campaign_only_has_the_results_post():
    decision = decide(closed(), now=NOW, posted=set())
    assert decision.detected == ["campaign_closed"] and decision.event == "campaign_closed"
    assert decide(closed(), now=NOW, posted={"campaign_closed"}).event is None


def test_cmp49_first_leader_is_remembered_without_a_lead_change():
    decision = decide(live(), now=NOW, posted=LAUNCHED, stats=stats(1), sole_leader=A)
    assert decision.remember_now is A
    assert decision.lead_change is None and "lead_change" not in decision.detected


def test_cmp49_no_sole_leader_changes_nothing():
    decision = decide(live(), now=NOW, posted=LAUNCHED, stats=stats(2), remembered=A)
    assert decision.remember_now is None and decision.lead_change is None


@pytest.mark.parametrize("chattiness", ["quiet", "normal"])
def test_cmp49_silent_tracking_when_lead_change_is_not_allowed(chattiness):
    decision = decide(
        live(chattiness), now=NOW, posted=LAUNCHED, stats=stats(3), sole_leader=B, remembered=A
    )
    assert decision.remember_now is B
    assert decision.event != "lead_change"


def test_cmp49_hype_keeps_the_old_leader_until_posted():
    decision = decide(
        live("hype"), now=NOW, posted=LAUNCHED, stats=stats(3), sole_leader=B, remembered=A
    )
    assert decision.remember_now is None
    assert decision.lead_change.old is A and decision.lead_change.new is B
