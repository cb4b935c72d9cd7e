"""Campaign JSON endpoints under /api/v1/ (CMP-41, CMP-42). No trailing slashes (ACC-62)."""

from django.urls import path

from campaigns import api

urlpatterns = [
    path("campaigns", api.campaign_list, name="api-campaign-list"),
    path("campaigns/<int:campaign_id>", api.campaign_detail, name="api-campaign-detail"),
    path("campaigns/<int:campaign_id>/results", api.campaign_results, name="api-campaign-results"),
    path(
        "campaigns/<int:campaign_id>/results/live",
        api.campaign_live_results,
        name="api-campaign-live-results",
    ),
    path("campaigns/<int:campaign_id>/my-vote", api.my_vote, name="api-campaign-my-vote"),
    path("campaigns/<int:campaign_id>/vote", api.vote, name="api-campaign-vote"),
]
