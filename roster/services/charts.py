"""The figures behind the roster charts (issue 16 item 2).

Pictures are inline SVG drawn by the templates; everything they show — the numbers, the bar
geometry in viewBox units and the words — is computed here, so the page's text alternative
(a visually hidden table) and the drawing come from the same figures, and a test can hold the
page to them. No queries: the callers pass what their page already loaded.

- availability per weekday as stacked tank / healer / melee / ranged bars against the raid's
  size (`SiteConfig.raid_size`), on `/roster-view` and on the planner's day cards;
- composition as one bar per role against its target range, in three states with distinct
  colours and words: under, on target, bench (more than the target's maximum);
- class distribution as one class-coloured bar per class.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from roster.services.composition import RoleTarget
from roster.services.population import ROLE_LABELS, ROLE_ORDER

CHART_WIDTH = 100  # the bars' viewBox width; lengths are in these units
ROLE_PLURALS = {"tank": "tanks", "healer": "healers", "melee": "melee", "ranged": "ranged"}

UNDER, ON_TARGET, BENCH = "under", "on_target", "bench"


def _length(value: int, scale: int) -> float:
    """`value` of `scale` in viewBox units, two decimals (0 when the scale is empty)."""
    if scale <= 0:
        return 0.0
    return round(CHART_WIDTH * value / scale, 2)


@dataclass(frozen=True)
class Segment:
    """One role's part of a stacked bar."""

    role: str
    label: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class StackedBar:
    """One day: how many effective mains of each role are available, against the raid size."""

    label: str  # "Monday", "Thu Mar 19"
    counts: Mapping[str, int]  # role key -> available mains, every role of ROLE_ORDER
    scale: int  # the count the full width stands for
    target: int  # the raid's size, marked with a line

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def segments(self) -> list[Segment]:
        """The non-empty roles left to right in role order; each starts where the last ended
        (computed from the running count, so rounding never opens a gap)."""
        segments, running = [], 0
        for role in ROLE_ORDER:
            count = self.counts.get(role, 0)
            if count:
                x = _length(running, self.scale)
                end = _length(running + count, self.scale)
                segments.append(Segment(role, ROLE_LABELS[role], count, x, round(end - x, 2)))
            running += count
        return segments

    @property
    def target_x(self) -> float:
        return _length(self.target, self.scale)

    @property
    def short_of_target(self) -> int:
        return max(self.target - self.total, 0)

    @property
    def summary(self) -> str:
        """The bar in words: "Monday: 2 tanks, 4 healers, 6 melee, 5 ranged — 17 of 20"."""
        parts = ", ".join(f"{self.counts.get(role, 0)} {ROLE_PLURALS[role]}" for role in ROLE_ORDER)
        return f"{self.label}: {parts} — {self.total} of {self.target}"


def stacked_bars(
    rows: Iterable[tuple[str, Mapping[str, int]]], *, population: int, target: int
) -> list[StackedBar]:
    """One stacked bar per (label, role counts). Every bar shares one scale: the larger of the
    roster's size and the raid's, so the target line sits at the same place on every bar."""
    scale = max(population, target, 1)
    return [
        StackedBar(label, {role: counts.get(role, 0) for role in ROLE_ORDER}, scale, target)
        for label, counts in rows
    ]


@dataclass(frozen=True)
class TargetBar:
    """One role of the composition against its target range (ROS-25's counts and targets)."""

    key: str
    title: str
    count: int
    min: int
    max: int
    scale: int

    @property
    def state(self) -> str:
        if self.count < self.min:
            return UNDER
        if self.count > self.max:
            return BENCH
        return ON_TARGET

    @property
    def target_text(self) -> str:
        return str(self.min) if self.min == self.max else f"{self.min}-{self.max}"

    @property
    def bench(self) -> int:
        """Mains beyond the target's maximum: the bench."""
        return max(self.count - self.max, 0)

    @property
    def words(self) -> str:
        """The state in words (never colour alone): "under target: 2 more wanted",
        "on target", "on target + 3 on bench"."""
        if self.state == UNDER:
            return f"under target: {self.min - self.count} more wanted"
        if self.state == BENCH:
            return f"on target + {self.bench} on bench"
        return "on target"

    @property
    def filled_width(self) -> float:
        """The bar up to the target's maximum (its whole length when under or on target)."""
        return _length(min(self.count, self.max), self.scale)

    @property
    def bench_x(self) -> float:
        return self.filled_width

    @property
    def bench_width(self) -> float:
        return round(_length(self.count, self.scale) - self.filled_width, 2)

    @property
    def zone_x(self) -> float:
        """The target range [min, max] drawn behind the bar."""
        return _length(self.min, self.scale)

    @property
    def zone_width(self) -> float:
        return round(max(_length(self.max, self.scale) - self.zone_x, 0.6), 2)


def target_bars(roles: Iterable[RoleTarget]) -> list[TargetBar]:
    """The composition's role bars on one shared scale (the largest count or maximum)."""
    roles = list(roles)
    scale = max([1] + [r.count for r in roles] + [r.max for r in roles])
    return [TargetBar(r.key, r.title, r.count, r.min, r.max, scale) for r in roles]


@dataclass(frozen=True)
class ClassBar:
    """One class of the distribution (ROS-26): its count and bar length."""

    name: str
    css_class: str
    count: int
    width: float


def class_bars(classes: Iterable) -> list[ClassBar]:
    """ROS-26 as a bar chart: every class in the given (class) order, lengths against the most
    common class. Takes the composition's `ClassCount`s."""
    classes = list(classes)
    scale = max([1] + [c.count for c in classes])
    return [
        ClassBar(
            c.playable_class.name,
            c.playable_class.css_class,
            c.count,
            _length(c.count, scale),
        )
        for c in classes
    ]
