from celery import shared_task


@shared_task
def visits_checks_sweep_task() -> int:
    from apps.fieldwork.services import visits_checks_sweep

    return visits_checks_sweep()
