"""Classification of public warnings (see apps/core/classification.py). A published message is public by design;
a draft is internal until a person approves it; who decided is internal (staff accounts, not the public's)."""

from apps.core.classification import INTERNAL, PUBLIC, classify

CLASSIFICATION = (
    classify(
        "warnings.PublicWarning",
        {
            "id created_at updated_at alert region indicator state level headline_zh headline_en description_zh "
            "description_en instruction_zh instruction_en chosen_by decided_at decided_by": INTERNAL,
        },
    ),
    classify(
        "warnings.CapMessage",
        {"id warning identifier msg_type status sent severity headline_zh headline_en xml": PUBLIC},
    ),
)
