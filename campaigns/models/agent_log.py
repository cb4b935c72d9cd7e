"""The contest agent's log of every post it tried (CMP-5, CMP-45)."""

from django.db import models
from django.db.models import Q

from campaigns.models.campaigns import Campaign, CampaignEntry


class AgentEvent(models.TextChoices):
    """CMP-45: what the contest agent can post about."""

    CAMPAIGN_LAUNCH = "campaign_launch", "Launch"
    FIRST_VOTE = "first_vote", "First vote"
    MILESTONE_25 = "milestone_25", "25% voted"
    MILESTONE_50 = "milestone_50", "50% voted"
    MILESTONE_75 = "milestone_75", "75% voted"
    ALL_VOTED = "all_voted", "Everyone voted"
    FINAL_STRETCH = "final_stretch", "Final stretch"
    LAST_CALL = "last_call", "Last call"
    LEAD_CHANGE = "lead_change", "Lead change"
    CAMPAIGN_CLOSED = "campaign_closed", "Results"


class AgentPostStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    FAILED = "failed", "Failed"


class ContestAgentLog(models.Model):
    """CMP-5: every post the contest agent tried. Only `posted` rows count as posted."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="agent_logs")
    event_type = models.CharField(max_length=20, choices=AgentEvent.choices)
    status = models.CharField(max_length=6, choices=AgentPostStatus.choices)
    message = models.TextField(blank=True, default="")
    discord_message_id = models.CharField(max_length=20, blank=True, default="")
    error = models.TextField(blank=True, default="")
    old_leader = models.ForeignKey(
        CampaignEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    new_leader = models.ForeignKey(
        CampaignEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "contest agent post"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["campaign", "event_type", "status"], name="agentlog_lookup")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AgentPostStatus.values), name="agentlog_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(event_type__in=AgentEvent.values), name="agentlog_event_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} ({self.status})"
