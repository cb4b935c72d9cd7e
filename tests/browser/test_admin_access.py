"""Officer access to the Django admin, in Chromium (ACC-21, ACC-35)."""

import pytest

from tests.factories import PlayerFactory, UserFactory, rank

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_acc21_signed_in_non_officer_is_refused_from_admin_with_the_themed_403(
    signed_in_page, live_server
):
    user = UserFactory(username="veteran")
    PlayerFactory(display_name="Vet", user=user, guild_rank=rank("Veteran"))
    page = signed_in_page(user)

    response = page.goto("/admin/")

    assert response.status == 403
    assert page.url == f"{live_server.url}/admin/", "refused in place, never redirected"
    assert page.get_by_role("heading", name="Access denied").is_visible()
    assert page.locator(".site-header .user-menu").count() == 2, "the site layout, signed in"
    assert page.locator("#site-name").count() == 0, "not the Django admin's own page"


def test_acc35_officer_reaches_the_admin(signed_in_page, live_server):
    user = UserFactory(username="officer")
    PlayerFactory(display_name="Off", user=user, guild_rank=rank("Officer"))
    page = signed_in_page(user)

    response = page.goto("/admin/")

    assert response.status == 200
    assert page.url == f"{live_server.url}/admin/"
    assert page.locator("#site-name").is_visible()
