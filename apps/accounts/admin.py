from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.accounts.forms import LockoutAdminAuthenticationForm
from apps.accounts.models import Department, StaffProfile
from apps.accounts.services import totp_device_reset, user_sessions_end
from apps.core.audit import log_action
from apps.core.classification import label_for, mask

# The admin's own sign-in page counts failures and honours locks like the site's.
admin.site.login_form = LockoutAdminAuthenticationForm


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "head", "updated_at"]
    search_fields = ["code", "name_zh", "name_en"]
    autocomplete_fields = ["head"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "updated_at"]


class StaffProfileForm(forms.ModelForm):
    """The work mobile is written, never shown back in clear: the form shows it masked (138****1234), and an
    empty field keeps the stored number (apps/accounts/classification.py)."""

    phone = forms.CharField(
        label=_("mobile phone"), required=False, max_length=32,
        help_text=_("Leave empty to keep the stored number; type a new one to replace it."),
    )  # fmt: skip

    class Meta:
        model = StaffProfile
        fields = ["regions", "departments", "phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.phone if self.instance and self.instance.pk else ""
        self.initial["phone"] = ""
        if stored:
            masked = mask(label_for(StaffProfile, "phone"), stored)
            self.fields["phone"].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it; type a new one to replace it."
            ) % {"masked": masked}

    def clean_phone(self) -> str:
        typed = self.cleaned_data.get("phone", "").strip()
        return typed or (self.instance.phone if self.instance and self.instance.pk else "")


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    form = StaffProfileForm
    can_delete = False
    verbose_name_plural = _("scope: regions and departments")
    filter_horizontal = ["regions", "departments"]
    fields = ["regions", "departments", "phone"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class CityOpsUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "last_name", "roles", "is_active", "is_superuser", "last_login"]
    list_filter = ["groups", "is_active", "is_superuser", "staff_profile__departments"]
    date_hierarchy = "date_joined"
    actions = ["reset_two_factor"]

    @admin.display(description=_("roles"))
    def roles(self, user: AbstractUser) -> str:
        return ", ".join(g.name for g in user.groups.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("groups")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Disabling an account here ends its sessions and closes its websockets."""
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_sessions_end(user=obj)
            log_action(obj, "accounts.user.deactivate", user=request.user)

    @admin.action(description=_("Reset two-factor authentication (the user sets it up again)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for user in queryset:
                totp_device_reset(user=user, actor=request.user)
        self.message_user(
            request,
            _("Two-factor authentication reset for %(count)d accounts.") % {"count": len(queryset)},
            messages.SUCCESS,
        )
