"""How matching compares names (IDN-30)."""

import unicodedata


def normalise(text: str | None) -> str:
    """IDN-30: trim, casefold, NFKD, drop combining marks, NFC; None or blank gives "".

    Letters without a decomposition (Ø, Ł …) are kept; full-width forms fold to ASCII by NFKD.
    """
    if not text or not text.strip():
        return ""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)
