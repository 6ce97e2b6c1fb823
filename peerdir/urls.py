from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.http import require_safe

from groups import views as group_views
from groups.sitemaps import SITEMAPS
from peerdir import health, views

urlpatterns = [
    path("", include("groups.urls")),
    path("robots.txt", group_views.robots_txt, name="robots_txt"),
    # Django's view answers any method (TRACE, OPTIONS, POST with 200): ours answer GET and HEAD.
    path("sitemap.xml", require_safe(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("help-now/", views.crisis, name="crisis"),
    path("about/", views.about, name="about"),
    path("privacy/", views.privacy, name="privacy"),
    path("contact/", views.contact, name="contact"),
    path("accounts/", include("allauth.urls")),
    path("organizer/", include("accounts.urls")),
    path("api/", include("groups.api_urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]

if settings.BENCH_BASELINE:
    from peerdir import bench_views

    urlpatterns.append(path("bench/baseline", bench_views.baseline, name="bench_baseline"))
