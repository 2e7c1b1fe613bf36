from celery import shared_task


@shared_task(ignore_result=True)
def open_incidents_observe_task() -> None:
    """Every few minutes: the count of open incidents per region, so "none open" reads as 0, not as no data."""
    from apps.traffic.incidents import open_incidents_observe

    open_incidents_observe()
