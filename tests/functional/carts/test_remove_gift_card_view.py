"""POST /cart/gift-card/remove/ (data-action remove-gift-card), with and without htmx."""

from decimal import Decimal

import pytest

from carts.forms import MSG_GIFT_CODE
from carts.services import MSG_GIFT_CARD_REMOVED
from storefront.providers.local.redemptions import MSG_GIFT_CARD_NOT_ON_CART
from storefront.providers.types import Capability
from tests.checkout_kit import DEMO_CARD, DEMO_PIN, HTMX_ON_CHECKOUT, checkout_fragment, drop_capabilities
from tests.conftest import HTMX
from tests.functional.pages import add_via_form, cart_changed, cart_fragment, cart_page, follow, snapshot

REMOVED = MSG_GIFT_CARD_REMOVED.format(tail="0001")


@pytest.fixture
def with_card(client, demo):
    add_via_form(client, demo, "pressure-cooker-5l")
    assert client.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN}).status_code == 303
    assert cart_page(client).amount("gift_card") == Decimal("-500.00")
    return client


def test_remove_with_htmx(with_card):
    response = with_card.post("/cart/gift-card/remove/", {"code": DEMO_CARD}, headers=HTMX)

    page = cart_fragment(response)
    assert cart_changed(response)
    assert ("success", REMOVED) in page.alerts
    assert "gift_card" not in dict(page.breakup)
    assert page.amount("total") == Decimal("2699.00")
    assert not page.forms("remove-gift-card")


def test_remove_without_htmx(with_card):
    page = follow(with_card, with_card.post("/cart/gift-card/remove/", {"code": DEMO_CARD}))

    assert ("success", REMOVED) in page.alerts
    assert "gift_card" not in dict(page.breakup)


def test_remove_on_the_checkout_page(with_card):
    response = with_card.post("/cart/gift-card/remove/", {"code": DEMO_CARD}, headers=HTMX_ON_CHECKOUT)

    assert "gift_card" not in dict(checkout_fragment(response).breakup)


@pytest.mark.parametrize(
    ("code", "message"),
    [("GIFT-OTHER-0002", MSG_GIFT_CARD_NOT_ON_CART), ("", MSG_GIFT_CODE)],
    ids=["other", "none"],
)
def test_removing_a_card_that_is_not_there_changes_nothing(with_card, code, message):
    before = snapshot(with_card)

    response = with_card.post("/cart/gift-card/remove/", {"code": code}, headers=HTMX)

    page = cart_fragment(response, status=422)
    assert ("error", message) in page.alerts
    assert not cart_changed(response)
    assert snapshot(with_card) == before
    page = follow(with_card, with_card.post("/cart/gift-card/remove/", {"code": code}))
    assert ("error", message) in page.alerts


def test_no_remove_form_when_the_provider_has_no_gift_cards(with_card, monkeypatch):
    drop_capabilities(monkeypatch, Capability.GIFT_CARDS)

    assert not cart_page(with_card).forms("remove-gift-card")
