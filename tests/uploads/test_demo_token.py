"""seed_demo creates one companion upload token and shows its secret once (UPL-2)."""

import pytest
from django.core.management import call_command

from identity.models import UploadToken
from identity.uploads.tokens import hash_token

pytestmark = pytest.mark.django_db


def test_upl2_demo_token_is_printed_once_and_stored_hashed(capsys):
    call_command("seed_demo", players=6, force=True)
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("Companion upload token"))
    secret = line.split("(shown once): ", 1)[1].split()[0]
    token = UploadToken.objects.get()
    assert token.token_hash == hash_token(secret) and secret not in token.token_hash
    assert token.owner is not None and token.owner.user.username == "officer"

    call_command("seed_demo", players=6, force=True)
    out = capsys.readouterr().out
    assert UploadToken.objects.count() == 1
    assert secret not in out and "'Demo companion' exists" in out
