"""`manage.py setup_art_vote [--images FILE]`: the profile-picture contest (CMP-59).

Creates or refreshes the draft titled exactly ART_VOTE_TITLE in one transaction; safe to run any
number of times. A campaign that has left draft is reported and left untouched.
"""

import json
import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, CampaignEntry, CampaignStatus, Chattiness
from identity.models import GuildRank, Player

ART_VOTE_TITLE = "Salt All The Things Profile Pic Contest"
ART_VOTE_DESCRIPTION = (
    "Vote for your favourite character portrait! The winning art becomes the profile picture "
    "of the Salt All The Things podcast. Pick your top 3: 1st = 3 points, 2nd = 2, 3rd = 1."
)
ART_VOTE_ENTRIES = [
    "Trog",
    "Rocket",
    "Mito",
    "Shodoom",
    "Skate",
    "Hit",
    "Kronas",
    "Porax",
    "Meggo",
    "Wyland",
]
VOTE_LEVEL = 3  # Veteran
GUILD_LEADER_LEVEL = 5

_DRIVE_ID = re.compile(r"^[A-Za-z0-9_-]{10,}$")
_DRIVE_SHARE = re.compile(r"^https://drive\.google\.com/file/d/([A-Za-z0-9_-]+)(?:/|$|\?)")


def drive_image_url(file_id: str) -> str:
    return f"https://drive.google.com/uc?id={file_id}&export=view"


def image_url_from(value) -> str:
    """A Drive file id, a Drive share link or an https URL → the URL stored on the entry."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a Google Drive file id or an https URL")
    value = value.strip()
    share = _DRIVE_SHARE.match(value)
    if share:
        return drive_image_url(share.group(1))
    if value.startswith("https://"):
        return value
    if _DRIVE_ID.match(value):
        return drive_image_url(value)
    raise ValueError("expected a Google Drive file id or an https URL")


def load_images(path: str) -> dict[str, str]:
    """The --images file: a JSON object name → Drive file id or https URL."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path} is not valid JSON: {exc}.") from exc
    if not isinstance(data, dict):
        raise CommandError(f"{path} must hold a JSON object of name → Drive file id or URL.")
    images = {}
    for name, value in data.items():
        try:
            images[name] = image_url_from(value)
        except ValueError as exc:
            raise CommandError(f"Image for “{name}” in {path}: {exc}.") from exc
    return images


class Command(BaseCommand):
    help = (
        f"Create or refresh the draft campaign “{ART_VOTE_TITLE}” with its ten entries. "
        "Safe to run again; a campaign that has left draft is left unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--images",
            metavar="FILE",
            help="JSON object: entry name → Google Drive file id or https image URL",
        )

    def handle(self, *args, images=None, **options):
        image_urls = load_images(images) if images else {}
        existing = Campaign.objects.filter(title=ART_VOTE_TITLE).order_by("pk").first()
        if existing is not None and existing.status != CampaignStatus.DRAFT:
            self.stdout.write(
                f"Campaign is {existing.status}; settings and entries left unchanged."
            )
            return
        if not GuildRank.objects.filter(level=VOTE_LEVEL).exists():
            raise CommandError(f"No guild rank has level {VOTE_LEVEL}; run the migrations first.")
        with transaction.atomic():
            campaign, created, warnings = self._campaign(existing)
            others = self._entries(campaign, image_urls)
        for warning in warnings:
            self.stdout.write(self.style.WARNING(warning))
        self._report(campaign, created, others, image_urls)

    def _campaign(self, existing: Campaign | None) -> tuple[Campaign, bool, list[str]]:
        now = timezone.now()
        warnings = []
        leader = (
            Player.objects.filter(is_active=True, guild_rank__level=GUILD_LEADER_LEVEL)
            .order_by("pk")
            .first()
        )
        if leader is None:
            warnings.append("Warning: no active Guild Leader (level 5) found; created_by is empty.")
        created = existing is None
        campaign = existing or Campaign(title=ART_VOTE_TITLE, start_at=now + timedelta(hours=1))
        if not created and campaign.start_at <= now:
            campaign.start_at = now + timedelta(hours=1)
        campaign.description = ART_VOTE_DESCRIPTION
        campaign.picks_per_voter = 3
        campaign.min_rank_to_vote_id = VOTE_LEVEL
        campaign.min_rank_to_view_id = None
        campaign.duration_hours = 168
        campaign.early_close_if_all_voted = True
        campaign.agent_enabled = True
        campaign.agent_chattiness = Chattiness.HYPE
        campaign.discord_channel_id = ""
        campaign.secret_ballot = False
        campaign.created_by = leader
        campaign.save()
        return campaign, created, warnings

    def _entries(self, campaign: Campaign, image_urls: dict[str, str]) -> list[str]:
        """Upsert the ten entries by name; returns the names of other entries (left alone).

        Names match ignoring case, as entry names are unique (CMP-2): an officer's "trog" is
        the "Trog" entry and keeps its spelling."""
        stored = list(CampaignEntry.objects.filter(campaign=campaign))
        entries = {entry.name.lower(): entry for entry in stored}
        players: dict[str, list[Player]] = {}
        for player in Player.objects.all().only("pk", "display_name"):
            players.setdefault(player.display_name.casefold(), []).append(player)
        for sort_order, name in enumerate(ART_VOTE_ENTRIES, start=1):
            entry = entries.get(name.lower()) or CampaignEntry(campaign=campaign, name=name)
            entry.sort_order = sort_order
            if name in image_urls:
                entry.image_url = image_urls[name]
            matches = players.get(name.casefold(), [])
            if entry.player_id is None and len(matches) == 1:
                entry.player = matches[0]
            entry.save()
        known = {name.lower() for name in ART_VOTE_ENTRIES}
        return sorted(entry.name for entry in stored if entry.name.lower() not in known)

    def _report(self, campaign, created, others, image_urls) -> None:
        write = self.stdout.write
        verb = "Created" if created else "Refreshed"
        write(self.style.SUCCESS(f"{verb} campaign “{campaign.title}” (#{campaign.pk})."))
        write(f"Status: {campaign.status}")
        write(f"Start: {campaign.start_at:%Y-%m-%d %H:%M} UTC")
        write(f"Admin: {settings.SITE_URL}/admin/campaigns/campaign/{campaign.pk}/change/")
        write(f"Page: {settings.SITE_URL}/vote/{campaign.pk}")
        unknown = sorted(name for name in image_urls if name not in ART_VOTE_ENTRIES)
        if unknown:
            write(f"Unknown names in the images file (ignored): {', '.join(unknown)}")
        if others:
            write(f"Other entries left alone: {', '.join(others)}")
        missing = [
            entry.name
            for entry in CampaignEntry.objects.filter(campaign=campaign).order_by(
                "sort_order", "name"
            )
            if not entry.image_url and not entry.image
        ]
        if missing:
            write(f"Still without an image: {', '.join(missing)}")
        else:
            write("Every entry has an image.")
        write(
            "Next steps: add the images (--images FILE or the admin), then use “Activate now” "
            "in the admin or wait for the start time."
        )
