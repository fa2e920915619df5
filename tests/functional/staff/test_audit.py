"""Every change made while assisting is in the audit trail (carts.AssistEvent): one row per action,
naming the staff member, the customer, the provider and the cart, with a summary of what changed,
and no pin, password, token or confirmation code anywhere in it. Admin shows it read-only."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from carts.models import AssistEvent
from storefront.providers.local import models as m
from tests.checkout_kit import SECOND_CARD, SECOND_PIN, address_form, checkout_key, gift_card
from tests.conftest import DEMO_PASSWORD, HTMX
from tests.functional.pages import cart_page
from tests.functional.staff.conftest import client_for, start_assisting


def trail() -> list[AssistEvent]:
    return list(AssistEvent.objects.order_by("pk"))


def everything_recorded() -> str:
    return json.dumps(
        [[e.action, e.summary, e.details, e.cart_id, e.provider] for e in trail()], ensure_ascii=False
    )


def _variant(demo, slug: str, label: str | None = None) -> m.Variant:
    return demo.variant(slug, label)


@pytest.fixture
def lead_assisting(lead, shopper):
    client = client_for(lead)
    start_assisting(client, shopper)
    return client


def test_every_assisted_action_is_one_row_and_no_secret_is_kept(lead_assisting, lead, shopper, demo):
    client = lead_assisting
    card = gift_card()  # GIFT-TEST-0002, pin 864213
    dal, kurta = _variant(demo, "toor-dal-1kg"), _variant(demo, "cotton-kurta", "M")
    kurta_l = _variant(demo, "cotton-kurta", "L")
    steps = [
        ("add-to-cart", "/cart/add/", {"product": dal.product_id, "quantity": 3}),
        ("add-to-cart", "/cart/add/", {"product": kurta.product_id, "size": kurta.pk, "quantity": 1}),
        ("update-line", "/cart/update/", {"line": "DAL", "quantity": 4}),
        ("update-line", "/cart/update/", {"line": "KURTA", "quantity": 1, "size": kurta_l.pk}),
        ("apply-coupon", "/cart/coupon/apply/", {"code": "WELCOME10"}),
        ("remove-coupon", "/cart/coupon/remove/", {}),
        ("send-code", "/staff/confirm/send/", {}),
        ("customer-confirmed", "/staff/confirm/", {"code": "CODE"}),
        ("apply-loyalty", "/cart/loyalty/apply/", {"points": "100"}),
        ("remove-loyalty", "/cart/loyalty/remove/", {}),
        ("apply-gift-card", "/cart/gift-card/apply/", {"code": SECOND_CARD, "pin": SECOND_PIN}),
        ("remove-gift-card", "/cart/gift-card/remove/", {"code": SECOND_CARD}),
        ("apply-credit", "/cart/credit/apply/", {}),
        ("remove-credit", "/cart/credit/remove/", {}),
        (
            "update-meta",
            "/cart/meta/",
            {"order_type": "HomeDelivery", "gift_message": "Happy Diwali", "comment": ""},
        ),
        ("set-address", "/cart/address/", address_form()),
        ("remove-line", "/cart/remove/", {"line": "KURTA"}),
    ]
    lines: dict[str, str] = {}
    for action, url, data in steps:
        if data.get("line") in ("DAL", "KURTA"):
            page = cart_page(client)
            ids = page.line_ids
            lines = {"DAL": ids[0], "KURTA": ids[-1]}
            data = {**data, "line": lines[data["line"]]}
        if data.get("code") == "CODE":
            data = {"code": re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)}
        response = client.post(url, data, headers=HTMX)
        assert response.status_code in (200, 204), (action, response.status_code, response.content[:400])
        assert trail()[-1].action == action, (action, [e.action for e in trail()][-3:])
    html = client.get("/checkout/").content
    client.post("/checkout/place/", {"idempotency_key": checkout_key(html), "payment_mode": "cod"})
    client.post("/staff/end/")

    actions = [e.action for e in trail()]
    assert actions == ["start-assist", *[a for a, _, _ in steps], "place-order", "end-assist"]
    for event in trail():
        assert event.staff == lead and event.staff_email == lead.email
        assert event.customer == shopper and event.customer_email == shopper.email
        assert event.summary
    cart_rows = [
        e
        for e in trail()
        if e.action not in ("start-assist", "end-assist", "send-code", "customer-confirmed")
    ]
    assert {e.provider for e in cart_rows} == {"local"}
    assert len({e.cart_id for e in cart_rows}) == 1 and cart_rows[0].cart_id
    summaries = {e.action: e.summary for e in trail()}
    assert "Added Unpolished Toor Dal, 1 kg × 3" in summaries["add-to-cart"] or any(
        "Added Unpolished Toor Dal, 1 kg × 3" in e.summary for e in trail()
    )
    assert "Coupon WELCOME10 applied" in [e.summary for e in trail() if e.action == "apply-coupon"][0]
    assert "Gift card …0002 applied" in summaries["apply-gift-card"]
    assert "Order details changed: gift message" in summaries["update-meta"]
    assert "Delivery address set (pincode 560001)" in summaries["set-address"]
    recorded = everything_recorded()
    for secret in (SECOND_PIN, SECOND_CARD, DEMO_PASSWORD, card.pin_hash, client.session.session_key):
        assert secret not in recorded
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)
    assert code not in recorded
    assert "Happy Diwali" not in recorded  # which details changed, not what they say


def test_staff_own_cart_is_untouched_and_the_trail_starts_and_ends(staff_client, staff, shopper, demo):
    dal = _variant(demo, "toor-dal-1kg")
    staff_client.post("/cart/add/", {"product": dal.product_id, "quantity": 1})  # Ravi's own cart
    start_assisting(staff_client, shopper)
    staff_client.post("/cart/add/", {"product": dal.product_id, "quantity": 2})
    assert list(cart_page(staff_client).line_quantities.values()) == [2]

    staff_client.post("/staff/end/")

    assert list(cart_page(staff_client).line_quantities.values()) == [1]
    assert [e.action for e in trail()] == ["start-assist", "add-to-cart", "end-assist"]
    assert cart_page(staff_client).cart_count == 1


def test_a_refused_change_is_not_recorded(lead_assisting, demo):
    dal = _variant(demo, "toor-dal-1kg")
    lead_assisting.post("/cart/add/", {"product": dal.product_id, "quantity": 9999}, headers=HTMX)
    assert [e.action for e in trail()] == ["start-assist"]


# ---------------------------------------------------------------------------- admin


@pytest.fixture
def admin_client(demo):
    admin = get_user_model().objects.create_superuser("admin@example.com", "admin@example.com", "x")
    return client_for(admin)


def test_admin_shows_the_trail_read_only_and_filters_by_staff_and_customer(
    admin_client, lead_assisting, staff_client, shopper, lead, staff, demo
):
    dal = _variant(demo, "toor-dal-1kg")
    lead_assisting.post("/cart/add/", {"product": dal.product_id, "quantity": 1})
    other = get_user_model().objects.create_user("nila@example.com", "nila@example.com", "x")
    start_assisting(staff_client, other)
    staff_client.post("/cart/add/", {"product": dal.product_id, "quantity": 2})

    def listed(query: str = "") -> set[tuple[str, str]]:
        response = admin_client.get(f"/admin/carts/assistevent/{query}")
        assert response.status_code == 200
        return {(e.staff_email, e.customer_email) for e in response.context["cl"].result_list}

    assert listed() == {(lead.email, shopper.email), (staff.email, other.email)}
    assert listed(f"?staff__id__exact={staff.pk}") == {(staff.email, other.email)}
    assert listed(f"?customer__id__exact={shopper.pk}") == {(lead.email, shopper.email)}
    assert listed("?action=add-to-cart&q=nila") == {(staff.email, other.email)}

    event = AssistEvent.objects.filter(action="add-to-cart").first()
    change = admin_client.get(f"/admin/carts/assistevent/{event.pk}/change/")
    assert change.status_code == 200 and b'name="summary"' not in change.content  # no editable field
    assert admin_client.get("/admin/carts/assistevent/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/carts/assistevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert AssistEvent.objects.filter(pk=event.pk).exists()
