from celery import shared_task


@shared_task
def deadlines_sweep_task() -> int:
    """Ladder steps whose time has come run, each exactly once (reminders, the head, the wall, command)."""
    from apps.deadlines.services import deadlines_sweep

    return deadlines_sweep()
