"""Content-Security-Policy violation reports (the policy's report-uri): logged, never stored.

Browsers POST them without a CSRF token or cookies we could check, so the view is CSRF-exempt; it
reads at most CSP_REPORT_MAX_BYTES, keeps only the fields that say what was blocked (clipped, with
any query string dropped from URLs, which may carry tokens), and counts reports per client
(RATE_LIMITS "csp-report") so one client cannot fill the log."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import throttle

logger = logging.getLogger("storefront.csp")
CSP_REPORT_MAX_BYTES = 8 * 1024
FIELDS = (
    "document-uri",
    "violated-directive",
    "effective-directive",
    "blocked-uri",
    "source-file",
    "line-number",
)


def _clean(name: str, value) -> str:
    text = str(value)[:300]
    if name in ("document-uri", "blocked-uri", "source-file") and "://" in text:
        parts = urlsplit(text)
        text = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return "".join(ch for ch in text if ch.isprintable())


@csrf_exempt
@require_POST
def csp_report(request) -> HttpResponse:
    try:
        throttle.hit(request, "csp-report")
    except throttle.Throttled:
        return HttpResponse(status=204)
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    body = request.read(CSP_REPORT_MAX_BYTES + 1)
    if len(body) > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(status=400)
    report = data.get("csp-report") if isinstance(data, dict) else None
    if not isinstance(report, dict):
        return HttpResponse(status=400)
    seen = {name: _clean(name, report[name]) for name in FIELDS if name in report}
    logger.warning("CSP violation: %s", " ".join(f"{k}={v}" for k, v in seen.items()))
    return HttpResponse(status=204)
