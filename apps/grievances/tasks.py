from celery import shared_task


@shared_task
def observe_task() -> int:
    """The grievance indicators of every region (open, overdue, new today, time to resolve, satisfaction…)."""
    from apps.grievances.indicators import grievances_observe

    return grievances_observe()
