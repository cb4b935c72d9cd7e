"""SiteConfig: the guild's identity as configuration (ACC-5, ACC-6, IDN-18).

A single row (pk = 1). Secrets never live here; they come from the environment only.
Fields owned by later specifications (raid, roster, quotes, onboarding channels) are added by
their apps' issues as migrations on this model.
"""

import datetime
import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Trim

from patt.validators import colour_validator, discord_id_validator, timezone_validator

ABOUT_DEFAULT = (
    "Pull All The Things is a casual heroic raiding guild on Sen'jin (US).\n\n"
    "Real life first, zero toxicity: we raid together because it is fun, "
    "and we keep it that way.\n\n"
    "We are also the home of the Salt All The Things podcast with Trog & Rocket."
)


def _discord_id_field(verbose_name: str, help_text: str = "") -> models.CharField:
    return models.CharField(
        verbose_name,
        max_length=20,
        blank=True,
        default="",
        validators=[discord_id_validator],
        help_text=help_text,
    )


class SiteConfig(models.Model):
    """The one configuration row of the site (ACC-5)."""

    SINGLETON_PK = 1

    # Guild identity
    guild_name = models.CharField(max_length=100, default="Pull All The Things")
    short_name = models.CharField(max_length=20, default="PATT")
    tagline = models.CharField(max_length=200, default="Real life first, zero toxicity")
    guild_realm_name = models.CharField("realm name", max_length=64, default="Sen'jin")
    guild_realm_slug = models.SlugField("realm slug", max_length=64, default="senjin")
    guild_name_slug = models.SlugField("guild slug", max_length=100, default="pull-all-the-things")
    guild_region = models.CharField(
        "region",
        max_length=2,
        default="us",
        choices=[("us", "US"), ("eu", "EU"), ("kr", "KR"), ("tw", "TW")],
    )
    accent_colour = models.CharField(max_length=7, default="#d4a84b", validators=[colour_validator])

    # Landing page
    hero_image = models.FileField(
        upload_to="site/", blank=True, help_text="Uploaded hero art; wins over the URL below."
    )
    hero_image_url = models.URLField(blank=True, default="")
    about_text = models.TextField(
        default=ABOUT_DEFAULT, help_text="Plain text; blank lines split paragraphs."
    )
    raid_schedule_text = models.CharField(max_length=200, blank=True, default="")
    contact_name = models.CharField(max_length=64, default="Trog")

    # Discord
    bot_name = models.CharField(max_length=64, default="PATT-Bot")
    discord_invite_url = models.URLField(blank=True, default="")
    discord_guild_id = _discord_id_field(
        "Discord server id", "Blank uses the DISCORD_GUILD_ID environment setting."
    )
    channel_announcement = _discord_id_field("announcement channel id")
    discord_audit_channel_id = _discord_id_field("audit channel id")
    discord_role_writes_enabled = models.BooleanField(
        "write Discord roles",
        default=False,
        help_text="Off: rank ↔ role differences are only reported, never changed on Discord.",
    )

    # Onboarding & bot
    onboarding_enabled = models.BooleanField(default=True)
    bot_dms_enabled = models.BooleanField("bot DMs enabled", default=True)
    onboarding_landing_channel_id = _discord_id_field("onboarding landing channel id")

    # Raid planning (roster spec §1). Times are in the raid timezone; stored times are UTC.
    raid_timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[timezone_validator]
    )
    raid_start_time = models.TimeField(default=datetime.time(21, 0))
    raid_duration_minutes = models.PositiveSmallIntegerField(
        default=120, validators=[MinValueValidator(15), MaxValueValidator(720)]
    )
    raid_default_title = models.CharField(max_length=100, default="Heroic Raid")
    raid_helper_template = models.CharField(
        "Raid-Helper template", max_length=30, default="wowretail2"
    )
    raid_size = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(40)]
    )
    target_tanks_min = models.PositiveSmallIntegerField(default=2)
    target_tanks_max = models.PositiveSmallIntegerField(default=2)
    target_healers_min = models.PositiveSmallIntegerField(default=4)
    target_healers_max = models.PositiveSmallIntegerField(default=5)
    target_melee_min = models.PositiveSmallIntegerField(default=6)
    target_melee_max = models.PositiveSmallIntegerField(default=7)
    target_ranged_min = models.PositiveSmallIntegerField(default=6)
    target_ranged_max = models.PositiveSmallIntegerField(default=7)
    raid_helper_server_id = _discord_id_field(
        "Raid-Helper server id", "The Discord server id Raid-Helper posts to."
    )
    raid_helper_leader_id = _discord_id_field(
        "Raid-Helper leader id", "Discord user id of the raid leader shown on events."
    )
    raid_channel_signup = _discord_id_field("raid sign-up channel id")
    raid_channel_event_signup = _discord_id_field("guild event sign-up channel id")
    raid_channel_voice = _discord_id_field("raid voice channel id")
    raid_channel_announcement = _discord_id_field("raid announcement channel id")
    raid_channel_pug = _discord_id_field("PUG channel id")
    raid_channel_notification = _discord_id_field("raid notification channel id")

    # Mito's Corner (ROS-53)
    quotes_person_name = models.CharField(max_length=64, default="Mito")
    quotes_default_title = models.CharField(max_length=100, default="Healer Extraordinaire")

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site configuration"
        verbose_name_plural = "site configuration"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="siteconfig_single_row"),
            models.CheckConstraint(
                condition=Q(accent_colour__regex=r"^#[0-9a-fA-F]{6}$"),
                name="siteconfig_accent_colour_hex",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"target_{role}_min__lte": F(f"target_{role}_max")}),
                    name=f"siteconfig_target_{role}_min_le_max",
                    violation_error_message=f"The {role} minimum can't be above the maximum.",
                )
                for role in ("tanks", "healers", "melee", "ranged")
            ),
        ]

    def __str__(self) -> str:
        return f"Site configuration ({self.guild_name})"

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)
        clear_site_config_cache()

    def delete(self, *args, **kwargs):
        raise ValueError("The site configuration cannot be deleted.")

    @classmethod
    def get(cls) -> "SiteConfig":
        """Return the configuration row, creating it with the defaults when missing."""
        cached = _local.get("config")
        if cached is not None and time.monotonic() - cached[0] < _LOCAL_TTL_SECONDS:
            return cached[1]
        config, _ = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        _local["config"] = (time.monotonic(), config)
        return config

    @property
    def effective_discord_guild_id(self) -> str:
        return self.discord_guild_id or settings.DISCORD_GUILD_ID

    @property
    def region_label(self) -> str:
        return self.guild_region.upper()


# Per-process cache of the row (ACC-5), dropped on save in this process. Other processes (the
# second gunicorn worker, the django-q2 worker) see a change within the TTL.
_LOCAL_TTL_SECONDS = 30.0
_local: dict[str, tuple[float, SiteConfig]] = {}


def clear_site_config_cache() -> None:
    _local.pop("config", None)


class Quote(models.Model):
    """A Mito's Corner quote (ROS-53 … ROS-55); unique ignoring case and outer spaces."""

    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                Lower(Trim("text")),
                name="quote_text_unique_ci",
                violation_error_message="That quote is already in the list.",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="quote_text_not_empty"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class QuoteTitle(models.Model):
    """A Mito's Corner title (ROS-53 … ROS-55); unique ignoring case and outer spaces."""

    text = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                Lower(Trim("text")),
                name="quotetitle_text_unique_ci",
                violation_error_message="That title is already in the list.",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="quotetitle_text_not_empty"),
        ]

    def __str__(self) -> str:
        return self.text


class BotStatus(models.Model):
    """The gateway bot's single-instance lease and its heartbeat (BOT-3).

    One row (pk = 1). `instance_id` is blank when no bot holds the lease; a holder renews
    `heartbeat_at` every 30 s, and a lease whose heartbeat is older than 90 s is stale and may be
    taken over. `connected` says whether the holder is connected to the gateway. The rules that
    take, renew and release the lease live in `patt.discord.lease`; this model only holds them.
    """

    SINGLETON_PK = 1

    instance_id = models.CharField(max_length=64, blank=True, default="")
    hostname = models.CharField(max_length=255, blank=True, default="")
    pid = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    connected = models.BooleanField(default=False)

    class Meta:
        verbose_name = "bot status"
        verbose_name_plural = "bot status"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="botstatus_single_row")]

    def __str__(self) -> str:
        if not self.instance_id:
            return "Bot (no instance)"
        return f"Bot {self.instance_id[:8]} on {self.hostname} (pid {self.pid})"
