"""Classification of field work (see apps/core/classification.py)."""

from django.utils.translation import gettext_lazy as _

from apps.core.classification import INTERNAL, RESTRICTED, Grade, Label, Mask, Personal, classify

REVIEW = "fieldwork.review_visit"
# Where an officer was, minute by minute, is a precise location track: sensitive personal information.
TRACK = Label(
    Grade.GENERAL_3,
    Personal.SENSITIVE,
    Mask.POINT,
    reveal=REVIEW,
    plain_because=_(
        "the presence checks (geofence, travel speed) compute on it; coarsened to about "
        "100 m after the retention period"
    ),
)


CLASSIFICATION = (
    classify(
        "fieldwork.Assignment",
        {
            "id created_at updated_at kind status title_zh title_en alert grievance recheck_of region lon lat radius_m "
            "due_at evidence assignee created_by": INTERNAL,
        },
    ),
    classify(
        "fieldwork.Visit",
        {
            "id created_at updated_at uuid officer assignment region started_at ended_at sent_at received_at "
            "checkin_accuracy_m checkout_accuracy_m people status reviewed_by reviewed_at "
            "personal_data_erased_at checked_at": INTERNAL,
            "checkin_lon checkin_lat checkout_lon checkout_lat": TRACK,
            "people_contact": Label(Grade.GENERAL_3, Personal.PERSONAL, Mask.SECRET, reveal=REVIEW),
            "notes follow_up review_reason": RESTRICTED,
        },
    ),
    classify(
        "fieldwork.VisitPhoto",
        {
            "id visit index name sha256 size received_at key phash phash_band0 phash_band1 phash_band2 phash_band3 "
            "exif_taken_at": INTERNAL,
            "exif_lon exif_lat": TRACK,
            "image": Label(
                Grade.GENERAL_3,
                Personal.PERSONAL,
                plain_because=_("re-encoded without metadata; may show people met on site"),
            ),
        },
    ),
    classify(
        "fieldwork.Finding",
        {
            "id visit alert grievance indicator verdict observed_value applied": INTERNAL,
            "comment": RESTRICTED,
        },
    ),
    classify("fieldwork.Flag", {"id visit code evidence": INTERNAL}),
)
