"""The one refusal type of every service, and its mapping at the edges (issue 12 item 4).

A service that will not do what it was asked raises `Refused` with a message people can read
and a short `code` saying what kind of refusal it is. Services never return HTTP statuses and
never build responses; the edge maps the refusal:

- JSON endpoints under `/api/`: `api_refusal` — the ACC-3 envelope with the code's status
  (`STATUS_BY_CODE`);
- pages: the form error next to `refusal.field` (`add_to_form`) or the status of
  `status_for` on a page that draws itself again;
- admin actions: `messages.error(request, refusal.message)`;
- management commands: `CommandError(refusal.message)`;
- the bot: a reply with `refusal.message`.

Ground floor: imports Django only, never an app.
"""

from typing import Any, ClassVar

from django.http import JsonResponse


class Refused(Exception):
    """A refused request, with `message` for the person asking (the spec's refusal text).

    `code` is one of the `Refused.*` constants below (or a narrower code an edge knows, such
    as a sign-in refusal's reason); `field` names the form field the message belongs next to,
    when there is one; `details` lists individual problems (an upload's validation, UPL-6).
    """

    INVALID: ClassVar[str] = "invalid"
    # Text no column can hold (NUL, unpaired surrogates; patt.validators): a bad request even
    # where an ordinary refusal is only a form error (issue 11 item 7).
    UNSTORABLE: ClassVar[str] = "unstorable"
    SIGN_IN_REQUIRED: ClassVar[str] = "sign_in_required"
    FORBIDDEN: ClassVar[str] = "forbidden"
    NOT_FOUND: ClassVar[str] = "not_found"
    CONFLICT: ClassVar[str] = "conflict"
    TOO_LARGE: ClassVar[str] = "too_large"
    UNSUPPORTED_MEDIA_TYPE: ClassVar[str] = "unsupported_media_type"
    RATE_LIMITED: ClassVar[str] = "rate_limited"
    UNAVAILABLE: ClassVar[str] = "unavailable"

    def __init__(
        self,
        message: str,
        *,
        code: str = INVALID,
        field: str | None = None,
        details: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.details = details

    @property
    def messages(self) -> list[str]:
        """The message as a one-item list, as Django's `ValidationError.messages` reads, so
        form and admin code written for validation errors shows a refusal the same way."""
        return [self.message]

    def __repr__(self) -> str:
        return f"Refused({self.message!r}, code={self.code!r})"


# The HTTP status of each code. A code not listed (a narrower code only one edge knows) is a
# client error of the generic kind.
STATUS_BY_CODE: dict[str, int] = {
    Refused.INVALID: 400,
    Refused.UNSTORABLE: 400,
    Refused.SIGN_IN_REQUIRED: 401,
    Refused.FORBIDDEN: 403,
    Refused.NOT_FOUND: 404,
    Refused.CONFLICT: 409,
    Refused.TOO_LARGE: 413,
    Refused.UNSUPPORTED_MEDIA_TYPE: 415,
    Refused.RATE_LIMITED: 429,
    Refused.UNAVAILABLE: 503,
}
DEFAULT_STATUS = 400


def status_for(refusal: Refused) -> int:
    """The HTTP status that answers `refusal` (`STATUS_BY_CODE`, else 400)."""
    return STATUS_BY_CODE.get(refusal.code, DEFAULT_STATUS)


def api_refusal(refusal: Refused, **extra: Any) -> JsonResponse:
    """ACC-3: `{"ok": false, "error": <message>, …extra}` with the refusal's real status."""
    body: dict[str, Any] = {"ok": False, "error": refusal.message, **extra}
    return JsonResponse(body, status=status_for(refusal))


def add_to_form(form: Any, refusal: Refused, *, field: str | None = None) -> None:
    """Show `refusal` next to its field on a Django form (the form-wide errors when the form
    has no such field)."""
    target = field or refusal.field
    form.add_error(target if target in form.fields else None, refusal.message)
