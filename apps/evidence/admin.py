from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError
from apps.evidence.models import Device
from apps.evidence.selectors import devices_for_supervisor
from apps.evidence.services import device_revoke


class DeviceRevokeForm(forms.ModelForm):
    revoke = forms.BooleanField(label=_("Revoke this device's key"), required=False)
    reason = forms.CharField(label=_("Why (kept in the audit trail)"), required=False, max_length=300)

    class Meta:
        model = Device
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("revoke") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the device is revoked."))
        return data


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    """Officers' phones that sign visits. Nothing here is edited by hand: a device is registered by its phone,
    and its key is revoked here (with a reason) or on the supervisors' devices page."""

    form = DeviceRevokeForm
    list_display = ["officer", "label", "short_id", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["officer__username", "label", "key_id"]
    date_hierarchy = "created_at"
    readonly_fields = ["officer", "label", "key_id", "public_key", "created_at", "revoked_at", "revoked_by",
                       "revoked_reason"]  # fmt: skip
    list_select_related = ["officer"]

    @admin.display(description=_("key fingerprint"))
    def short_id(self, device: Device) -> str:
        return device.short_id

    def get_fields(self, request: HttpRequest, obj: Device | None = None) -> Any:
        fields = [str(name) for name in self.readonly_fields]
        may_revoke = request.user.has_perm("evidence.revoke_device")
        return fields + ["revoke", "reason"] if obj is not None and obj.revoked_at is None and may_revoke else fields

    def get_queryset(self, request: HttpRequest) -> Any:
        # the officers a user answers for, as on the devices page (everyone's for a city-wide user)
        return devices_for_supervisor(user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Device | None = None) -> bool:
        return False  # visits' seals point at it; a lost phone is revoked, not deleted

    def save_model(self, request: HttpRequest, obj: Device, form: Any, change: bool) -> None:
        if form.cleaned_data.get("revoke") and request.user.has_perm("evidence.revoke_device"):
            try:
                device_revoke(device=obj, user=request.user, reason=form.cleaned_data["reason"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
