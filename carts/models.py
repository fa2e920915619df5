from django.db import models


class AssistPermission(models.Model):
    """Holds the `carts.assist_customer` permission for staff who build carts for customers
    (the console itself arrives with the assisted-selling issue)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("assist_customer", "Can build and edit carts on a customer's behalf")]
