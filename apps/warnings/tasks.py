from celery import shared_task


@shared_task(ignore_result=True)
def warnings_follow_task() -> int:
    """Draft, update and cancel public warnings as their alerts open, worsen and end."""
    from apps.warnings.services import warnings_follow_all

    return warnings_follow_all()
