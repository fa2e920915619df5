"""The fake servers' own tests use the same fixtures the adapter tests import."""

from tests.fakes.commerce_engine_server import fake_commerce_engine  # noqa: F401
from tests.fakes.enkash_server import fake_enkash  # noqa: F401,E402
from tests.fakes.fynd_server import fake_fynd  # noqa: F401
from tests.fakes.sourcehub_server import fake_sourcehub  # noqa: F401,E402
