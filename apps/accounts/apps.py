from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django.db.models.signals import post_migrate

        from apps.accounts.roles import roles_sync

        # the roles' groups and grants from the manifests, after every migrate (and a test's flush)
        post_migrate.connect(roles_sync, dispatch_uid="accounts.roles_sync")

        user_logged_in.connect(_note_second_factor_state, dispatch_uid="accounts.second_factor_state")
        # Django's own event for every sign-out (the site's and the admin's): the session's screens stop at once.
        user_logged_out.connect(_close_session_sockets, dispatch_uid="accounts.close_session_sockets")
        from apps.accounts.access import access_changes_connect

        access_changes_connect()  # a change of regions, roles or permissions closes the user's sockets at once


def _note_second_factor_state(sender: object, request: object, user: object, **kwargs: object) -> None:
    """At sign-in, note in the session whether a second factor is owed, so the screens' sockets opened right
    after do not each ask the database again."""
    from apps.accounts.selectors import second_factor_pending

    session = getattr(request, "session", None)
    if session is not None:
        second_factor_pending(user=user, session=session)


def _close_session_sockets(sender: object, request: object, user: object, **kwargs: object) -> None:
    """At sign-out, close the websockets of the session that signs out, in every process."""
    from apps.accounts.sockets import session_sockets_close

    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        session_sockets_close(session_key=session.session_key)
