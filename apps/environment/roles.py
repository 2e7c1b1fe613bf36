from apps.accounts.roles import Role

ENVIRONMENT_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.COMMAND_CENTER: ["environment.view_station", "environment.view_airreading", "environment.view_noisereading"],
    Role.FIELD_OFFICER: ["environment.view_station", "environment.view_airreading", "environment.view_noisereading"],
    Role.DEPARTMENT_STAFF: ["environment.view_station", "environment.view_airreading", "environment.view_noisereading"],
    Role.DATA_STEWARD: ["environment.view_station", "environment.change_station"],
}
