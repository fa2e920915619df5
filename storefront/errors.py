from django.http import HttpResponse, HttpResponseNotFound, HttpResponseServerError
from django.template.loader import render_to_string


def not_found(request, exception=None) -> HttpResponse:
    return HttpResponseNotFound(
        render_to_string("404.html", {"message": str(exception or "")}, request=request)
    )


def server_error(request) -> HttpResponse:
    # no context processors: the failure may be in one of them
    return HttpResponseServerError(render_to_string("500.html"))
