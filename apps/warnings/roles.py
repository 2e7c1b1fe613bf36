from apps.accounts.roles import Role

# The command center approves public warnings (air pollution, severe congestion). Health warnings need
# `warnings.choose_health_warning` as well, which no role has by default: an administrator gives it to the
# health officials' accounts.
WARNINGS_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.COMMAND_CENTER: ["warnings.view_publicwarning", "warnings.approve_publicwarning", "warnings.view_capmessage"],
    Role.DATA_STEWARD: ["warnings.view_publicwarning", "warnings.view_capmessage"],
}
