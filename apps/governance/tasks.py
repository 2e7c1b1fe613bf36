from celery import shared_task


@shared_task(ignore_result=True)
def audit_chain_check_task() -> None:
    """Hourly: recompute the audit chain so the stewards' page reads a recent result instead of walking the
    whole trail while they wait (and a broken chain is logged as an error)."""
    import logging

    from apps.governance.selectors import chain_check

    result = chain_check(fresh=True)
    if not result["ok"]:
        logging.getLogger("cityops.audit").error("audit chain broken: %s", result["problem"])
