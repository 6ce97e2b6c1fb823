"""A view that does nothing, served only under `make bench` (PEERDIR_BENCH=1).

Throughput of real pages is reported as a share of this view's: the same gunicorn, middleware
and machine, without the database and templates, so the ratio says what the pages themselves cost.
"""

from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def baseline(request):
    return HttpResponse("ok", content_type="text/plain")
