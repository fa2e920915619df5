"""The background job that follows voucher orders nobody is watching to a final status.

`check_voucher_order(order_id, attempt)` (a django-tasks task) asks the provider once (through
fulfilment.voucher_order_check, so at most once every few seconds whoever else asks) and, while the
order is not final, enqueues itself again after a backoff: 2, 4, 8 … seconds, at most
MAX_BACKOFF, for MAX_ATTEMPTS tries (about two hours). A check that fails (the provider is down)
is retried the same way. Orders past that, or whose task was lost (a worker that died, a queue
flushed), are picked up by `python manage.py check_voucher_orders`, which runs the same check for
every order that is not final; cron can run it every few minutes.

Under `make run` the database backend (django-tasks-db) holds the queue and `manage.py
db_worker` runs it; the settings' TASKS_BACKEND chooses another backend for production.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from . import fulfilment
from . import models as vm

logger = logging.getLogger("vouchers.tasks")

FIRST_CHECK = timedelta(seconds=2)
MAX_BACKOFF = timedelta(minutes=5)
MAX_ATTEMPTS = 30


def backoff(attempt: int) -> timedelta:
    return min(FIRST_CHECK * (2**attempt), MAX_BACKOFF)


def schedule(order_id: int, attempt: int = 0) -> None:
    """Enqueue a check of the order after its backoff. A queue that cannot take it is logged:
    the order page and the command still complete the order."""
    try:
        check_voucher_order.using(run_after=timezone.now() + backoff(attempt)).enqueue(order_id, attempt)
    except Exception:  # noqa: BLE001 - the order is safe; the sweep command will see it
        logger.exception("could not enqueue the check of voucher order %s", order_id)


def run_check(order_id: int) -> str:
    """One check of one order (what the task and the command run). Returns its status."""
    order = vm.VoucherOrder.objects.select_related("attempt", "account").filter(pk=order_id).first()
    if order is None:
        return "gone"
    return fulfilment.voucher_order_check(order).status


@task()
def check_voucher_order(order_id: int, attempt: int = 0) -> str:
    status = run_check(order_id)
    if status in ("pending", "processing") and attempt + 1 < MAX_ATTEMPTS:
        schedule(order_id, attempt + 1)
    return status
