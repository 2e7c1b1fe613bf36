"""Classification of signed field evidence (see apps/core/classification.py)."""

from apps.core.classification import INTERNAL, RESTRICTED, Grade, Label, Mask, Personal, classify

CLASSIFICATION = (
    classify(
        "evidence.Device",
        {
            "id created_at updated_at officer key_id public_key label statement statement_signature record "
            "record_signature revoked_at revoked_by revocation revocation_signature": INTERNAL,
            "revoked_reason": RESTRICTED,
        },
    ),
    classify(
        "evidence.VisitSeal",
        {
            "id visit state device key_id document_sha256 device_signature arrived_at countersignature_statement "
            "countersignature document_erased_at": INTERNAL,
            # The visit as the phone signed it: its positions (a location track) and notes as typed. Encrypted,
            # shown to nobody in the interface, exported only in an audited evidence package.
            "document": Label(Grade.GENERAL_3, Personal.SENSITIVE, Mask.SECRET),
        },
    ),
    classify("evidence.PhotoSeal", {"id photo stored_sha256 statement signature": INTERNAL}),
)
