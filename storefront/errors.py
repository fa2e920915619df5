"""The shop's own error pages (urls.handler400/403/404/500; Django's CSRF failure view finds
templates/403_csrf.html). They show nothing from the exception: Django's 404 for an unmatched URL
carries the list of URL patterns tried (`Resolver404`), and other exceptions carry internal text.
The one exception: an `Http404` the shop raised itself carries a message written for shoppers
(`raise Http404(exc.user_message)`), and the 404 page shows it."""

from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template.loader import render_to_string


def _shopper_message(exception) -> str:
    """The text of an Http404 the shop raised with a shopper's message; "" for anything else
    (Resolver404 and other subclasses, non-text arguments)."""
    if type(exception) is not Http404 or len(exception.args) != 1:
        return ""
    message = exception.args[0]
    return message if isinstance(message, str) else ""


def not_found(request, exception=None) -> HttpResponse:
    return HttpResponseNotFound(
        render_to_string("404.html", {"message": _shopper_message(exception)}, request=request)
    )


def permission_denied(request, exception=None) -> HttpResponse:
    return HttpResponseForbidden(render_to_string("403.html", {}, request=request))


def bad_request(request, exception=None) -> HttpResponse:
    # no request context: a 400 can come from a request the shop can't trust (a bad Host header)
    return HttpResponseBadRequest(render_to_string("400.html"))


def server_error(request) -> HttpResponse:
    # no context processors: the failure may be in one of them
    return HttpResponseServerError(render_to_string("500.html"))
