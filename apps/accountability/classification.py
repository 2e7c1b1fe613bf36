"""Classification of citizens' contests (see apps/core/classification.py)."""

from django.utils.translation import gettext_lazy as _

from apps.core.classification import INTERNAL, Grade, Label, Mask, Personal, Public, classify

CLASSIFICATION = (
    classify(
        "accountability.ContestGroup",
        {
            # a group is about a place and a figure (or a report): its state is on the public panel, its number of
            # contestants only from k up
            "id created_at updated_at kind indicator region grievance contestants last_contest_at sent_at alert "
            "resolution_check": INTERNAL,
        },
    ),
    classify(
        "accountability.Contest",
        {
            # the code is the contestant's key to their contest's page
            "id created_at updated_at code group client personal_data_erased_at": INTERNAL,
            "lon lat": Label(
                Grade.GENERAL_3,
                Personal.PERSONAL,
                Mask.POINT,
                plain_because=_("where the contestant says the figure is wrong; stored on a 0.001° grid (about 100 m)"),
            ),
            "text": Label(
                Grade.GENERAL_3,
                Personal.PERSONAL,
                plain_because=_("the citizen's own words, read by the officer who checks; masked wherever shown"),
                public=Public.TEXT,
            ),
            "contact": Label(Grade.GENERAL_3, Personal.PERSONAL, Mask.SECRET),
        },
    ),
)
