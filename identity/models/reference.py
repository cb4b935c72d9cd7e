"""Reference data: combat roles, classes and their specializations (IDN-1 … IDN-3)."""

from django.db import models

from patt.validators import colour_validator


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
