from apps.accounts.roles import Role

OPENDATA_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.DATA_STEWARD: ["opendata.view_release", "opendata.add_release", "opendata.approve_release"],
}
