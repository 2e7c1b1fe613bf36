"""Classification of public warnings (see apps/core/classification.py). Its texts are written for the public (drawn
from public figures, checked for personal data when a person edits them) and a published message is public by
design; who decided, and the workflow around it, is internal."""

from apps.core.classification import INTERNAL, PUBLIC, classify

CLASSIFICATION = (
    classify(
        "warnings.PublicWarning",
        {
            "id created_at updated_at alert region indicator state level draft_type chosen_by decided_at decided_by "
            "decline_reason": (INTERNAL),
            "headline_zh headline_en description_zh description_en instruction_zh instruction_en": PUBLIC,
        },
    ),
    classify(
        "warnings.CapMessage",
        {"id warning identifier msg_type status sent severity headline_zh headline_en xml": PUBLIC},
    ),
)
