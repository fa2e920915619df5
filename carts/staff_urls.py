"""/staff/: the assisted-selling console. URL names equal the forms' data-action."""

from django.urls import path

from . import staff_views

app_name = "staff"
urlpatterns = [
    path("", staff_views.console, name="console"),  # the staff-find-customer GET form lands here
    path("assist/", staff_views.start_assist, name="staff-assist"),
    path("end/", staff_views.end_assist, name="staff-end-assist"),
    path("customers/", staff_views.create_customer, name="staff-create-customer"),
    path("confirm/send/", staff_views.send_code, name="staff-send-code"),
    path("confirm/", staff_views.confirm_customer, name="staff-confirm-customer"),
]
