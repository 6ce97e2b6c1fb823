"""Request ids in log lines.

The request id lives in a context variable so every log record made while serving a request
(by this project, Django or a library) can carry it, without threading it through call sites.
"""

import contextvars
import logging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside a request) so formatters can print it."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        return True
