"""Adding without choosing a size (issue 9, point 8): "Choose a size first." is said inside the size
fieldset, once, every size is marked invalid and described by it, and the first size in stock takes
focus (autofocus: the browser on a page load, htmx in swapped content; no inline script). With
htmx the fieldset comes back out of band; without JavaScript the 303 back to the product page
shows it there, with the quantity the shopper typed. Buy now without a size says it the same way."""

from __future__ import annotations

import pytest

from storefront.providers.local import models as m
from storefront.providers.messages import MSG_CHOOSE_SIZE
from tests.conftest import HTMX
from tests.functional.pages import Element, Page

pytestmark = pytest.mark.django_db

KURTA = "/products/cotton-kurta/"


BUTTONS = pytest.mark.parametrize("action", ["/cart/add/", "/cart/buy-now/"], ids=["add", "buy-now"])


def _post(client, demo, *, htmx: bool, quantity: int = 1, action: str = "/cart/add/"):
    product = demo.product("cotton-kurta")
    data = {"product": product.pk, "quantity": quantity, "next": KURTA}
    return client.post(action, data, headers=HTMX if htmx else {})


def _radios(page: Page) -> list[Element]:
    return [e for e in page.elements if e.tag == "input" and e.attrs.get("name") == "size"]


def _assert_size_error_in_fieldset(page: Page, *, first_focused: str) -> None:
    (message,) = [e for e in page.elements if e.content == MSG_CHOOSE_SIZE]  # said once
    fieldset = page.by_id("size-fieldset")
    assert message.inside("id").attrs["id"] == "size-fieldset", "the message sits in the size fieldset"
    assert message.attrs["id"] == "size-error" and message.attrs["role"] == "alert"
    assert "is-invalid" in fieldset.attrs["class"].split()
    everything = _radios(page)
    radios = [r for r in everything if "disabled" not in r.attrs]  # sizes in stock
    assert radios and all(r.attrs.get("aria-invalid") == "true" for r in radios)
    assert all(r.attrs.get("aria-describedby") == "size-error" for r in radios)
    assert not [r for r in everything if "disabled" in r.attrs and "aria-invalid" in r.attrs]
    focused = [r for r in radios if "autofocus" in r.attrs]
    assert [r.attrs["value"] for r in focused] == [first_focused]
    assert not [e for e in page.elements if e.attrs.get("autofocus") is not None and e not in radios]


@BUTTONS
def test_with_htmx_the_size_fieldset_comes_back_marked_with_the_message(client, demo, action):
    response = _post(client, demo, htmx=True, action=action)

    assert response.status_code == 422
    page = Page(response.content)
    assert page.oob_ids == ["size-fieldset"]
    _assert_size_error_in_fieldset(page, first_focused=str(demo.variant("cotton-kurta", "S").pk))
    # the status area under the button does not say it a second time
    assert page.alerts == [("error", MSG_CHOOSE_SIZE)]
    assert m.LocalCartLine.objects.count() == 0


@BUTTONS
def test_without_javascript_the_product_page_shows_it_in_the_sizes_once(client, demo, action):
    response = _post(client, demo, htmx=False, quantity=2, action=action)

    assert response.status_code == 303 and response["Location"] == KURTA
    page = Page(client.get(KURTA).content)
    _assert_size_error_in_fieldset(page, first_focused=str(demo.variant("cotton-kurta", "S").pk))
    assert page.alerts == [("error", MSG_CHOOSE_SIZE)]  # not also in the page's messages
    assert page.by_id("add-qty").attrs["value"] == "2"  # the quantity typed is kept
    assert m.LocalCartLine.objects.count() == 0
    # said once: the next visit to the page is clean
    again = Page(client.get(KURTA).content)
    assert again.alerts == [] and not [r for r in _radios(again) if "aria-invalid" in r.attrs]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_focus_goes_to_the_first_size_in_stock(client, demo, htmx):
    demo.set_stock(demo.variant("cotton-kurta", "S"), 0)
    response = _post(client, demo, htmx=htmx)
    page = Page(response.content if htmx else client.get(KURTA).content)
    _assert_size_error_in_fieldset(page, first_focused=str(demo.variant("cotton-kurta", "M").pk))


def test_a_product_page_without_an_error_marks_nothing(client, demo):
    page = Page(client.get(KURTA).content)
    assert page.by_id("size-error") is None
    assert not [r for r in _radios(page) if "aria-invalid" in r.attrs or "autofocus" in r.attrs]
    assert "is-invalid" not in page.by_id("size-fieldset").attrs["class"].split()
