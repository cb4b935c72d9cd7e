"""`/roster` — my raid roster (ROS-12 … ROS-17).

One page, several forms, each a POST to this URL with its own `action` (ROS-13). The view is
an entry point: it parses the form, calls the service (`roster.services.characters`,
`roster.services.availability`) and either redirects with the service's message (303) or
draws the page again with the entered values and the error next to its field (ROS-17).
A constant number of queries whatever the guild size.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from identity.models import Player
from identity.services.viewer import viewer_player
from patt.models import SiteConfig
from patt.refusals import Refused, add_to_form
from roster.forms import AddCharacterForm, AvailabilityForm, EditCharacterForm, ReferenceData
from roster.models import UpdatedVia, Weekday
from roster.services import characters as roster_characters
from roster.services.availability import availability_of, save_availability

NOT_LINKED = "Your account isn't linked to a guild member yet — ask an officer."
SIGN_IN = "Sign in with Discord to join the raid roster"
ADD_ONE = "Add at least one character to appear on the raid roster."
SAVE_AVAILABILITY = "Save your availability below to appear on the raid roster."
AVAILABILITY_SAVED = "Availability saved."
CONFIRM_LEAVE = "Tick the box to confirm you want to leave the raid roster."
UNKNOWN_ACTION = "Something went wrong with that form; please try again."


def _redirect() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("roster"), status=303)


def _edit_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("edit", "")
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _page(
    request: HttpRequest,
    player: Player,
    *,
    reference: ReferenceData,
    add_form: AddCharacterForm | None = None,
    edit_form: EditCharacterForm | None = None,
    edit_id: int | None = None,
    availability_form: AvailabilityForm | None = None,
    row_error: tuple[int, str] | None = None,
    page_error: str = "",
    status: int = 200,
) -> HttpResponse:
    config = SiteConfig.get()
    rows = roster_characters.my_roster_characters(player, specs=reference.specs_by_id)
    week, preferences = availability_of(player)
    if add_form is None:
        add_form = AddCharacterForm(reference=reference, realm_name=config.guild_realm_name)
    if availability_form is None:
        availability_form = AvailabilityForm(
            initial={
                "days": [day for day in range(7) if week[day]],
                "auto_signup": bool(preferences and preferences.auto_signup),
                "wants_reminders": bool(preferences and preferences.wants_reminders),
                "notes": preferences.notes if preferences else "",
            }
        )
    editing = next((row for row in rows if row.character.pk == edit_id), None)
    if editing is not None and edit_form is None:
        edit_form = EditCharacterForm(
            reference=reference,
            class_id=editing.character.playable_class_id,
            initial={
                "character": editing.character.pk,
                "spec": str(editing.spec.pk) if editing.spec else "",
            },
        )
    context = {
        "player": player,
        "rows": rows,
        "editing": editing,
        "edit_form": edit_form if editing is not None else None,
        "add_form": add_form,
        "availability_form": availability_form,
        "weekdays": Weekday.choices,
        "preferences": preferences,
        "row_error": row_error,
        "page_error": page_error,
        "add_one_text": ADD_ONE if not rows else "",
        "save_availability_text": SAVE_AVAILABILITY if rows and preferences is None else "",
        "roster_form_data": reference.island(),
    }
    return render(request, "roster/roster.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def my_roster(request: HttpRequest) -> HttpResponse:
    """`/roster` (ROS-12 … ROS-17).

    Anonymous: the sign-in invitation (ROS-12). Signed in without an active Player: the
    "not linked" text and no form. Otherwise the info box, My characters, Add a character and
    Availability & preferences; POSTs are dispatched on `action`.
    """
    if not request.user.is_authenticated:
        if request.method == "POST":
            return _redirect()
        return render(request, "roster/roster.html", {"anonymous": True, "sign_in_text": SIGN_IN})
    player = viewer_player(request)
    if player is None or not player.is_active:
        return render(request, "roster/roster.html", {"not_linked_text": NOT_LINKED})

    reference = ReferenceData.load()
    if request.method != "POST":
        return _page(request, player, reference=reference, edit_id=_edit_id(request))

    handler = ACTIONS.get(request.POST.get("action", ""))
    if handler is None:
        return _page(request, player, reference=reference, page_error=UNKNOWN_ACTION, status=400)
    return handler(request, player, reference)


# --- the actions ----------------------------------------------------------------------------


def _add_character(request, player, reference) -> HttpResponse:
    """ROS-14: on success the add form is cleared (the redirect draws an empty one)."""
    config = SiteConfig.get()
    form = AddCharacterForm(request.POST, reference=reference, realm_name=config.guild_realm_name)
    if form.is_valid():
        data = form.cleaned_data
        # Issue 16 item 4: every failing field at once, not the first one only.
        refusals = roster_characters.character_input_refusals(
            name=data["name"],
            realm=data["realm"],
            class_id=data["playable_class"] or None,
            spec_id=data["spec"] or None,
        )
        for refused in refusals:
            add_to_form(form, refused)
    if form.is_valid():
        data = form.cleaned_data
        try:
            change = roster_characters.add_character(
                player,
                name=data["name"],
                realm=data["realm"],
                class_id=data["playable_class"] or None,
                spec_id=data["spec"] or None,
                make_main=data["is_main"],
            )
        except Refused as refused:
            add_to_form(form, refused)
        else:
            messages.success(request, change.message)
            return _redirect()
    return _page(request, player, reference=reference, add_form=form, status=400)


def _edit_character(request, player, reference) -> HttpResponse:
    """ROS-15: spec and main flag of one roster character."""
    character_id = request.POST.get("edit-character", "")
    rows = {
        row.character.pk: row
        for row in roster_characters.my_roster_characters(player, specs=reference.specs_by_id)
    }
    edit_id = int(character_id) if character_id.isascii() and character_id.isdigit() else None
    row = rows.get(edit_id)
    if row is None:
        return _page(
            request,
            player,
            reference=reference,
            page_error=roster_characters.NOT_ON_ROSTER,
            status=400,
        )
    form = EditCharacterForm(
        request.POST, reference=reference, class_id=row.character.playable_class_id
    )
    if form.is_valid():
        try:
            change = roster_characters.edit_character(
                player,
                character_id=edit_id,
                spec_id=form.cleaned_data["spec"] or None,
                make_main=form.cleaned_data["is_main"],
            )
        except Refused as refused:
            form.add_error("spec" if refused.field == "spec" else None, refused.message)
        else:
            messages.success(request, change.message)
            return _redirect()
    return _page(request, player, reference=reference, edit_form=form, edit_id=edit_id, status=400)


def _row_action(request, player, reference, service) -> HttpResponse:
    character_id = request.POST.get("character", "")
    try:
        change = service(player, character_id=character_id)
    except Refused as refused:
        row = int(character_id) if character_id.isascii() and character_id.isdigit() else 0
        return _page(
            request,
            player,
            reference=reference,
            row_error=(row, refused.message),
            page_error=refused.message,
            status=400,
        )
    messages.success(request, change.message)
    return _redirect()


def _remove_character(request, player, reference) -> HttpResponse:
    """ROS-15: off the roster; the current main only when it is the last one."""
    return _row_action(request, player, reference, roster_characters.remove_character)


def _set_main(request, player, reference) -> HttpResponse:
    """ROS-15: only one of the player's roster characters."""
    return _row_action(request, player, reference, roster_characters.set_main)


def _save_availability(request, player, reference) -> HttpResponse:
    """ROS-16 / ROS-8 / ROS-9: all seven days and the preferences, or nothing."""
    form = AvailabilityForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            save_availability(
                player,
                days=data["days"],
                auto_signup=data["auto_signup"],
                wants_reminders=data["wants_reminders"],
                notes=data["notes"],
                via=UpdatedVia.WEBSITE,
            )
        except ValidationError as refused:
            for name, errors in refused.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, AVAILABILITY_SAVED)
            return _redirect()
    return _page(request, player, reference=reference, availability_form=form, status=400)


def _leave_roster(request, player, reference) -> HttpResponse:
    """ROS-15: with a confirm (a checkbox, so it works without JS)."""
    if request.POST.get("confirm") != "yes":
        return _page(request, player, reference=reference, page_error=CONFIRM_LEAVE, status=400)
    change = roster_characters.leave_roster(player)
    messages.success(request, change.message)
    return _redirect()


# ROS-13: one POST action per form.
ACTIONS = {
    "add_character": _add_character,
    "edit_character": _edit_character,
    "remove_character": _remove_character,
    "set_main": _set_main,
    "save_availability": _save_availability,
    "leave_roster": _leave_roster,
}
