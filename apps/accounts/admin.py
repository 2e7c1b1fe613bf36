from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Department, StaffProfile


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "updated_at"]
    search_fields = ["code", "name_zh", "name_en"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "updated_at"]


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
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

    @admin.display(description=_("roles"))
    def roles(self, user: object) -> str:
        return ", ".join(g.name for g in user.groups.all())  # type: ignore[attr-defined]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).prefetch_related("groups")
