"""Settle order attempts whose answer was lost: `python manage.py reconcile_orders`.

Safe to run at any time and as often as you like (for example every few minutes from cron or a
scheduler): each unknown attempt is looked up at its provider once per run and never sent again."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from storefront import ledger
from storefront.providers import registry
from storefront.providers.base import require
from storefront.providers.types import Capability


class Command(BaseCommand):
    help = "Ask each provider what became of order attempts whose outcome is unknown."

    def handle(self, *args, **options):
        stale = ledger.mark_stale_pending_unknown()
        if stale:
            self.stdout.write(f"{stale} attempt(s) cut off while sending are now unknown")
        counts = {"placed": 0, "failed": 0, "unknown": 0}
        for attempt in ledger.unknown_attempts():
            try:
                provider = require(registry.build(attempt.account, attempt.role), Capability.ORDER_LEDGER)
            except Exception as exc:  # noqa: BLE001 - one broken account must not stop the run
                self.stderr.write(f"{attempt.reference}: provider unavailable ({type(exc).__name__})")
                counts["unknown"] += 1
                continue
            attempt = ledger.reconcile_attempt(attempt, provider.reconcile_order)
            counts[attempt.state if attempt.state in counts else "unknown"] += 1
            line = f"{attempt.reference}: {attempt.get_state_display()} {attempt.upstream_id}"
            self.stdout.write(line.rstrip())
        self.stdout.write(
            self.style.SUCCESS(
                f"reconciled: {counts['placed']} placed, {counts['failed']} not placed, "
                f"{counts['unknown']} still unknown"
            )
        )
