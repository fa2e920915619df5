"""When the store behind the cart does not answer, the shopper gets words, not a crash."""

import pytest

from storefront.exceptions import MSG_UNAVAILABLE, ProviderUnavailable
from storefront.providers.local.provider import LocalProvider
from tests.conftest import HTMX
from tests.functional.pages import Page, add_via_form, cart_page


@pytest.fixture
def dal_line(client, demo) -> str:
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    (line,) = cart_page(client).line_ids
    return line


def _fail(*args, **kwargs):
    raise ProviderUnavailable()


@pytest.fixture
def store_down(monkeypatch):
    for name in ("get_cart", "update_line", "add_item", "remove_line", "clear_cart"):
        monkeypatch.setattr(LocalProvider, name, _fail)


def test_htmx_update_while_the_store_is_down_says_so_and_swaps_nothing(client, dal_line, store_down):
    response = client.post("/cart/update/", {"line": dal_line, "quantity": "3"}, headers=HTMX)

    assert response.status_code == 503
    page = Page(response.content)
    assert page.is_fragment
    assert page.alerts == [("error", MSG_UNAVAILABLE)]
    assert page.oob_ids == ["messages"]
    assert response["HX-Reswap"] == "none"
    assert "cart-updated" not in response.headers.get("HX-Trigger", "")


def test_plain_update_while_the_store_is_down_shows_the_unavailable_page(client, dal_line, store_down):
    response = client.post("/cart/update/", {"line": dal_line, "quantity": "3"})

    assert response.status_code == 503
    assert ("error", MSG_UNAVAILABLE) in Page(response.content).alerts


def test_cart_page_while_the_store_is_down_is_a_503_page(client, dal_line, store_down):
    response = client.get("/cart/")

    assert response.status_code == 503
    assert ("error", MSG_UNAVAILABLE) in Page(response.content).alerts


def test_the_cart_is_intact_once_the_store_is_back(client, dal_line, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(LocalProvider, "update_line", _fail)
        client.post("/cart/update/", {"line": dal_line, "quantity": "3"}, headers=HTMX)

    assert cart_page(client).line_quantities == {dal_line: 2}
