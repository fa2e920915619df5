"""The storefront's URLs plus a bare view, so both run behind the same gunicorn and middleware."""

import os

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok")


def worker_pid(request):
    # which gunicorn worker serves a keep-alive connection (load balance check; not measured)
    return HttpResponse(str(os.getpid()))


urlpatterns = [
    path("bench/bare", bare),
    path("bench/pid", worker_pid),
    path("", include("storefront.urls")),
]

handler404 = "storefront.errors.not_found"
handler500 = "storefront.errors.server_error"
