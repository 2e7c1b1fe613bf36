"""Classification of staff accounts (see apps/core/classification.py)."""

from django.utils.translation import gettext_lazy as _

from apps.core.classification import INTERNAL, PUBLIC, SECRET, Grade, Label, Mask, Personal, classify

STAFF_IDENTITY = Label(
    Grade.GENERAL_2, Personal.PERSONAL, plain_because=_("staff sign in with it and colleagues see who handles what")
)


CLASSIFICATION = (
    classify(
        "auth.User",
        {
            "id is_superuser is_staff is_active date_joined last_login groups user_permissions": INTERNAL,
            "username first_name last_name email": STAFF_IDENTITY,
            "password": SECRET,
        },
    ),
    classify(
        "accounts.Department",
        {"id created_at updated_at code name_zh name_en": PUBLIC, "networks head": INTERNAL},
    ),
    classify(
        "accounts.StaffProfile",
        {
            "id created_at updated_at user regions departments": INTERNAL,
            "phone": Label(Grade.GENERAL_3, Personal.PERSONAL, Mask.PHONE),
        },
    ),
    # Sign-in throttles hold keyed digests of usernames and addresses, never the values themselves.
    classify("accounts.LoginThrottle", {"id kind key failures window_start locked_until": INTERNAL}),
    # A second-factor key is authentication data of a person (GB/T 35273: personal sensitive information).
    classify(
        "accounts.TotpDevice",
        {
            "id created_at updated_at user confirmed_at last_step": INTERNAL,
            "secret": Label(Grade.GENERAL_4, Personal.SENSITIVE, Mask.SECRET),
        },
    ),
)
