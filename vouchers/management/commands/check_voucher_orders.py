"""Follow every voucher order that is not final: `python manage.py check_voucher_orders`.

The same check the background job runs (vouchers.tasks.run_check): an attempt whose answer was
lost is reconciled by its reference (never ordered again), a placed order's status and vouchers
are fetched, a failed one is paid back. Safe to run at any time, e.g. every few minutes from cron."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from storefront import ledger
from vouchers import models as vm
from vouchers.tasks import run_check

OPEN = ("pending", "processing")


class Command(BaseCommand):
    help = "Ask the voucher provider about every voucher order that is not final yet."

    def handle(self, *args, **options):
        ledger.mark_stale_pending_unknown()
        counts: dict[str, int] = {}
        for pk, reference in vm.VoucherOrder.objects.filter(status__in=OPEN).values_list("pk", "reference"):
            vm.VoucherOrder.objects.filter(pk=pk).update(checked_at=None)  # by hand: ask now
            status = run_check(pk)
            counts[status] = counts.get(status, 0) + 1
            self.stdout.write(f"{reference}: {status}")
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to check"
        self.stdout.write(self.style.SUCCESS(f"voucher orders checked: {summary}"))
