"""The fault matrix: every fault the fake servers can play, against every storefront action, through
the real views (the Django test client, the whole middleware stack) on a Fynd account pointed at the
fake Fynd server (tests/fakes/fynd_server.py, faults from tests/fakes/base.py).

For each (fault, action) the shopper's answer comes within the request's deadline (the account's
read timeout, plus a margin for rendering), the message is shown in place (role="alert"), the cart
the shopper sees afterwards is unchanged by a failed mutation, nothing that could apply twice was
sent twice (call counts on the fake), and no order is lost or doubled. README "Resilience" has the
same matrix as a table: keep the two in step (EXPECTED below is the source).

Per remote provider: only Fynd is built today; a new provider adds its own `Action` paths and account
fixture here.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest
from django.test import Client

from carts import services
from carts.checkout_views import MSG_PLACED
from storefront.degraded import MSG_CART_PAUSED, MSG_CHECKOUT_PAUSED
from storefront.exceptions import MSG_AUTH, MSG_UNAVAILABLE
from storefront.ledger import MSG_ORDER_NOT_PLACED, MSG_ORDER_UNKNOWN
from storefront.models import OrderAttempt, ProviderAccount
from tests.conftest import HTMX
from tests.fakes import fynd_server as ff
from tests.fakes.fynd_server import FakeFynd, fake_fynd  # noqa: F401 - the fixture
from tests.functional.pages import Page

pytestmark = pytest.mark.django_db

CONNECT, READ = 0.3, 0.6  # the test account's timeouts: the request's deadline is READ
MARGIN = 0.6  # rendering the answer, on a machine shared with other test runs
HANG = 1.5  # a hang outlives the read timeout
LATENCY = 0.1  # slow, but well inside the deadline

CART = ff.CART
DETAIL = f"{CART}/detail"
CATALOG = "/service/application/catalog/v1.0"
TEE, SIZE = "7501", "M"  # classic cotton t-shirt, ₹499.50
KEY_FIELD = re.compile(r'name="idempotency_key" value="([^"]*)"')
ADDRESS = {
    "name": "Asha Rao",
    "phone": "9876543210",
    "line1": "12 Link Road",
    "line2": "Andheri West",
    "city": "Mumbai",
    "state": "Maharashtra",
    "pincode": "400059",
    "country": "India",
}

# ----------------------------------------------------------------------------- faults

FAULTS = {
    "latency": {"kind": "delay", "seconds": LATENCY},
    "hang": {"kind": "hang", "seconds": HANG},
    "5xx": {"kind": "status", "status": 502},
    "malformed": {"kind": "malformed"},
    "401": {"kind": "status", "status": 401},
    "drop": {"kind": "drop"},
}
COMMIT_THEN_FAIL = {
    "502 after commit": {"kind": "status", "status": 502},
    "drop after commit": {"kind": "drop"},
    "hang after commit": {"kind": "hang", "seconds": HANG},
}


@dataclass(frozen=True)
class Action:
    name: str
    method: str  # of the storefront request
    path: str  # the faulted upstream path
    upstream_method: str | None  # the faulted upstream method (None: any: reads that HEAD then GET)
    needs_cart: bool = True
    mutation: bool = False  # changes the cart: it must be unchanged when it fails


ACTIONS = {
    "catalogue": Action("catalogue", "GET", f"{CATALOG}/products/", None, needs_cart=False),
    "product": Action("product", "GET", f"{CATALOG}/products/classic-cotton-tshirt/", None, needs_cart=False),
    "cart view": Action("cart view", "GET", DETAIL, None),
    "add": Action("add", "POST", DETAIL, "POST", mutation=True),
    "update": Action("update", "POST", DETAIL, "PUT", mutation=True),
    "remove": Action("remove", "POST", DETAIL, "PUT", mutation=True),
    "coupon": Action("coupon", "POST", f"{CART}/coupon", "POST", mutation=True),
    "checkout page": Action("checkout page", "GET", DETAIL, None),
    "place order": Action("place order", "POST", f"{CART}/checkout", "POST"),
}

# What the shopper sees: (HTTP status, the alert's text). "ok" = the action succeeds; READ_ONLY =
# degraded mode (storefront.degraded): the cart the shopper saw before, 200, read-only with its banner.
OK = "ok"
READ_ONLY = "read-only"
DOWN = (503, MSG_UNAVAILABLE)
UNAVAILABLE = {
    **dict.fromkeys(ACTIONS, DOWN),
    "cart view": READ_ONLY,
    "checkout page": (503, MSG_CHECKOUT_PAUSED),  # the summary as last seen, read-only
    "place order": (503, MSG_ORDER_UNKNOWN),
}
EXPECTED: dict[str, dict[str, object]] = {
    "latency": dict.fromkeys(ACTIONS, OK),
    "hang": UNAVAILABLE,
    "5xx": UNAVAILABLE,
    "malformed": UNAVAILABLE,
    "401": dict.fromkeys(ACTIONS, (503, MSG_AUTH)),
    "drop": UNAVAILABLE,
}


# ----------------------------------------------------------------------------- the shop


@pytest.fixture
def fynd(fake_fynd) -> FakeFynd:  # noqa: F811
    account = ProviderAccount(
        kind="fynd", name="fynd-fake", base_url=fake_fynd.base_url, connect_timeout=CONNECT, read_timeout=READ
    )
    account.set_credentials({"application_id": fake_fynd.app_id, "application_token": fake_fynd.app_token})
    account.save()
    account.activate()
    yield fake_fynd
    assert fake_fynd.errors == [], "the fake Fynd server had a bug:\n" + "\n".join(fake_fynd.errors)


class Shopper:
    """One browser on the storefront, doing what the pages' forms do."""

    def __init__(self, fake: FakeFynd) -> None:
        self.client = Client()
        self.fake = fake
        self.key = ""

    def add(self, product=TEE, size=SIZE, quantity=1):
        data = {"product": product, "size": size, "quantity": quantity}
        return self.client.post("/cart/add/", data, headers=HTMX)

    def cart(self) -> Page:
        response = self.client.get("/cart/")
        assert response.status_code == 200, response.content[:300]
        return Page(response.content)

    def shown_cart(self) -> tuple[dict[str, int], list[tuple[str, str]]]:
        page = self.cart()
        return page.line_quantities, page.breakup

    def line(self) -> str:
        (line,) = self.cart().line_ids
        return line

    def ready_for_checkout(self) -> None:
        response = self.client.post("/cart/address/", ADDRESS, headers=HTMX)
        assert response.status_code == 200, response.content[:300]
        page = self.client.get("/checkout/")
        assert page.status_code == 200, page.content[:300]
        self.key = KEY_FIELD.search(page.content.decode()).group(1)

    def place_order(self):
        data = {"idempotency_key": self.key, "payment_mode": "COD", "email": "asha@example.com"}
        return self.client.post("/checkout/place/", data, headers=HTMX)

    def do(self, action: str):
        """The storefront request of `action`."""
        match action:
            case "catalogue":
                return self.client.get("/products/?q=shirt")
            case "product":
                return self.client.get("/products/classic-cotton-tshirt/")
            case "cart view":
                return self.client.get("/cart/")
            case "add":
                return self.add(product="7503", size="OS")
            case "update":
                return self.client.post("/cart/update/", {"line": self.line_id, "quantity": 2}, headers=HTMX)
            case "remove":
                return self.client.post("/cart/remove/", {"line": self.line_id}, headers=HTMX)
            case "coupon":
                return self.client.post("/cart/coupon/apply/", {"code": "WELCOME10"}, headers=HTMX)
            case "checkout page":
                return self.client.get("/checkout/")
            case "place order":
                return self.place_order()
        raise AssertionError(action)

    def prepare(self, action: Action) -> None:
        if not action.needs_cart:
            return
        assert self.add().status_code == 200
        self.line_id = self.line()
        if action.name in ("checkout page", "place order"):
            self.ready_for_checkout()


def timed(fn):
    started = time.monotonic()
    response = fn()
    return response, time.monotonic() - started


def shown(response) -> tuple[int, list[tuple[str, str]]]:
    return response.status_code, Page(response.content).alerts


def script(fake: FakeFynd, action: Action, fault: dict, **extra) -> None:
    # every call the action makes to the path meets the fault (a store that is down stays down)
    fake.fault(action.path, method=action.upstream_method, times=extra.pop("times", 20), **fault, **extra)


def upstream_calls(fake: FakeFynd, action: Action) -> int:
    return (
        fake.count(action.upstream_method, action.path)
        if action.upstream_method
        else len(fake.calls_to(action.path))
    )


# ----------------------------------------------------------------------------- the matrix


@pytest.mark.parametrize("action_name", list(ACTIONS))
@pytest.mark.parametrize("fault_name", list(FAULTS))
def test_fault_matrix(fynd, fault_name, action_name):
    action, fault, expected = ACTIONS[action_name], FAULTS[fault_name], EXPECTED[fault_name][action_name]
    shopper = Shopper(fynd)
    shopper.prepare(action)
    before = shopper.shown_cart() if action.needs_cart else None
    orders_before = len(fynd.orders)
    fynd.reset_counts()

    # when the provider misbehaves during the action
    script(fynd, action, fault)
    response, elapsed = timed(lambda: shopper.do(action_name))
    calls = upstream_calls(fynd, action)
    fynd.clear_faults()

    # then the answer comes within the deadline
    assert elapsed < READ + MARGIN, f"{fault_name} × {action_name}: {elapsed:.2f} s"
    # and says what happened, in place
    if expected == OK:
        assert response.status_code in (200, 204), response.content[:500]
        assert not [a for a in Page(response.content).alerts if a[0] == "error"]
    elif expected == READ_ONLY:
        page = Page(response.content)
        assert (response.status_code, page.alerts) == (200, []), response.content[:800]
        assert [e.content for e in page.having("data-degraded-banner")] == [MSG_CART_PAUSED]
        assert not page.having("data-action")  # no form that would fail
        assert (page.line_quantities, page.breakup) == before
    else:
        status, text = expected
        assert shown(response) == (status, [("error", text)]), response.content[:800]
        if action.method == "POST":  # an htmx form
            assert response["HX-Reswap"] == "none"  # the page keeps what it showed
            assert "cart-updated" not in response.headers.get("HX-Trigger", "")
    # and nothing that could apply twice was sent twice
    if action.upstream_method in ("POST", "PUT"):
        assert calls == 1, f"{action.upstream_method} {action.path} sent {calls} times"
    # and a failed mutation left the cart as it was
    if action.mutation and expected != OK:
        assert shopper.shown_cart() == before
    # and no order was placed behind the shopper's back
    if action_name != "place order":
        assert len(fynd.orders) == orders_before
    else:
        finish_ordering(shopper, fynd, placed_by_fault=expected == OK)


def finish_ordering(shopper: Shopper, fake: FakeFynd, *, placed_by_fault: bool) -> None:
    """The shopper presses Place order until it is placed: exactly one order, upstream and in the
    ledger, and the one checkout that did not go through was never resent by us."""
    for _ in range(3):
        if OrderAttempt.objects.filter(state=OrderAttempt.State.PLACED).exists():
            break
        response = shopper.place_order()
        assert response.status_code in (204, 422), shown(response)
        if response.status_code == 422:
            assert ("error", MSG_ORDER_NOT_PLACED) in Page(response.content).alerts
    assert len(fake.orders) == 1
    assert OrderAttempt.objects.filter(state=OrderAttempt.State.PLACED).count() == 1
    # the order that did not commit upstream is the one sent again, on the shopper's press
    assert fake.count("POST", f"{CART}/checkout") == (1 if placed_by_fault else 2)


@pytest.mark.parametrize("fault_name", list(COMMIT_THEN_FAIL))
def test_an_order_whose_answer_was_lost_is_found_again_and_never_doubled(fynd, fault_name):
    action = ACTIONS["place order"]
    shopper = Shopper(fynd)
    shopper.prepare(action)
    fynd.reset_counts()

    script(fynd, action, COMMIT_THEN_FAIL[fault_name], after_commit=True, times=1)
    response, elapsed = timed(shopper.place_order)

    assert elapsed < READ + MARGIN
    assert shown(response) == (503, [("error", MSG_ORDER_UNKNOWN)])
    assert len(fynd.orders) == 1  # Fynd took it; we don't know yet

    # the shopper presses again: the same key finds the order, nothing is sent again
    again = shopper.place_order()

    assert again.status_code == 204
    assert again["HX-Redirect"].startswith("/orders/")
    assert fynd.count("POST", f"{CART}/checkout") == 1
    assert len(fynd.orders) == 1
    assert OrderAttempt.objects.get().state == OrderAttempt.State.PLACED
    detail = shopper.client.get(again["HX-Redirect"])
    assert detail.status_code == 200
    number = OrderAttempt.objects.get().order_id
    assert ("success", MSG_PLACED.format(number=number)) in Page(detail.content).alerts


def test_a_failed_add_shows_the_reason_beside_the_form_and_adds_nothing(fynd):
    shopper = Shopper(fynd)
    shopper.add()
    before = shopper.shown_cart()
    fynd.fault(DETAIL, "status", method="POST", status=502)

    response = shopper.add(product="7503", size="OS")

    assert shown(response) == (503, [("error", MSG_UNAVAILABLE)])
    assert shopper.shown_cart() == before
    assert services.MSG_ADDED not in response.content.decode()
