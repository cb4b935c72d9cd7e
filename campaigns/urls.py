"""Campaign pages (CMP-36 … CMP-40). Site paths have no trailing slash (ACC-62)."""

from django.urls import path

from campaigns import views

urlpatterns = [
    path("campaigns", views.campaign_list, name="campaigns"),
    path("vote/<int:campaign_id>", views.vote, name="vote"),
]
