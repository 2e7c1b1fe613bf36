"""What the accounts app contributes (apps/core/plugins.py): the server-side sockets stream, the demo users, the
roles' base permissions and the accounts' field labels."""

from apps.accounts.classification import CLASSIFICATION
from apps.accounts.demo import seed_demo_accounts
from apps.accounts.roles import ROLE_PERMISSIONS
from apps.accounts.sockets import SOCKETS_STREAM
from apps.core.demo import DemoSeeder
from apps.core.plugins import Manifest

manifest = Manifest(
    streams=[SOCKETS_STREAM],
    seeders=[DemoSeeder(name="accounts.demo_users", order=20, seed=seed_demo_accounts)],
    roles=ROLE_PERMISSIONS,
    classification=CLASSIFICATION,
)
