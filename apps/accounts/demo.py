"""Demo accounts for every role, scoped to the demo city's regions and departments."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings

from apps.accounts import totp
from apps.accounts.roles import Role
from apps.accounts.selectors import second_factor_required
from apps.accounts.services import department_upsert, staff_user_upsert, totp_device_set
from apps.core.demo import DemoContext

DEMO_DEPARTMENTS = [
    ("urban-management", "城市管理局", "Urban Management Bureau"),
    ("transport", "交通运输局", "Transport Bureau"),
    ("ecology-environment", "生态环境局", "Ecology and Environment Bureau"),
    ("health", "卫生健康委员会", "Health Commission"),
    ("water", "水务局", "Water Affairs Bureau"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    description: str
    roles: tuple[str, ...]
    regions: tuple[str, ...] = ()  # district indexes are resolved to codes at seeding time
    departments: tuple[str, ...] = ()
    superuser: bool = False


# "officer.xishan" is the cast's user from another region: tests and demos use it for scope checks.
DEMO_LOGINS = [
    DemoLogin("admin", "administrator (everything)", (), superuser=True),
    DemoLogin("command", "command center, whole city", (Role.COMMAND_CENTER,)),
    DemoLogin("officer.donghu", "field officer, Donghu District", (Role.FIELD_OFFICER,), regions=("990102",)),
    DemoLogin("officer.xishan", "field officer, Xishan District", (Role.FIELD_OFFICER,), regions=("990103",)),
    DemoLogin(
        "staff.urban",
        "department staff, Urban Management Bureau",
        (Role.DEPARTMENT_STAFF,),
        departments=("urban-management",),
    ),
    DemoLogin(
        "head.urban",
        "head of the Urban Management Bureau (told when its reports run late)",
        (Role.DEPARTMENT_STAFF,),
        departments=("urban-management",),
    ),
    DemoLogin("steward", "data steward", (Role.DATA_STEWARD,)),
]

PASSWORD_FILE = "demo-password"  # noqa: S105  (a file name, not a password)


def demo_password() -> tuple[str, bool]:
    """The demo password and whether it was generated just now.

    From CITYOPS_DEMO_PASSWORD, else generated once and kept (mode 0600) in the data dir so `make run`
    can show it again; it never goes into the repository.
    """
    if settings.CITYOPS_DEMO_PASSWORD:
        return settings.CITYOPS_DEMO_PASSWORD, False
    path = settings.DATA_DIR / PASSWORD_FILE
    if path.exists():
        return path.read_text().strip(), False
    password = secrets.token_urlsafe(12)
    path.touch(mode=0o600)
    path.write_text(password + "\n")
    return password, True


def seed_demo_accounts(context: DemoContext) -> None:
    for code, name_zh, name_en in DEMO_DEPARTMENTS:
        department_upsert(code=code, name_zh=name_zh, name_en=name_en)
    password, generated = demo_password()
    for login in DEMO_LOGINS:
        user = staff_user_upsert(
            username=login.username,
            password=password,
            roles=login.roles,
            region_codes=login.regions,
            department_codes=login.departments,
            superuser=login.superuser,
        )
        if second_factor_required(user=user):  # the admin and the steward: a random secret, shown on the console
            totp_device_set(user=user, secret=totp.secret_generate())
    context.out.write(demo_logins_text(password=password if generated else None))


def demo_logins_text(*, password: str | None = None) -> str:
    """The demo logins for the console. The password is shown when given, else where to find it."""
    from django.contrib.auth import get_user_model

    present = set(
        get_user_model()
        .objects.filter(username__in=[d.username for d in DEMO_LOGINS])
        .values_list("username", flat=True)
    )
    if not present:
        return ""
    lines = ["Demo logins:"]
    lines += [f"  {d.username:<16} {d.description}" for d in DEMO_LOGINS if d.username in present]
    if password:
        lines.append(f"  password for all: {password}")
    elif settings.CITYOPS_DEMO_PASSWORD:
        lines.append("  password for all: the value of CITYOPS_DEMO_PASSWORD")
    elif (settings.DATA_DIR / PASSWORD_FILE).exists():
        lines.append(f"  password for all: {(settings.DATA_DIR / PASSWORD_FILE).read_text().strip()}")
    return "\n".join(lines + _demo_second_factor_lines()) + "\n"


def _demo_second_factor_lines() -> list[str]:
    """The demo accounts with a second factor: their TOTP key, and the command that prints a code."""
    from apps.accounts.models import TotpDevice

    devices = TotpDevice.objects.filter(
        user__username__in=[d.username for d in DEMO_LOGINS], confirmed_at__isnull=False
    ).select_related("user")
    lines = [f"  {d.user.username:<16} two-factor key {d.secret}" for d in sorted(devices, key=lambda d: d.user.pk)]
    if lines:
        lines.append("  a current code: .venv/bin/python manage.py totp_code USERNAME (or add the key to an app)")
    return lines
