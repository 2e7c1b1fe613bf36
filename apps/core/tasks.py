from celery import shared_task


@shared_task(ignore_result=True)
def system_heartbeat_task() -> None:
    """Publish the server time on the system stream (scheduled every few seconds)."""
    from apps.core.streams import system_payload
    from cityops.realtime import stream_publish

    stream_publish(stream="system", params={}, payload=system_payload())


@shared_task
def health_check_task() -> dict[str, bool]:
    """Run the database and cache checks inside a worker: proves workers reach the services."""
    from apps.core.health import check_cache, check_database

    return {"database": check_database().ok, "cache": check_cache().ok}


@shared_task(ignore_result=True)
def simulators_step_task() -> None:
    """Let every registered simulator send readings up to now (demo mode only)."""
    from apps.core.simulation import simulators_run

    simulators_run()


@shared_task(ignore_result=True)
def audit_seal_task() -> None:
    """Seal audit entries into the hash chain (a safety net: each commit seals its own entries)."""
    from apps.core.audit import audit_seal

    audit_seal()


@shared_task(ignore_result=True)
def retention_task() -> None:
    """Erase or coarsen personal data of records finished longer ago than the retention period."""
    from apps.core.retention import retention_run

    retention_run()
