"""django-q2 tasks of the roster app (ROS-42). Thin: each runs one service."""


def create_raid_helper_event(event_id: int) -> str:
    """ROS-42 … ROS-45: create a pending RaidEvent in Raid-Helper (and its sign-ups on raid
    days); returns a one-line outcome for the task list (never the API key)."""
    from roster.services.planner import run_raid_event

    event = run_raid_event(event_id)
    if event is None:
        return f"Raid event #{event_id} not found"
    if event.status == "created":
        return (
            f"Raid event #{event.pk} created: {event.raid_helper_event_id}; "
            f"signups {event.signups_ok}/{event.signups_attempted}"
        )
    return f"Raid event #{event.pk} {event.status}: {event.error}"
