"""Upload tokens: creation, hashing, lookup and revocation (UPL-2, UPL-3).

A token is `"pattsync_" + secrets.token_urlsafe(32)`. Only its SHA-256 is stored; the first 16
characters (`prefix`) find the row, and the hashes are compared in constant time. The token
itself is returned once, by `create_token`, and is never stored or logged.
"""

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from identity.models import Player, UploadToken

TOKEN_PREFIX = "pattsync_"
PREFIX_LENGTH = 16
# UPL-3: last_used_at / last_used_ip are written at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# A token_urlsafe(32) is 43 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 128
# Compared against when the prefix is unknown, so a miss costs the same as a wrong token.
_DUMMY_HASH = hashlib.sha256(b"pattsync-no-such-token").hexdigest()
_CREATE_ATTEMPTS = 5


@dataclass(frozen=True)
class NewToken:
    """A freshly created token: the row and the token text, shown once (UPL-2)."""

    token: UploadToken
    secret: str


def hash_token(secret: str) -> str:
    """The stored form of a token: SHA-256 hex of its UTF-8 bytes."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def generate_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_token(
    *, name: str, owner: Player | None = None, created_by=None, token: UploadToken | None = None
) -> NewToken:
    """UPL-2: create a token row; the returned `secret` is the only copy of the token.

    `token` is an unsaved row to fill (the admin's form instance). A prefix collision (the
    `prefix` is unique) regenerates the token.
    """
    row = token if token is not None else UploadToken()
    row.name, row.owner, row.created_by = name, owner, created_by
    for _ in range(_CREATE_ATTEMPTS):
        secret = generate_secret()
        row.prefix, row.token_hash = secret[:PREFIX_LENGTH], hash_token(secret)
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            if not UploadToken.objects.filter(prefix=row.prefix).exists():
                raise
            row.pk = None
            continue
        return NewToken(token=row, secret=secret)
    raise RuntimeError("Could not create an upload token with a unique prefix")


def bearer_secret(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when missing or malformed."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or len(value) > MAX_TOKEN_LENGTH:
        return None
    if any(ch.isspace() for ch in value) or not value.isascii():
        return None
    return value


def authenticate(secret: str | None) -> UploadToken | None:
    """UPL-3: the active token whose hash matches `secret`; None when unknown or revoked.

    Looked up by prefix, then `hmac.compare_digest` of the hashes; an unknown prefix still
    makes one (dummy) comparison.
    """
    if not secret or len(secret) <= PREFIX_LENGTH:
        hmac.compare_digest(_DUMMY_HASH, _DUMMY_HASH)
        return None
    row = UploadToken.objects.select_related("owner").filter(prefix=secret[:PREFIX_LENGTH]).first()
    expected = row.token_hash if row is not None else _DUMMY_HASH
    matches = hmac.compare_digest(hash_token(secret), expected)
    if row is None or not matches or row.revoked_at is not None:
        return None
    return row


def record_use(token: UploadToken, ip: str | None) -> None:
    """UPL-3: update last_used_at / last_used_ip, at most once a minute."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    token.last_used_at, token.last_used_ip = now, _valid_ip(ip)
    UploadToken.objects.filter(pk=token.pk).update(
        last_used_at=token.last_used_at, last_used_ip=token.last_used_ip
    )


def revoke_tokens(tokens, *, by=None) -> int:
    """UPL-2: revoke the given tokens at once (already revoked ones keep their date)."""
    ids = [token.pk for token in tokens]
    return UploadToken.objects.filter(pk__in=ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )


def _valid_ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None
