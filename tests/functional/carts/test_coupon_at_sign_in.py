"""A coupon applied before signing in is carried over at sign-in, or the shopper is told which
and why (issue 9, point 3)."""

from django.utils import timezone

from storefront.providers.local import models as m
from storefront.providers.local.redemptions import MSG_COUPON_EXPIRED
from storefront.providers.messages import MSG_MERGE_COUPON_DROPPED, MSG_MERGE_COUPON_KEPT
from tests.checkout_kit import fill_groceries
from tests.conftest import DEMO_PASSWORD, SHOPPER_EMAIL
from tests.functional.pages import Page


def _guest_with_flat100(client, demo) -> None:
    fill_groceries(client, demo, quantity=6)  # ₹1,074: over FLAT100's ₹999
    response = client.post("/cart/coupon/apply/", {"code": "FLAT100"})
    assert response.status_code == 303


def _sign_in(client) -> Page:
    response = client.post("/accounts/login/", {"email": SHOPPER_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code in (302, 303)
    return Page(client.get("/cart/").content)


def test_the_coupon_is_still_applied_after_signing_in_and_the_shopper_is_told(client, demo):
    _guest_with_flat100(client, demo)
    total_before = Page(client.get("/cart/").content).breakup

    page = _sign_in(client)

    assert any(MSG_MERGE_COUPON_KEPT.format(code="FLAT100") in text for _, text in page.alerts)
    assert page.breakup == total_before  # same rows, same amounts: ₹100 off still there


def test_a_coupon_that_no_longer_applies_is_named_with_the_reason(client, demo):
    _guest_with_flat100(client, demo)
    m.Coupon.objects.filter(code="FLAT100").update(valid_until=timezone.now())

    page = _sign_in(client)

    expected = MSG_MERGE_COUPON_DROPPED.format(code="FLAT100", reason=MSG_COUPON_EXPIRED)
    assert ("warning", expected) in page.alerts
    assert "coupon" not in {key for key, _ in page.breakup}
