"""Where the cart page's time goes: cProfile over the Django test client rendering GET /cart/ (10 lines)
and the update-line fragment N times in process, under the bench settings and a throwaway database.

    .venv/bin/python benchmarks/profile_cart.py [--requests 200] [--target cart|fragment] [--top 35]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.run import CART_LINES, pick_products, prepare_django  # noqa: E402


def _groups() -> list[tuple[str, object]]:
    """(label, function) whose cumulative time is shown per request. They overlap on purpose: read
    the indented lines as "of which"."""
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.handlers.base import BaseHandler
    from django.db.backends.utils import CursorWrapper
    from django.db.models.query import QuerySet
    from django.db.models.sql.compiler import SQLCompiler
    from django.template.loader import render_to_string

    from carts import selectors, services
    from storefront.htmx import render_fragments
    from storefront.money import format_inr
    from storefront.providers.local import pricing
    from storefront.providers.local.provider import LocalProvider
    from storefront.templating import CsrfToken
    from storefront.urlcache import reverse_once

    return [
        ("whole request (handler, middleware, view)", BaseHandler.get_response),
        ("  cart page: cart from the provider", selectors.cart_get),
        ("  fragment: update the line (provider)", services.cart_update_line),
        ("    ORM: QuerySet evaluation (incl. SQL)", QuerySet._fetch_all),
        ("      SQL compile (as_sql)", SQLCompiler.as_sql),
        ("      SQL execute (driver)", CursorWrapper._execute),
        ("    domain mapping (_map_product)", LocalProvider._map_product),
        ("      static URL of product images", ManifestFilesMixin.url),
        ("    price breakup", pricing.compute_breakup),
        ("  template rendering: the page (render_to_string)", render_to_string),
        ("  template rendering: htmx fragments", render_fragments),
        ("    url() (reverse_once; views too)", reverse_once),
        ("    |inr filter (Babel format_currency)", format_inr),
        ("    CSRF token (masked once per response)", CsrfToken.__str__),
        ("  session load (cached_db)", SessionStore.load),
        ("  session save (cached_db)", SessionStore.save),
        ("  SQLite commit (fsync)", None),
    ]


def print_breakdown(stats: pstats.Stats, requests: int) -> None:
    total = None
    print(f"{'(cProfile, cumulative, per request)':52} {'ms':>7} {'share':>6} {'calls':>6}")
    commit = next(
        (k for k in stats.stats if k[2] == "<method 'commit' of 'sqlite3.Connection' objects>"), None
    )
    for label, func in _groups():
        code = getattr(func, "__code__", None)
        key = (code.co_filename, code.co_firstlineno, code.co_name) if code else commit
        row = stats.stats.get(key) if key else None
        if row is None:
            continue
        _cc, ncalls, _tt, cumtime, _callers = row
        per = cumtime / requests * 1000
        total = total or per
        print(f"{label:52} {per:7.2f} {per / total:6.0%} {ncalls / requests:6.1f}")
    print()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--target", choices=("cart", "fragment", "bare"), default="cart")
    p.add_argument("--top", type=int, default=35)
    p.add_argument("--sort", default="cumulative")
    p.add_argument("--lines", type=int, default=CART_LINES, choices=range(1, CART_LINES + 1), metavar="1..10")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="storefront-profile-"))
    try:
        prepare_django(tmp)
        from django.test import Client

        from carts.session import CART_ID
        from storefront.providers.local import models as m

        products, update_index = pick_products(CART_LINES)
        client = Client(SERVER_NAME="127.0.0.1")
        for product, variant, quantity in products[: args.lines]:
            r = client.post("/cart/add/", {"product": product, "size": variant, "quantity": quantity})
            if r.status_code != 303:
                raise SystemExit(f"add to cart answered {r.status_code}; nothing to profile")
        client.get("/cart/")
        _p, variant, quantity = products[min(update_index, args.lines - 1)]
        line = m.LocalCartLine.objects.get(cart_id=client.session[CART_ID], variant_id=variant)
        quantities = (quantity, quantity + line.variant.product.increment)

        def one(i: int) -> int:
            if args.target == "cart":
                return client.get("/cart/").status_code
            if args.target == "bare":
                return client.get("/bench/bare").status_code
            return client.post(
                "/cart/update/",
                {"line": line.pk, "quantity": quantities[i % 2]},
                headers={"hx-request": "true"},
            ).status_code

        for i in range(10):  # warm caches (templates, session, active account)
            assert one(i) == 200
        t0 = time.perf_counter()
        for i in range(args.requests):
            one(i)
        plain = (time.perf_counter() - t0) / args.requests
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.requests):
            one(i)
        profiler.disable()
        print(
            f"{args.target}: {plain * 1000:.2f} ms per request without the profiler "
            f"({args.requests} requests)"
        )
        print_breakdown(pstats.Stats(profiler), args.requests)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
