"""FyndOrder rows move to the shared order ledger (storefront.OrderAttempt), then the model goes."""

import secrets

from django.db import migrations

STATES = {"pending": "unknown", "placed": "placed", "unknown": "unknown"}


def to_ledger(apps, schema_editor):
    FyndOrder = apps.get_model("fyndshop", "FyndOrder")
    OrderAttempt = apps.get_model("storefront", "OrderAttempt")
    for row in FyndOrder.objects.all().iterator():
        OrderAttempt.objects.get_or_create(
            account_id=row.account_id,
            role="shop",
            key_hash=row.idempotency_key,  # already the SHA-256 of the checkout key
            defaults={
                "reference": "SF" + secrets.token_hex(5).upper(),
                # a row left pending was cut off mid-call: its outcome is unknown
                "state": STATES.get(row.state, "unknown"),
                "upstream_id": row.order_id,
                "user_id": row.user_id,
                "guest_token": row.guest_token,
                "cart_id": row.cart_id,
                "record": row.snapshot,
                "sent_at": row.created_at,
                "placed_at": row.placed_at,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("fyndshop", "0002_staff_user"),
        ("storefront", "0002_order_ledger_and_shopper_links"),
    ]

    operations = [
        migrations.RunPython(to_ledger, migrations.RunPython.noop),
        migrations.DeleteModel(name="FyndOrder"),
    ]
