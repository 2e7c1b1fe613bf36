"""Logging filters (LOGGING in cityops/settings.py)."""

from __future__ import annotations

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A refused request (4xx: 403 for a page the user may not open, 400 for a bad Host) is an expected answer,
    not a fault of ours: its record keeps its one line ("Forbidden (Permission denied): /field/review/") and
    loses the traceback Django attaches to it, which filled the log with the same stack on every 403."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info, record.exc_text = None, None
        return True
