"""Error views Django does not render from a template on its own."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A calm page for an expired or forged form post (CSRF_FAILURE_VIEW).

    Nothing was saved; going back keeps what the visitor typed. ``reason`` stays out of the
    page: it is developer detail.
    """
    context = {"cookies_blocked": not request.COOKIES}
    return render(request, "csrf_failure.html", context, status=403)
