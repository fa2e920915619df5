"""Test settings: the production settings module with test-friendly environment defaults."""

import copy
import os

import jinja2

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 32)
os.environ.setdefault("SECURE_SSL_REDIRECT", "False")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("CREDENTIALS_KEY", "5q3Qw0f3eG6bVQ2m3o8kS1e6aZ4D9fXcU7yT2bN1rL0=")

from storefront.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# A variable a storefront template uses but the view (or a context processor) does not give fails
# the test instead of printing nothing.
TEMPLATES = copy.deepcopy(TEMPLATES)  # noqa: F405
TEMPLATES[0]["OPTIONS"]["undefined"] = jinja2.StrictUndefined

# Background tasks are recorded, not run: tests run the voucher job themselves (vouchers.tasks).
TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
