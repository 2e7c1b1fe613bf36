import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def water_sensors_silent_task() -> list[str]:
    from tests.water.services import water_sensors_silent

    silent = water_sensors_silent()
    if silent:
        logger.warning("water: %d pressure gauges silent for 30 minutes: %s", len(silent), ", ".join(silent[:20]))
    return silent
