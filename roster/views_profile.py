"""`/profile` — a member's own profile (issue 11 item 16).

Display name, main and off-spec character, the linked Discord account (shown, not edited) and
the website password. Like `/roster` (ROS-13) every form is a POST to this URL with its own
`action` and CSRF token and works without JS; the view parses, calls the service and either
redirects with its message (303) or draws the page again with the error next to its field
(400). Signing in is required (the sign-in page comes back here); a signed-in user without an
active Player can still change their password. A constant number of queries.
"""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from identity.auth.decorators import signin_required
from identity.models import Player
from identity.services.viewer import viewer_player
from patt.refusals import Refused
from roster.forms import ReferenceData
from roster.forms_profile import DisplayNameForm, MainCharacterForm, OffspecForm, password_form
from roster.services import characters as roster_characters
from roster.services import profile as profile_service
from roster.views_member import NOT_LINKED, UNKNOWN_ACTION

PASSWORD_CHANGED = "Your password was changed."
NO_ROSTER_CHARACTER = "Add a character on My characters to choose your main."


def _redirect() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("profile"), status=303)


def _page(
    request: HttpRequest,
    player: Player | None,
    *,
    name_form: DisplayNameForm | None = None,
    main_form: MainCharacterForm | None = None,
    offspec_form: OffspecForm | None = None,
    password: object | None = None,
    page_error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "password_form": password if password is not None else password_form(request.user),
        "has_password": request.user.has_usable_password(),
        "page_error": page_error,
    }
    if player is None:
        context["not_linked_text"] = NOT_LINKED
        return render(request, "roster/profile.html", context, status=status)

    reference = ReferenceData.load()
    specs = reference.specs_by_id
    roster = roster_characters.my_roster_characters(player, specs=specs)
    own = profile_service.own_characters(player)
    by_pk = {character.pk: character for character in own}
    if main_form is None:
        main_form = MainCharacterForm(
            roster=roster, initial={"character": str(player.main_character_id or "")}
        )
    if offspec_form is None:
        offspec_form = OffspecForm(
            characters=own,
            reference=reference,
            initial={
                "character": str(player.offspec_character_id or ""),
                "spec": str(player.offspec_spec_id or ""),
            },
        )
    if name_form is None:
        name_form = DisplayNameForm(initial={"display_name": player.display_name})
    context.update(
        {
            "player": player,
            "discord_user": player.discord_user,
            "name_form": name_form,
            "main_form": main_form,
            "offspec_form": offspec_form,
            "roster": roster,
            "no_roster_text": NO_ROSTER_CHARACTER if not roster else "",
            "main_character": by_pk.get(player.main_character_id),
            "main_spec": specs.get(player.main_spec_id),
            "offspec_character": by_pk.get(player.offspec_character_id),
            "offspec_spec": specs.get(player.offspec_spec_id),
        }
    )
    return render(request, "roster/profile.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@signin_required
def profile(request: HttpRequest) -> HttpResponse:
    """`/profile`: anonymous visitors go to sign in (`?next=/profile`); POSTs by `action`."""
    player = viewer_player(request)
    if player is not None and not player.is_active:
        player = None  # as on /roster: someone who left the guild edits nothing here
    if request.method != "POST":
        return _page(request, player)
    action = request.POST.get("action", "")
    if action == "change_password":
        return _change_password(request, player)
    handler = PLAYER_ACTIONS.get(action)
    if handler is None:
        return _page(request, player, page_error=UNKNOWN_ACTION, status=400)
    if player is None:
        return _page(request, player, page_error=NOT_LINKED, status=400)
    return handler(request, player)


def _refused(form, refused: Refused, field: str | None = None) -> None:
    form.add_error(field if field in form.fields else None, refused.message)


def _display_name(request, player) -> HttpResponse:
    form = DisplayNameForm(request.POST)
    if form.is_valid():
        try:
            message = profile_service.set_display_name(
                player, name=form.cleaned_data["display_name"]
            )
        except Refused as refused:
            _refused(form, refused, "display_name")
        else:
            messages.success(request, message)
            return _redirect()
    return _page(request, player, name_form=form, status=400)


def _main_character(request, player) -> HttpResponse:
    """ROS-15 through the roster page's own `set_main`."""
    roster = roster_characters.my_roster_characters(player)
    form = MainCharacterForm(request.POST, roster=roster)
    if form.is_valid():
        try:
            change = roster_characters.set_main(player, character_id=form.cleaned_data["character"])
        except Refused as refused:
            _refused(form, refused, "character")
        else:
            messages.success(request, change.message)
            return _redirect()
    return _page(request, player, main_form=form, status=400)


def _offspec(request, player) -> HttpResponse:
    """IDN-13 through `set_offspec`."""
    form = OffspecForm(
        request.POST,
        characters=profile_service.own_characters(player),
        reference=ReferenceData.load(),
    )
    if form.is_valid():
        try:
            message = profile_service.set_offspec(
                player,
                character_id=form.cleaned_data["character"],
                spec_id=form.cleaned_data["spec"],
            )
        except Refused as refused:
            field = {"offspec_character": "character", "offspec_spec": "spec"}.get(refused.field)
            _refused(form, refused, field)
        else:
            messages.success(request, message)
            return _redirect()
    return _page(request, player, offspec_form=form, status=400)


def _change_password(request, player) -> HttpResponse:
    """Django's password change with the ACC-12 validators; the user stays signed in."""
    form = password_form(request.user, request.POST)
    if form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, PASSWORD_CHANGED)
        return _redirect()
    return _page(request, player, password=form, status=400)


# One POST action per form (as ROS-13); the password form is anyone's who is signed in.
PLAYER_ACTIONS = {
    "display_name": _display_name,
    "set_main": _main_character,
    "offspec": _offspec,
}
