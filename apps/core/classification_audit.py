"""Classification of the audit trail (see apps/core/classification.py)."""

from django.utils.translation import gettext_lazy as _

from apps.core.classification import INTERNAL, RESTRICTED, Grade, Label, Personal, classify

CLASSIFICATION = (
    classify(
        "core.AuditLog",
        {
            "id created_at action target_type target_id seq prev_hash hash": INTERNAL,
            "target_repr data": RESTRICTED,
            "actor actor_name": Label(
                Grade.GENERAL_3,
                Personal.PERSONAL,
                plain_because=_("who did what must stay readable, also after the account is gone"),
            ),
        },
    ),
    classify("core.AuditHead", {"id seq hash": INTERNAL}),
)
