"""The shop's URLs plus an OTP request view limited the way an adapter's OTP sign-in would be
(tests/security/test_abuse_limits.py: storefront.throttle.limit)."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from storefront import throttle
from storefront.urls import urlpatterns as shop_urlpatterns


@require_POST
@throttle.limit("otp", phone="mobile")
def send_otp(request):
    return HttpResponse("sent")


urlpatterns = [path("test-otp/send/", send_otp), *shop_urlpatterns]
