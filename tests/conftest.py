"""The suite's shared fixtures live in tests/fixtures/ and load here for every test; a test module imports helpers
from tests.fixtures (and factories from tests.factories), never from another test module."""

pytest_plugins = [
    "tests.fixtures.world",
    "tests.fixtures.redis",
    "tests.fixtures.workbench",
    "tests.fixtures.settlement_days",
    "tests.fixtures.tiering",
    "tests.fixtures.intraday",
]
