"""The shopper journey `make loadtest` drives with Locust (headless; loadtest/run.py starts it).

Each simulated shopper is a fresh guest browser that, journey after journey: opens the home page,
searches, opens a product, adds it to the cart (htmx form), opens the cart, changes the quantity,
applies a coupon, gives a delivery address, opens checkout and places the order, then opens the
confirmation. Every request is one Locust step with its own name (the per-step percentiles).

The plan (what to buy, what to search, the coupon, the address) comes from the JSON file named by
LOADTEST_PLAN, written by run.py for the provider under test. What the journeys saw goes to the file
named by LOADTEST_RESULTS when the run stops: each placed order's number, the place-order presses
whose outcome was unclear (a 5xx or no answer: the order may or may not exist), statuses per step.
run.py compares the orders with the database: none may be lost or doubled.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections import Counter, defaultdict

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"]).read())  # noqa: SIM115 - read once at import
TIMEOUT = float(os.environ.get("LOADTEST_REQUEST_TIMEOUT", "30"))
THINK = (0.1, 0.4)  # seconds a shopper pauses between pages

LINE_ID = re.compile(r'data-line-id="([^"]+)"')
KEY_FIELD = re.compile(r'name="idempotency_key" value="([^"]*)"')
PAYMENT_MODE = re.compile(r'name="payment_mode" value="([^"]+)"')
ORDER_URL = re.compile(r"^/orders/([^/?]+)/")

placed: list[str] = []  # order numbers the storefront confirmed
unclear = 0  # place-order presses without a clear answer
in_flight = 0  # place-order presses still waiting when the run stopped: unclear too
journeys = Counter()  # started / completed / abandoned
statuses: dict[str, Counter] = defaultdict(Counter)


class StepFailed(Exception):
    pass


class Shopper(HttpUser):
    wait_time = between(0.5, 1.5)  # between journeys

    def on_start(self) -> None:
        self.client.headers["User-Agent"] = "storefront-loadtest"

    # ------------------------------------------------------------------ plumbing
    def step(self, name: str, method: str, url: str, *, ok=(200,), htmx=False, data=None):
        """One request named `name`; a status outside `ok` fails the step (and the journey)."""
        headers = {}
        if method == "POST":
            headers["X-CSRFToken"] = self.client.cookies.get("csrftoken", "")
        if htmx:
            headers["HX-Request"] = "true"
        with self.client.request(
            method,
            url,
            name=name,
            data=data,
            headers=headers,
            timeout=TIMEOUT,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            statuses[name][str(response.status_code)] += 1
            if response.status_code not in ok:
                response.failure(f"{name}: HTTP {response.status_code}")
                raise StepFailed(name, response.status_code)
            response.success()
            return response

    def think(self) -> None:
        time.sleep(random.uniform(*THINK))  # noqa: S311 - gevent-patched: yields to other shoppers

    # ------------------------------------------------------------------ the journey
    @task
    def journey(self) -> None:
        journeys["started"] += 1
        try:
            self._journey()
        except StepFailed:
            journeys["abandoned"] += 1
            return
        journeys["completed"] += 1

    def _journey(self) -> None:
        global unclear, in_flight
        item = random.choice(PLAN["items"])  # noqa: S311
        self.step("home", "GET", "/")
        self.think()
        self.step("search", "GET", f"/products/?q={random.choice(PLAN['searches'])}")  # noqa: S311
        self.think()
        self.step("product", "GET", f"/products/{item['slug']}/")
        self.think()
        add = {"product": item["product"], "size": item["size"], "quantity": item["quantity"]}
        self.step("add", "POST", "/cart/add/", htmx=True, data=add)
        cart = self.step("cart", "GET", "/cart/")
        line = LINE_ID.search(cart.text)
        if line is None:
            raise StepFailed("cart", "no line")
        self.think()
        update = {"line": line.group(1), "quantity": item["update_to"], "size": item["size"]}
        self.step("update", "POST", "/cart/update/", htmx=True, data=update)
        self.think()
        # a coupon the cart does not qualify for is an answer (422 in place), not an error
        self.step(
            "coupon", "POST", "/cart/coupon/apply/", htmx=True, data={"code": PLAN["coupon"]}, ok=(200, 422)
        )
        self.think()
        self.step("address", "POST", "/cart/address/", htmx=True, data=PLAN["address"])
        checkout = self.step("checkout", "GET", "/checkout/")
        key, mode = KEY_FIELD.search(checkout.text), PAYMENT_MODE.search(checkout.text)
        if key is None or mode is None:
            raise StepFailed("checkout", "no place-order form")
        self.think()
        form = {"idempotency_key": key.group(1), "payment_mode": mode.group(1), "email": "load@example.com"}
        in_flight += 1
        try:
            done = self.step("place order", "POST", "/checkout/place/", htmx=True, data=form, ok=(204,))
        except StepFailed as exc:
            status = exc.args[1]
            if status == 0 or status >= 500:  # no answer (0) or a server error: the order may exist
                unclear += 1
            raise
        finally:
            in_flight -= 1
        found = ORDER_URL.match(done.headers.get("HX-Redirect", ""))
        if found is None:
            unclear += 1
            raise StepFailed("place order", "no order page")
        placed.append(found.group(1))
        self.step("confirmation", "GET", done.headers["HX-Redirect"])


@events.test_stop.add_listener
def _write_results(environment, **kwargs) -> None:
    with open(os.environ["LOADTEST_RESULTS"], "w") as out:
        json.dump(
            {
                "placed": placed,
                "unclear": unclear + in_flight,
                "journeys": dict(journeys),
                "statuses": {name: dict(counts) for name, counts in statuses.items()},
            },
            out,
        )
