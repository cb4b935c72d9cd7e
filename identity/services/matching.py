"""The matching service (IDN-30 … IDN-35): the entry points' one way into the engine.

The engine lives in the `identity.matching` package (normalise, hints, planner, engine); this
module is the service function that commands, tasks and the admin call, and the one place
where a matching run is followed by the rank recomputation (IDN-15).
"""

from django.db import transaction

from identity.matching.engine import MatchResult, match_characters
from identity.matching.hints import parse_hints
from identity.matching.normalise import normalise
from identity.matching.planner import MatchLink, MatchSuggestion
from identity.services.ranks import recompute_player_ranks

__all__ = [
    "MatchLink",
    "MatchResult",
    "MatchSuggestion",
    "normalise",
    "parse_hints",
    "run_matching",
]


def run_matching(*, dry_run: bool = False, run_details: dict | None = None) -> MatchResult:
    """IDN-33 … IDN-35: one matching run (`match_characters`) in one transaction holding the
    reconcile lock (IDN-45); after the links, in the same transaction, player ranks are
    recomputed (IDN-15). `dry_run` plans the same links and writes nothing. `run_details`,
    when given, receives the rank changes and the matching stats under `"matching"`.
    """
    with transaction.atomic():
        result = match_characters(dry_run=dry_run)
        if dry_run:
            return result
        recompute_player_ranks(run_details=run_details)
    if run_details is not None:
        run_details["matching"] = dict(result.stats)
    return result
