from celery import shared_task


@shared_task
def escalate_overdue_task() -> int:
    """Open reports past their due time go one level up (an alert on the wall)."""
    from apps.grievances.services import grievances_escalate_overdue

    return grievances_escalate_overdue()


@shared_task
def observe_task() -> int:
    """The grievance indicators of every region (open, overdue, new today, time to resolve, satisfaction…)."""
    from apps.grievances.indicators import grievances_observe

    return grievances_observe()
