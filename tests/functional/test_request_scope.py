"""Work done once per request: the active provider is resolved once, and one htmx response builds
its template context once however many fragments it renders (context processors run once)."""

from __future__ import annotations

import pytest
from django.template import engines

from storefront.models import ProviderAccountQuerySet
from tests.conftest import HTMX
from tests.functional.pages import add_via_form, cart_fragment, cart_page


@pytest.fixture
def counters(monkeypatch) -> dict[str, int]:
    """Active provider look-ups ("resolved") and runs of the storefront engine's context processors
    ("processors"; each one counted, so a response that builds its context once counts as many as
    there are processors, "per_context")."""
    counts = {"resolved": 0, "processors": 0}
    active = ProviderAccountQuerySet.active

    def counting_active(self, role="shop"):
        counts["resolved"] += 1
        return active(self, role)

    def counting(processor):
        def run(request):
            counts["processors"] += 1
            return processor(request)

        return run

    storefront_engine = engines["jinja2"]
    monkeypatch.setattr(ProviderAccountQuerySet, "active", counting_active)
    monkeypatch.setattr(
        storefront_engine,
        "template_context_processors",
        [counting(p) for p in storefront_engine.template_context_processors],
    )
    counts["per_context"] = len(storefront_engine.template_context_processors)
    return counts


def test_an_htmx_update_line_resolves_the_provider_once_and_runs_context_processors_once(
    client, demo, counters
):
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    add_via_form(client, demo, "led-bulb-9w", quantity=1)
    line = cart_page(client).line_ids[0]
    counters.update(resolved=0, processors=0)

    response = client.post("/cart/update/", {"line": line, "quantity": "3"}, headers=HTMX)

    page = cart_fragment(response)
    assert page.line_quantities[line] == 3
    assert response.content.count(b'hx-swap-oob="true"') >= 5  # many fragments in one response
    assert counters["resolved"] == 1
    assert counters["processors"] == counters["per_context"]  # one context for the whole response


def test_a_whole_cart_page_resolves_the_provider_once(client, demo, counters):
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    counters.update(resolved=0, processors=0)

    response = client.get("/cart/")

    assert response.status_code == 200
    assert counters["resolved"] == 1
    assert counters["processors"] == counters["per_context"]
