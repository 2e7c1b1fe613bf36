"""What field work tells other apps, without importing them."""

from django.dispatch import Signal

# An accepted visit's finding has been passed on (apps/fieldwork/services.py _apply), once per finding:
# keyword arguments `finding` (apps.fieldwork.models.Finding, its visit and assignment loaded) and `user` (who
# accepted it: the officer's upload or a supervisor's review). Receivers run inside the visit's transaction.
finding_applied = Signal()
