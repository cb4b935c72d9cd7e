"""What the contest agent may say next about one campaign (CMP-45 … CMP-49).

Pure decisions over plain inputs (the campaign, its stats and standings, what was already
posted, the remembered leader), so every rule can be checked without Discord or a database.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from campaigns.models import AgentEvent, CampaignStatus, Chattiness

E = AgentEvent

# CMP-46: which events each chattiness level may post.
ALLOWED: dict[str, frozenset[str]] = {
    Chattiness.QUIET: frozenset({E.CAMPAIGN_LAUNCH, E.CAMPAIGN_CLOSED}),
    Chattiness.NORMAL: frozenset(
        {
            E.CAMPAIGN_LAUNCH,
            E.FIRST_VOTE,
            E.MILESTONE_50,
            E.FINAL_STRETCH,
            E.LAST_CALL,
            E.ALL_VOTED,
            E.CAMPAIGN_CLOSED,
        }
    ),
    Chattiness.HYPE: frozenset(E.values),
}

# CMP-47: the first candidate in this order is posted.
PRIORITY: tuple[str, ...] = (
    E.CAMPAIGN_LAUNCH,
    E.CAMPAIGN_CLOSED,
    E.ALL_VOTED,
    E.LEAD_CHANGE,
    E.LAST_CALL,
    E.FINAL_STRETCH,
    E.MILESTONE_75,
    E.MILESTONE_50,
    E.MILESTONE_25,
    E.FIRST_VOTE,
)

# CMP-48: once a step is posted, every lower step of its ladder is dropped.
LADDERS: tuple[tuple[str, ...], ...] = (
    (E.FIRST_VOTE, E.MILESTONE_25, E.MILESTONE_50, E.MILESTONE_75, E.ALL_VOTED),
    (E.FINAL_STRETCH, E.LAST_CALL),
)

MILESTONES = ((E.MILESTONE_25, 25), (E.MILESTONE_50, 50), (E.MILESTONE_75, 75))


def allowed(event: str, chattiness: str) -> bool:
    """CMP-46; an unknown chattiness value posts only what quiet would."""
    return event in ALLOWED.get(chattiness, ALLOWED[Chattiness.QUIET])


def superseded(event: str, posted: Collection[str]) -> bool:
    """CMP-48: a higher step of the event's ladder has already been posted."""
    for ladder in LADDERS:
        if event in ladder:
            higher = ladder[ladder.index(event) + 1 :]
            return any(step in posted for step in higher)
    return False


@dataclass(frozen=True)
class LeadChange:
    """CMP-49: the sole leader differs from the remembered one."""

    old: object  # CampaignEntry
    new: object  # CampaignEntry


@dataclass
class Decision:
    """The outcome of evaluating one campaign for one run."""

    detected: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    event: str | None = None  # the one to post this run (CMP-47), or None
    lead_change: LeadChange | None = None
    # CMP-49 bookkeeping the runner applies: store this entry as the remembered leader now
    # (first leader, or silent tracking). None = leave it.
    remember_now: object | None = None


def detect_live(
    campaign, *, stats, sole_leader, remembered, now: datetime, posted: Collection[str]
) -> tuple[list[str], LeadChange | None]:
    """CMP-45: the events detected on a live campaign (before chattiness and priority)."""
    detected: list[str] = []
    if E.CAMPAIGN_LAUNCH not in posted:
        detected.append(E.CAMPAIGN_LAUNCH)
    if stats.total_voted >= 1:
        detected.append(E.FIRST_VOTE)
    for event, threshold in MILESTONES:
        if stats.percent_voted >= threshold:
            detected.append(event)
    if stats.all_voted:
        detected.append(E.ALL_VOTED)
    left = campaign.end_at - now
    if left <= timedelta(hours=24) and campaign.duration_hours > 24:
        detected.append(E.FINAL_STRETCH)
    if left <= timedelta(hours=1) and campaign.duration_hours > 1:
        detected.append(E.LAST_CALL)
    change = None
    if sole_leader is not None and remembered is not None and sole_leader.pk != remembered.pk:
        change = LeadChange(old=remembered, new=sole_leader)
        detected.append(E.LEAD_CHANGE)
    return detected, change


def decide(
    campaign,
    *,
    now: datetime,
    posted: Collection[str],
    stats=None,
    sole_leader=None,
    remembered=None,
) -> Decision:
    """CMP-45 … CMP-49 for one campaign: what to post this run, and the leader bookkeeping.

    `posted` holds the event types with a `posted` log row. A live campaign whose end time has
    passed is left alone: the status checker closes it (CMP-31) and the next run posts the
    results, so no live event is posted after voting ended.
    """
    decision = Decision()
    if campaign.status == CampaignStatus.LIVE:
        if now >= campaign.end_at:
            return decision
        detected, change = detect_live(
            campaign,
            stats=stats,
            sole_leader=sole_leader,
            remembered=remembered,
            now=now,
            posted=posted,
        )
        decision.detected = detected
        # CMP-49: the first sole leader is remembered without a post.
        if sole_leader is not None and remembered is None:
            decision.remember_now = sole_leader
        if change is not None:
            decision.lead_change = change
            if not allowed(E.LEAD_CHANGE, campaign.agent_chattiness):
                decision.remember_now = change.new  # silent tracking
    elif campaign.status in (CampaignStatus.CLOSED, CampaignStatus.ARCHIVED):
        # CMP-45/48: once closed only the results post exists; pending live events are dropped.
        if E.CAMPAIGN_CLOSED not in posted:
            decision.detected = [E.CAMPAIGN_CLOSED]
    else:
        return decision

    chattiness = campaign.agent_chattiness
    candidates = [
        event
        for event in decision.detected
        if allowed(event, chattiness)
        and (event == E.LEAD_CHANGE or event not in posted)
        and not superseded(event, posted)
    ]
    # CMP-47: an unposted launch is the only candidate on a live campaign.
    if E.CAMPAIGN_LAUNCH in candidates:
        candidates = [E.CAMPAIGN_LAUNCH]
    decision.candidates = candidates
    decision.event = first_by_priority(candidates)
    return decision


def first_by_priority(candidates: Sequence[str]) -> str | None:
    for event in PRIORITY:
        if event in candidates:
            return event
    return None
