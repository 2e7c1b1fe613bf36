from celery import shared_task


@shared_task(ignore_result=True)
def live_tick_task() -> None:
    """About once a second: rollups, threshold alerts and one coalesced delta per changed stream.

    One tick at a time in the whole deployment: a tick that finds another running leaves the work to it (its marks
    wait for the next). Two ticks at once only wait on each other's rows and take turns on the same parents'
    buckets, and each takes longer — when ticks are slow, the queue behind them grew that way.
    """
    from apps.core.locks import single_flight
    from apps.dashboards.services import live_tick

    with single_flight("live-tick") as mine:
        if mine:
            live_tick()
