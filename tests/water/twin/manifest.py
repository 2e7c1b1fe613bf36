from apps.core.plugins import Manifest
from tests.water.manifest import PRESSURE

manifest = Manifest(indicators=[PRESSURE])
