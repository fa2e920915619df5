"""Share links on the Fynd provider (the fake Fynd server): our link wraps Fynd's share-cart token
(which never reaches a page), expires and can be withdrawn without asking Fynd, shows Fynd's items
at today's prices with changes marked, and takes them into another shopper's cart; a member of staff
sharing a customer's cart names themselves in the share's meta."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from carts import sharing
from carts.models import AssistEvent, ShareLink
from storefront.providers import get_shop_provider
from storefront.providers.fynd.provider import FyndProvider
from tests.conftest import HTMX
from tests.fakes.fynd_server import FakeFynd, fake_fynd  # noqa: F401 - the fixture
from tests.functional.pages import Page, cart_page, follow
from tests.functional.staff.conftest import STAFF_EMAIL, client_for, start_assisting

pytestmark = pytest.mark.django_db

ON_CART = {**HTMX, "HX-Current-URL": "http://testserver/cart/"}
LINK = re.compile(r"/cart/shared/([A-Za-z0-9_-]{43})/")


@pytest.fixture
def fynd(demo, fake_fynd: FakeFynd) -> FakeFynd:  # noqa: F811
    call_command(
        "provider", "add", "--kind", "fynd", "--name", "fynd-share", "--base-url", fake_fynd.base_url,
        "--set", f"application_id={fake_fynd.app_id}", "--set", f"application_token={fake_fynd.app_token}",
        "--activate", stdout=StringIO(),
    )  # fmt: skip
    assert isinstance(get_shop_provider(), FyndProvider)
    return fake_fynd


def add(client: Client, product: str, size: str, quantity: int = 1) -> None:
    response = client.post(
        "/cart/add/", {"product": product, "size": size, "quantity": quantity}, headers=ON_CART
    )
    assert response.status_code == 200, response.content[:300]


def share(client: Client) -> str:
    response = client.post("/cart/share/", headers=HTMX)
    assert response.status_code == 200, response.content[:300]
    return LINK.search(response.content.decode()).group(1)


def shares(fake: FakeFynd) -> dict:
    return fake.apps[fake.app_id].shares


def test_a_shared_fynd_cart_at_todays_prices_taken_by_a_friend(fynd):
    sharer = Client()
    add(sharer, "7501", "M", 2)
    add(sharer, "7503", "OS", 1)
    token = share(sharer)
    (fynd_token,) = shares(fynd)
    assert shares(fynd)[fynd_token].meta == {"source": "storefront"}
    fynd.set_price("classic-cotton-tshirt", "M", effective="549.50")  # was 499.50

    response = Client().get(f"/cart/shared/{token}/")

    page = Page(response.content)
    assert fynd_token not in page.html
    assert sorted(page.line_quantities.values()) == [1, 2]
    (changed,) = page.having("data-change")
    assert changed.attrs["data-change"] == "price-up" and changed.attrs["data-price-was"] == "499.50"

    friend = Client()
    add(friend, "7503", "OS", 1)
    page = follow(friend, friend.post(f"/cart/shared/{token}/accept/", {"mode": "merge"}))
    assert sorted(page.line_quantities.values()) == [2, 2]
    other = Client()
    add(other, "7501", "S", 1)
    page = follow(other, other.post(f"/cart/shared/{token}/accept/", {"mode": "replace"}))
    assert sorted(page.line_quantities.values()) == [1, 2]


def test_an_expired_or_withdrawn_fynd_link_is_a_404_without_asking_fynd(fynd):
    sharer = Client()
    add(sharer, "7503", "OS", 1)
    token = share(sharer)
    link = ShareLink.objects.get()

    ShareLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    fynd.reset_counts()
    expired = Client().get(f"/cart/shared/{token}/")
    assert expired.status_code == 404 and not [c for c in fynd.calls if "share-cart" in c.path]

    ShareLink.objects.update(expires_at=timezone.now() + timedelta(days=1))
    sharer.post(f"/cart/share/{link.pk}/revoke/")
    withdrawn = Client().post(f"/cart/shared/{token}/accept/", {"mode": "merge"})
    assert withdrawn.status_code == 404
    assert sharing.MSG_SHARE_REVOKED.replace("'", "&#x27;") in withdrawn.content.decode()


def test_staff_sharing_a_customers_fynd_cart_name_themselves(fynd, shopper):
    staff = get_user_model().objects.get(email=STAFF_EMAIL)
    staff_client = client_for(staff)
    start_assisting(staff_client, shopper)
    add(staff_client, "7501", "L", 1)
    token = share(staff_client)

    (meta,) = [s.meta for s in shares(fynd).values()]
    assert meta["staff_user_id"] == str(staff.pk)
    assert meta["staff"]["user"] == str(staff.pk) and meta["staff"]["first_name"] == "Ravi"
    link = ShareLink.objects.get()
    assert link.owner == shopper and link.created_by == staff
    event = AssistEvent.objects.get(action="share-cart")
    assert token not in str([event.summary, event.details]) and link.provider_token not in event.summary
    staff_client.post("/staff/end/")

    # sent to the customer's partner, who shops on their own account: their cart says who prepared it
    partner = client_for(get_user_model().objects.create_user("nila@example.com", "nila@example.com", "x"))
    follow(partner, partner.post(f"/cart/shared/{token}/accept/", {"mode": "replace"}))
    (note,) = cart_page(partner).having("data-prepared-by")
    assert note.attrs["data-prepared-by"] == "Ravi"
    assert note.content == "Prepared for you by Ravi"
