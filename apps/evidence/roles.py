from apps.accounts.roles import Role

EVIDENCE_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.COMMAND_CENTER: ["evidence.view_device", "evidence.revoke_device", "evidence.view_visitseal"],
}
