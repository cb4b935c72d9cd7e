from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Campaigns, entries, ballots, results and the contest agent (campaigns spec, CMP-1 … 59)."""

    name = "campaigns"
    verbose_name = "Campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from identity.services.schedules import ScheduleSpec, register_schedule

        # CMP-31 and CMP-43: upserted by `manage.py setup_schedules` with the other schedules.
        register_schedule(
            ScheduleSpec(
                name="campaigns.status_checker",
                func="campaigns.tasks.check_campaign_status",
                minutes=1,
            )
        )
        register_schedule(
            ScheduleSpec(
                name="campaigns.contest_agent",
                func="campaigns.tasks.run_contest_agent",
                minutes=5,
            )
        )
