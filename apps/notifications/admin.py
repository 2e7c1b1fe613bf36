from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.core.validators import URLValidator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.audit import log_action
from apps.core.classification import ClassifiedAdminMixin
from apps.notifications.events import event_choices
from apps.notifications.models import Notification, Webhook, WebhookDelivery
from apps.notifications.services import delivery_retry_now, webhook_ping


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=event_choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    url = forms.URLField(
        label=_("URL"), max_length=500, assume_scheme="https", validators=[URLValidator(schemes=["http", "https"])]
    )

    class Meta:
        model = Webhook
        fields = ["name", "owner", "url", "events", "regions", "personal_data", "active"]


@admin.register(Webhook)
class WebhookAdmin(ClassifiedAdminMixin, admin.ModelAdmin):
    """The signing secret is made on creation, shown once then, and never again (masked)."""

    form = WebhookForm
    list_display = ["name", "host", "event_list", "active", "consecutive_failures", "disabled_at"]
    list_filter = ["active", "personal_data"]
    search_fields = ["name"]
    raw_id_fields = ["owner"]
    filter_horizontal = ["regions"]
    readonly_fields = ["consecutive_failures", "disabled_at", "created_at"]
    actions = ["send_ping"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        # personal data leaves the city only on an administrator's word
        return fields if request.user.is_superuser else [*fields, "personal_data"]

    @admin.display(description=_("host"))
    def host(self, obj: Webhook) -> str:
        return urlsplit(obj.url).netloc

    @admin.display(description=_("events"))
    def event_list(self, obj: Webhook) -> str:
        return ", ".join(obj.events) if isinstance(obj.events, list) else ""

    def save_model(self, request: HttpRequest, obj: Webhook, form: Any, change: bool) -> None:
        if change and "active" in form.changed_data and obj.active:
            obj.consecutive_failures, obj.disabled_at = 0, None
        super().save_model(request, obj, form, change)
        if "personal_data" in form.changed_data or not change:
            log_action(obj, "notifications.webhook.save", user=request.user,
                       data={"personal_data": obj.personal_data, "events": obj.events})  # fmt: skip
        if not change:
            messages.warning(
                request,
                _("The signing secret of “%(name)s”, shown this once — give it to the receiver: %(secret)s")
                % {"name": obj.name, "secret": obj.secret},
            )

    @admin.action(description=_("Send a test ping"))
    def send_ping(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            webhook_ping(webhook=webhook, user=request.user)
        messages.success(request, _("Pings queued: %(count)d.") % {"count": queryset.count()})


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only, filtered per webhook; failed or pending deliveries can be retried now."""

    list_display = ["created_at", "webhook", "event", "status", "attempts", "last_status_code", "next_attempt_at",
                    "delivered_at"]  # fmt: skip
    list_filter = ["webhook", "status", "event"]
    list_select_related = ["webhook"]
    readonly_fields = ["webhook", "event", "event_id", "payload", "status", "attempts", "next_attempt_at",
                       "last_status_code", "last_error", "delivered_at", "created_at"]  # fmt: skip
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Retry now"), permissions=["view"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        undelivered = [d for d in queryset.select_related("webhook") if d.status != WebhookDelivery.Status.DELIVERED]
        for delivery in undelivered:
            delivery_retry_now(delivery=delivery, user=request.user)
        messages.success(request, _("Retries queued: %(count)d.") % {"count": len(undelivered)})


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["updated_at", "user", "event", "title_en", "count", "read_at", "emailed_at"]
    list_filter = ["event"]
    raw_id_fields = ["user"]
    readonly_fields = ["user", "event", "title_zh", "title_en", "link", "group_key", "count", "read_at",
                       "emailed_at", "created_at", "updated_at"]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
