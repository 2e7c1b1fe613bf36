"""OpenAPI: the ingest token is an HTTP bearer credential, and each feed's batch is an array of its rows, each
row described from the msgspec Struct the fast path decodes it into (apps/ingest/batches.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, cast

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers

from apps.ingest.batches import MAX_ROWS, Column, row_schema


class IngestTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.ingest.auth.IngestTokenAuthentication"
    name = "ingestToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A data source's token: manage.py create_ingest_token",
        }


class BatchRowSerializer(serializers.Serializer):
    """Never instantiated for data: it names a feed's row in the schema (`batch_request`). Batches are decoded
    by batch_parse, not by DRF."""

    columns: ClassVar[tuple[Column, ...]] = ()


def batch_request(*, row: str, columns: Sequence[Column]) -> dict[str, Any]:
    """The request body of a feed's ingest endpoint for extend_schema: a JSON array of `row` (a component named
    so) or the same rows as CSV with a header line."""
    row_serializer = type(f"{row}Serializer", (BatchRowSerializer,), {"columns": tuple(columns)})
    return {"application/json": row_serializer(many=True), "text/csv": OpenApiTypes.STR}


class BatchRowSchema(OpenApiSerializerExtension):
    target_class = BatchRowSerializer
    match_subclasses = True

    def get_name(self, auto_schema: Any, direction: str) -> str:
        target = self.target if isinstance(self.target, type) else type(self.target)
        return target.__name__.removesuffix("Serializer")

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        # A BatchRowSerializer (match_subclasses), as a class or an instance; the extension types it as Any.
        target = cast(type[BatchRowSerializer], self.target if isinstance(self.target, type) else type(self.target))
        description = f"One row of a batch of at most {MAX_ROWS:,} (a JSON array, or CSV with these columns)."
        return {**row_schema(target.columns), "description": description}
