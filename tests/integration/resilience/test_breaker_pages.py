"""With Fynd hanging, the storefront stops waiting for it: after a few slow failures the account's
circuit breaker opens and every page answers at once with the friendly message; /healthz names the
provider as down; after the cool-down one probe finds Fynd back and pages serve again."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from storefront.exceptions import MSG_UNAVAILABLE
from storefront.models import ProviderAccount
from tests.fakes.fynd_server import FakeFynd, fake_fynd  # noqa: F401 - the fixture
from tests.functional.pages import Page

pytestmark = pytest.mark.django_db

READ = 0.5
FAILURES = 3
PRODUCTS = "/service/application/catalog/v1.0/products/"


@pytest.fixture
def fynd(fake_fynd) -> FakeFynd:  # noqa: F811
    account = ProviderAccount(
        kind="fynd", name="fynd-fake", base_url=fake_fynd.base_url, connect_timeout=0.3, read_timeout=READ
    )
    account.set_credentials({"application_id": fake_fynd.app_id, "application_token": fake_fynd.app_token})
    account.save()
    account.activate()
    return fake_fynd


def browse(client) -> tuple[int, list[tuple[str, str]], float]:
    started = time.monotonic()
    response = client.get("/products/?q=shirt")
    return response.status_code, Page(response.content).alerts, time.monotonic() - started


@override_settings(PROVIDER_BREAKER_FAILURES=FAILURES, PROVIDER_BREAKER_COOLDOWN=0.5)
def test_a_hanging_fynd_is_waited_for_a_few_times_then_pages_fail_fast_until_a_probe_finds_it_back(
    client, fynd
):
    fynd.fault(PRODUCTS, "hang", seconds=2, times=100)

    slow = [browse(client) for _ in range(FAILURES)]
    fast = [browse(client) for _ in range(5)]

    assert all(status == 503 and alerts == [("error", MSG_UNAVAILABLE)] for status, alerts, _ in slow + fast)
    assert all(elapsed >= READ * 0.9 for *_, elapsed in slow)
    assert all(elapsed < 0.2 for *_, elapsed in fast)
    assert fynd.count("GET", PRODUCTS) == FAILURES  # the fast ones never reached Fynd
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["providers"]["fynd-fake"]["state"] == "down"

    # Fynd comes back; after the cool-down the first page probes it and the breaker closes
    fynd.clear_faults()
    time.sleep(0.5)
    status, alerts, _ = browse(client)

    assert (status, alerts) == (200, [])
    assert client.get("/healthz").json()["providers"]["fynd-fake"]["state"] == "ok"
