"""What the contest agent says: template pools, placeholders and the embed (CMP-53 … CMP-57).

The voice is an upbeat sports commentator who is also a guild member: light teasing, never
mean, sparing emoji, Discord markdown. Building a message never raises (CMP-54): templates are
filled with `format_map` over a mapping that has a safe default for every missing key, and a
template that still cannot be filled falls back to the unknown-event text.
"""

import logging
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings

from campaigns.models import AgentEvent, CampaignStatus, CloseReason

logger = logging.getLogger(__name__)

MAX_TITLE = 256
MAX_DESCRIPTION = 4096
ELLIPSIS = "…"
DEFAULT_COLOUR = 0xD4A84B
MAX_TOP_LINES = 10  # shared ranks can put many entries "in the top 3"

NO_LEADER = "nobody yet"  # `{leader}` before the first vote (e.g. a final stretch with no votes)
UNKNOWN_EVENT_TEMPLATE = "Update on **{title}**: {vote_url}"

# Pool keys of the results post (CMP-50, CMP-56): by close reason, then the two special cases.
CLOSED_TIE = "campaign_closed:tie"
CLOSED_NO_BALLOTS = "campaign_closed:no_ballots"


def closed_pool_key(reason: str) -> str:
    return f"campaign_closed:{reason}"


LAUNCH_EXAMPLE = (
    "Voting is OPEN for **{title}**! 🎨 {description}\nPick your top {picks} here: {vote_url}\n"
    "Polls close {closes_at}. May the best portrait win!"
)
RESULTS_EXAMPLE = (
    "🏁 The polls are closed and the results are in for **{title}**! {voted} members voted.\n"
    "{top3}\nCongratulations to **{winners}**! Full results: {results_url}"
)

# CMP-56: at least two variants per pool. `{description}` is the campaign's description, or
# "pick your top {picks} — 1st place is worth {max_points} points" when it has none.
POOLS: dict[str, tuple[str, ...]] = {
    AgentEvent.CAMPAIGN_LAUNCH: (
        LAUNCH_EXAMPLE,
        "🎙️ Ladies and gentlemen of {guild_name}, the gates are open! Voting has started for "
        "**{title}**.\n{description}\nCast your ballot: {vote_url}\nThe whistle blows "
        "{closes_at} — don't be the one who missed it.",
        "It's go time! **{title}** is now taking votes.\n{description}\nCast your ballot: "
        "{vote_url}\nVoting closes {closes_at}.",
    ),
    AgentEvent.FIRST_VOTE: (
        "And we're off! 🏇 The first ballot is in for **{title}** and the race is on. Who's "
        "next? {vote_url}",
        "Somebody couldn't wait — the first vote for **{title}** just landed! Don't let them "
        "have all the fun: {vote_url}",
    ),
    AgentEvent.MILESTONE_25: (
        "A quarter of the guild has spoken! {voted} of {eligible} have voted on **{title}**, "
        "and **{leader}** is out front with {leader_points} pts. Still time to shake things up: "
        "{vote_url}",
        "25% turnout on **{title}** ({voted} of {eligible})! **{leader}** has the early edge "
        "with {leader_points} pts. Your ballot could change everything: {vote_url}",
    ),
    AgentEvent.MILESTONE_50: (
        "Halfway there! 📊 {voted} of {eligible} have voted on **{title}** and **{leader}** "
        "leads with {leader_points} pts. The other half, we're looking at you: {vote_url}",
        "We've crossed the halfway line on **{title}** — {voted} of {eligible} ballots in. "
        "**{leader}** sits on top with {leader_points} pts. Get yours in: {vote_url}",
    ),
    AgentEvent.MILESTONE_75: (
        "Three quarters of the guild have voted on **{title}**! Just {remaining} still to go.\n"
        "{top3}\nStragglers, the door is still open: {vote_url}",
        "75% and climbing! {remaining} members haven't voted on **{title}** yet. Here's the "
        "board:\n{top3}\n{vote_url}",
    ),
    AgentEvent.FINAL_STRETCH: (
        "⏰ Final stretch! Less than 24 hours left on **{title}** and {remaining} of you "
        "haven't voted. **{leader}** leads — can anyone catch them? {vote_url}",
        "Into the last day we go! **{title}** closes {closes_at}. **{leader}** is in front, "
        "{remaining} ballots still missing. Don't leave it to the last minute: {vote_url}",
    ),
    AgentEvent.LAST_CALL: (
        "🔔 LAST CALL! **{title}** closes within the hour ({closes_at}). Final chance: "
        "{vote_url}\n{top3}",
        "One hour left on the clock for **{title}** — voting ends {closes_at}. Here's how it "
        "stands:\n{top3}\nVote now or forever hold your peace: {vote_url}",
    ),
    AgentEvent.LEAD_CHANGE: (
        "🔥 Lead change! **{new_leader}** ({new_points} pts) just overtook **{old_leader}** "
        "({old_points} pts) in **{title}**! Have your say: {vote_url}",
        "What a move! **{new_leader}** took the lead from **{old_leader}** in **{title}** — "
        "{new_points} pts to {old_points}. It's not over yet: {vote_url}",
    ),
    AgentEvent.ALL_VOTED: (
        "🏆 Perfect turnout! Every eligible member has voted on **{title}** ({voted} of "
        "{eligible}). The polls stay open until {closes_at}, and **{leader}** leads for now.",
        "Full house! All eligible members ({voted} of {eligible}) have cast their ballots for "
        "**{title}**. "
        "**{leader}** is in front; results land when voting closes {closes_at}.",
    ),
    closed_pool_key(CloseReason.TIME): (
        RESULTS_EXAMPLE,
        "That's the final whistle for **{title}**! ⏱️ {voted} members voted and the results "
        "are in:\n{top3}\nA huge congratulations to **{winners}**! See everything: "
        "{results_url}",
    ),
    closed_pool_key(CloseReason.ALL_VOTED): (
        "Everybody voted, so we're calling it early! 🎉 **{title}** is closed with {voted} "
        "ballots.\n{top3}\nCongratulations to **{winners}**! Full results: {results_url}",
        "Turnout: 100%. Voting on **{title}** closed early because every eligible member had "
        "their say ({voted} votes).\n{top3}\nHats off to **{winners}**! {results_url}",
    ),
    closed_pool_key(CloseReason.MANUAL): (
        "The officers have closed voting on **{title}**. {voted} members voted, and here's how "
        "it finished:\n{top3}\nCongratulations to **{winners}**! Full results: {results_url}",
        "Voting on **{title}** was closed by the officers. The results from {voted} ballots:\n"
        "{top3}\nWell played, **{winners}**! {results_url}",
    ),
    CLOSED_TIE: (
        "🏁 Voting on **{title}** is over, and it's a tie at the top! {voted} members voted.\n"
        "{top3}\nCongratulations to our co-winners **{winners}**! Full results: {results_url}",
        "Can't split them! **{title}** ends in a tie at the top after {voted} votes.\n{top3}\n"
        "Take a bow, **{winners}** — you share the crown! {results_url}",
    ),
    CLOSED_NO_BALLOTS: (
        "Voting on **{title}** has closed with no ballots cast, so there's no winner this time. "
        "Tumbleweeds... 🌵 {results_url}",
        "**{title}** is closed, but nobody voted — no ballots, no winner. We'll get them next "
        "time! {results_url}",
    ),
}

# CMP-22: while a secret campaign is live the agent posts no standings, so its live events
# that would name a leader or the top three use these pools instead (no {leader}, {top3}).
SECRET_SUFFIX = ":secret"
SECRET_POOLS: dict[str, tuple[str, ...]] = {
    AgentEvent.MILESTONE_25: (
        "A quarter of the guild has spoken! {voted} of {eligible} have voted on **{title}**. "
        "It's a secret ballot, so the board stays hidden until the end: {vote_url}",
        "25% turnout on **{title}** ({voted} of {eligible})! No peeking at the standings on a "
        "secret ballot — just add yours: {vote_url}",
    ),
    AgentEvent.MILESTONE_50: (
        "Halfway there! 📊 {voted} of {eligible} have voted on **{title}**. Who's ahead? "
        "Nobody knows until the polls close. The other half, we're looking at you: {vote_url}",
        "We've crossed the halfway line on **{title}** — {voted} of {eligible} ballots in, "
        "sealed until voting ends. Get yours in: {vote_url}",
    ),
    AgentEvent.MILESTONE_75: (
        "Three quarters of the guild have voted on **{title}**! Just {remaining} still to go. "
        "The results stay secret until {closes_at}: {vote_url}",
        "75% and climbing! {remaining} members haven't voted on **{title}** yet. The ballot "
        "box stays shut until the end: {vote_url}",
    ),
    AgentEvent.FINAL_STRETCH: (
        "⏰ Final stretch! Less than 24 hours left on **{title}** and {remaining} of you "
        "haven't voted. It's a secret ballot — anything can happen: {vote_url}",
        "Into the last day we go! **{title}** closes {closes_at}, {remaining} ballots still "
        "missing. Don't leave it to the last minute: {vote_url}",
    ),
    AgentEvent.LAST_CALL: (
        "🔔 LAST CALL! **{title}** closes within the hour ({closes_at}). Final chance: {vote_url}",
        "One hour left on the clock for **{title}** — voting ends {closes_at}, and the "
        "envelopes open right after. Vote now: {vote_url}",
    ),
    AgentEvent.ALL_VOTED: (
        "🏆 Perfect turnout! Every eligible member has voted on **{title}** ({voted} of "
        "{eligible}). The polls stay open until {closes_at}; then we open the envelopes.",
        "Full house! All eligible members ({voted} of {eligible}) have cast their secret "
        "ballots for **{title}**. Results land when voting closes {closes_at}.",
    ),
}
POOLS.update({f"{event}{SECRET_SUFFIX}": pool for event, pool in SECRET_POOLS.items()})

# CMP-54: what a missing placeholder becomes.
NUMERIC_KEYS = frozenset(
    {
        "picks",
        "max_points",
        "voted",
        "eligible",
        "remaining",
        "percent",
        "leader_points",
        "old_points",
        "new_points",
    }
)
EMPTY_KEYS = frozenset({"description", "top3"})


class SafeContext(dict):
    """A format_map mapping: any missing key gives 0, "" or "Unknown" instead of KeyError."""

    def __missing__(self, key: str):
        if key in NUMERIC_KEYS:
            return 0
        if key in EMPTY_KEYS:
            return ""
        return "Unknown"


# --- placeholders (CMP-55) ------------------------------------------------------------------

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_closes_at(moment: datetime | None) -> str:
    """ "Mar 01 at 09:00 PM UTC" (no locale involved)."""
    if moment is None:
        return "Unknown"
    moment = moment.astimezone(UTC)
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return (
        f"{_MONTHS[moment.month - 1]} {moment.day:02d} at {hour:02d}:{moment.minute:02d} {half} UTC"
    )


def join_names(names: Sequence[str]) -> str:
    """ "A", "A & B", "A, B & C"."""
    names = [str(name) for name in names]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} & {names[-1]}"


def points_text(points: int) -> str:
    return f"{points} pt" if points == 1 else f"{points} pts"


def top_lines(standings: Sequence) -> str:
    """The `{top3}` lines, "🥇 Name — 8 pts", for scored entries at ranks 1 to 3 (shared ranks
    share the medal, CMP-24/25). Fewer scored entries simply give fewer lines."""
    lines = []
    shown = [s for s in standings if s.points > 0 and s.rank <= 3]
    for standing in shown[:MAX_TOP_LINES]:
        medal = standing.medal or f"#{standing.rank}"
        lines.append(f"{medal} {standing.entry.name} — {points_text(standing.points)}")
    if len(shown) > MAX_TOP_LINES:
        lines.append(f"…and {len(shown) - MAX_TOP_LINES} more")
    return "\n".join(lines)


def percent_text(percent: float) -> str:
    """40.0 → "40", 33.3 → "33.3"."""
    return f"{float(percent):g}"


def vote_url(campaign) -> str:
    return f"{settings.SITE_URL}/vote/{campaign.pk}"


def build_context(
    campaign,
    *,
    stats=None,
    standings: Sequence = (),
    old_leader=None,
    new_leader=None,
    guild_name: str = "",
) -> SafeContext:
    """Every CMP-55 placeholder for one post. `stats` is a VoteStats (or None), `standings` a
    list of Standing rows in rank order, `old_leader` / `new_leader` entries of a lead change."""
    url = vote_url(campaign)
    picks = campaign.picks_per_voter or 0
    description = (campaign.description or "").strip() or (
        f"Pick your top {picks} — 1st place is worth {picks} points."
    )
    context = SafeContext(
        title=campaign.title,
        description=description,
        vote_url=url,
        results_url=url,
        closes_at=format_closes_at(campaign.end_at),
        picks=picks,
        max_points=picks,
    )
    if guild_name:
        context["guild_name"] = guild_name
    if stats is not None:
        context.update(
            voted=stats.total_voted,
            eligible=stats.total_eligible,
            remaining=max(stats.total_eligible - stats.total_voted, 0),
            percent=percent_text(stats.percent_voted),
        )
    leaders = [s for s in standings if s.rank == 1 and s.points > 0]
    if leaders:
        context["leader"] = join_names([s.entry.name for s in leaders])
        context["leader_points"] = leaders[0].points
    else:
        context["leader"] = NO_LEADER
        context["leader_points"] = 0
    context["top3"] = top_lines(standings)
    winners = [s for s in standings if getattr(s, "winner", False)]
    if winners:
        context["winners"] = join_names([s.entry.name for s in winners])
    points_of = {s.entry.pk: s.points for s in standings}
    if old_leader is not None:
        context["old_leader"] = old_leader.name
        context["old_points"] = points_of.get(old_leader.pk, 0)
    if new_leader is not None:
        context["new_leader"] = new_leader.name
        context["new_points"] = points_of.get(new_leader.pk, 0)
    return context


# --- choosing and filling a template (CMP-54) -----------------------------------------------


def pool_key(event: str, campaign=None, standings: Sequence = ()) -> str:
    """The pool of `event`; the results post picks by close reason, ties and no ballots; a
    live secret campaign's events use the pools without standings (CMP-22)."""
    if event != AgentEvent.CAMPAIGN_CLOSED:
        if event in SECRET_POOLS and secret_and_live(campaign):
            return f"{event}{SECRET_SUFFIX}"
        return event
    winners = [s for s in standings if getattr(s, "winner", False)]
    if not winners:
        return CLOSED_NO_BALLOTS
    if len(winners) > 1:
        return CLOSED_TIE
    return closed_pool_key(getattr(campaign, "close_reason", "") or CloseReason.TIME)


def secret_and_live(campaign) -> bool:
    """CMP-22: a secret campaign still taking votes (no standings may be posted)."""
    return bool(getattr(campaign, "secret_ballot", False)) and (
        getattr(campaign, "status", "") == CampaignStatus.LIVE
    )


def fill(template: str, context: Mapping) -> str:
    """`template.format_map(context)`; never raises (a broken template gives the fallback)."""
    safe = context if isinstance(context, SafeContext) else SafeContext(context)
    try:
        return template.format_map(safe)
    except Exception:  # a malformed template must not stop the agent (CMP-54)
        logger.warning("Contest agent template could not be filled; using the fallback")
        return f"Update on **{safe['title']}**: {safe['vote_url']}"


def build_message(
    event: str,
    context: Mapping,
    *,
    rng: random.Random | None = None,
    key: str | None = None,
) -> str:
    """One template picked at random from the pool of `key` (default: the event's pool) and
    filled; an unknown event gives "Update on **{title}**: {vote_url}" (CMP-54)."""
    pool = POOLS.get(key or event)
    if not pool:
        return fill(UNKNOWN_EVENT_TEMPLATE, context)
    template = (rng or random).choice(pool)
    return fill(template, context)


# --- the embed (CMP-53) ---------------------------------------------------------------------

TROPHY_EVENTS = frozenset({AgentEvent.CAMPAIGN_CLOSED, AgentEvent.ALL_VOTED})


def cut(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def colour_int(accent: str | None) -> int:
    """SiteConfig `accent_colour` ("#d4a84b") as an integer; the default on anything else."""
    value = (accent or "").strip().lstrip("#")
    if len(value) != 6:
        return DEFAULT_COLOUR
    try:
        return int(value, 16)
    except ValueError:
        return DEFAULT_COLOUR


def site_host() -> str:
    return urlsplit(settings.SITE_URL).netloc or settings.SITE_URL


def absolute_https_image(entry) -> str:
    """The entry's display image as an absolute https URL, or "" (CMP-53)."""
    if entry is None:
        return ""
    try:
        url = entry.display_image or ""
    except Exception:  # a storage backend that cannot build a URL: no thumbnail
        return ""
    if url.startswith("/"):
        url = settings.SITE_URL + url
    return url if url.startswith("https://") else ""


def build_embed(
    event: str,
    campaign,
    message: str,
    *,
    now: datetime,
    site_config,
    thumbnail_entry=None,
) -> dict:
    """CMP-53: title with 📣 (🏆 for results and all-voted), the message, link, accent colour,
    footer "{bot_name} • {site host}", timestamp and the leader's / winner's https image."""
    icon = "🏆" if event in TROPHY_EVENTS else "📣"
    embed = {
        "title": cut(f"{icon} {campaign.title}", MAX_TITLE),
        "description": cut(message, MAX_DESCRIPTION),
        "url": vote_url(campaign),
        "color": colour_int(getattr(site_config, "accent_colour", "")),
        "footer": {"text": f"{getattr(site_config, 'bot_name', '') or 'PATT-Bot'} • {site_host()}"},
        "timestamp": now.isoformat(),
    }
    image = absolute_https_image(thumbnail_entry)
    if image:
        embed["thumbnail"] = {"url": image}
    return embed
