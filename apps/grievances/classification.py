"""Classification of citizens' reports (see apps/core/classification.py)."""

from django.utils.translation import gettext_lazy as _

from apps.core.classification import INTERNAL, PUBLIC, RESTRICTED, SECRET, Grade, Label, Mask, Personal, classify

REVEAL = "grievances.view_reporter_contact"

classify(
    "grievances.Category",
    {
        "id created_at updated_at code name_zh name_en description_zh description_en group_zh group_en keywords "
        "department deadline_hours active order": PUBLIC,
    },
)
classify(
    "grievances.CategoryAttribute",
    {
        "id category code description_zh description_en datatype required order values": PUBLIC,
    },
)
classify(
    "grievances.Grievance",
    {
        "id created_at updated_at channel category department status priority assigned_to due_at accepted_at "
        "resolved_at closed_at escalation_level escalated_at merged_into satisfaction reopened_count region "
        "personal_data_erased_at": INTERNAL,
        # The reporter's private key to follow and rate the report: staff use it to find the report.
        "tracking_code": RESTRICTED,
        "token": SECRET,
        "reporter_name": Label(Grade.GENERAL_3, Personal.PERSONAL, Mask.NAME, reveal=REVEAL),
        "reporter_phone": Label(Grade.GENERAL_3, Personal.PERSONAL, Mask.PHONE, reveal=REVEAL),
        "reporter_email": Label(Grade.GENERAL_3, Personal.PERSONAL, Mask.EMAIL, reveal=REVEAL),
        "description attributes satisfaction_comment": Label(
            Grade.GENERAL_3,
            Personal.PERSONAL,
            plain_because=_(
                "the citizen's own words, needed to handle the report; numbers, e-mails and ID numbers "
                "are masked wherever it is shown publicly"
            ),
        ),
        "lon lat address": Label(
            Grade.GENERAL_3,
            Personal.PERSONAL,
            plain_because=_("where the problem is (maps, nearby duplicates, routing); published only generalised"),
        ),
    },
)
classify(
    "grievances.GrievanceEvent",
    {
        "id grievance created_at kind public actor from_status to_status": INTERNAL,
        "message": RESTRICTED,
    },
)
classify(
    "grievances.GrievancePhoto",
    {
        "id grievance key width height public created_at": INTERNAL,
        "image": Label(
            Grade.GENERAL_3,
            Personal.PERSONAL,
            plain_because=_("re-encoded without metadata; may show people or number plates"),
        ),
    },
)
classify(
    "grievances.Open311Key",
    {
        "id created_at updated_at name prefix active last_used_at": INTERNAL,
        "key_hash": SECRET,
    },
)
