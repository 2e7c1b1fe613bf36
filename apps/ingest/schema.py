"""OpenAPI: the ingest token is an HTTP bearer credential."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class IngestTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.ingest.auth.IngestTokenAuthentication"
    name = "ingestToken"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A data source's token: manage.py create_ingest_token",
        }
