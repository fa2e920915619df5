"""The storefront's Jinja2 engine (storefront/templating.py): one context and one CSRF token per
response, `page.html#target` blocks, strict variables in tests, indentation dropped at compile time."""

from __future__ import annotations

import datetime as dt
import re

import jinja2
import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.template import TemplateDoesNotExist, engines
from django.template.loader import get_template

from storefront.templating import render_targets

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def request_(rf):
    request = rf.get("/cart/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.htmx = None
    return request


def _engine():
    return engines["jinja2"]


def test_storefront_pages_are_jinja2_and_admin_stays_on_django_templates():
    assert get_template("carts/cart.html").backend is _engine()
    assert get_template("admin/index.html").backend is engines["django"]


def test_one_csrf_token_per_render_and_a_fresh_mask_per_response(request_):
    template = _engine().from_string('{{ csrf_input }}{{ csrf_input }}<body data-t="{{ csrf_token }}">')

    first = template.render({}, request_)
    second = template.render({}, request_)

    tokens = TOKEN.findall(first)
    assert len(tokens) == 2 and tokens[0] == tokens[1]
    assert f'data-t="{tokens[0]}"' in first
    assert TOKEN.findall(second)[0] != tokens[0]  # masked anew for the next response (BREACH)


def test_the_views_values_win_over_the_context_processors(request_):
    # cart_count comes from the storefront context processor; the badge view passes a fresher one
    template = _engine().from_string("{{ cart_count }}")

    assert template.render({}, request_) == "0"
    assert template.render({"cart_count": 7}, request_) == "7"


def test_a_target_names_the_block_of_the_page_template():
    assert get_template("carts/cart.html#cart-lines").template.name == "carts/cart.html"
    with pytest.raises(TemplateDoesNotExist):
        get_template("carts/cart.html#no-such-target")


def test_fragments_share_one_context_and_only_the_later_ones_go_out_of_band(request_):
    html = render_targets(
        request_,
        [("base.html", "cart-badge", {"oob": False}), ("base.html", "messages", {"oob": True})],
        {"cart_count": 3},
    )

    assert 'id="cart-badge"' in html and 'data-cart-count="3"' in html
    # only the later fragment goes out of band; the messages region by its content, so the live
    # region itself is never replaced
    assert html.count("hx-swap-oob=") == 1 and 'id="messages"' in html and 'hx-swap-oob="innerHTML"' in html
    assert html.index('id="cart-badge"') < html.index('id="messages"')


def test_a_variable_nobody_gave_fails_in_tests():
    with pytest.raises(jinja2.UndefinedError):
        _engine().from_string("<p>{{ nobody_set_this }}</p>").render({})


def test_indentation_in_templates_is_dropped_but_values_are_left_alone():
    template = _engine().from_string("<ul>\n    <li>a</li>\n\n        <li>{{ v }}</li>\n</ul>")

    assert template.render({"v": "x\n    y"}) == "<ul>\n<li>a</li>\n<li>x\n    y</li>\n</ul>"


def test_url_and_static_are_django_s():
    html = _engine().from_string("{{ url('product-detail', 'toor-dal-1kg') }} {{ static('css/site.css') }}")

    assert html.render({}) == "/products/toor-dal-1kg/ /static/css/site.css"


def test_dates_show_in_the_shop_s_time_zone():
    when = dt.datetime(2026, 1, 31, 20, 0, tzinfo=dt.UTC)  # 1 Feb, 01:30 in India

    assert _engine().from_string('{{ when|date("j M, H:i") }}').render({"when": when}) == "1 Feb, 01:30"


def test_spaceless_drops_the_newlines_between_tags_but_not_within_text():
    template = _engine().from_string(
        "{% spaceless %}\n<ul>\n  {% for x in xs %}\n  <li>{{ x }}</li>\n  {% endfor %}\n</ul>\n"
        "<p>Delivery to <b>{{ pin }}</b>\n  between <b>1</b> and <b>2</b></p>\n{% endspaceless %}\n<p>\n</p>"
    )

    html = template.render({"xs": ["a\n  b", "c"], "pin": "560001"})

    assert html == (
        "<ul><li>a\n  b</li><li>c</li></ul>"  # the value's own whitespace stays
        "<p>Delivery to <b>560001</b>\nbetween <b>1</b> and <b>2</b></p>"  # words keep a space
        "\n<p>\n</p>"  # outside spaceless only the indentation goes
    )
