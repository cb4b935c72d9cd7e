"""Demo addon-upload token (UPL-2): one token for the demo officer, so `make run` shows the
companion's whole path — `patt-companion set-token`, then uploads to the local site.

The token is created once and its secret printed that once, as the admin does; a later run
says it exists (officers can make a new one in the admin: tokens are stored hashed).
"""

from dataclasses import dataclass

from identity.demo.plan import OFFICER_USERNAME
from identity.models import Player, UploadToken
from identity.uploads.tokens import create_token

DEMO_TOKEN_NAME = "Demo companion"


@dataclass(frozen=True)
class DemoUploadToken:
    secret: str  # "" when the token already existed

    @property
    def line(self) -> str:
        if self.secret:
            return (
                f"Companion upload token (shown once): {self.secret}  "
                "(patt-companion set-token; see companion/README.md)"
            )
        return (
            f"Companion upload token: '{DEMO_TOKEN_NAME}' exists "
            "(create another in the admin: Guild identity → Upload tokens)"
        )


def seed_demo_upload_token() -> DemoUploadToken:
    if UploadToken.objects.filter(name=DEMO_TOKEN_NAME).exists():
        return DemoUploadToken(secret="")
    officer = Player.objects.select_related("user").filter(user__username=OFFICER_USERNAME).first()
    created = create_token(
        name=DEMO_TOKEN_NAME,
        owner=officer,
        created_by=officer.user if officer is not None else None,
    )
    return DemoUploadToken(secret=created.secret)
