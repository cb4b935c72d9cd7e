"""django-q2 tasks of the onboarding app. Thin: each calls one service and returns a summary."""


def provision_session(session_id: int) -> str:
    """ONB-28: provision one verified session (queued on commit by `queue_provisioning`);
    returns the session's state or why the run stopped."""
    from onboarding.services.provisioning import provision_session as provision

    return provision(session_id)


def retry_role(session_id: int) -> str:
    """ONB-51 `/onboard-retry`: the role step again for a closed session whose role failed;
    returns the new role status or why nothing was done."""
    from onboarding.services.provisioning import retry_role as retry

    return retry(session_id)
