from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from groups.models import ContactMessage, SupportGroup


def crisis(request):
    return render(request, "crisis.html")


@require_GET
def about(request):
    return render(
        request, "pages/about.html", {"review_months": SupportGroup.STALE_AFTER.days // 30}
    )


@require_GET
def privacy(request):
    return render(request, "pages/privacy.html", {"keep_days": ContactMessage.KEEP_FOR.days})


@require_GET
def contact(request):
    return render(request, "pages/contact.html", {"contact_email": settings.CONTACT_EMAIL})
