from celery import shared_task


@shared_task(ignore_result=True)
def releases_produce_daily_task() -> None:
    """Once a day: draft releases of every open dataset for yesterday, waiting for a steward's approval."""
    from apps.opendata.services import releases_produce_daily

    releases_produce_daily()
