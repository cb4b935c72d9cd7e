"""Character names in paths, realm slugs and realm keys (IDN-21)."""

import re
import unicodedata
from urllib.parse import quote

_DROPPED = re.compile(r"['’()]")
# Unicode-aware: Korean and Chinese realm names keep their letters.
_NON_ALNUM_RUN = re.compile(r"[\W_]+")
_NON_ALNUM = re.compile(r"[\W_]")


def encode_character_name(name: str) -> str:
    """Lower-cased, then percent-encoded as UTF-8 with no safe characters: `Zatañña` →
    `zata%C3%B1%C3%B1a`."""
    return quote(name.lower(), safe="")


def normalise(text: str) -> str:
    """Trim, casefold, NFKD, drop combining marks, NFC."""
    decomposed = unicodedata.normalize("NFKD", (text or "").strip().casefold())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)


def realm_slug(text: str) -> str:
    """A slug from configuration or user input (never overrides a slug from Blizzard):
    `Sen'jin` → `senjin`, `Area 52` → `area-52`, `Aggra (Português)` → `aggra-portugues`."""
    text = _DROPPED.sub("", normalise(text))
    return _NON_ALNUM_RUN.sub("-", text).strip("-")


def realm_key(text: str) -> str:
    """The key of free-text realm lookups: `Alterac Mountains` → `alteracmountains`."""
    return _NON_ALNUM.sub("", normalise(text))
