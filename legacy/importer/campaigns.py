"""Campaigns, entries, ballots, results and the contest agent's log (issue 14; README §2).

Legacy campaigns have no secret ballots, so every campaign is imported with
`secret_ballot = False` and its votes become one BallotReceipt + one Ballot with its
BallotPicks per (campaign, voter) (CMP-3). Closed campaigns get their results recomputed with
this platform's rules (`campaigns.services.scoring.compute_standings`, CMP-23 … CMP-25); the
report lists every campaign whose winners differ from the legacy results.
"""

import re
from collections import defaultdict
from datetime import timedelta

from django.utils import timezone

from campaigns.models import (
    AgentEvent,
    Ballot,
    BallotPick,
    BallotReceipt,
    Campaign,
    CampaignEntry,
    CampaignResult,
    ContestAgentLog,
)
from campaigns.services.scoring import compute_standings, winners
from legacy.importer.context import Context
from legacy.importer.source import Row

CHANNEL = re.compile(r"^[0-9]{17,20}$")


def _pk(value: object) -> int | None:
    return value if isinstance(value, int) or value is None else value.pk


def import_campaigns(ctx: Context) -> None:
    table = "patt.campaigns"
    levels = {rank.level for rank in ctx.ranks.values()}
    players = ctx.ids.get("guild_identity.players", {})
    new, ids = [], []
    for row in ctx.read(table):
        picks = row["picks_per_voter"] if row["picks_per_voter"] is not None else 3
        status = row["status"] or "draft"
        problem = ""
        if (row["type"] or "ranked_choice") != "ranked_choice":
            problem = f"type {row['type']!r}: only ranked-choice campaigns exist here"
        elif not 1 <= picks <= 10:
            problem = f"{picks} picks per voter: 1 to 10 here (CMP-1)"
        elif not 1 <= row["duration_hours"] <= 8760:
            problem = f"duration {row['duration_hours']} h: 1 to 8760 h here (CMP-1)"
        elif row["min_rank_to_vote"] not in levels:
            problem = f"minimum rank to vote {row['min_rank_to_vote']} is no rank level here"
        elif row["min_rank_to_view"] is not None and row["min_rank_to_view"] not in levels:
            problem = f"minimum rank to view {row['min_rank_to_view']} is no rank level here"
        elif status not in ("draft", "live", "closed"):
            problem = f"status {status!r} is unknown"
        if problem:
            ctx.reported(
                table,
                row["id"],
                why=f"campaign {row['title']!r}: {problem}; its entries and votes are reported "
                "with it. Add the rank (or fix the campaign in the legacy database) and run "
                "the import again",
            )
            continue
        changes = []
        end_at = row["start_at"] + timedelta(hours=row["duration_hours"])
        closed_at, reason = None, ""
        if status == "closed":
            closed_at = row["updated_at"] or end_at
            if closed_at >= end_at:
                reason = Campaign.CloseReason.TIME
            else:
                reason = Campaign.CloseReason.MANUAL
            closed_at = max(closed_at, row["start_at"])
            changes.append(f"closed: close time {closed_at.isoformat()} ({reason}) from updated_at")
        channel = (row["discord_channel_id"] or "").strip()
        if channel and not CHANNEL.match(channel):
            changes.append(f"Discord channel id {channel!r} is not a channel id: blank")
            channel = ""
        chattiness = row["agent_chattiness"]
        if chattiness not in Campaign.Chattiness.values:
            chattiness = Campaign.Chattiness.NORMAL
        campaign = Campaign(
            title=row["title"],
            description=row["description"] or "",
            picks_per_voter=picks,
            min_rank_to_vote_id=row["min_rank_to_vote"],
            min_rank_to_view_id=row["min_rank_to_view"],
            start_at=row["start_at"],
            duration_hours=row["duration_hours"],
            end_at=end_at,
            status=status,
            early_close_if_all_voted=row["early_close_if_all_voted"] is not False,
            secret_ballot=False,
            discord_channel_id=channel,
            agent_enabled=bool(row["agent_enabled"]),
            agent_chattiness=chattiness,
            created_by_id=_pk(players.get(row["created_by_player_id"])),
            closed_at=closed_at,
            close_reason=reason,
        )
        campaign._legacy_times = (row["created_at"], row["updated_at"])
        new.append(campaign)
        ids.append(row["id"])
        ctx.imported(table, row["id"], campaign, change="; ".join(changes))
    ctx.create(Campaign, new, table=table, legacy_ids=ids)
    for campaign in new:
        created, updated = campaign._legacy_times
        campaign.created_at = created or campaign.created_at
        campaign.updated_at = updated or campaign.updated_at
    ctx.update(Campaign, new, ["created_at", "updated_at"])


def import_entries(ctx: Context) -> None:
    """patt.campaign_entries → CampaignEntry; an entry whose name repeats (ignoring case) in
    its campaign is merged into the first; non-https image URLs are dropped (in the report)."""
    table = "patt.campaign_entries"
    campaigns = ctx.ids.get("patt.campaigns", {})
    players = ctx.ids.get("guild_identity.players", {})
    names: dict[tuple[int, str], object] = {
        (campaign_id, name.lower()): pk
        for campaign_id, name, pk in CampaignEntry.objects.values_list("campaign_id", "name", "pk")
    }
    rows = sorted(ctx.read(table), key=lambda r: (r["sort_order"] or 0, r["id"]))
    new, ids = [], []
    for row in rows:
        campaign = campaigns.get(row["campaign_id"])
        if campaign is None:
            ctx.reported(table, row["id"], why="its campaign was not imported (see patt.campaigns)")
            continue
        key = (_pk(campaign), row["name"].strip().lower())
        if key in names:
            ctx.merged(
                table,
                row["id"],
                names[key],
                model=CampaignEntry,
                why=f"entry {row['name']!r} repeats a name of its campaign (ignoring case): "
                "one entry; its votes count for the first",
            )
            continue
        url, change = (row["image_url"] or "").strip(), ""
        if url and (not url.startswith("https://") or len(url) > 500):
            change = f"image URL {url!r} is not https (or too long): dropped, upload the image"
            url = ""
        entry = CampaignEntry(
            campaign_id=_pk(campaign),
            name=row["name"].strip(),
            description=row["description"] or "",
            image_url=url,
            sort_order=row["sort_order"] or 0,
            player_id=_pk(players.get(row["player_id"])),
        )
        names[key] = entry
        new.append(entry)
        ids.append(row["id"])
        ctx.imported(table, row["id"], entry, change=change)
    ctx.create(CampaignEntry, new, table=table, legacy_ids=ids)


def import_votes(ctx: Context) -> None:
    """patt.votes (one row per pick) → one BallotReceipt + Ballot per (campaign, voter) and a
    BallotPick per pick. The same entry twice on a ballot: the better rank is kept, the other
    merged; picks beyond the campaign's picks, of another campaign's entry, or of a voter
    merged into one who also voted are reported."""
    table = "patt.votes"
    rows = ctx.read(table)
    campaigns = ctx.ids.get("patt.campaigns", {})
    entries = ctx.ids.get("patt.campaign_entries", {})
    players = ctx.ids.get("guild_identity.players", {})
    # Campaigns, entries and players are saved by now: everything has its pk.
    picks_of = dict(
        Campaign.objects.filter(
            pk__in=[c for c in campaigns.values() if isinstance(c, int)]
        ).values_list("pk", "picks_per_voter")
    )
    picks_of.update({c.pk: c.picks_per_voter for c in campaigns.values() if not isinstance(c, int)})
    campaign_of_entry = dict(
        CampaignEntry.objects.filter(
            pk__in=[e for e in entries.values() if isinstance(e, int)]
        ).values_list("pk", "campaign_id")
    )
    campaign_of_entry.update(
        {e.pk: e.campaign_id for e in entries.values() if not isinstance(e, int)}
    )
    voted = set(Ballot.objects.filter(voter__isnull=False).values_list("campaign_id", "voter_id"))
    key = _pk

    ballots: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows:
        campaign = campaigns.get(row["campaign_id"])
        voter = players.get(row["player_id"])
        entry = entries.get(row["entry_id"])
        if campaign is None or voter is None or entry is None:
            missing = "campaign" if campaign is None else "voter" if voter is None else "entry"
            ctx.reported(table, row["id"], why=f"its {missing} was not imported")
            continue
        if campaign_of_entry.get(key(entry)) != _pk(campaign):
            ctx.reported(
                table, row["id"], why="the pick is an entry of another campaign: not counted"
            )
            continue
        ballots[(key(campaign), key(voter))].append(row)

    receipts, new_ballots, picks, pick_ids = [], [], [], []
    ctx.scratch["picks"] = picks
    for (campaign_key, _voter_key), members in ballots.items():
        campaign = campaigns[members[0]["campaign_id"]]
        voter = players[members[0]["player_id"]]
        limit = picks_of.get(campaign_key, 10)
        if (_pk(campaign), _pk(voter)) in voted:
            for row in members:
                ctx.reported(
                    table,
                    row["id"],
                    why=f"{_name(voter)} already has a ballot in this campaign (a merged "
                    "player voted too): this pick is not counted",
                )
            continue
        legacy_voters = sorted({row["player_id"] for row in members})
        kept_voter = legacy_voters[0]
        cast_at = min(
            (row["voted_at"] for row in members if row["voted_at"]),
            default=getattr(campaign, "start_at", None) or timezone.now(),
        )
        ballot = Ballot(campaign_id=_pk(campaign), voter_id=_pk(voter), cast_at=cast_at)
        receipt = BallotReceipt(campaign_id=_pk(campaign), player_id=_pk(voter), voted_at=cast_at)
        taken_ranks: set[int] = set()
        taken_entries: dict[object, BallotPick] = {}
        for row in sorted(members, key=lambda r: (r["rank"], r["id"])):
            entry = entries[row["entry_id"]]
            if row["player_id"] != kept_voter:
                ctx.reported(
                    table,
                    row["id"],
                    why=f"voter merged into {_name(voter)}, who voted in this campaign too: "
                    "this pick is not counted",
                )
            elif not 1 <= row["rank"] <= limit:
                ctx.reported(
                    table,
                    row["id"],
                    why=f"rank {row['rank']} is beyond the campaign's {limit} picks: not counted",
                )
            elif key(entry) in taken_entries:
                ctx.merged(
                    table,
                    row["id"],
                    taken_entries[key(entry)],
                    why="the same entry twice on one ballot: its better rank counts",
                )
            elif row["rank"] in taken_ranks:
                ctx.reported(table, row["id"], why=f"rank {row['rank']} twice on one ballot")
            else:
                pick = BallotPick(ballot=ballot, rank=row["rank"])
                pick._legacy_entry = entry
                taken_ranks.add(row["rank"])
                taken_entries[key(entry)] = pick
                picks.append(pick)
                pick_ids.append(row["id"])
                ctx.imported(table, row["id"], pick)
        if taken_ranks:
            voted.add((_pk(campaign), _pk(voter)))
            new_ballots.append(ballot)
            receipts.append(receipt)
    ctx.create(Ballot, new_ballots, table=table, legacy_ids=[None] * len(new_ballots))
    ctx.create(BallotReceipt, receipts, table=table, legacy_ids=[None] * len(receipts))
    for pick in picks:
        pick.ballot_id = pick.ballot.pk
        pick.entry_id = _pk(pick._legacy_entry)
    ctx.create(BallotPick, picks, table=table, legacy_ids=pick_ids)


def _name(player: object) -> str:
    return getattr(player, "display_name", None) or f"player #{player}"


def import_results(ctx: Context) -> None:
    """patt.campaign_results: closed campaigns get results recomputed from the imported
    ballots (CMP-23 … CMP-25); each legacy row is merged into its entry's new result (or, for
    a campaign still open, into the campaign: live standings come from the ballots)."""
    table = "patt.campaign_results"
    rows = ctx.read(table)
    campaigns = ctx.ids.get("patt.campaigns", {})
    entries = ctx.ids.get("patt.campaign_entries", {})
    closed = [c for c in campaigns.values() if isinstance(c, Campaign) and c.status == "closed"]
    entries_of: dict[int, list[CampaignEntry]] = defaultdict(list)
    for entry in {id(e): e for e in entries.values() if isinstance(e, CampaignEntry)}.values():
        entries_of[entry.campaign_id].append(entry)
    counts: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    ballots_of: dict[int, set] = defaultdict(set)
    for pick in ctx.scratch.get("picks", []):
        counts[pick.ballot.campaign_id][(pick.entry_id, pick.rank)] += 1
        ballots_of[pick.ballot.campaign_id].add(pick.ballot_id)
    legacy_campaign_of = {id(c): legacy_id for legacy_id, c in campaigns.items()}
    results: list[CampaignResult] = []
    result_of_entry: dict[int, CampaignResult] = {}
    for campaign in closed:
        standings = compute_standings(
            sorted(entries_of[campaign.pk], key=lambda e: (e.sort_order, e.name, e.pk)),
            picks_per_voter=campaign.picks_per_voter,
            counts=counts[campaign.pk],
        )
        for standing in standings:
            result = CampaignResult(
                campaign_id=campaign.pk,
                entry_id=standing.entry.pk,
                points=standing.points,
                place_counts=standing.place_counts,
                rank=standing.rank,
                is_winner=standing.winner,
                calculated_at=campaign.closed_at,
            )
            results.append(result)
            result_of_entry[standing.entry.pk] = result
        legacy_id = legacy_campaign_of[id(campaign)]
        legacy_winners = sorted(
            {
                _pk(entries[row["entry_id"]])
                for row in ctx.legacy_rows(table)
                if row["campaign_id"] == legacy_id
                and row["final_rank"] == 1
                and (row["first_place_count"] or row["weighted_score"])
                and row["entry_id"] in entries
            }
        )
        new_winners = sorted(standing.entry.pk for standing in winners(standings))
        if legacy_winners != new_winners:
            names = {entry.pk: entry.name for entry in entries_of[campaign.pk]}
            ctx.report.winner_changes.append(
                {
                    "campaign": campaign.title,
                    "legacy_id": legacy_id,
                    "legacy_winners": [names.get(pk, f"#{pk}") for pk in legacy_winners],
                    "new_winners": [names.get(pk, f"#{pk}") for pk in new_winners],
                }
            )
        campaign.voted_at_close = len(ballots_of[campaign.pk])
    ctx.create(CampaignResult, results, table=table, legacy_ids=[None] * len(results))
    ctx.update(Campaign, closed, ["voted_at_close"])
    for row in rows:
        campaign = campaigns.get(row["campaign_id"])
        entry = entries.get(row["entry_id"])
        if campaign is None or entry is None:
            ctx.reported(table, row["id"], why="its campaign or entry was not imported")
        elif _pk(entry) in result_of_entry:
            ctx.merged(
                table,
                row["id"],
                result_of_entry[_pk(entry)],
                why="recomputed with this platform's rules (N - r + 1 points, shared ranks)",
            )
        else:
            ctx.merged(
                table,
                row["id"],
                campaign,
                model=Campaign,
                why="campaign not closed: its standings are computed from the ballots",
            )


def import_agent_log(ctx: Context) -> None:
    """patt.contest_agent_log → ContestAgentLog (status posted: only posts were logged)."""
    table = "patt.contest_agent_log"
    campaigns = ctx.ids.get("patt.campaigns", {})
    new, ids = [], []
    for row in ctx.read(table):
        campaign = campaigns.get(row["campaign_id"])
        if campaign is None:
            ctx.reported(table, row["id"], why="its campaign was not imported")
            continue
        if row["event_type"] not in AgentEvent.values:
            ctx.reported(table, row["id"], why=f"agent event {row['event_type']!r} is unknown here")
            continue
        log = ContestAgentLog(
            campaign_id=_pk(campaign),
            event_type=row["event_type"],
            status="posted",
            message=row["message"] or "",
            discord_message_id=(row["discord_message_id"] or "")[:20],
        )
        log._legacy_posted = row["posted_at"]
        new.append(log)
        ids.append(row["id"])
        ctx.imported(table, row["id"], log)
    ctx.create(ContestAgentLog, new, table=table, legacy_ids=ids)
    for log in new:
        log.created_at = log._legacy_posted or log.created_at
    ctx.update(ContestAgentLog, new, ["created_at"])
