from django.conf import settings


def site(request):
    # SITE_URL, never the request's Host header: an unknown host cannot break the error page
    # (get_host raises) nor leak into a cached page served on another host.
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "CONTACT_EMAIL": settings.CONTACT_EMAIL,
    }
