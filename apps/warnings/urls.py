from django.urls import path, register_converter

from apps.warnings import views


class IdentifierConverter:
    """A CAP identifier as ours are made: letters, digits, dots, hyphens and underscores."""

    regex = r"[A-Za-z0-9._-]{1,100}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IdentifierConverter, "cap_id")

app_name = "warnings"
urlpatterns = [
    path("", views.public_index, name="public-index"),
    path("warnings/<cap_id:key>/", views.public_warning, name="public"),
    path("alerts.atom", views.feed, name="feed"),
    path("alerts/<cap_id:identifier>.xml", views.message, name="message"),
    path("review/", views.pending, name="pending"),
    path("review/<int:pk>/", views.review, name="review"),
    path("choose/<int:alert_pk>/", views.choose, name="choose"),
]
