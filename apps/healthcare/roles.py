from apps.accounts.roles import Role

_VIEW = ["healthcare.view_facility", "healthcare.view_capacitysnapshot"]

HEALTHCARE_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.COMMAND_CENTER: _VIEW,
    Role.FIELD_OFFICER: _VIEW,
    Role.DEPARTMENT_STAFF: _VIEW,
    Role.DATA_STEWARD: [*_VIEW, "healthcare.change_facility"],
}
