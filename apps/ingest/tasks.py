from celery import shared_task


@shared_task(ignore_result=True)
def raw_partitions_ahead_task() -> None:
    """Partitions of the raw tables for this month and the next two (PostgreSQL; idempotent)."""
    from apps.ingest.lifecycle import raw_partitions_ahead

    raw_partitions_ahead()


@shared_task(ignore_result=True)
def raw_retention_task() -> None:
    """Drop (PostgreSQL: whole months) or delete (SQLite) raw readings past CITYOPS_RAW_RETENTION_DAYS."""
    from apps.ingest.lifecycle import raw_retention_run

    raw_retention_run()
