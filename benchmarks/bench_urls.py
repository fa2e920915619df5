"""The storefront's URLs plus a bare view, so both run behind the same gunicorn and middleware, and the
placement view that spreads wrk's connections evenly over gunicorn's workers (not measured)."""

import fcntl
import json
import os
import re
from pathlib import Path

from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import include, path


def bare(request):
    return HttpResponse("ok")


def place(request):
    """A keep-alive connection stays with the gunicorn worker that accepted it, and which idle
    worker wins accept() is up to the kernel: four connections often land 3/1 or 4/0 on two
    workers, leaving a worker idle. So each wrk connection first asks here to be placed: `placed`
    when this worker has fewer than `share` of the run's connections (it is then counted
    here), `again` when it has its share (wrk then reconnects and asks again). The counts live in
    a file under BENCH_PLACEMENT_DIR, locked, since every worker is its own process."""
    run, slot, share = request.GET.get("run", ""), request.GET.get("slot", ""), request.GET.get("share", "")
    if not (re.fullmatch(r"[0-9a-f]{8,32}", run) and slot.isdigit() and share.isdigit()):
        return HttpResponseBadRequest("run, slot and share")
    pid = os.getpid()
    state_file = Path(os.environ["BENCH_PLACEMENT_DIR"]) / f"{run}.json"
    with open(state_file.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        placed = json.loads(state_file.read_text()) if state_file.exists() else {}
        mine = sum(1 for owner in placed.values() if owner == pid)
        if placed.get(slot) != pid:
            if mine >= int(share) and request.GET.get("force") != "1":
                return HttpResponse("again")
            placed[slot] = pid
            state_file.write_text(json.dumps(placed))
    return HttpResponse("placed")


urlpatterns = [
    path("bench/bare", bare),
    path("bench/place", place),
    path("", include("storefront.urls")),
]

handler404 = "storefront.errors.not_found"
handler500 = "storefront.errors.server_error"
