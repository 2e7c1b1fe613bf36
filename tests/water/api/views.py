from drf_spectacular.utils import extend_schema, extend_schema_view

from apps.ingest.api_views import BatchIngestApi
from apps.ingest.schema import batch_request
from tests.water.services import READING_COLUMNS, water_readings_ingest


@extend_schema_view(post=extend_schema(request=batch_request(row="WaterReadingRow", columns=READING_COLUMNS)))
class ReadingIngestApi(BatchIngestApi):
    """Gauge readings in bulk, from machines holding an ingest token of the gauges' data source."""

    ingest = staticmethod(water_readings_ingest)
