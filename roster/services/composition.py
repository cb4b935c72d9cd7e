"""Raid composition of the roster's effective mains (ROS-25 … ROS-29).

One function, `composition_summary()`, feeds the Composition tab of `/roster-view` and the
landing page's Recruiting block (ROS-28), so the targets, states and gap lines are computed in
one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from identity.models import PlayableClass
from patt.models import SiteConfig
from roster.services.population import (
    HEALER,
    MELEE,
    RANGED,
    ROLE_ORDER,
    TANK,
    RosterCharacter,
    RosterEntry,
    roster_entries,
)

SHORT, ON_TARGET, OVER = "short", "on_target", "over"
STATE_LABELS = {SHORT: "short", ON_TARGET: "on target", OVER: "over"}
# ROS-25: card titles; ROS-28: the same plural in the recruiting lines.
ROLE_CARD_TITLES = {TANK: "Tanks", HEALER: "Healers", MELEE: "Melee", RANGED: "Ranged"}
ROLE_LETTERS = {TANK: "T", HEALER: "H", MELEE: "M", RANGED: "R"}
WOWHEAD_COMPOSITION_URL = "https://www.wowhead.com/raid-composition#0"
# encodeURIComponent leaves these unescaped (besides letters and digits).
_URI_COMPONENT_SAFE = "-_.!~*'()"


@dataclass
class RoleTarget:
    """ROS-25: one role card."""

    key: str  # "tank" | "healer" | "melee" | "ranged"
    title: str  # "Tanks"
    count: int
    min: int
    max: int

    @property
    def state(self) -> str:
        if self.count < self.min:
            return SHORT
        if self.count > self.max:
            return OVER
        return ON_TARGET

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def target_text(self) -> str:
        """ROS-25: "2" when min = max, else "4-5"."""
        return str(self.min) if self.min == self.max else f"{self.min}-{self.max}"

    @property
    def need_label(self) -> str:
        return f"Need: {self.target_text}"


@dataclass
class ClassCount:
    """ROS-26: one class of the distribution."""

    playable_class: PlayableClass
    count: int


@dataclass
class Composition:
    roles: list[RoleTarget]
    classes: list[ClassCount]  # all 13, in class order
    gaps: list[str]  # ROS-27, in the spec's order; empty = the section is hidden
    mains: list[RosterCharacter]  # effective mains, ROS-3
    exported: list[RosterCharacter] = field(default_factory=list)  # ROS-29 order
    not_exportable: list[str] = field(default_factory=list)  # "Devourer Demon Hunter (Name)"
    wowhead_url: str = ""  # "" when nothing can be exported

    def role(self, key: str) -> RoleTarget:
        return next(r for r in self.roles if r.key == key)

    @property
    def export_summary(self) -> str:
        """ROS-29: "Ready to export N mains: xT / yH / zM / wR"."""
        counts = dict.fromkeys(ROLE_ORDER, 0)
        for character in self.exported:
            counts[character.role] += 1
        parts = " / ".join(f"{counts[key]}{ROLE_LETTERS[key]}" for key in ROLE_ORDER)
        return f"Ready to export {len(self.exported)} mains: {parts}"

    @property
    def not_exportable_line(self) -> str:
        if not self.not_exportable:
            return ""
        return f"Could not export: {', '.join(self.not_exportable)} — add them manually on Wowhead."


def _targets(config: SiteConfig) -> dict[str, tuple[int, int]]:
    return {
        TANK: (config.target_tanks_min, config.target_tanks_max),
        HEALER: (config.target_healers_min, config.target_healers_max),
        MELEE: (config.target_melee_min, config.target_melee_max),
        RANGED: (config.target_ranged_min, config.target_ranged_max),
    }


def _gaps(config: SiteConfig, roles: dict[str, RoleTarget], classes: list[ClassCount]) -> list:
    """ROS-27: the potential gaps, in the spec's order, each only when it applies."""
    gaps = []
    missing = [c.playable_class.name for c in classes if c.count == 0]
    if missing:
        gaps.append(f"Missing classes: {', '.join(missing)}")
    tanks, healers = roles[TANK], roles[HEALER]
    if tanks.count < tanks.min:
        gaps.append(f"Need more tanks ({tanks.min - tanks.count} more)")
    if healers.count < healers.min:
        gaps.append(f"Need more healers ({healers.min - healers.count} more)")
    dps_wanted = config.raid_size - tanks.min - healers.max
    dps = roles[MELEE].count + roles[RANGED].count
    if dps < dps_wanted:
        gaps.append(f"Could use more DPS ({dps_wanted - dps} more for a full roster)")
    return gaps


def _wowhead_name(character: RosterCharacter) -> str:
    return quote(character.character.name, safe=_URI_COMPONENT_SAFE)


def _not_exportable_label(character: RosterCharacter) -> str:
    """ROS-29: "<Spec> <Class> (<Name>)"; the parts not known are left out."""
    parts = [
        character.spec.name if character.spec else "",
        character.playable_class.name if character.playable_class else "",
    ]
    label = " ".join(p for p in parts if p)
    return f"{label} ({character.character.name})" if label else character.character.name


def wowhead_export(mains: list[RosterCharacter]) -> tuple[list, list[str], str]:
    """ROS-29: (exported characters, "could not export" labels, the Wowhead URL or "").

    Order: Tank, Healer, Melee, Ranged, then character name. A character whose raid spec has
    no Wowhead code (Devourer, or no spec at all) is left out and listed.
    """
    ordered = sorted(
        mains,
        key=lambda c: (ROLE_ORDER.index(c.role), c.character.name.casefold(), c.character.pk),
    )
    exported: list[RosterCharacter] = []
    skipped: list[str] = []
    spec_codes: list[str] = []
    for character in ordered:
        if character.spec is not None and character.spec.wowhead_code:
            exported.append(character)
            spec_codes.append(character.spec.wowhead_code)
        else:
            skipped.append(_not_exportable_label(character))
    if not exported:
        return [], skipped, ""
    codes = "".join(spec_codes)
    names = ";".join(_wowhead_name(c) for c in exported)
    return exported, skipped, f"{WOWHEAD_COMPOSITION_URL}{codes};{names}"


def role_targets(role_counts: dict[str, int], *, config: SiteConfig | None = None) -> list:
    """ROS-25: the four role cards for these counts against SiteConfig's targets."""
    config = config or SiteConfig.get()
    return [
        RoleTarget(key, ROLE_CARD_TITLES[key], role_counts[key], low, high)
        for key, (low, high) in _targets(config).items()
    ]


def composition_summary(entries: list[RosterEntry] | None = None) -> Composition:
    """ROS-25 … ROS-29: role cards, class distribution, gaps and the Wowhead export.

    Counts one character per roster player: the effective main (ROS-3). Pass the entries when
    the caller already has them (no further roster queries); otherwise they are loaded. Adds
    one query for the 13 classes (SiteConfig is cached per process).
    """
    if entries is None:
        entries = roster_entries()
    config = SiteConfig.get()
    mains = [entry.main for entry in entries]

    role_counts = dict.fromkeys(ROLE_ORDER, 0)
    class_counts: dict[int, int] = {}
    for main in mains:
        role_counts[main.role] += 1
        class_id = main.character.playable_class_id
        if class_id is not None:
            class_counts[class_id] = class_counts.get(class_id, 0) + 1

    roles = role_targets(role_counts, config=config)
    classes = [
        ClassCount(playable_class, class_counts.get(playable_class.pk, 0))
        for playable_class in PlayableClass.objects.order_by("name")
    ]
    exported, skipped, url = wowhead_export(mains)
    return Composition(
        roles=roles,
        classes=classes,
        gaps=_gaps(config, {r.key: r for r in roles}, classes),
        mains=mains,
        exported=exported,
        not_exportable=skipped,
        wowhead_url=url,
    )


def recruiting_needs(roles: Composition | list[RoleTarget]) -> list[str]:
    """ROS-28: one line per role below its minimum, e.g. "Healers — we have 3, want 4-5".

    Takes a composition (the Composition tab) or just its role cards (the landing page)."""
    cards = roles.roles if isinstance(roles, Composition) else roles
    return [
        f"{role.title} — we have {role.count}, want {role.target_text}"
        for role in cards
        if role.state == SHORT
    ]
