"""The matching engine (identity spec, section 5: IDN-30 … IDN-35).

`normalise` and `parse_hints` are pure and import nothing from Django, so the demo generator
can use them before apps are loaded. The engine itself is `identity.matching.engine`, reached
through `identity.services.matching.run_matching`.
"""

from identity.matching.hints import Hint, parse_hints
from identity.matching.normalise import normalise

__all__ = ["Hint", "normalise", "parse_hints"]
