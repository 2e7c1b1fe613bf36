"""The feeds' own fixtures, so one test can post to every feed."""

from tests.traffic.conftest import network  # noqa: F401  (a fixture: the traffic feed's sensors and tokens)
