from celery import shared_task


@shared_task(ignore_result=True)
def live_tick_task() -> None:
    """About once a second: rollups, threshold alerts and one coalesced delta per changed stream."""
    from apps.dashboards.services import live_tick

    live_tick()
