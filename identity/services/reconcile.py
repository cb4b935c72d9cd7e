"""Reconcile: what runs after every pipeline's write (IDN-44, IDN-45).

The spec's order is (1) matching, (2) player ranks, (3) role push, (4) integrity, (5) the audit
report. Matching recomputes the ranks itself at its end (step 2) and both steps hold the
reconcile advisory lock in their own transactions. Role push (IDN-29) and the audit report
(IDN-39) are not built yet; when they are, they slot in here, outside any transaction.
"""

from dataclasses import dataclass

from identity.services.integrity import IntegrityResult, run_integrity_checks
from identity.services.matching import MatchResult, run_matching


@dataclass(frozen=True)
class ReconcileResult:
    matching: MatchResult
    integrity: IntegrityResult | None

    def lines(self) -> list[str]:
        lines = [self.matching.stats_line()]
        if self.integrity is not None:
            lines.append(self.integrity.stats_line())
        return lines


def reconcile(*, run_details: dict | None = None, integrity: bool = True) -> ReconcileResult:
    """Run matching (with the rank recompute) and then the integrity checks (IDN-45).

    `run_details` (a SyncRun's details) collects rank changes and both steps' counts.
    """
    matching = run_matching(run_details=run_details)
    checks = run_integrity_checks(run_details=run_details) if integrity else None
    return ReconcileResult(matching=matching, integrity=checks)
