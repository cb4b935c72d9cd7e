"""The officers' campaign actions (CMP-15): what each one does, says and asks before doing it.

Each action is a thin wrapper round one lifecycle service (`campaigns.services.lifecycle`); the
refusal texts are the services' `Refused` messages, the success texts are built here.
The changelist actions and the change page's buttons both run `CampaignAction.run`, one
campaign at a time, so each campaign gets exactly one message.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus
from campaigns.services import lifecycle
from identity.admin.mixins import acting_player
from patt.refusals import Refused
from patt.templatetags.patt_tags import utc_text


@dataclass(frozen=True)
class CampaignAction:
    """One CMP-15 action: its name, label, the statuses that show its button, what it does."""

    name: str
    label: str
    button_statuses: tuple[str, ...]
    confirm: Callable[[Campaign], str]
    perform: Callable[[Campaign, object], str]

    def run(self, campaign: Campaign, request) -> tuple[int, str]:
        """(message level, text): the success message, or the service's refusal."""
        try:
            return messages.SUCCESS, self.perform(campaign, request)
        except Refused as refused:
            return messages.ERROR, refused.message


def _activate(campaign, request) -> str:
    live = lifecycle.activate_now(campaign)
    return f"“{live.title}” is now live. Voting closes {utc_text(live.end_at)}."


def _close(campaign, request) -> str:
    closed = lifecycle.close_now(campaign)
    return f"“{closed.title}” closed. Results are final."


def _archive(campaign, request) -> str:
    archived = lifecycle.archive(campaign)
    return f"“{archived.title}” archived."


def _unarchive(campaign, request) -> str:
    restored = lifecycle.unarchive(campaign)
    return f"“{restored.title}” restored."


def _duplicate(campaign, request) -> str:
    copy = lifecycle.duplicate_as_draft(campaign, created_by=acting_player(request))
    return f"Created draft “{copy.title}”."


def _activate_confirm(campaign) -> str:
    end = timezone.now() + timedelta(hours=campaign.duration_hours)
    return f"It becomes visible to members immediately and voting closes {utc_text(end)}."


def _duplicate_confirm(campaign) -> str:
    start = lifecycle.next_full_hour_plus_24h()
    return (
        f"A new draft “{campaign.title} (copy)” gets the same settings and entries, "
        f"starting {utc_text(start)}."
    )


ACTIONS: dict[str, CampaignAction] = {
    action.name: action
    for action in (
        CampaignAction(
            name="activate_now",
            label="Activate now",
            button_statuses=(CampaignStatus.DRAFT,),
            confirm=_activate_confirm,
            perform=_activate,
        ),
        CampaignAction(
            name="close_now",
            label="Close now",
            button_statuses=(CampaignStatus.LIVE,),
            confirm=lambda campaign: "Results are calculated immediately and are final.",
            perform=_close,
        ),
        CampaignAction(
            name="archive",
            label="Archive",
            button_statuses=(CampaignStatus.CLOSED,),
            confirm=lambda campaign: (
                "It disappears from the members' campaign list; its results are kept."
            ),
            perform=_archive,
        ),
        CampaignAction(
            name="unarchive",
            label="Unarchive",
            button_statuses=(CampaignStatus.ARCHIVED,),
            confirm=lambda campaign: "It is listed again as a closed campaign.",
            perform=_unarchive,
        ),
        CampaignAction(
            name="duplicate_as_draft",
            label="Duplicate as draft",
            button_statuses=tuple(CampaignStatus.values),
            confirm=_duplicate_confirm,
            perform=_duplicate,
        ),
    )
}


def buttons_for(campaign: Campaign) -> list[CampaignAction]:
    """The change page's action buttons for the campaign's status."""
    return [action for action in ACTIONS.values() if campaign.status in action.button_statuses]
