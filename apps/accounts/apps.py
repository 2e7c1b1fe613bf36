from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        import apps.accounts.sockets  # noqa: F401  (registers the server-side "accounts.sockets" stream)
        from apps.accounts.demo import seed_demo_accounts
        from apps.core.demo import DemoSeeder, register_demo_seeder

        register_demo_seeder(DemoSeeder(name="accounts.demo_users", order=20, seed=seed_demo_accounts))
