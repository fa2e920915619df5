"""The fake servers' own tests use the same fixtures the adapter tests import."""

from tests.fakes.fynd_server import fake_fynd  # noqa: F401
