"""Part 8 of issue 14, the admin: provider accounts, orders (the order ledger) and voucher orders
only for staff with the matching permissions (a member of staff without them gets 403, an action
posted by hand included); a "Test connection" action that reports result and latency and never a
credential; every change to a provider account recorded (who, when, which fields, never values)
and shown in admin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client

from storefront.models import OrderAttempt, ProviderAccount, ProviderAccountChange
from tests.fakes.fynd_server import fake_fynd  # noqa: F401 - the fixture
from vouchers import models as vm

pytestmark = pytest.mark.django_db

TOKEN = "Tq7Zk2Vw9Lp4Rx8M"


def staff_client(*perms: str, email="desk@example.in") -> Client:
    user = get_user_model().objects.create_user(
        username=email, email=email, password="staff-pass-123", is_staff=True
    )
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user, backend="storefront.accounts.EmailBackend")
    return client


@pytest.fixture
def fynd(fake_fynd):  # noqa: F811
    account = ProviderAccount(
        kind="fynd", name="fynd-test", base_url=fake_fynd.base_url, connect_timeout=0.5, read_timeout=1.0
    )
    account.set_credentials(
        {"application_id": fake_fynd.app_id, "application_token": fake_fynd.app_token, "currency_code": "INR"}
    )
    account.save()
    return account


@pytest.fixture
def objects(demo, shopper):
    account = ProviderAccount.objects.create(kind="fynd", name="fynd-perm")
    attempt = OrderAttempt.objects.create(account=account, key_hash="d" * 64, reference="SFPERM01")
    voucher_attempt = OrderAttempt.objects.create(
        account=account, role="vouchers", key_hash="e" * 64, reference="SFPERM02"
    )
    order = vm.VoucherOrder.objects.create(
        attempt=voucher_attempt,
        reference="SFPERM02",
        user=shopper,
        face_total=Decimal("500"),
        price_total=Decimal("480"),
    )
    return account, attempt, order


def urls(objects) -> list[str]:
    account, attempt, order = objects
    return [
        "/admin/storefront/provideraccount/",
        f"/admin/storefront/provideraccount/{account.pk}/change/",
        "/admin/storefront/provideraccount/add/",
        "/admin/storefront/provideraccountchange/",
        "/admin/storefront/orderattempt/",
        f"/admin/storefront/orderattempt/{attempt.pk}/change/",
        "/admin/vouchers/voucherorder/",
        f"/admin/vouchers/voucherorder/{order.pk}/change/",
    ]


def test_staff_without_permissions_get_403_on_accounts_orders_and_voucher_orders(objects):
    desk = staff_client()
    assert desk.get("/admin/").status_code == 200  # staff may open the admin itself

    for url in urls(objects):
        assert desk.get(url).status_code == 403, url
    index = desk.get("/admin/").content.decode()
    assert (
        "Provider accounts" not in index and "Order attempts" not in index and "Voucher orders" not in index
    )


def test_actions_posted_by_hand_without_permission_change_nothing(objects):
    account, attempt, _ = objects
    desk = staff_client("view_orderattempt")

    response = desk.post(
        "/admin/storefront/provideraccount/",
        {"action": "activate", "_selected_action": [account.pk]},
    )

    assert response.status_code == 403
    account.refresh_from_db()
    assert not account.active_for_shop
    assert not ProviderAccountChange.objects.exists()


def test_each_permission_opens_only_its_own_pages(objects):
    account, attempt, order = objects
    orders_desk = staff_client("view_orderattempt")
    vouchers_desk = staff_client("view_voucherorder", email="vouchers@example.in")
    providers_desk = staff_client("manage_providers", email="ops@example.in")

    assert orders_desk.get(f"/admin/storefront/orderattempt/{attempt.pk}/change/").status_code == 200
    assert orders_desk.get("/admin/vouchers/voucherorder/").status_code == 403
    assert orders_desk.get("/admin/storefront/provideraccount/").status_code == 403
    assert vouchers_desk.get(f"/admin/vouchers/voucherorder/{order.pk}/change/").status_code == 200
    assert vouchers_desk.get("/admin/storefront/orderattempt/").status_code == 403
    assert providers_desk.get(f"/admin/storefront/provideraccount/{account.pk}/change/").status_code == 200
    assert providers_desk.get("/admin/storefront/provideraccountchange/").status_code == 200
    assert providers_desk.get("/admin/vouchers/voucherorder/").status_code == 403


# ---------------------------------------------------------------------------- test connection


def _action(client, action: str, account) -> list[str]:
    response = client.post(
        "/admin/storefront/provideraccount/", {"action": action, "_selected_action": [account.pk]}
    )
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_test_connection_reports_result_and_latency_without_the_secret(fynd, fake_fynd):  # noqa: F811
    ops = staff_client("manage_providers", email="ops@example.in")

    (message,) = _action(ops, "test_connection", fynd)

    assert message.startswith("fynd-test: OK in ") and " ms: " in message
    assert fake_fynd.app_token not in message
    change = ProviderAccountChange.objects.get(action="tested")
    assert change.user.email == "ops@example.in" and change.note == message


def test_test_connection_says_when_the_provider_cannot_be_reached(demo):
    account = ProviderAccount(
        kind="fynd", name="fynd-down", base_url="http://127.0.0.1:9/", connect_timeout=0.3, read_timeout=0.3
    )
    account.set_credentials({"application_id": "app-1", "application_token": TOKEN, "currency_code": "INR"})
    account.save()
    ops = staff_client("manage_providers", email="ops@example.in")

    (message,) = _action(ops, "test_connection", account)

    assert message.startswith("fynd-down: FAILED after ") and " ms: " in message
    assert TOKEN not in message and TOKEN[:6] not in message


# ---------------------------------------------------------------------------- the change trail


def test_changes_are_recorded_with_field_names_and_never_values(fynd):
    ops = staff_client("manage_providers", email="ops@example.in")
    data = {
        "kind": "fynd",
        "name": "fynd-test",
        "base_url": fynd.base_url,
        "connect_timeout": "0.5",
        "read_timeout": "2",
        # the admin posts the values it showed for fields with callable defaults
        "initial-connect_timeout": "0.5",
        "initial-read_timeout": "1.0",
        "application_id": fynd.credentials["application_id"],
        "currency_code": "INR",
        "application_token": TOKEN,
        "_save": "Save",
    }

    response = ops.post(f"/admin/storefront/provideraccount/{fynd.pk}/change/", data)
    assert response.status_code == 302
    _action(ops, "activate", fynd)

    changed, activated = ProviderAccountChange.objects.order_by("pk")
    assert changed.action == "changed" and changed.user.email == "ops@example.in"
    assert changed.fields == ["application_token", "read_timeout"]
    assert activated.action == "activated" and activated.fields == ["active_for_shop"]
    # shown on the account's page and in the trail's own list, never a value
    page = ops.get(f"/admin/storefront/provideraccount/{fynd.pk}/change/").content.decode()
    trail = ops.get("/admin/storefront/provideraccountchange/").content.decode()
    for html in (page, trail):
        assert "application_token, read_timeout" in html and "ops@example.in" in html
        assert TOKEN not in html and TOKEN[:6] not in html
    assert TOKEN not in str(list(ProviderAccountChange.objects.values()))


def test_a_deleted_account_keeps_its_trail(fynd):
    root = get_user_model().objects.create_superuser(
        username="root@example.in", email="root@example.in", password="admin-pass-123"
    )
    client = Client()
    client.force_login(root, backend="storefront.accounts.EmailBackend")

    response = client.post(f"/admin/storefront/provideraccount/{fynd.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    (row,) = ProviderAccountChange.objects.all()
    assert row.action == "deleted" and row.account is None and row.account_name == "fynd-test"
    assert row.user == root
    # the trail itself cannot be edited or removed, even by a superuser
    assert client.get(f"/admin/storefront/provideraccountchange/{row.pk}/delete/").status_code == 403
