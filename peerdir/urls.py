from django.contrib import admin
from django.urls import include, path

from peerdir import health, views

urlpatterns = [
    path("", include("groups.urls")),
    path("help-now/", views.crisis, name="crisis"),
    path("accounts/", include("allauth.urls")),
    path("organizer/", include("accounts.urls")),
    path("api/", include("groups.api_urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]
