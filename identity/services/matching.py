"""The matching service (IDN-30 … IDN-35): the entry points' one way into the engine.

The engine lives in the `identity.matching` package (normalise, hints, engine); this module
is the service function that commands, tasks and the admin call.
"""

from identity.matching.engine import MatchResult, run_matching
from identity.matching.hints import parse_hints
from identity.matching.normalise import normalise
from identity.matching.planner import MatchLink, MatchSuggestion

__all__ = [
    "MatchLink",
    "MatchResult",
    "MatchSuggestion",
    "normalise",
    "parse_hints",
    "run_matching",
]
