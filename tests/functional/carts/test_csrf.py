"""Every cart mutation refuses a POST without a CSRF token, and changes nothing."""

import pytest

from tests.functional.pages import Page, cart_page, snapshot


@pytest.fixture
def dal_line(csrf_client, demo) -> tuple[str, str]:
    """A cart with 2 × dal, built through the real form with its token: (line id, token)."""
    csrf_client.get("/products/toor-dal-1kg/")
    token = csrf_client.cookies["csrftoken"].value
    product = demo.product("toor-dal-1kg")
    response = csrf_client.post(
        "/cart/add/", {"product": str(product.pk), "quantity": "2", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 303
    (line,) = cart_page(csrf_client).line_ids
    return line, token


def _mutations(demo, line: str) -> dict[str, dict[str, str]]:
    return {
        "/cart/add/": {"product": str(demo.product("toor-dal-1kg").pk), "quantity": "1"},
        "/cart/update/": {"line": line, "quantity": "5"},
        "/cart/remove/": {"line": line},
        "/cart/clear/": {},
        "/cart/check-delivery/": {"pincode": "560001"},
    }


@pytest.mark.parametrize(
    "url", ["/cart/add/", "/cart/update/", "/cart/remove/", "/cart/clear/", "/cart/check-delivery/"]
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_post_without_a_csrf_token_is_refused(csrf_client, demo, dal_line, url, htmx):
    line, _ = dal_line
    before = snapshot(csrf_client)
    headers = {"HX-Request": "true"} if htmx else {}

    response = csrf_client.post(url, _mutations(demo, line)[url], headers=headers)

    assert response.status_code == 403
    assert snapshot(csrf_client) == before
    assert cart_page(csrf_client).delivery() == []


def test_post_with_the_token_goes_through(csrf_client, demo, dal_line):
    # the same client and form succeed once the token from the page is sent (htmx sends it as a header)
    line, token = dal_line

    response = csrf_client.post(
        "/cart/update/", {"line": line, "quantity": "5"}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )

    assert response.status_code == 200
    assert Page(response.content).line_quantities == {line: 5}
