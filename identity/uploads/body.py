"""Reading an upload's body within the size cap, and decoding it (UPL-5).

The cap (`ADDON_UPLOAD_MAX_BYTES`) is checked three times: on Content-Length before anything
is read, on the bytes actually read, and on the size after gzip decompression, which is
streamed so a small "zip bomb" never grows past the cap in memory.
"""

import json
import zlib

from django.conf import settings
from django.http import HttpRequest

from patt.refusals import Refused
from patt.validators import UNSTORABLE_TEXT_MESSAGE, has_unstorable_text

READ_CHUNK = 64 * 1024
JSON_TYPE = "application/json"
NOT_JSON = "Body is not valid JSON."
NOT_JSON_TYPE = "Send JSON (Content-Type: application/json)."


def too_large() -> Refused:
    return Refused(f"Upload too large (limit {size_label(max_bytes())}).", code=Refused.TOO_LARGE)


def max_bytes() -> int:
    return settings.ADDON_UPLOAD_MAX_BYTES


def size_label(size: int) -> str:
    """5242880 -> "5 MiB"; sizes that are not whole MiB in KiB or bytes."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def check_headers(request: HttpRequest) -> bool:
    """Content-Length, Content-Type and Content-Encoding, before reading; True when gzip."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes():
        raise too_large()
    content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if content_type != JSON_TYPE:
        raise Refused(NOT_JSON_TYPE, code=Refused.UNSUPPORTED_MEDIA_TYPE)
    encoding = request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if encoding not in ("", "identity", "gzip"):
        raise Refused(
            f"Unsupported Content-Encoding '{encoding[:40]}' -- send gzip or no encoding.",
            code=Refused.UNSUPPORTED_MEDIA_TYPE,
        )
    return encoding == "gzip"


def read_body(request: HttpRequest) -> bytes:
    """The raw body, read in chunks and refused as soon as it passes the cap."""
    limit = max_bytes()
    chunks, total = [], 0
    while True:
        chunk = request.read(READ_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def gunzip(data: bytes) -> bytes:
    """Decompress gzip, streaming and capped at the same limit."""
    limit = max_bytes()
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out, total = [], 0
    pending = data
    try:
        while pending:
            piece = decompressor.decompress(pending, limit + 1 - total)
            total += len(piece)
            if total > limit:
                raise too_large()
            out.append(piece)
            pending = decompressor.unconsumed_tail
            if decompressor.eof:
                break
        if not decompressor.eof:
            raise Refused("Body is not valid gzip data.", code=Refused.INVALID)
    except zlib.error as exc:
        raise Refused("Body is not valid gzip data.", code=Refused.INVALID) from exc
    return b"".join(out)


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


def decode_json(data: bytes) -> dict:
    """UTF-8 JSON whose top level is an object, else 400 "Body is not valid JSON.".

    A NUL or an unpaired surrogate (`"\\u0000"`, `"\\ud800"`) in any string, unknown keys
    included, is refused with 400 before anything is hashed or stored: neither can be stored
    (PostgreSQL text and jsonb refuse NUL; UTF-8 cannot encode a lone surrogate).
    """
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Refused(NOT_JSON, code=Refused.INVALID) from exc
    if not isinstance(value, dict):
        raise Refused(NOT_JSON, code=Refused.INVALID)
    if has_unstorable_text(value):
        raise Refused(f"Invalid upload: {UNSTORABLE_TEXT_MESSAGE}", code=Refused.INVALID)
    return value


def read_upload(request: HttpRequest) -> dict:
    """UPL-5: the decoded JSON object of an upload request, or `Refused` (code `invalid`,
    `too_large` or `unsupported_media_type`)."""
    gzipped = check_headers(request)
    data = read_body(request)
    if gzipped:
        data = gunzip(data)
    return decode_json(data)
