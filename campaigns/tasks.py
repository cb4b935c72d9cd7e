"""django-q2 tasks of the campaigns app (CMP-31, CMP-43). Thin: each runs one service."""


def check_campaign_status() -> str:
    """Schedule `campaigns.status_checker`, every minute (CMP-31); returns the result line."""
    from campaigns.services.lifecycle import check_campaign_status as check

    return check().line


def run_contest_agent() -> str:
    """Schedule `campaigns.contest_agent`, every 5 minutes (CMP-43); returns the result line."""
    from campaigns.agent import run_agent

    return run_agent().line
