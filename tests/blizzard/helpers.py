"""Shared by the Blizzard tests: a recording clock and a client factory on the fake."""

from identity.blizzard import BlizzardClient, RateLimiter, Reference, SpecInfo
from identity.testing.fake_blizzard import CLASSES

REALM, GUILD = "senjin", "pull-all-the-things"
REFERENCE = Reference.of(
    CLASSES,
    (
        SpecInfo(spec_id, class_id, name)
        for class_id, (_, specs) in CLASSES.items()
        for spec_id, name in specs
    ),
)


class RecordingTime:
    """`sleep` records waits and moves `clock` on; `jitter` records its bounds, returns 0.5."""

    def __init__(self):
        self.now = 1_000.0
        self.sleeps: list[float] = []
        self.jitters: list[tuple[float, float]] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def jitter(self, low: float, high: float) -> float:
        self.jitters.append((low, high))
        return 0.5


def make_client(time: RecordingTime, **options) -> BlizzardClient:
    """A client whose retry waits are recorded; the limiter is generous and real-time."""
    options.setdefault("reference", REFERENCE)
    options.setdefault("limiter", RateLimiter(10_000, 1_000_000))
    return BlizzardClient(sleep=time.sleep, clock=time.clock, jitter=time.jitter, **options)
