"""Classification of citizens' reports (see apps/core/classification.py)."""

from django.utils.translation import gettext_lazy as _

from apps.core.classification import (
    INTERNAL,
    PUBLIC,
    RESTRICTED,
    SECRET,
    Grade,
    Label,
    Mask,
    Personal,
    Public,
    classify,
)

REVEAL = "grievances.view_reporter_contact"


CLASSIFICATION = (
    classify(
        "grievances.Category",
        {
            "id created_at updated_at code name_zh name_en description_zh description_en group_zh group_en keywords "
            "department deadline_hours response_hours active order": PUBLIC,
        },
    ),
    classify(
        "grievances.CategoryAttribute",
        {
            "id category code description_zh description_en datatype required order values minimum maximum "
            "whole_number": PUBLIC,
        },
    ),
    classify(
        "grievances.Grievance",
        {
            # What Open311 and the tracking page show of a report: its number, what, who handles it, when, where it
            # stands, the citizen's rating.
            "id category department status created_at updated_at due_at resolved_at merged_into satisfaction": PUBLIC,
            "channel priority assigned_to accepted_at closed_at escalation_level escalated_at reopened_count region "
            "personal_data_erased_at rated_at rating_excluded contradicted_at": INTERNAL,
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
                public=Public.TEXT,
            ),
            "lon lat": Label(
                Grade.GENERAL_3,
                Personal.PERSONAL,
                plain_because=_(
                    "where the problem is (maps, nearby duplicates, routing); published only on a 0.001° grid "
                    "(about 100 m)"
                ),
                public=Public.POSITION,
            ),
            "address": Label(
                Grade.GENERAL_3,
                Personal.PERSONAL,
                plain_because=_(
                    "where the problem is, in the citizen's words (it may name a flat); published only as the "
                    "district and street containing the place"
                ),
                public=Public.AREA,
            ),
        },
    ),
    classify(
        "grievances.GrievanceEvent",
        {
            # The public timeline shows when, what happened and the new status of its public entries.
            "created_at kind to_status": PUBLIC,
            "id grievance public actor from_status": INTERNAL,
            # The department's replies reach the citizen as written (an official callback number included); a
            # citizen's words on the timeline (a reason to reopen, a rating's comment) are masked like free text.
            "message": Label(Grade.GENERAL_3, public=Public.STAFF_TEXT),
        },
    ),
    classify(
        "grievances.GrievancePhoto",
        {
            # A public photo is shown at /grievances/photos/<key>.jpg with its size; its file name holds no code.
            "key width height": PUBLIC,
            "id grievance public created_at": INTERNAL,
            "image": Label(
                Grade.GENERAL_3,
                Personal.PERSONAL,
                plain_because=_("re-encoded without metadata; may show people or number plates"),
                public=Public.AS_IS,
            ),
        },
    ),
    classify(
        "grievances.ResolutionCheck",
        {
            "id created_at updated_at grievance method reason department resolved_at assignment checked_by checked_at "
            "fixed satisfied": INTERNAL,
            # what the citizen said on the phone or the officer saw: may quote the citizen
            "note": RESTRICTED,
        },
    ),
    classify(
        "grievances.Open311Key",
        {
            "id created_at updated_at name prefix active last_used_at": INTERNAL,
            "key_hash": SECRET,
        },
    ),
)
