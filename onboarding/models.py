"""Onboarding sessions and their timeline (ONB-2, ONB-3).

One `OnboardingSession` per Discord user holds the whole conversation, so a bot restart loses
nothing (ONB-12). Its state only changes through `onboarding.services.states` (ONB-4); the
database holds every invariant it can as a constraint.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from identity.models import DiscordUser, InviteCode, Player, WowCharacter


class State(models.TextChoices):
    """ONB-3. Escalation is a marker (`escalated_at`), not a state."""

    AWAITING_DM = "awaiting_dm", "Awaiting opening DM"
    ASKED_IN_GUILD = "asked_in_guild", "Asked: in the guild?"
    ASKED_MAIN = "asked_main", "Asked: main character"
    CONFIRM_MAIN = "confirm_main", "Confirming main"
    ASKED_ALTS = "asked_alts", "Asked: alts"
    DECLINED = "declined", "DMs closed"
    PENDING_VERIFICATION = "pending_verification", "Pending verification"
    VERIFIED = "verified", "Verified"
    PROVISIONED = "provisioned", "Provisioned"
    MANUALLY_RESOLVED = "manually_resolved", "Manually resolved"
    DISMISSED = "dismissed", "Dismissed"


CLOSED_STATES = frozenset({State.PROVISIONED, State.MANUALLY_RESOLVED, State.DISMISSED})
OPEN_STATES = frozenset(set(State) - CLOSED_STATES)
CONVERSATION_STATES = frozenset(
    {State.ASKED_IN_GUILD, State.ASKED_MAIN, State.CONFIRM_MAIN, State.ASKED_ALTS}
)
# States that have a player chosen and the links made (ONB-26 step 7, ONB-28).
PLAYER_STATES = frozenset({State.VERIFIED, State.PROVISIONED, State.MANUALLY_RESOLVED})


class VerificationResult(models.TextChoices):
    """ONB-2 `last_verification_result`: an outcome of ONB-26 or an escalation reason of ONB-36."""

    VERIFIED = "verified", "Verified"
    NO_NAME = "no_name", "No name"
    NO_MATCH = "no_match", "No match"
    AMBIGUOUS = "ambiguous", "Ambiguous"
    OWNED_BY_OTHER_DISCORD = "owned_by_other_discord", "Owned by another Discord account"
    OWNED_BY_OTHER_PLAYER = "owned_by_other_player", "Owned by another player"
    OFFICER_RANK_CLAIM = "officer_rank_claim", "Officer-rank claim"
    ERROR = "error", "Error"


class EscalationReason(models.TextChoices):
    """ONB-34, ONB-36."""

    NO_MATCH = "no_match", "Not matched within the deadline"
    NO_NAME = "no_name", "No name given"
    OWNED_BY_OTHER_DISCORD = "owned_by_other_discord", "Owned by another Discord account"
    OWNED_BY_OTHER_PLAYER = "owned_by_other_player", "Owned by another player"
    OFFICER_RANK_CLAIM = "officer_rank_claim", "Officer-rank claim"
    ROLE_FAILED = "role_failed", "Discord role failed"
    PROVISIONING_STUCK = "provisioning_stuck", "Provisioning stuck"


class RoleStatus(models.TextChoices):
    """ONB-28 step 2; blank until provisioning starts."""

    PENDING = "pending", "Pending"
    ALREADY_HAD = "already_had", "Already had"
    ASSIGNED = "assigned", "Assigned"
    NO_ROLE_CONFIGURED = "no_role_configured", "No role configured"
    FAILED = "failed", "Failed"


class WelcomeDmStatus(models.TextChoices):
    """ONB-28 step 4; blank until provisioning starts."""

    PENDING = "pending", "Pending"
    DMS_OFF = "dms_off", "DMs off"
    SENT = "sent", "Sent"
    DMS_CLOSED = "dms_closed", "DMs closed"


class LandingNoticeStatus(models.TextChoices):
    """ONB-40, ONB-41: one landing notice per round."""

    NONE = "none", "None"
    QUEUED = "queued", "Queued"
    POSTED = "posted", "Posted"
    NO_CHANNEL = "no_channel", "No channel"
    FAILED = "failed", "Failed"


def _blank_or(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{field: ""}) | Q(**{f"{field}__in": choices.values})


class OnboardingSession(models.Model):
    """ONB-2: the onboarding of one Discord user, exactly one per user, reset per round."""

    State = State

    discord_user = models.OneToOneField(
        DiscordUser, on_delete=models.CASCADE, related_name="onboarding_session"
    )
    # State
    state = models.CharField(
        max_length=24, choices=State.choices, default=State.AWAITING_DM, db_index=True
    )
    round = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField(default=timezone.now)
    # Conversation
    opening_dm_sent_at = models.DateTimeField(null=True, blank=True)
    prompted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the current question was sent."
    )
    last_reply_at = models.DateTimeField(null=True, blank=True)
    last_message_id = models.BigIntegerField(null=True, blank=True)
    nudged_at = models.DateTimeField(null=True, blank=True)
    unclear_count = models.PositiveSmallIntegerField(default=0)
    # Answers
    is_in_guild = models.BooleanField(null=True, blank=True)
    reported_main_name = models.CharField(max_length=64, blank=True, default="")
    reported_main_realm = models.CharField(
        max_length=64, blank=True, default="", help_text="Realm key of the reported main."
    )
    reported_alt_names = models.JSONField(default=list, blank=True)
    main_candidates = models.JSONField(default=list, blank=True, help_text="Character ids.")
    declined_suggestions_for = models.CharField(max_length=96, blank=True, default="")
    main_character = models.ForeignKey(
        WowCharacter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Verification
    dm_completed_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    verification_attempts = models.PositiveIntegerField(default=0)
    last_verification_at = models.DateTimeField(null=True, blank=True)
    last_verification_result = models.CharField(
        max_length=24, choices=VerificationResult.choices, blank=True, default=""
    )
    last_verification_detail = models.CharField(max_length=500, blank=True, default="")
    # Provisioning
    player = models.ForeignKey(
        Player,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="onboarding_sessions",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    role_status = models.CharField(
        max_length=20, choices=RoleStatus.choices, blank=True, default=""
    )
    welcome_dm_status = models.CharField(
        max_length=12, choices=WelcomeDmStatus.choices, blank=True, default=""
    )
    invite = models.ForeignKey(
        InviteCode, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    has_account = models.BooleanField(default=False)
    provision_attempts = models.PositiveIntegerField(default=0)
    provision_error = models.CharField(max_length=500, blank=True, default="")
    provisioned_at = models.DateTimeField(null=True, blank=True)
    # Fallback and escalation
    dm_blocked_at = models.DateTimeField(null=True, blank=True)
    landing_notice_status = models.CharField(
        max_length=12, choices=LandingNoticeStatus.choices, default=LandingNoticeStatus.NONE
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_reason = models.CharField(
        max_length=24, choices=EscalationReason.choices, blank=True, default=""
    )
    escalation_posted_at = models.DateTimeField(null=True, blank=True)
    # Other
    resolved_by = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(blank=True, default="")
    help_replied_at = models.DateTimeField(
        null=True, blank=True, help_text="Last at-most-hourly reply (pause, all set)."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # What a reset (ONB-5) keeps; every other field goes back to its default.
    KEPT_BY_RESET = frozenset({"id", "discord_user", "created_at", "round", "updated_at"})

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "onboarding session"
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="onb_state_valid"),
            models.CheckConstraint(condition=Q(round__gte=1), name="onb_round_positive"),
            models.CheckConstraint(
                condition=_blank_or("last_verification_result", VerificationResult),
                name="onb_verification_result_valid",
            ),
            models.CheckConstraint(
                condition=_blank_or("role_status", RoleStatus), name="onb_role_status_valid"
            ),
            models.CheckConstraint(
                condition=_blank_or("welcome_dm_status", WelcomeDmStatus),
                name="onb_welcome_dm_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(landing_notice_status__in=LandingNoticeStatus.values),
                name="onb_landing_notice_status_valid",
            ),
            models.CheckConstraint(
                condition=_blank_or("escalation_reason", EscalationReason),
                name="onb_escalation_reason_valid",
            ),
            # ONB-34: escalated once, with a reason; posted only after it escalated.
            models.CheckConstraint(
                condition=(Q(escalated_at__isnull=True) & Q(escalation_reason=""))
                | (Q(escalated_at__isnull=False) & ~Q(escalation_reason="")),
                name="onb_escalation_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(escalation_posted_at__isnull=True) | Q(escalated_at__isnull=False),
                name="onb_escalation_posted_after_escalated",
            ),
            # ONB-3: a conversation state is waiting for the answer to a question it sent.
            models.CheckConstraint(
                condition=~Q(state__in=sorted(CONVERSATION_STATES)) | Q(prompted_at__isnull=False),
                name="onb_conversation_has_prompt",
            ),
            # ONB-40: declined means the opening DM was refused.
            models.CheckConstraint(
                condition=~Q(state=State.DECLINED) | Q(dm_blocked_at__isnull=False),
                name="onb_declined_has_dm_blocked_at",
            ),
            # ONB-19, ONB-24, ONB-25: the questions are done and the deadline is set.
            models.CheckConstraint(
                condition=~Q(state=State.PENDING_VERIFICATION)
                | (Q(dm_completed_at__isnull=False) & Q(deadline_at__isnull=False)),
                name="onb_pending_has_deadline",
            ),
            # ONB-26 step 7: a verified session has its player.
            models.CheckConstraint(
                condition=~Q(state__in=sorted(PLAYER_STATES))
                | (Q(player__isnull=False) & Q(verified_at__isnull=False)),
                name="onb_verified_has_player",
            ),
            # ONB-28 step 5.
            models.CheckConstraint(
                condition=~Q(state__in=[State.PROVISIONED, State.MANUALLY_RESOLVED])
                | Q(provisioned_at__isnull=False),
                name="onb_provisioned_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.MANUALLY_RESOLVED) | Q(resolved_by__isnull=False),
                name="onb_manually_resolved_has_officer",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.PROVISIONED) | Q(resolved_by__isnull=True),
                name="onb_provisioned_not_resolved_by_officer",
            ),
        ]
        indexes = [
            # The checker's queues (ONB-32): per state, oldest first.
            models.Index(fields=["state", "created_at"], name="onb_state_created"),
            models.Index(fields=["state", "deadline_at"], name="onb_state_deadline"),
        ]

    def __str__(self) -> str:
        return f"Onboarding #{self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def in_conversation(self) -> bool:
        return self.state in CONVERSATION_STATES


class EventKind(models.TextChoices):
    """ONB-2: what an OnboardingEvent records."""

    STATE = "state", "State change"
    RESET = "reset", "Reset (new round)"
    DM_IN = "dm_in", "DM in"
    DM_OUT = "dm_out", "DM out"
    VERIFICATION = "verification", "Verification"
    PROVISIONING = "provisioning", "Provisioning step"
    ESCALATION = "escalation", "Escalation"
    OFFICER = "officer", "Officer action"


class OnboardingEvent(models.Model):
    """ONB-2: one line of a session's timeline."""

    Kind = EventKind
    DETAIL_MAX = 500

    session = models.ForeignKey(OnboardingSession, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    detail = models.CharField(max_length=DETAIL_MAX, blank=True, default="")

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "onboarding event"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="onb_event_kind")
        ]
        indexes = [models.Index(fields=["session", "at"], name="onb_event_session_at")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail[:60]}"
