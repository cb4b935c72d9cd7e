"""`/mitos-corner`: quotes, titles and the quote of the day (ROS-53 … ROS-55).

Public page; officers (level ≥ 4 or a Django superuser) add, edit and delete on the page. Every
control works without JS: tabs are `?tab=` links, "Edit" and "Delete" are links that open the
row's form or confirmation (`?edit=quote-5`, `?delete=quote-5`), "Shuffle again" is
`?shuffle=1`, and each change is a CSRF-protected POST answered with a redirect and a message.
`roster/static/roster/quotes.js` does the same in place. One query for both lists whatever
their size (plus the viewer's Player when signed in).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from identity.services.viewer import is_officer
from patt.refusals import Refused
from roster.services import quotes as service

TODAY, QUOTES, TITLES = "today", "quotes", "titles"
TABS = ((QUOTES, "Quotes"), (TITLES, "Titles"), (TODAY, "Quote of the day"))
TAB_KEYS = tuple(key for key, _ in TABS)
TAB_OF_KIND = {service.QUOTE: QUOTES, service.TITLE: TITLES}
ACTIONS = ("add", "edit", "delete")
BAD_REQUEST = "That form was not understood; reload the page and try again."


@dataclass
class Row:
    """One quote or title in its list, with the state of its inline forms."""

    kind: str
    pk: int
    text: str
    editing: bool = False
    confirming: bool = False
    edit_text: str = ""
    error: str = ""

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.pk}"

    @property
    def tab(self) -> str:
        return TAB_OF_KIND[self.kind]

    @property
    def delete_confirm(self) -> str:
        return service.DELETE_CONFIRM[self.kind]


@dataclass
class AddForm:
    kind: str
    text: str = ""
    error: str = ""
    label: str = ""
    max_length: int = 0


@dataclass
class PageState:
    """What a failed POST re-renders: the form's entered text and its error (ROS-17 style)."""

    tab: str | None = None
    add: dict[str, AddForm] = field(default_factory=dict)
    row: tuple[str, int, str, str] | None = None  # kind, pk, text, error
    page_error: str = ""


def _target(value: str | None) -> tuple[str, int] | None:
    """`quote-5` -> ("quote", 5)."""
    kind, _, pk = (value or "").partition("-")
    if kind in service.MODELS and pk.isdigit():
        return kind, int(pk)
    return None


def _rows(kind: str, objects, request: HttpRequest, state: PageState) -> list[Row]:
    editing = _target(request.GET.get("edit"))
    confirming = _target(request.GET.get("delete"))
    rows = []
    for pk, text in objects:
        row = Row(kind=kind, pk=pk, text=text, edit_text=text)
        row.editing = editing == (kind, pk)
        row.confirming = confirming == (kind, pk)
        if state.row and state.row[:2] == (kind, pk):
            row.editing, row.edit_text, row.error = True, state.row[2], state.row[3]
        rows.append(row)
    return rows


def _render(request: HttpRequest, state: PageState | None = None, status: int = 200):
    state = state or PageState()
    quote_rows, title_rows = service.all_entries()
    quote_texts = [text for _, text in quote_rows]
    title_texts = [text for _, text in title_rows]
    shuffle = request.GET.get("shuffle") == "1"
    tab = state.tab or request.GET.get("tab")
    if shuffle:
        tab = TODAY
    if tab not in TAB_KEYS:
        tab = QUOTES
    if shuffle:
        pair = service.shuffled_pair(quotes=quote_texts, titles=title_texts)
    else:
        pair = service.quote_of_the_day(quotes=quote_texts, titles=title_texts)
    officer = is_officer(request)
    add_forms = {
        kind: state.add.get(kind)
        or AddForm(
            kind=kind,
            label="Add a quote" if kind == service.QUOTE else "Add a title",
            max_length=service.MAX_LENGTH[kind],
        )
        for kind in service.MODELS
    }
    context = {
        "tab": tab,
        "tabs": [(key, label, f"?tab={key}") for key, label in TABS],
        "quotes": _rows(service.QUOTE, quote_rows, request, state),
        "titles": _rows(service.TITLE, title_rows, request, state),
        "pair": pair,
        "shuffled": shuffle,
        "officer": officer,
        "add_quote": add_forms[service.QUOTE],
        "add_title": add_forms[service.TITLE],
        "page_error": state.page_error,
        "no_quotes_text": service.NO_QUOTES,
        # quotes.js shuffles from these without a reload (inert JSON under the CSP).
        "quotes_data": {
            "quotes": quote_texts,
            "titles": title_texts,
            "person": pair.person,
            "defaultTitle": service.SiteConfig.get().quotes_default_title,
            "empty": service.NO_QUOTES,
        },
    }
    return render(request, "roster/mitos_corner.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def mitos_corner(request: HttpRequest) -> HttpResponse:
    """ROS-53 … ROS-55: GET shows the page; POST (officers only, else 403) changes a list."""
    if request.method == "POST":
        if not is_officer(request):
            raise PermissionDenied
        return _post(request)
    return _render(request)


def _post(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action")
    kind = request.POST.get("kind")
    if action not in ACTIONS or kind not in service.MODELS:
        return _render(request, PageState(page_error=BAD_REQUEST), status=400)
    tab = TAB_OF_KIND[kind]
    text = request.POST.get("text", "")
    pk = request.POST.get("id")
    try:
        if action == "add":
            service.add_entry(kind=kind, text=text, user=request.user)
            message, anchor = service.ADDED[kind], ""
        elif action == "edit":
            obj = service.edit_entry(kind=kind, pk=pk, text=text)
            message, anchor = service.SAVED, f"#{kind}-{obj.pk}"
        else:
            service.delete_entry(kind=kind, pk=pk)
            message, anchor = service.DELETED, ""
    except Refused as exc:
        state = PageState(tab=tab)
        if action == "add":
            form = AddForm(
                kind=kind,
                text=text,
                error=exc.message,
                label="Add a quote" if kind == service.QUOTE else "Add a title",
                max_length=service.MAX_LENGTH[kind],
            )
            state.add[kind] = form
        elif action == "edit" and str(pk).isdigit() and exc.message != service.NOT_FOUND[kind]:
            state.row = (kind, int(pk), text, exc.message)
        else:
            state.page_error = exc.message
        # Issue 11 item 7: text no column can hold is a bad request, shown like any refusal.
        return _render(request, state, status=400 if exc.code == Refused.UNSTORABLE else 200)
    messages.success(request, message)
    return HttpResponseRedirect(f"/mitos-corner?tab={tab}{anchor}")
