"""The identity model (identity spec, section 1: IDN-1 … IDN-17).

Who the players are, which WoW characters and Discord accounts belong to whom, the rank
ladder, invite codes, audit issues and sync runs. The schema is in third normal form: a
character's owner lives only on the `PlayerCharacter` bridge, a player's rank basis is derived
by `identity.services.ranks`, and every invariant the database can hold is a constraint.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone

from patt.validators import colour_validator

discord_snowflake_validator = RegexValidator(
    r"^[0-9]{1,20}$", "A Discord id is a string of digits."
)


# --- reference data (IDN-1 … IDN-3) ---------------------------------------------------------


class Role(models.Model):
    """A combat role: Tank, Healer, Melee DPS, Ranged DPS (IDN-2)."""

    name = models.CharField(max_length=32, unique=True)
    key = models.SlugField(max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class PlayableClass(models.Model):
    """One of the 13 WoW classes (IDN-3)."""

    name = models.CharField(max_length=32, unique=True)
    blizzard_id = models.PositiveSmallIntegerField(unique=True)
    colour = models.CharField(max_length=7, validators=[colour_validator])
    slug = models.SlugField(max_length=32, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "playable classes"

    def __str__(self) -> str:
        return self.name

    @property
    def css_class(self) -> str:
        return f"class-{self.slug}"


class Specialization(models.Model):
    """A class specialization with its default role (IDN-3).

    Names repeat across classes (Frost, Holy …): a spec is identified by (class, name) or id.
    """

    playable_class = models.ForeignKey(
        PlayableClass, on_delete=models.PROTECT, related_name="specializations"
    )
    name = models.CharField(max_length=32)
    default_role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="specializations")
    blizzard_spec_id = models.PositiveIntegerField(unique=True)
    wowhead_slug = models.SlugField(max_length=64, unique=True)
    # Roster data (ROS-10, ROS-11): officers fix these in the admin if Wowhead or Raid-Helper
    # change. Blank code = the spec is not supported by Wowhead's comp tool.
    wowhead_code = models.CharField("Wowhead code", max_length=1, blank=True, default="")
    raid_helper_spec_name = models.CharField(
        "Raid-Helper spec name", max_length=30, blank=True, default=""
    )

    class Meta:
        ordering = ["playable_class__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["playable_class", "name"], name="spec_unique_per_class")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.playable_class.name})"


# --- the rank ladder (IDN-4 … IDN-6) --------------------------------------------------------


class GuildRank(models.Model):
    """A rung of the guild ladder; higher `level` = more authority (IDN-4).

    Maps to the in-game rank by `wow_rank_index` and to Discord only by `discord_role_id`
    (IDN-5).
    """

    OFFICER_LEVEL = 4

    name = models.CharField(max_length=64, unique=True)
    level = models.PositiveSmallIntegerField(unique=True)
    wow_rank_index = models.PositiveSmallIntegerField(
        "WoW rank index",
        unique=True,
        null=True,
        blank=True,
        help_text="In-game rank index, 0 = Guild Master.",
    )
    discord_role_name = models.CharField(max_length=100, blank=True, default="")
    discord_role_id = models.CharField(
        "Discord role id",
        max_length=20,
        blank=True,
        default="",
        validators=[discord_snowflake_validator],
    )
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-level"]
        constraints = [
            models.UniqueConstraint(
                fields=["discord_role_id"],
                condition=~Q(discord_role_id=""),
                name="guildrank_discord_role_id_unique_when_set",
            ),
            models.CheckConstraint(condition=Q(level__gte=1), name="guildrank_level_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_officer(self) -> bool:
        return self.level >= self.OFFICER_LEVEL


# --- Discord users (IDN-7) ------------------------------------------------------------------


class DiscordUser(models.Model):
    """A member (present or past) of the guild's Discord server. Bots are never stored."""

    discord_id = models.CharField(
        "Discord id", max_length=20, unique=True, validators=[discord_snowflake_validator]
    )
    username = models.CharField(max_length=64)
    display_name = models.CharField(max_length=100, blank=True, default="")
    role_ids = models.JSONField(default=list, blank=True)
    highest_guild_role = models.ForeignKey(
        GuildRank,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="discord_users",
        help_text="Highest-level rank whose Discord role this user holds.",
    )
    joined_at = models.DateTimeField(null=True, blank=True)
    is_present = models.BooleanField(default=True)
    left_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = "Discord user"
        constraints = [
            models.CheckConstraint(
                condition=Q(discord_id__regex=r"^[0-9]{1,20}$"),
                name="discorduser_discord_id_digits",
            ),
            models.CheckConstraint(
                condition=Q(is_present=False) | Q(left_at__isnull=True),
                name="discorduser_present_has_no_left_at",
            ),
        ]

    def __str__(self) -> str:
        if self.display_name and self.display_name != self.username:
            return f"{self.display_name} (@{self.username})"
        return f"@{self.username}"


# --- WoW characters (IDN-8, IDN-9) ----------------------------------------------------------


class WowCharacterQuerySet(models.QuerySet):
    def by_name(self, name: str, realm_slug: str) -> "WowCharacterQuerySet":
        """Look a character up by name (case-folded, accents count) and realm slug."""
        return self.filter(name_key=name.casefold(), realm_slug=realm_slug)


class WowCharacter(models.Model):
    """A WoW character, in the guild or not. Syncs never delete characters (IDN-8)."""

    blizzard_id = models.BigIntegerField(unique=True, null=True, blank=True)
    name = models.CharField(max_length=64)
    name_key = models.CharField(
        max_length=96, editable=False, help_text="name.casefold(); '#<pk>' marks a released name."
    )
    realm_slug = models.SlugField(max_length=64)
    realm_name = models.CharField(max_length=64, blank=True, default="")
    playable_class = models.ForeignKey(
        PlayableClass, on_delete=models.PROTECT, null=True, blank=True, related_name="characters"
    )
    active_spec = models.ForeignKey(
        Specialization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    item_level = models.PositiveSmallIntegerField(null=True, blank=True)
    race = models.CharField(max_length=64, blank=True, default="")
    guild_rank_index = models.PositiveSmallIntegerField(null=True, blank=True)
    guild_rank = models.ForeignKey(
        GuildRank, on_delete=models.PROTECT, null=True, blank=True, related_name="characters"
    )
    guild_note = models.CharField(max_length=255, blank=True, default="")
    officer_note = models.CharField(max_length=255, blank=True, default="")
    last_login_at = models.DateTimeField(null=True, blank=True)
    in_guild = models.BooleanField(default=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    left_guild_at = models.DateTimeField(null=True, blank=True)
    last_blizzard_sync_at = models.DateTimeField(null=True, blank=True)
    last_addon_sync_at = models.DateTimeField(null=True, blank=True)
    automatch_blocked = models.BooleanField(
        default=False, help_text="Set when an officer unlinks: matching will not link it again."
    )

    # Everything a Blizzard or addon sync writes (IDN-8, IDN-23): officers never edit these.
    SYNCED_FIELDS = (
        "blizzard_id",
        "name",
        "realm_slug",
        "realm_name",
        "playable_class",
        "active_spec",
        "level",
        "item_level",
        "race",
        "guild_rank_index",
        "guild_rank",
        "guild_note",
        "officer_note",
        "last_login_at",
        "in_guild",
        "first_seen_at",
        "left_guild_at",
        "last_blizzard_sync_at",
        "last_addon_sync_at",
    )

    objects = WowCharacterQuerySet.as_manager()

    class Meta:
        ordering = ["name_key", "realm_slug"]
        verbose_name = "WoW character"
        constraints = [
            models.UniqueConstraint(
                fields=["name_key", "realm_slug"], name="wowcharacter_unique_name_realm"
            ),
            models.CheckConstraint(
                condition=~Q(name="") & ~Q(name_key="") & ~Q(realm_slug=""),
                name="wowcharacter_name_and_realm_required",
            ),
            models.CheckConstraint(
                condition=Q(in_guild=False) | Q(left_guild_at__isnull=True),
                name="wowcharacter_in_guild_has_no_left_at",
            ),
        ]
        indexes = [models.Index(fields=["in_guild", "name_key"], name="wowchar_in_guild_name")]

    def __str__(self) -> str:
        return f"{self.name}-{self.realm_name or self.realm_slug}"

    def save(self, *args, **kwargs):
        # A released name (IDN-23 step 3) keeps its "#<pk>" key until a sync renames the row.
        if not self.name_released:
            self.name_key = self.name.casefold()
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    @property
    def name_released(self) -> bool:
        return "#" in self.name_key


class NameChangeReason(models.TextChoices):
    RENAME = "rename", "Rename or transfer"
    NAME_RELEASED = "name_released", "Name released"


class CharacterNameHistory(models.Model):
    """Every name or realm change a sync makes to a character (IDN-9)."""

    Reason = NameChangeReason

    character = models.ForeignKey(
        WowCharacter, on_delete=models.CASCADE, related_name="name_history"
    )
    old_name = models.CharField(max_length=64)
    old_realm_slug = models.SlugField(max_length=64)
    new_name = models.CharField(max_length=64)
    new_realm_slug = models.SlugField(max_length=64)
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=16, choices=Reason.choices)

    class Meta:
        ordering = ["-changed_at"]
        verbose_name_plural = "character name history"
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=NameChangeReason.values),
                name="namehistory_reason_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.old_name}-{self.old_realm_slug} → {self.new_name}-{self.new_realm_slug}"


# --- players and their characters (IDN-10 … IDN-13) -----------------------------------------


class RankSource(models.TextChoices):
    AUTO = "auto", "Automatic"
    MANUAL = "manual", "Manual (never changed by syncs)"


class Player(models.Model):
    """A person in the guild: one Discord account, one website account, many characters."""

    RankSource = RankSource

    display_name = models.CharField(max_length=100)
    discord_user = models.OneToOneField(
        DiscordUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="player"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="player",
        verbose_name="website account",
    )
    guild_rank = models.ForeignKey(
        GuildRank, on_delete=models.PROTECT, null=True, blank=True, related_name="players"
    )
    rank_source = models.CharField(
        max_length=8, choices=RankSource.choices, default=RankSource.AUTO
    )
    main_character = models.ForeignKey(
        WowCharacter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    main_spec = models.ForeignKey(
        Specialization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    offspec_character = models.ForeignKey(
        WowCharacter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="off-spec character",
    )
    offspec_spec = models.ForeignKey(
        Specialization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="off-spec",
    )
    is_active = models.BooleanField(default=True)
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rank_source__in=RankSource.values), name="player_rank_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(main_spec__isnull=True) | Q(main_character__isnull=False),
                name="player_main_spec_needs_character",
            ),
            models.CheckConstraint(
                condition=Q(offspec_spec__isnull=True) | Q(offspec_character__isnull=False),
                name="player_offspec_spec_needs_character",
            ),
        ]
        indexes = [models.Index(fields=["display_name"], name="player_display_name")]

    def __str__(self) -> str:
        return self.display_name

    def clean(self):
        from identity.services.links import validate_main_and_offspec

        validate_main_and_offspec(self)

    @property
    def main_role(self) -> Role | None:
        """The main spec's default role (IDN-13)."""
        return self.main_spec.default_role if self.main_spec_id else None

    @property
    def offspec_role(self) -> Role | None:
        return self.offspec_spec.default_role if self.offspec_spec_id else None


class LinkSource(models.TextChoices):
    EXACT_NAME = "exact_name", "Exact name"
    GUILD_NOTE = "guild_note", "Guild note"
    OFFICER_NOTE = "officer_note", "Officer note"
    FUZZY = "fuzzy", "Fuzzy match"
    ONBOARDING = "onboarding", "Onboarding"
    MANUAL = "manual", "Manual (officer)"
    IMPORT = "import", "Import"
    ROSTER_FORM = "roster_form", "Roster form"


class Confidence(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium (unconfirmed automatic)"
    LOW = "low", "Low (uncertain import)"


class PlayerCharacter(models.Model):
    """The bridge: a character belongs to at most one player (IDN-11)."""

    LinkSource = LinkSource

    Confidence = Confidence

    character = models.OneToOneField(WowCharacter, on_delete=models.CASCADE, related_name="link")
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="character_links")
    link_source = models.CharField(max_length=16, choices=LinkSource.choices)
    confidence = models.CharField(max_length=8, choices=Confidence.choices)
    confirmed = models.BooleanField(default=False)
    linked_at = models.DateTimeField(default=timezone.now)
    linked_by = models.ForeignKey(
        Player,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank = linked automatically.",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Raid roster fields (roster spec, ROS-2 … ROS-4). The raid spec's class must be the
    # character's class: checked by `clean()` and by the roster services that write it.
    on_raid_roster = models.BooleanField(default=False)
    raid_spec = models.ForeignKey(
        Specialization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    raid_role = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["player__display_name", "character__name_key"]
        verbose_name = "character link"
        constraints = [
            models.CheckConstraint(
                condition=Q(link_source__in=LinkSource.values),
                name="playercharacter_link_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=Confidence.values),
                name="playercharacter_confidence_valid",
            ),
            # Manual links are always high and confirmed (IDN-11).
            models.CheckConstraint(
                condition=~Q(link_source="manual") | Q(confidence="high", confirmed=True),
                name="playercharacter_manual_is_high_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.character} → {self.player}"

    def clean(self) -> None:
        """ROS-14: the raid spec must belong to the character's class."""
        spec, character = self.raid_spec, getattr(self, "character", None)
        if (
            spec is not None
            and character is not None
            and character.playable_class_id
            and spec.playable_class_id != character.playable_class_id
        ):
            raise ValidationError(
                {"raid_spec": f"{spec} is not a spec of {character.playable_class}."}
            )


# --- invites (IDN-16, ACC-27) ---------------------------------------------------------------

INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def default_invite_expiry():
    return timezone.now() + timedelta(hours=settings.INVITE_CODE_TTL_HOURS)


class InviteDmStatus(models.TextChoices):
    NOT_SENT = "not_sent", "Not sent"
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DMS_OFF = "dms_off", "DMs off"
    DMS_CLOSED = "dms_closed", "DMs closed"
    FAILED = "failed", "Failed"


class InviteCodeQuerySet(models.QuerySet):
    """Valid / Used / Expired (ACC-30): the one definition, which `InviteCode.status` follows.

    Used = `used_at` is set. Expired = unused and `now >= expires_at`. Valid = neither. `now`
    defaults to the current time; pass it to use one instant across several statements.
    """

    def used(self) -> "InviteCodeQuerySet":
        return self.filter(used_at__isnull=False)

    def expired(self, now=None) -> "InviteCodeQuerySet":
        return self.filter(used_at__isnull=True, expires_at__lte=now or timezone.now())

    def valid(self, now=None) -> "InviteCodeQuerySet":
        return self.filter(used_at__isnull=True, expires_at__gt=now or timezone.now())


class InviteCode(models.Model):
    """A single-use website invite for one player. Created only by `services.invites`."""

    DmStatus = InviteDmStatus

    code = models.CharField(max_length=8, unique=True)
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="invite_codes")
    created_by = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=default_invite_expiry)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dm_status = models.CharField(max_length=12, choices=DmStatus.choices, default=DmStatus.NOT_SENT)
    dm_error = models.CharField(max_length=200, blank=True, default="")
    dm_sent_at = models.DateTimeField(null=True, blank=True)

    objects = InviteCodeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("code"), 8), name="invitecode_code_length_8"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gte=F("created_at")),
                name="invitecode_expires_not_before_created",
            ),
            models.CheckConstraint(
                condition=Q(dm_status__in=InviteDmStatus.values),
                name="invitecode_dm_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def status(self) -> str:
        """Valid / Used / Expired, as officers see it (ACC-30); the rule of `InviteCodeQuerySet`."""
        if self.used_at is not None:
            return "Used"
        if timezone.now() >= self.expires_at:
            return "Expired"
        return "Valid"


# --- audit issues and sync runs (IDN-17) ----------------------------------------------------


class IssueType(models.TextChoices):
    ROLE_MISMATCH = "role_mismatch", "Role mismatch"
    NO_GUILD_ROLE = "no_guild_role", "No guild role"
    ORPHAN_WOW = "orphan_wow", "WoW character without a player"
    ORPHAN_DISCORD = "orphan_discord", "Discord member without characters"
    AUTO_LINK_SUGGESTION = "auto_link_suggestion", "Suggested link"
    STALE_CHARACTER = "stale_character", "Inactive character"
    # IDN-15: an officer who left the guild (no in-guild character, no present Discord user)
    # keeps the rank for history but loses staff access; this issue says why.
    STAFF_ACCESS_WITHDRAWN = "staff_access_withdrawn", "Staff access withdrawn"


class IssueSeverity(models.IntegerChoices):
    INFO = 10, "Info"
    WARNING = 20, "Warning"
    CRITICAL = 30, "Critical"


class AuditIssue(models.Model):
    """Something an officer should look at. One open issue per `dedup_key` (IDN-17)."""

    IssueType = IssueType

    Severity = IssueSeverity

    issue_type = models.CharField(max_length=32, choices=IssueType.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    character = models.ForeignKey(
        WowCharacter, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_issues"
    )
    discord_user = models.ForeignKey(
        DiscordUser, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_issues"
    )
    player = models.ForeignKey(
        Player, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_issues"
    )
    dedup_key = models.CharField(max_length=128)
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)
    first_detected_at = models.DateTimeField(default=timezone.now)
    last_detected_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        Player,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank on a resolved issue = resolved automatically.",
    )
    resolution_note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-severity", "first_detected_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=Q(resolved_at__isnull=True),
                name="auditissue_one_open_per_key",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=IssueSeverity.values), name="auditissue_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(issue_type__in=IssueType.values),
                name="auditissue_type_valid",
            ),
        ]
        indexes = [models.Index(fields=["issue_type", "resolved_at"], name="auditissue_type_open")]

    def __str__(self) -> str:
        return self.summary

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class SyncSource(models.TextChoices):
    BLIZZARD_ROSTER = "blizzard_roster", "Blizzard roster"
    DISCORD_MEMBERS = "discord_members", "Discord members"
    ADDON_UPLOAD = "addon_upload", "WoW addon upload"
    RECONCILE = "reconcile", "Matching and integrity"
    AUDIT_REPORT = "audit_report", "Audit report"


class SyncTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    COMMAND = "command", "Command"
    ADMIN = "admin", "Admin"
    UPLOAD = "upload", "Upload"


class SyncStatus(models.TextChoices):
    # An admin button's run, waiting for a worker; it becomes `running` when the task starts.
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCESS = "success", "Success"
    PARTIAL = "partial", "Partial"
    ERROR = "error", "Error"
    SKIPPED = "skipped", "Skipped"


class SyncRun(models.Model):
    """One run of a pipeline (IDN-17, IDN-44). At most one `queued` or `running` row per
    source."""

    Source = SyncSource

    Trigger = SyncTrigger

    Status = SyncStatus

    source = models.CharField(max_length=20, choices=Source.choices)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            # One run in progress per source: running, or queued by an admin button (IDN-46).
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(status__in=["queued", "running"]),
                name="syncrun_one_in_progress_per_source",
            ),
            models.CheckConstraint(
                condition=Q(source__in=SyncSource.values),
                name="syncrun_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=SyncTrigger.values),
                name="syncrun_trigger_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SyncStatus.values),
                name="syncrun_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running"]) | Q(finished_at__isnull=False),
                name="syncrun_finished_when_not_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"SyncRun #{self.pk} {self.get_source_display()} {self.status}"


# --- addon uploads (addon-and-companion spec, UPL-2, UPL-7) ---------------------------------


class UploadToken(models.Model):
    """A per-uploader token of the companion app (UPL-2).

    Only the SHA-256 of the token is stored; `prefix` (its first 16 characters) finds the row.
    A token with uploads is never deleted (the uploads PROTECT it), only revoked.
    """

    name = models.CharField(max_length=100, help_text='Whose computer, e.g. "Trog\'s gaming PC".')
    owner = models.ForeignKey(
        Player, on_delete=models.SET_NULL, null=True, blank=True, related_name="upload_tokens"
    )
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "addon upload token"
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("prefix"), 16), name="uploadtoken_prefix_length_16"
            ),
            models.CheckConstraint(
                condition=Exact(Length("token_hash"), 64), name="uploadtoken_hash_length_64"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AddonUploadStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    STALE = "stale", "Stale (older than the newest applied upload)"


class AddonUploadMatching(models.TextChoices):
    QUEUED = "queued", "Queued"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (stale upload)"


class AddonUpload(models.Model):
    """One accepted upload of the companion app (UPL-7).

    (token, payload_sha256) is unique: the same body again from the same token is a duplicate;
    idempotency is per token, so another token's identical body is an upload of its own.
    """

    Status = AddonUploadStatus

    Matching = AddonUploadMatching

    token = models.ForeignKey(UploadToken, on_delete=models.PROTECT, related_name="uploads")
    received_at = models.DateTimeField(default=timezone.now)
    payload_sha256 = models.CharField(max_length=64)
    export_time = models.DateTimeField()
    guild_name = models.CharField(max_length=100)
    addon_version = models.CharField(max_length=40, blank=True, default="")
    companion_version = models.CharField(max_length=40, blank=True, default="")
    can_view_officer_notes = models.BooleanField(default=False)
    characters_received = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    unknown = models.PositiveIntegerField(default=0)
    unknown_characters = models.JSONField(default=list, blank=True)
    matching = models.CharField(max_length=8, choices=Matching.choices, default=Matching.QUEUED)
    sync_run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="addon_uploads"
    )
    payload = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AddonUploadStatus.values), name="addonupload_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(matching__in=AddonUploadMatching.values),
                name="addonupload_matching_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="stale") | Q(matching="skipped"),
                name="addonupload_stale_is_not_matched",
            ),
            models.UniqueConstraint(
                fields=["token", "payload_sha256"], name="addonupload_token_payload_unique"
            ),
        ]
        indexes = [models.Index(fields=["status", "export_time"], name="addonupload_status_export")]

    def __str__(self) -> str:
        return f"Addon upload #{self.pk}"
