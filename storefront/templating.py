"""Jinja2 for the storefront's pages, through Django's own `Jinja2` backend.

What the stock backend does not do, and this one does:
- one context per response: the context processors run once, then the view's values go on top (as
  with Django templates: the view wins), and every block of an htmx response shares it;
- one CSRF token per response: the stock `csrf_input` masks a new token each time it is printed
  (26 forms on a 10-line cart page), here it is masked once, on first use;
- `url()` (`storefront.urlcache.reverse_once`) and `static()` computed once per process and
  arguments, not per call;
- htmx fragments are blocks of the page template (`jinja2-fragments`), named after their target
  with `-` as `_` (`#cart-lines` is `{% block cart_lines %}`);
- the templates' own indentation is dropped when they are compiled: a run of whitespace that spans
  a line becomes one newline, and none between tags inside `{% spaceless %}` (values from the
  context are never touched).

Django admin, form widgets and everything in django.contrib stay on the DjangoTemplates engine.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import jinja2
import jinja2_fragments
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.template.backends import jinja2 as django_jinja2
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat, pluralize
from django.templatetags.static import static as django_static
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django_htmx.jinja import htmx_script as django_htmx_script
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

from storefront.formmemory import recall as recall_form
from storefront.navigation import sign_in_url
from storefront.sanitise import provider_html
from storefront.templatetags.money import abs_amount, inr, inr_whole, plain_amount
from storefront.templatetags.storefront_tags import breakup_row, get_item
from storefront.text import count_noun, format_day, format_day_time
from storefront.urlcache import reverse_once

ENGINE = "jinja2"  # the alias of this backend in settings.TEMPLATES

# ------------------------------------------------------------------------------ once per process


@functools.lru_cache(maxsize=256)
def static(path: str) -> str:
    """`{{ static('css/site.css') }}` (fingerprinted in production), once per process and path."""
    return django_static(path)


@functools.cache
def htmx_script() -> SafeString:
    """django-htmx's `<script>` for its bundled htmx (plus its debug helper when DEBUG is on)."""
    return django_htmx_script()


@receiver(setting_changed)
def _forget(setting: str, **kwargs: Any) -> None:
    # tests that override these settings must not see static URLs memoised under the old ones
    if setting in {"STATIC_URL", "STORAGES", "DEBUG"}:
        static.cache_clear()
        htmx_script.cache_clear()


def date(value: Any, arg: str | None = None) -> str:
    """`{{ when|date("D, j M") }}`: Django's `date` filter, in the current time zone as Django
    templates show it."""
    return date_filter(template_localtime(value), arg)


# ------------------------------------------------------------------------------ compile time

_LINE_SPANNING_SPACE = re.compile(r"[ \t\r\f\v]*\n\s*")
_BETWEEN_TAGS = re.compile(r">\s+<")
_BEFORE_TAG = re.compile(r"^\n(?=<)")
_AFTER_TAG = re.compile(r"(?<=>)\n$")


class CollapseWhitespace(Extension):
    """Whitespace in the templates' own text, trimmed at compile time (never a value from the
    context, and nothing left to do per render):

    - every run of whitespace that spans a line becomes one newline (HTML renders it the same;
      the templates have no `<pre>`, and a `<textarea>`'s value comes from the context);
    - between `{% spaceless %}` and `{% endspaceless %}` (like Django's tag, but at compile time)
      that newline goes too where it separates two tags, a tag and a template tag, or two template
      tags. Use it only
      around markup whose containers are blocks, grids or flex boxes, where whitespace between
      elements shows nothing (the cart lines, the header, the breakup rows)."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        tokens = list(stream)
        depth = 0
        i = 0
        while i < len(tokens):
            token = tokens[i]
            marker = _spaceless_marker(tokens, i)
            if marker:
                depth += marker
                i += 3
                continue
            if token.type == "data":
                value = _LINE_SPANNING_SPACE.sub("\n", token.value)
                if depth > 0:
                    value = "" if value == "\n" else value
                    value = _AFTER_TAG.sub("", _BEFORE_TAG.sub("", _BETWEEN_TAGS.sub("><", value)))
                token = Token(token.lineno, "data", value)
            yield token
            i += 1


def _spaceless_marker(tokens: list[Token], i: int) -> int:
    """+1 at `{% spaceless %}`, -1 at `{% endspaceless %}`, else 0."""
    if tokens[i].type != "block_begin" or i + 2 >= len(tokens):
        return 0
    name, end = tokens[i + 1], tokens[i + 2]
    if name.type != "name" or end.type != "block_end":
        return 0
    return {"spaceless": 1, "endspaceless": -1}.get(name.value, 0)


def environment(**options: Any) -> jinja2.Environment:
    options["extensions"] = [*options.get("extensions", ()), CollapseWhitespace]
    options.setdefault("lstrip_blocks", True)
    env = jinja2.Environment(**options)  # noqa: S701 - the backend turns autoescape on
    # `{{ url('carts:update-line') }}`, `{{ url('product-detail', slug) }}`: once per process
    env.globals.update(
        url=reverse_once,
        static=static,
        htmx_script=htmx_script,
        oob=False,
        sign_in_url=sign_in_url,
        recall_form=recall_form,
    )
    env.filters.update(
        inr=inr,
        inr_whole=inr_whole,
        plain_amount=plain_amount,
        abs_amount=abs_amount,
        get_item=get_item,
        breakup_row=breakup_row,
        date=date,
        day=format_day,
        day_time=format_day_time,
        count_noun=count_noun,
        pluralize=pluralize,
        floatformat=floatformat,
        provider_html=provider_html,
    )
    return env


# ------------------------------------------------------------------------------ once per response


class CsrfToken:
    """The request's CSRF token, masked once on first use. Django's `get_token()` masks a fresh
    copy on every call, and the stock backend calls it for every form printed."""

    __slots__ = ("_request", "_value")

    def __init__(self, request: HttpRequest):
        self._request = request
        self._value: str | None = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = get_token(self._request)
        return self._value

    def __html__(self) -> str:  # letters and digits only: nothing to escape
        return str(self)


class CsrfInput:
    """`{{ csrf_input }}`: the hidden form field, with the response's one token."""

    __slots__ = ("_token",)

    def __init__(self, token: CsrfToken):
        self._token = token

    def __html__(self) -> str:
        return f'<input type="hidden" name="csrfmiddlewaretoken" value="{self._token}">'

    __str__ = __html__


class Jinja2(django_jinja2.Jinja2):
    """Django's Jinja2 backend, with the page's context built once per response, and
    `page.html#target` naming the block of page.html that renders the element with id `target`
    (`render(request, "carts/cart.html#share-cart", ...)`, habit 9 with blocks for partials)."""

    def get_template(self, template_name: str) -> Template:
        name, _, target = template_name.partition("#")
        block = block_name(target) if target else None
        try:
            template = Template(self.env.get_template(name), self, block=block)
        except jinja2.TemplateNotFound as exc:
            raise TemplateDoesNotExist(exc.name, backend=self) from exc
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(exc) from exc
        if template.block is not None and template.block not in template.template.blocks:
            raise TemplateDoesNotExist(template_name, backend=self)
        return template

    def from_string(self, template_code: str) -> Template:
        return Template(self.env.from_string(template_code), self)

    def response_context(self, request: HttpRequest | None, context: Mapping[str, Any] | None) -> dict:
        """Everything a response's templates see: the context processors' values (run once), the
        request, its CSRF token, then the view's own values, which win over the processors'."""
        values: dict[str, Any] = {}
        if request is not None:
            for processor in self.template_context_processors:
                values.update(processor(request))
            token = CsrfToken(request)
            values.update(request=request, csrf_token=token, csrf_input=CsrfInput(token))
        if context:
            values.update(context)
        return values


class Template(django_jinja2.Template):
    """A whole template, or one block of it (`jinja2-fragments`)."""

    def __init__(self, template: jinja2.Template, backend: Jinja2, block: str | None = None):
        super().__init__(template, backend)
        self.block = block

    def render(self, context: Mapping[str, Any] | None = None, request: HttpRequest | None = None) -> str:
        return self.render_values(self.backend.response_context(request, context))

    def render_values(self, values: Mapping[str, Any]) -> str:
        """Render from a response context already built (`Jinja2.response_context`)."""
        try:
            if self.block is None:
                return self.template.render(values)
            return jinja2_fragments.render_block(self.backend.env, self.template.name, self.block, values)
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(exc) from exc


def _syntax_error(exc: jinja2.TemplateSyntaxError) -> TemplateSyntaxError:
    new = TemplateSyntaxError(exc.args)
    new.template_debug = django_jinja2.get_exception_info(exc)
    return new


def block_name(target: str) -> str:
    """The block of a page template that renders the element with id `target`: `cart-lines` is
    `{% block cart_lines %}` (a block name cannot have dashes)."""
    return target.replace("-", "_")


def render_targets(
    request: HttpRequest,
    parts: Iterable[tuple[str, str, Mapping[str, Any]]],
    context: Mapping[str, Any],
) -> str:
    """(template, target id, extra values) → those blocks' HTML one after another, all from ONE
    context built for the whole response (the context processors run once)."""
    backend: Jinja2 = engines[ENGINE]
    values = backend.response_context(request, context)
    return "".join(
        backend.get_template(f"{template}#{target}").render_values({**values, **extra})
        for template, target, extra in parts
    )
