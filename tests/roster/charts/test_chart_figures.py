"""The chart figures (issue 16 item 2): stacked role bars against the raid size, composition
against its targets (under / on target / bench) and the class bars. Plain functions, no
database."""

from types import SimpleNamespace

import pytest

from roster.services.charts import (
    BENCH,
    CHART_WIDTH,
    ON_TARGET,
    UNDER,
    class_bars,
    stacked_bars,
    target_bars,
)
from roster.services.composition import RoleTarget


def test_issue16_stacked_bar_segments_follow_role_order_and_touch():
    (bar,) = stacked_bars(
        [("Monday", {"tank": 2, "healer": 0, "melee": 5, "ranged": 3})], population=12, target=20
    )

    assert [(s.role, s.count) for s in bar.segments] == [("tank", 2), ("melee", 5), ("ranged", 3)]
    assert [s.x for s in bar.segments] == [0.0, 10.0, 35.0]  # healer (0) draws nothing
    for left, right in zip(bar.segments, bar.segments[1:], strict=False):
        assert left.x + left.width == pytest.approx(right.x)
    assert bar.segments[-1].x + bar.segments[-1].width == pytest.approx(50.0)  # 10 of 20
    assert bar.total == 10 and bar.short_of_target == 10
    assert bar.target_x == CHART_WIDTH  # scale = max(roster, raid size) = the raid size
    assert bar.summary == "Monday: 2 tanks, 0 healers, 5 melee, 3 ranged — 10 of 20"


def test_issue16_stacked_bars_share_the_larger_of_roster_and_raid_size():
    bars = stacked_bars([("Mon", {"tank": 30}), ("Tue", {"ranged": 15})], population=40, target=20)

    assert {bar.scale for bar in bars} == {40}
    assert bars[0].target_x == bars[1].target_x == 50.0
    assert bars[0].segments[0].width == 75.0 and bars[1].segments[0].width == 37.5
    assert bars[1].counts == {"tank": 0, "healer": 0, "melee": 0, "ranged": 15}


def test_issue16_stacked_bar_rounding_never_opens_a_gap():
    (bar,) = stacked_bars(
        [("Mon", {"tank": 1, "healer": 1, "melee": 1, "ranged": 1})], population=3, target=3
    )
    ends = [s.x + s.width for s in bar.segments]
    assert [s.x for s in bar.segments[1:]] == pytest.approx(ends[:-1])


def test_issue16_empty_roster_draws_nothing():
    (bar,) = stacked_bars([("Mon", {})], population=0, target=0)
    assert bar.segments == [] and bar.target_x == 0.0 and bar.total == 0


def _role(key, count, low, high):
    return RoleTarget(key, key.title(), count, low, high)


def test_issue16_composition_states_in_words_and_lengths():
    bars = target_bars([_role("tank", 1, 2, 2), _role("healer", 4, 4, 5), _role("melee", 10, 6, 7)])

    under, on, bench = bars
    assert [b.state for b in bars] == [UNDER, ON_TARGET, BENCH]
    assert under.words == "under target: 1 more wanted"
    assert on.words == "on target"
    assert bench.words == "on target + 3 on bench"
    assert {b.scale for b in bars} == {10}  # the largest count or maximum
    assert (under.filled_width, under.bench_width) == (10.0, 0.0)
    assert (bench.filled_width, bench.bench_x, bench.bench_width) == (70.0, 70.0, 30.0)
    assert (on.zone_x, on.zone_width) == (40.0, 10.0)
    assert under.zone_width > 0  # a min = max target still shows as a mark


def test_issue16_class_bars_against_the_most_common_class():
    def count(name, n):
        return SimpleNamespace(
            playable_class=SimpleNamespace(name=name, css_class=f"class-{name.lower()}"), count=n
        )

    bars = class_bars([count("Druid", 4), count("Mage", 1), count("Monk", 0)])

    assert [(b.name, b.css_class, b.count, b.width) for b in bars] == [
        ("Druid", "class-druid", 4, 100.0),
        ("Mage", "class-mage", 1, 25.0),
        ("Monk", "class-monk", 0, 0.0),
    ]
