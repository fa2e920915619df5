"""gunicorn reads this file from the directory it starts in (its default `./gunicorn.conf.py`):
`make bench`, `make loadtest` and production start it from the repo root. Options given on the
command line still win.

No `Server` header: gunicorn names itself in every answer it writes; the app does not need to
tell anyone which server it runs on (issue 14, finding 9). gunicorn has no setting for it, so its
response class is told to leave the line out (a proxy in front may add its own)."""

from gunicorn.http import wsgi


class _Response(wsgi.Response):
    def default_headers(self):
        return [line for line in super().default_headers() if not line.lower().startswith("server:")]


wsgi.Response = _Response
