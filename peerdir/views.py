from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from groups.models import ContactMessage, SupportGroup


def crisis(request):
    return render(request, "crisis.html")


@require_safe
def about(request):
    return render(
        request, "pages/about.html", {"review_months": SupportGroup.STALE_AFTER.days // 30}
    )


@require_safe
def privacy(request):
    return render(request, "pages/privacy.html", {"keep_days": ContactMessage.KEEP_FOR.days})


@require_safe
def contact(request):
    return render(request, "pages/contact.html", {"contact_email": settings.CONTACT_EMAIL})
