from django.urls import path

from groups import views

app_name = "groups"

urlpatterns = [
    path("", views.home, name="home"),
    path("groups/", views.group_list, name="list"),
    path("groups/<slug:slug>/", views.group_detail, name="detail"),
    path("regions/<slug:slug>/", views.region, name="region"),
    path("types/<slug:slug>/", views.group_type, name="type"),
    path("organizations/<slug:slug>/", views.organization, name="organization"),
]
