from apps.accounts.roles import Role

GRIEVANCE_ROLE_PERMISSIONS: dict[str, list[str]] = {
    # department staff handle their department's reports; they may read a reporter's contact, for a stated
    # purpose, each reading logged
    Role.DEPARTMENT_STAFF: [
        "grievances.view_grievance",
        "grievances.handle_grievance",
        "grievances.view_category",
        "grievances.view_reporter_contact",
    ],
    # counts on the wall and region pages, no reports; the hotline center calls citizens back to check a sample
    # of resolutions (回访), outside every department, reading the phone number for that purpose (each reading
    # logged)
    Role.COMMAND_CENTER: [
        "grievances.view_category",
        "grievances.log_callback",
        "grievances.view_reporter_contact",
    ],
    Role.DATA_STEWARD: ["grievances.view_category", "grievances.change_category", "grievances.view_open311key"],
}
