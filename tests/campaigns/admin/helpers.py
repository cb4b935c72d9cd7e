"""Helpers of the campaigns admin tests: admin addresses, messages, form data."""

from django.contrib.messages import get_messages
from django.urls import reverse

from campaigns.models import Campaign

CHANGELIST = "admin:campaigns_campaign_changelist"


def changelist_url() -> str:
    return reverse(CHANGELIST)


def add_url() -> str:
    return reverse("admin:campaigns_campaign_add")


def change_url(campaign) -> str:
    return reverse("admin:campaigns_campaign_change", args=[campaign.pk])


def delete_url(campaign) -> str:
    return reverse("admin:campaigns_campaign_delete", args=[campaign.pk])


def action_url(campaign, action: str) -> str:
    return reverse("admin:campaigns_campaign_action", args=[campaign.pk, action])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def listed(response) -> list[Campaign]:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def run_action(client, action: str, campaigns, *, confirm: bool = True, query: str = ""):
    data = {"action": action, "_selected_action": [c.pk for c in campaigns]}
    if confirm:
        data["post"] = "yes"
    return client.post(changelist_url() + query, data)


def errors_of(response) -> list[str]:
    """Every error message of the re-rendered form and its inlines."""
    found: list[str] = []
    form = response.context["adminform"].form
    for errors in form.errors.values():
        found.extend(errors)
    for inline in response.context["inline_admin_formsets"]:
        found.extend(inline.formset.non_form_errors())
        for inline_form in inline.formset.forms:
            for errors in inline_form.errors.values():
                found.extend(errors)
    return found


def vote(campaign, player, names: list[str]):
    """Store a ballot the way CMP-18/22 does: the receipt, then the ballot and its picks — or,
    for a secret campaign, only the counters (returns None then: there is no ballot row)."""
    from django.utils import timezone

    from campaigns.models import Ballot, BallotPick, BallotReceipt
    from campaigns.services.ballots import count_secret_picks

    now = timezone.now()
    BallotReceipt.objects.create(campaign=campaign, player=player, voted_at=now)
    entries = {entry.name: entry for entry in campaign.entries.all()}
    picks = [(entries[name].pk, index) for index, name in enumerate(names, start=1)]
    if campaign.secret_ballot:
        count_secret_picks(campaign, picks=picks)
        return None
    ballot = Ballot.objects.create(campaign=campaign, voter=player, cast_at=now)
    BallotPick.objects.bulk_create(
        BallotPick(ballot=ballot, entry_id=entry_id, rank=rank) for entry_id, rank in picks
    )
    return ballot


def new_campaign_data(*, entries: list[dict] | None = None, **overrides) -> dict:
    """POST data of the add page: a valid draft starting in two days, with `entries`."""
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now() + timedelta(days=2)
    data = {
        "title": "Best transmog",
        "description": "Show off.",
        "picks_per_voter": "3",
        "min_rank_to_vote": "3",
        "min_rank_to_view": "",
        "start_at": start.strftime("%Y-%m-%dT%H:%M"),
        "duration_hours": "168",
        "early_close_if_all_voted": "on",
        "agent_enabled": "on",
        "agent_chattiness": "normal",
        "discord_channel_id": "",
    }
    entries = entries or []
    data.update(
        {
            "entries-TOTAL_FORMS": str(len(entries)),
            "entries-INITIAL_FORMS": "0",
            "entries-MIN_NUM_FORMS": "0",
            "entries-MAX_NUM_FORMS": "1000",
        }
    )
    for index, entry in enumerate(entries):
        row = {"name": "", "description": "", "image_url": "", "sort_order": "", "player": ""}
        row.update(entry)
        for key, value in row.items():
            data[f"entries-{index}-{key}"] = value
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data
