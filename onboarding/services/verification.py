"""Verification (ONB-26, ONB-27): `verify_session`.

Work in progress (issue 13): the signature is fixed so the checker and the slash commands can
import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onboarding.models import OnboardingSession

__all__ = ["VerificationResult", "verify_session"]


@dataclass(frozen=True)
class VerificationResult:
    """The outcome of one `verify_session` call (ONB-26)."""

    result: str
    detail: str = ""


def verify_session(session: OnboardingSession, *, now: datetime) -> VerificationResult:
    """ONB-26: try to match `session` to a roster character and player."""
    raise NotImplementedError
