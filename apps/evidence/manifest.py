"""What signed field evidence contributes (apps/core/plugins.py): the supervisors' devices page, its role
permissions and labels, and the retention of signed documents with the visits' personal data."""

from django.utils.translation import gettext_lazy as _

from apps.core.plugins import Manifest
from apps.core.retention import Retention
from apps.core.surfaces import Surface
from apps.evidence.classification import CLASSIFICATION
from apps.evidence.roles import EVIDENCE_ROLE_PERMISSIONS
from apps.evidence.services import seals_erase_documents

manifest = Manifest(
    pages=[
        Surface(
            key="evidence-devices",
            title=_("Signing devices"),
            description=_(
                "Officers' phones that sign their visits: when each was registered, and revoking a lost one."
            ),
            url_name="evidence:devices",
            visible=lambda user: bool(user.is_authenticated and user.has_perm("evidence.revoke_device")),
            order=28,
        ),
    ],
    roles=EVIDENCE_ROLE_PERMISSIONS,
    classification=CLASSIFICATION,
    retention=[
        Retention(
            name="evidence.signed_documents",
            description=_(
                "A visit's signed document (its notes and positions as typed) is erased with the visit's personal "
                "data; its hash and both signatures stay."
            ),
            erase=seals_erase_documents,
        ),
    ],
)
