"""Classification of ingest tokens and feeds (see apps/core/classification.py)."""

from apps.core.classification import INTERNAL, SECRET, classify

CLASSIFICATION = (
    classify(
        "ingest.IngestToken",
        {
            "id created_at updated_at source name prefix revoked_at last_used_at": INTERNAL,
            "token_hash": SECRET,
        },
    ),
    classify("ingest.FeedMinute", {"id feed minute part": INTERNAL}),
)
