from celery import shared_task


@shared_task(ignore_result=True)
def data_sources_check_task() -> None:
    """Raise or resolve data-source alerts from each sensor's freshness, flat-lining and range."""
    from apps.indicators.health import data_sources_check

    data_sources_check()
