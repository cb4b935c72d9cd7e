"""`manage.py setup_art_vote` (CMP-59)."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from campaigns.management.commands.setup_art_vote import ART_VOTE_ENTRIES, ART_VOTE_TITLE
from campaigns.models import Campaign, CampaignEntry
from campaigns.services.lifecycle import activate_now
from tests.campaigns.factories import EntryFactory, member

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("setup_art_vote", *args, stdout=out)
    return out.getvalue()


def test_cmp59_creates_the_draft_with_its_settings_and_ten_entries(settings):
    settings.SITE_URL = "https://patt.test"
    leader = member("Guild Leader", display_name="Trog")
    out = run()
    campaign = Campaign.objects.get(title=ART_VOTE_TITLE)
    assert campaign.status == "draft"
    assert (campaign.picks_per_voter, campaign.vote_level, campaign.view_level) == (3, 3, None)
    assert (campaign.duration_hours, campaign.agent_chattiness) == (168, "hype")
    assert campaign.early_close_if_all_voted and campaign.agent_enabled
    assert not campaign.secret_ballot and campaign.discord_channel_id == ""
    assert campaign.created_by == leader
    assert "profile picture" in campaign.description and "1st = 3 points" in campaign.description
    assert abs(campaign.start_at - (timezone.now() + timedelta(hours=1))) < timedelta(minutes=1)
    entries = list(campaign.entries.order_by("sort_order").values_list("name", "sort_order"))
    assert entries == [(name, index) for index, name in enumerate(ART_VOTE_ENTRIES, 1)]
    assert campaign.entries.get(name="Trog").player == leader
    assert f"Created campaign “{ART_VOTE_TITLE}” (#{campaign.pk})." in out
    assert "Status: draft" in out
    assert f"Start: {campaign.start_at:%Y-%m-%d %H:%M} UTC" in out
    assert f"Admin: https://patt.test/admin/campaigns/campaign/{campaign.pk}/change/" in out
    assert f"Page: https://patt.test/vote/{campaign.pk}" in out
    assert "Still without an image: Trog, Rocket, Mito" in out
    assert "Next steps:" in out and "Activate now" in out


def test_cmp59_warns_when_there_is_no_active_guild_leader():
    out = run()
    assert Campaign.objects.get(title=ART_VOTE_TITLE).created_by is None
    assert "no active Guild Leader" in out


def test_cmp59_rerun_refreshes_without_duplicates_and_keeps_a_future_start():
    run()
    campaign = Campaign.objects.get(title=ART_VOTE_TITLE)
    chosen = timezone.now() + timedelta(days=3)
    campaign.start_at = chosen
    campaign.picks_per_voter = 5
    campaign.save()
    out = run()
    campaign.refresh_from_db()
    assert Campaign.objects.filter(title=ART_VOTE_TITLE).count() == 1
    assert campaign.entries.count() == 10
    assert campaign.start_at == chosen and campaign.picks_per_voter == 3
    assert "Refreshed campaign" in out


def test_cmp59_rerun_resets_a_start_in_the_past_to_an_hour_from_now():
    run()
    campaign = Campaign.objects.get(title=ART_VOTE_TITLE)
    Campaign.objects.filter(pk=campaign.pk).update(start_at=timezone.now() - timedelta(hours=2))
    run()
    campaign.refresh_from_db()
    assert campaign.start_at > timezone.now() + timedelta(minutes=59)


def test_cmp59_images_file_sets_drive_and_https_urls_and_reports_unknown_names(tmp_path):
    run()
    campaign = Campaign.objects.get(title=ART_VOTE_TITLE)
    EntryFactory(campaign=campaign, name="Guest", sort_order=50)
    CampaignEntry.objects.filter(campaign=campaign, name="Mito").update(
        image_url="https://img.test/mito.png"
    )
    images = tmp_path / "images.json"
    images.write_text(
        json.dumps(
            {
                "Trog": "1AbCdEfGhIjKlMnOp",
                "Rocket": "https://img.test/rocket.png",
                "Shodoom": "https://drive.google.com/file/d/XyZ123456789/view?usp=sharing",
                "Nobody": "1AbCdEfGhIjKlMnOp",
            }
        )
    )
    out = run("--images", str(images))
    urls = dict(campaign.entries.values_list("name", "image_url"))
    assert urls["Trog"] == "https://drive.google.com/uc?id=1AbCdEfGhIjKlMnOp&export=view"
    assert urls["Rocket"] == "https://img.test/rocket.png"
    assert urls["Shodoom"] == "https://drive.google.com/uc?id=XyZ123456789&export=view"
    assert urls["Mito"] == "https://img.test/mito.png"  # not in the file: left as it was
    assert "Unknown names in the images file (ignored): Nobody" in out
    assert "Other entries left alone: Guest" in out
    assert campaign.entries.get(name="Guest").sort_order == 50
    assert "Still without an image: Skate, Hit, Kronas, Porax, Meggo, Wyland, Guest" in out


def test_cmp59_cmp2_entries_match_ignoring_case():
    """Issue 11 item 20: an officer's "trog" is the "Trog" entry (names are unique ignoring
    case), so a rerun refreshes it instead of failing on the database constraint."""
    run()
    campaign = Campaign.objects.get(title=ART_VOTE_TITLE)
    CampaignEntry.objects.filter(campaign=campaign, name="Trog").update(name="trog")
    out = run()
    names = list(campaign.entries.order_by("sort_order").values_list("name", flat=True))
    assert names == ["trog", *ART_VOTE_ENTRIES[1:]]
    assert "Other entries left alone" not in out


def test_cmp59_associated_player_only_when_exactly_one_player_has_the_name():
    member("Veteran", display_name="Rocket")
    member("Veteran", display_name="rocket")
    mito = member("Veteran", display_name="MITO")
    run()
    campaign = Campaign.objects.get(title=ART_VOTE_TITLE)
    assert campaign.entries.get(name="Rocket").player is None
    assert campaign.entries.get(name="Mito").player == mito


def test_cmp59_leaves_a_campaign_that_left_draft_alone():
    member("Veteran", display_name="Filler")
    run()
    campaign = Campaign.objects.get(title=ART_VOTE_TITLE)
    activate_now(campaign)
    out = run()
    assert out.strip() == "Campaign is live; settings and entries left unchanged."
    campaign.refresh_from_db()
    assert campaign.status == "live"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "must hold a JSON object"),
        ("{nope", "not valid JSON"),
        ('{"Trog": "http://x.test/a.png"}', "Image for “Trog”"),
    ],
)
def test_cmp59_bad_images_file_is_a_clear_error(tmp_path, content, message):
    images = tmp_path / "images.json"
    images.write_text(content)
    with pytest.raises(CommandError, match=message):
        run("--images", str(images))
    assert not Campaign.objects.filter(title=ART_VOTE_TITLE).exists()


def test_cmp59_missing_images_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("--images", str(tmp_path / "missing.json"))
