"""What the SensorThings app contributes (apps/core/plugins.py): its error format under /sta/. It stores nothing
of its own: every entity is read from the domains' tables (apps/sensorthings/mapping.py), and observations are
created through the domains' feeds (apps/sensorthings/create.py)."""

from apps.core.errors import ErrorFormat
from apps.core.plugins import Manifest
from apps.sensorthings.views import is_sta_answer, sta_error_body

manifest = Manifest(
    # every answer under /sta/ in the OGC error format, also those no view gives (apps/core/errors.py)
    error_formats=[ErrorFormat(prefix="/sta/", render=sta_error_body, owns=is_sta_answer)],
)
