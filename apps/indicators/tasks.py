from celery import shared_task


@shared_task(ignore_result=True)
def data_sources_check_task() -> None:
    """Raise or resolve data-source alerts from each sensor's freshness, flat-lining and range."""
    from apps.indicators.health import data_sources_check

    data_sources_check()


@shared_task
def discrepancies_evaluate_task() -> int:
    """Cross-department discrepancy rules (registered by the apps) over their regions."""
    from apps.indicators.discrepancies import discrepancies_evaluate

    return len(discrepancies_evaluate())


@shared_task(ignore_result=True)
def history_rollups_task() -> None:
    """Hour and day buckets of what the live tick rolled up since the last run (charts, history, open data)."""
    from apps.indicators.services import indicator_history_run

    indicator_history_run()
